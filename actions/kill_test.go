//go:build unix

package actions

import (
	"bufio"
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

// The child side of the kill tests: this test binary, run again with
// these variables, purges one version and is killed while it does.
const (
	childMod    = "MODSCOPE_PURGE_CHILD_MODCACHE"
	childGo     = "MODSCOPE_PURGE_CHILD_GOCACHE"
	childTarget = "MODSCOPE_PURGE_CHILD_TARGET"
	childStep   = "MODSCOPE_PURGE_CHILD_STEP"
)

// TestPurgeChild is the purging process of the kill tests; it does nothing
// in a normal run. It says "ready" just before the purge starts and, given
// a step, sends itself SIGKILL right after that step.
func TestPurgeChild(t *testing.T) {
	mod := os.Getenv(childMod)
	if mod == "" {
		t.Skip("the purging process of TestPurgeKilled*; run by them")
	}
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Clock: cachetest.Clock(), Env: cachescan.Env{GOVERSION: runtime.Version()}, ModCache: mod, BuildCache: os.Getenv(childGo)})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Plan(snap, Targets{Patterns: []string{os.Getenv(childTarget)}, Metadata: true})
	if err != nil {
		t.Fatal(err)
	}
	if step := os.Getenv(childStep); step != "" {
		killAt = func(s string) bool {
			if s == step {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
			return false
		}
	}
	fmt.Println("ready")
	for _, r := range plan.Execute() {
		if !r.Removed {
			t.Fatalf("not removed: %+v", r)
		}
	}
}

// killFixture is a project whose one dependency, example.com/lib, has a
// tree of 3,000 files (a purge of it takes long enough to be killed half
// way), fetched and built by the go command from a file:// proxy.
func killFixture(t *testing.T) (c *cachetest.Cache, proj string, env []string) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	if _, err := exec.LookPath("cp"); err != nil {
		t.Skip("no cp to copy the fixture")
	}
	c = cachetest.New(t)
	root := t.TempDir()
	proxy := filepath.Join(root, "proxy")
	lib := cachetest.Mod("example.com/lib", "v1.2.0")
	for i := 0; i < 3000; i++ {
		lib.Files[fmt.Sprintf("data/d%02d/f%04d.txt", i%30, i)] = strings.Repeat("x", i%500)
	}
	cachetest.WriteProxy(t, proxy, lib)
	proj = filepath.Join(root, "proj")
	os.MkdirAll(proj, 0o777)
	for name, content := range map[string]string{
		"go.mod":  "module example.com/proj\n\ngo 1.21\n\nrequire example.com/lib v1.2.0\n",
		"main.go": "package main\n\nimport \"example.com/lib\"\n\nfunc main() { println(lib.Hello()) }\n",
	} {
		if err := os.WriteFile(filepath.Join(proj, name), []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	env = []string{"GOPROXY=file://" + filepath.ToSlash(proxy), "GOSUMDB=off", "GOFLAGS=-mod=mod",
		"GOMODCACHE=" + c.ModCache, "GOCACHE=" + c.BuildCache, "GOPATH=" + filepath.Join(root, "gopath"),
		"GOTOOLCHAIN=local", "GOWORK=off", "GOENV=off", "HOME=" + root, "PATH=" + os.Getenv("PATH"),
		// The go command's telemetry writes there after it exits: not
		// in the test's temporary directory, whose removal would race.
		"XDG_CONFIG_HOME=" + testConfigDir}
	goRun(t, proj, env, "mod", "tidy")
	goRun(t, proj, env, "build", "./...")
	return c, proj, env
}

// killRun is one purging child on a copy of the fixture's module cache.
type killRun struct {
	mod string
	cmd *exec.Cmd
	out *bufio.Reader
}

// startPurge copies the module cache and starts a child purging lib in
// it; it returns once the child is about to purge.
func startPurge(t *testing.T, c *cachetest.Cache, step string) *killRun {
	t.Helper()
	mod := filepath.Join(t.TempDir(), "mod")
	if out, err := exec.Command("cp", "-a", c.ModCache, mod).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	t.Cleanup(func() { cachetest.MakeWritable(mod) })
	cmd := exec.Command(os.Args[0], "-test.run=^TestPurgeChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childMod+"="+mod, childGo+"="+c.BuildCache,
		childTarget+"=example.com/lib@v1.2.0", childStep+"="+step)
	cmd.Stderr = os.Stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &killRun{mod: mod, cmd: cmd, out: bufio.NewReader(pipe)}
	line, err := r.out.ReadString('\n')
	if err != nil || line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the purging process did not start: %q %v", line, err)
	}
	return r
}

// wait reads the rest of the child's output and its end.
func (r *killRun) wait() (*os.ProcessState, string) {
	rest, _ := r.out.ReadString(0)
	r.cmd.Wait()
	return r.cmd.ProcessState, rest
}

// checkAfterKill proves the cache left by a killed purge is one the go
// command repairs or ignores by itself: it builds the project (fetching
// what it needs from the file:// proxy), and then the scan finds the
// version complete and no error.
func checkAfterKill(t *testing.T, mod, gocache, proj string, env []string) {
	t.Helper()
	goRun(t, proj, append(append([]string(nil), env...), "GOMODCACHE="+mod), "build", "./...")
	after, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: mod, BuildCache: gocache})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range after.Problems {
		if p.Severity == cachescan.SeverityError {
			t.Errorf("after the kill and a build: %s %s@%s: %s", p.Kind, p.Module, p.Version, p.Detail)
		}
	}
	if v := after.ModCache.FindVersion("example.com/lib", "v1.2.0"); v == nil || v.State != "complete" {
		t.Errorf("after the kill and a build, the version is %+v", v)
	}
}

// TestPurgeKilledAnywhere kills a purging process with SIGKILL right after
// each step of the protocol (the locks go with the process, as in a real
// kill), then proves the go command builds from that cache and leaves it
// whole.
func TestPurgeKilledAnywhere(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kills 9 purges")
	}
	c, proj, env := killFixture(t)
	lib := cachetest.Paths(c.ModCache, cachetest.Mod("example.com/lib", "v1.2.0"))
	steps := []string{"partial", "writable", "half-tree", "tree", "v1.2.0.zip", "v1.2.0.ziphash", "v1.2.0.mod", "v1.2.0.info", "list"}
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			r := startPurge(t, c, step)
			st, out := r.wait()
			if ws, ok := st.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the purging process was not killed at %s: %v\n%s", step, st, out)
			}
			partial := filepath.Join(r.mod, strings.TrimPrefix(lib.Partial, c.ModCache))
			if _, err := os.Stat(partial); err != nil {
				t.Fatalf("killed at %s, there is no .partial: %v", step, err)
			}
			checkAfterKill(t, r.mod, c.BuildCache, proj, env)
		})
	}
}

// TestPurgeKilledAtAnyInstant kills purging processes from outside at
// instants spread over a purge's duration (inside the removal of the
// tree, between files, while list is written) and checks the same.
func TestPurgeKilledAtAnyInstant(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("kills 8 purges")
	}
	c, proj, env := killFixture(t)
	lib := cachetest.Paths(c.ModCache, cachetest.Mod("example.com/lib", "v1.2.0"))
	// Kills at instants spread over a purge's duration (measured here,
	// from "ready"); a series where no kill lands inside a purge proves
	// nothing, so it is tried again, at most three times.
	const kills = 8
	interrupted := 0
	for series := 0; series < 3 && interrupted == 0; series++ {
		r := startPurge(t, c, "")
		start := time.Now()
		if st, out := r.wait(); !st.Success() {
			t.Fatalf("the purge failed: %v\n%s", st, out)
		}
		whole := time.Since(start)
		for i := 0; i < kills; i++ {
			after := whole * time.Duration(i) / kills
			t.Run(fmt.Sprint(after.Round(time.Microsecond)), func(t *testing.T) {
				r := startPurge(t, c, "")
				time.Sleep(after)
				r.cmd.Process.Signal(syscall.SIGKILL)
				r.wait()
				partial := filepath.Join(r.mod, strings.TrimPrefix(lib.Partial, c.ModCache))
				if _, err := os.Stat(partial); err == nil {
					interrupted++
				}
				checkAfterKill(t, r.mod, c.BuildCache, proj, env)
			})
		}
		t.Logf("series %d: a purge took %v; %d of %d kills interrupted one", series+1, whole, interrupted, kills)
	}
	if interrupted == 0 {
		t.Error("no kill landed inside a purge in three series: the test proved nothing")
	}
}
