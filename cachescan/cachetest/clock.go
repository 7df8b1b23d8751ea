package cachetest

import (
	"fmt"
	"os"
	"time"

	"modscope/cachescan"
)

// Reference is the instant tests take as now unless MODSCOPE_TEST_NOW says
// otherwise: 2026-01-15 12:00 UTC. Golden files show the fixtures' times as
// at Reference, whatever the clock.
func Reference() time.Time { return time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC) }

// testNow is read once, before any test runs, and never changed.
var testNow = parseTestNow(os.Getenv("MODSCOPE_TEST_NOW"))

// parseTestNow reads MODSCOPE_TEST_NOW: an RFC 3339 time, or a date for
// noon UTC that day; empty is Reference.
func parseTestNow(s string) time.Time {
	if s == "" {
		return Reference()
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC()
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Add(12 * time.Hour)
	}
	panic(fmt.Sprintf("MODSCOPE_TEST_NOW=%q: not an RFC 3339 time (2031-07-01T12:00:00Z) or a date (2031-07-01)", s))
}

// Now is the one "now" of every test: the kit dates what it writes from it
// and tests scan with Clock, which is stopped at it, so that ages come out
// the same on any day and on any machine. It is Reference, or the instant
// MODSCOPE_TEST_NOW names: MODSCOPE_TEST_NOW=2031-07-01 go test ./... runs
// the suite five years later, without touching the system's clock.
func Now() time.Time { return testNow }

// Clock is a clock stopped at Now, for the scans, plans and verifies of tests.
func Clock() cachescan.Clock { return cachescan.Fixed(testNow) }

// Written is when the kit's files were written, by Now: two days before,
// well past every window in which the scanner and verify take a file for one
// a go command may still be writing.
func Written() time.Time { return testNow.Add(-48 * time.Hour) }
