package actions

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// offlineFixture makes a project that imports one module and, in a test
// only, another; it requires a third only for the module graph. The real
// go command fills the cache from a file:// proxy.
func offlineFixture(t *testing.T) (c *cachetest.Cache, proj string, env []string) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	c = cachetest.New(t)
	root := t.TempDir()
	proxy := filepath.Join(root, "proxy")
	graphOnly := cachetest.Mod("example.com/graphonly", "v1.0.0")
	lib := cachetest.Mod("example.com/lib", "v1.2.0")
	lib.Files["go.mod"] = "module example.com/lib\n\ngo 1.21\n\nrequire example.com/graphonly v1.0.0\n"
	testdep := cachetest.Mod("example.com/testdep", "v0.3.0")
	cachetest.WriteProxy(t, proxy, graphOnly, lib, testdep)
	proj = filepath.Join(root, "proj")
	os.MkdirAll(proj, 0o777)
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(proj, name), []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/proj\n\ngo 1.21\n\nrequire (\n\texample.com/lib v1.2.0\n\texample.com/testdep v0.3.0\n)\n")
	write("main.go", "package main\n\nimport \"example.com/lib\"\n\nfunc main() { println(lib.Hello()) }\n")
	write("main_test.go", "package main\n\nimport (\n\t\"testing\"\n\n\ttestdep \"example.com/testdep\"\n)\n\nfunc TestHello(t *testing.T) { _ = testdep.Hello() }\n")
	env = []string{"GOPROXY=file://" + filepath.ToSlash(proxy), "GOSUMDB=off", "GOFLAGS=-mod=mod",
		"GOMODCACHE=" + c.ModCache, "GOCACHE=" + c.BuildCache, "GOPATH=" + filepath.Join(root, "gopath"),
		"GOTOOLCHAIN=local", "GOWORK=off", "GOENV=off", "HOME=" + root, "PATH=" + os.Getenv("PATH")}
	goRun(t, proj, env, "mod", "tidy")
	// A require the build reads only the go.mod of.
	goRun(t, proj, env, "get", "example.com/graphonly@v1.0.0")
	goRun(t, proj, env, "test", "./...")
	return c, proj, env
}

func goRun(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func offlineReport(t *testing.T, c *cachetest.Cache, proj string) (*cachescan.Snapshot, *OfflineReport) {
	t.Helper()
	env := cachescan.Env{GOSUMDB: "off"}
	t.Setenv("GOSUMDB", "off")
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOENV", "off")
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Clock: cachetest.Clock(), Env: env, ModCache: c.ModCache, BuildCache: c.BuildCache, ProjectDir: proj})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Offline(context.Background(), snap)
	if err != nil {
		t.Fatal(err)
	}
	return snap, rep
}

func TestOfflineReadyAndExport(t *testing.T) {
	c, proj, env := offlineFixture(t)
	gomod, _ := os.ReadFile(filepath.Join(proj, "go.mod"))
	gosum, _ := os.ReadFile(filepath.Join(proj, "go.sum"))
	snap, rep := offlineReport(t, c, proj)
	if !rep.Ready {
		t.Fatalf("not ready: %+v", rep)
	}
	byPath := map[string]OfflineModule{}
	for _, m := range rep.Modules {
		byPath[m.Path] = m
	}
	if len(byPath) != 3 || !byPath["example.com/lib"].Packages || !byPath["example.com/testdep"].Packages || byPath["example.com/graphonly"].Packages {
		t.Errorf("modules = %+v", rep.Modules)
	}
	if after, _ := os.ReadFile(filepath.Join(proj, "go.mod")); string(after) != string(gomod) {
		t.Error("the offline check changed go.mod")
	}
	if after, _ := os.ReadFile(filepath.Join(proj, "go.sum")); string(after) != string(gosum) {
		t.Error("the offline check changed go.sum")
	}

	export := filepath.Join(t.TempDir(), "export")
	res, err := Export(snap, rep, export)
	if err != nil {
		t.Fatal(err)
	}
	if res.Versions != 3 || res.Zips != 2 {
		t.Errorf("export = %+v", res)
	}
	if _, err := os.Stat(filepath.Join(export, "README.txt")); err != nil {
		t.Error(err)
	}
	// Another machine: an empty module cache, only the export as a proxy.
	fresh := t.TempDir()
	var env2 []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "GOPROXY=") && !strings.HasPrefix(kv, "GOMODCACHE=") && !strings.HasPrefix(kv, "GOCACHE=") {
			env2 = append(env2, kv)
		}
	}
	// As the export's README says: no -mod=mod, so go.sum checks it all.
	env2 = append(env2, "GOPROXY=file://"+filepath.ToSlash(export), "GOMODCACHE="+filepath.Join(fresh, "mod"),
		"GOCACHE="+filepath.Join(fresh, "cache"), "GOFLAGS=-mod=readonly")
	goRun(t, proj, env2, "build", "./...")
	goRun(t, proj, env2, "test", "./...")
	cachetest.MakeWritable(fresh)

	if _, err := Export(snap, rep, export); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("export into a non-empty directory: %v", err)
	}
}

func TestOfflineNotReady(t *testing.T) {
	c, proj, _ := offlineFixture(t)
	// The test dependency loses its zip and tree (only .mod is left), and
	// the library's zip is corrupted with its tree gone.
	td := cachetest.Paths(c.ModCache, cachetest.Mod("example.com/testdep", "v0.3.0"))
	cachetest.MakeWritable(td.Dir)
	os.RemoveAll(td.Dir)
	os.Remove(td.Zip)
	os.Remove(td.ZipHash)
	lib := cachetest.Paths(c.ModCache, cachetest.Mod("example.com/lib", "v1.2.0"))
	cachetest.MakeWritable(lib.Dir)
	os.RemoveAll(lib.Dir)
	os.WriteFile(lib.Zip, []byte("not a zip"), 0o666)

	snap, rep := offlineReport(t, c, proj)
	if rep.Ready {
		t.Fatalf("ready with a corrupt and a missing zip: %+v", rep)
	}
	states := map[string]string{}
	for _, m := range rep.Modules {
		states[m.Path] = m.State
	}
	for _, e := range rep.Errors {
		// The fetch of the zip that went is refused: its error is a
		// finding, the "go: downloading" before it is not.
		if strings.HasPrefix(e, "go: downloading") {
			t.Errorf("progress noise among the errors: %q", rep.Errors)
		}
	}
	if states["example.com/lib"] != StateDamaged || states["example.com/testdep"] != StateIncomplete || states["example.com/graphonly"] != StateReady {
		t.Errorf("states = %v", states)
	}
	if _, err := Export(snap, rep, filepath.Join(t.TempDir(), "x")); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("export of a damaged entry: %v", err)
	}
}

func TestOfflineNeedsAProject(t *testing.T) {
	if _, err := Offline(context.Background(), &cachescan.Snapshot{}); err == nil {
		t.Error("no project, no error")
	}
}

// TestOfflineJudgesLikeTheUsersBuild: a go.sum that lacks a line makes the
// user's (-mod=readonly) build fail offline, so it is not ready; and a
// workspace is checked too.
func TestOfflineJudgesLikeTheUsersBuild(t *testing.T) {
	c, proj, _ := offlineFixture(t)
	sum, _ := os.ReadFile(filepath.Join(proj, "go.sum"))
	var kept []string
	for _, l := range strings.Split(string(sum), "\n") {
		if !strings.HasPrefix(l, "example.com/lib v1.2.0 h1:") {
			kept = append(kept, l)
		}
	}
	os.WriteFile(filepath.Join(proj, "go.sum"), []byte(strings.Join(kept, "\n")), 0o666)
	_, rep := offlineReport(t, c, proj)
	if rep.Ready || !strings.Contains(strings.Join(rep.Errors, "\n"), "missing go.sum entry") {
		t.Errorf("a go.sum without the library's line: ready %v, errors %q", rep.Ready, rep.Errors)
	}
	if after, _ := os.ReadFile(filepath.Join(proj, "go.sum")); string(after) != strings.Join(kept, "\n") {
		t.Error("the offline check rewrote go.sum")
	}
	os.WriteFile(filepath.Join(proj, "go.sum"), sum, 0o666)

	ws := filepath.Dir(proj)
	os.WriteFile(filepath.Join(ws, "go.work"), []byte("go 1.21\n\nuse ./proj\n"), 0o666)
	_, rep = offlineReport(t, c, ws)
	if !rep.Ready || len(rep.Modules) != 3 {
		t.Errorf("workspace: ready %v, modules %+v, errors %q", rep.Ready, rep.Modules, rep.Errors)
	}
}
