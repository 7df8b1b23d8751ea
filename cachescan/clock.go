package cachescan

import "time"

// Clock tells a scan, and what is done with its snapshot, what time it is:
// the build cache's age buckets, the windows in which a go command may still
// be writing a file, the cut-off of a purge by age and the time go clean
// -testcache writes all measure from Clock.Now. The nil Clock is the
// system's; tests fix it, so that fixtures dated from the same clock scan
// the same on any day.
type Clock func() time.Time

// Now is the clock's time; the system's for the nil Clock.
func (c Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}

// Fixed is a clock stopped at t.
func Fixed(t time.Time) Clock {
	return func() time.Time { return t }
}
