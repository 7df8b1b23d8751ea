package cachetest

import (
	"fmt"
	"os"
	"os/exec"
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

// Elsewhen is an instant years away from Now: 2031-07-01 12:00 UTC, or
// Reference when the clock is already moved from it. RerunAt runs tests
// there, so that every go test runs them at two clocks.
func Elsewhen() time.Time {
	if testNow.Equal(Reference()) {
		return time.Date(2031, 7, 1, 12, 0, 0, 0, time.UTC)
	}
	return Reference()
}

// RerunAt runs the tests that match pattern again, t's own left out, in a
// new process of the test binary whose clock is at when (MODSCOPE_TEST_NOW),
// and fails t with their output if they fail there: the proof that what
// they expect depends on no date. They run from the same directory, so
// they compare with the same golden files; -update is not passed on.
func RerunAt(t interface {
	T
	Name() string
}, when time.Time, pattern string) {
	t.Helper()
	at := when.UTC().Format(time.RFC3339)
	cmd := exec.Command(os.Args[0], "-test.run", pattern, "-test.skip", "^"+t.Name()+"$", "-test.count", "1")
	cmd.Env = append(os.Environ(), "MODSCOPE_TEST_NOW="+at)
	if dir := sharedWarmCache(); dir != "" {
		cmd.Env = append(cmd.Env, warmEnvVar+"="+dir)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatal(fmt.Sprintf("at %s, the tests %s fail (%v); run them there with MODSCOPE_TEST_NOW=%s:\n%s", at, pattern, err, at, out))
	}
}
