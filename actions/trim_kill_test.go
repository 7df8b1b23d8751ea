//go:build unix

package actions

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// The child side of TestTrimKilledAnywhere.
const (
	trimChildMod   = "MODSCOPE_TRIM_CHILD_MODCACHE"
	trimChildGo    = "MODSCOPE_TRIM_CHILD_GOCACHE"
	trimChildProj  = "MODSCOPE_TRIM_CHILD_PROJECT"
	trimChildSince = "MODSCOPE_TRIM_CHILD_SINCE"
	trimChildStep  = "MODSCOPE_TRIM_CHILD_STEP"
)

// TestTrimChild is the trimming process of the kill tests; it does nothing
// in a normal run. It trims to a cap of one byte and, given a step, sends
// itself SIGKILL right after that step.
func TestTrimChild(t *testing.T) {
	mod := os.Getenv(trimChildMod)
	if mod == "" {
		t.Skip("the trimming process of TestTrimKilledAnywhere; run by it")
	}
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(),
		Env: cachescan.Env{GOVERSION: runtime.Version(), GOTOOLCHAIN: "local"}, ModCache: mod, BuildCache: os.Getenv(trimChildGo), ProjectDir: os.Getenv(trimChildProj)})
	if err != nil {
		t.Fatal(err)
	}
	since, err := time.Parse(time.RFC3339Nano, os.Getenv(trimChildSince))
	if err != nil {
		t.Fatal(err)
	}
	tp, err := PlanTrim(snap, TrimOptions{MaxSize: 1, UsedSince: since})
	if err != nil {
		t.Fatal(err)
	}
	if step := os.Getenv(trimChildStep); step != "" {
		killAt = func(s string) bool {
			if s == step {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
			return false
		}
	}
	for _, r := range tp.Purge.Execute() {
		if !r.Removed {
			t.Fatalf("not removed: %+v", r)
		}
	}
}

// TestTrimKilledAnywhere kills a trimming process with SIGKILL right
// after each step (inside the build-cache entries it removes, and at each
// step of removing an unneeded version with a big tree), then proves the
// go command builds the project offline from the caches left, compiling
// nothing, that it fetches the half-removed version whole again, and that
// a trim run again finishes.
func TestTrimKilledAnywhere(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kills 11 trims")
	}
	if _, err := exec.LookPath("cp"); err != nil {
		t.Skip("no cp to copy the fixture")
	}
	c, proj, env := offlineFixture(t)
	root := t.TempDir()
	proxy := filepath.Join(root, "proxy")
	unused := cachetest.Mod("example.com/unused", "v1.0.0")
	for i := 0; i < 2000; i++ {
		unused.Files[fmt.Sprintf("data/d%02d/f%04d.txt", i%20, i)] = strings.Repeat("u", i%300)
	}
	cachetest.WriteProxy(t, proxy, unused)
	c.Add(unused)
	restored := time.Now().Add(-10 * 24 * time.Hour)
	ageBuildCache(t, c.BuildCache, restored)
	offline := append(append([]string(nil), env...), "GOPROXY=off")
	since := time.Now()
	goRun(t, proj, offline, "build", "./...")
	// The junk, and the version downloaded, before the job.
	for i := 0; i < 10; i++ {
		c.AddBuildEntry(fmt.Sprint("junk ", i), []byte(strings.Repeat("j", 1000*i)), restored.Add(-time.Hour))
	}
	e := cachetest.Paths(c.ModCache, unused)
	for _, p := range []string{e.Info, e.Mod, e.Zip, e.ZipHash} {
		os.Chtimes(p, restored, restored)
	}

	saved := t.TempDir()
	for _, cp := range [][2]string{{c.ModCache, saved + "/mod"}, {c.BuildCache, saved + "/gocache"}} {
		if out, err := exec.Command("cp", "-a", cp[0], cp[1]).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v\n%s", err, out)
		}
	}
	t.Cleanup(func() { cachetest.MakeWritable(saved) })
	steps := []string{"entry", "partial", "writable", "half-tree", "tree", "v1.0.0.zip", "v1.0.0.ziphash", "v1.0.0.mod", "v1.0.0.info", "list"}
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			// The caches as they were before the trim, at their own
			// paths: compile actions are keyed on the source's path.
			mod, gocache := c.ModCache, c.BuildCache
			for _, cp := range [][2]string{{saved + "/mod", mod}, {saved + "/gocache", gocache}} {
				cachetest.MakeWritable(cp[1])
				if err := os.RemoveAll(cp[1]); err != nil {
					t.Fatal(err)
				}
				if out, err := exec.Command("cp", "-a", cp[0], cp[1]).CombinedOutput(); err != nil {
					t.Fatalf("cp: %v\n%s", err, out)
				}
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestTrimChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), trimChildMod+"="+mod, trimChildGo+"="+gocache, trimChildProj+"="+proj,
				trimChildSince+"="+since.Format(time.RFC3339Nano), trimChildStep+"="+step)
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			cmd.Run()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the trimming process was not killed at %s: %v\n%s", step, cmd.ProcessState, out.String())
			}
			here := append(append([]string(nil), offline...), "GOMODCACHE="+mod, "GOCACHE="+gocache)
			build := goRun(t, proj, here, "build", "-x", "./...")
			for _, line := range strings.Split(build, "\n") {
				if strings.Contains(line, "/compile ") || strings.Contains(line, "downloading") {
					t.Errorf("killed at %s, the next build ran: %s", step, line)
				}
			}
			// The go command fetches the half-removed version whole.
			fetch := append(append([]string(nil), env...), "GOMODCACHE="+mod, "GOCACHE="+gocache, "GOPROXY=file://"+filepath.ToSlash(proxy), "GOFLAGS=")
			goRun(t, t.TempDir(), fetch, "mod", "download", "example.com/unused@v1.0.0")
			after, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: mod, BuildCache: gocache})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range after.Problems {
				if p.Severity == cachescan.SeverityError {
					t.Errorf("killed at %s, then fetched: %s %s@%s %s: %s", step, p.Kind, p.Module, p.Version, p.Path, p.Detail)
				}
			}
			if v := after.ModCache.FindVersion("example.com/unused", "v1.0.0"); v == nil || !v.HasZip || !v.HasMod {
				t.Errorf("killed at %s and fetched again, the version is %+v", step, v)
			}
			// And a trim run again, not killed, finishes.
			cmd = exec.Command(os.Args[0], "-test.run=^TestTrimChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), trimChildMod+"="+mod, trimChildGo+"="+gocache, trimChildProj+"="+proj,
				trimChildSince+"="+since.Format(time.RFC3339Nano))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("the trim after the kill at %s: %v\n%s", step, err, out)
			}
		})
	}
}
