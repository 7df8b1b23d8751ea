package actions

import (
	"os"
	"strings"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestVerifyCountsRecentOutputs: a build output written within
// RecentOutputWindow of the clock may be mid-write, so verify leaves it
// unhashed, and says so in the report rather than silently; one written
// earlier is hashed. Both are damaged alike (same size, other bytes), so
// only hashing tells, and the clock is the test's, not the system's.
func TestVerifyCountsRecentOutputs(t *testing.T) {
	c := cachetest.New(t)
	damaged := func(key string, at time.Time) cachetest.Output {
		o := c.AddBuildEntry(key, []byte(key+" bytes"), at)
		if err := os.WriteFile(o.Path, []byte(strings.ToUpper(key)+" BYTES"), 0o666); err != nil {
			t.Fatal(err)
		}
		cachetest.Chtimes(t, o.Path, at)
		return o
	}
	recent := damaged("recent", cachetest.Now().Add(-time.Minute))
	older := damaged("older", cachetest.Now().Add(-5*time.Minute))
	_, rep := scanAndVerify(t, c, "")
	byPath := map[string][]string{}
	for _, p := range rep.Problems {
		byPath[p.Path] = append(byPath[p.Path], p.Kind)
	}
	if got := byPath[older.Path]; len(got) != 1 || got[0] != cachescan.KindOutputCorrupt {
		t.Errorf("the output written 5 minutes ago: %q, want it hashed and output-corrupt", got)
	}
	if got := byPath[recent.Path]; len(got) != 0 {
		t.Errorf("the output written a minute ago: %q, want it left alone", got)
	}
	if rep.SkippedRecent != 1 || rep.Outputs != 1 {
		t.Errorf("skippedRecent %d, outputs %d; want the recent one counted as skipped, the other as verified", rep.SkippedRecent, rep.Outputs)
	}
	if want := int64(RecentOutputWindow / time.Second); rep.RecentWindowSeconds != want || want != 120 {
		t.Errorf("recentWindowSeconds %d, RecentOutputWindow %v; want 2 minutes", rep.RecentWindowSeconds, RecentOutputWindow)
	}
}
