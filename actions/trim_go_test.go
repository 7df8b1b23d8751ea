package actions

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// ageBuildCache sets the mtime of every build-cache entry to at, as a
// cache restored from an old CI run has them.
func ageBuildCache(t *testing.T, root string, at time.Time) {
	t.Helper()
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && isEntryName(d.Name()) {
			if err := os.Chtimes(path, at, at); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
}

// trimmedByGo is a project the real go command built and tested from a
// file:// proxy, its build cache aged as a restored one, junk added (an
// unneeded version, old entries), then built again in "this job" and
// trimmed to a cap below what the build uses.
func trimmedByGo(t *testing.T) (c *cachetest.Cache, proj string, offline []string, tp *TrimPlan) {
	t.Helper()
	c, proj, env := offlineFixture(t)
	unused := c.Add(cachetest.Mod("example.com/unused", "v1.0.0"))
	// The previous runs: ten days ago (by the go command's clock, the
	// system's: it dates what it uses).
	restored := time.Now().Add(-10 * 24 * time.Hour)
	for i := 0; i < 20; i++ {
		c.AddBuildEntry("junk "+string(rune('a'+i)), []byte(strings.Repeat("junk ", 100*i)), restored)
	}
	ageBuildCache(t, c.BuildCache, restored)
	offline = append(append([]string(nil), env...), "GOPROXY=off")
	// The job: its start recorded, then its build.
	start := time.Now()
	goRun(t, proj, offline, "build", "./...")

	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(),
		Env: cachescan.Env{GOVERSION: runtime.Version(), GOTOOLCHAIN: "local"}, ModCache: c.ModCache, BuildCache: c.BuildCache, ProjectDir: proj})
	if err != nil {
		t.Fatal(err)
	}
	tp, err = PlanTrim(snap, TrimOptions{MaxSize: 1, UsedSince: start})
	if err != nil {
		t.Fatal(err)
	}
	if tp.Build.Kept == 0 || tp.Build.Removed == 0 || tp.Mod.Removed != 1 {
		t.Fatalf("the plan keeps %d entries, removes %d entries and %d versions", tp.Build.Kept, tp.Build.Removed, tp.Mod.Removed)
	}
	if tp.Missed == 0 {
		t.Fatal("a cap of one byte is reached")
	}
	for _, r := range tp.Purge.Execute() {
		if !r.Removed {
			t.Fatalf("not removed: %+v", r)
		}
	}
	if _, err := os.Lstat(unused.Dir); err == nil {
		t.Error("the unneeded version stayed")
	}
	return c, proj, offline, tp
}

// TestTrimKeepsWhatTheBuildUsed: after a trim to a cap below what the
// job's build used, the same build offline compiles nothing (every
// action a cache hit) and downloads nothing; what it did not use is gone.
func TestTrimKeepsWhatTheBuildUsed(t *testing.T) {
	t.Parallel()
	c, proj, offline, _ := trimmedByGo(t)
	out := goRun(t, proj, offline, "build", "-x", "./...")
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "/compile ") || strings.Contains(line, "downloading") || strings.Contains(line, "/asm ") {
			t.Errorf("after the trim the build ran: %s", line)
		}
	}
	// What the build did not use is gone: the test binaries' entries of
	// go test, the junk.
	after, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range after.Problems {
		if p.Severity == cachescan.SeverityError {
			t.Errorf("after the trim: %s %s", p.Kind, p.Path)
		}
	}
	// go test does need what the build did not use: it compiles again.
	if out := goRun(t, proj, offline, "test", "-x", "./..."); !strings.Contains(out, "/compile ") {
		t.Error("go test compiled nothing: the trim kept the test's entries, which this build did not use")
	}
}
