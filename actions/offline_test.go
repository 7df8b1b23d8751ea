package actions

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"

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
	proj, env = libProject(t, c, root, proxy)
	goRun(t, proj, env, "mod", "tidy")
	// A require the build reads only the go.mod of.
	goRun(t, proj, env, "get", "example.com/graphonly@v1.0.0")
	goRun(t, proj, env, "test", "./...")
	return c, proj, env
}

func goRun(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	if err := cachetest.WarmEnv(env); err != nil {
		t.Fatalf("warming the build cache: %v", err)
	}
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
	states := map[string]Readiness{}
	for _, m := range rep.Modules {
		states[m.Path] = m.State
	}
	for _, e := range rep.Errors {
		// The fetch of the zip that went is refused: its error is a
		// finding, the "go: downloading" before it is not.
		if strings.HasPrefix(e.Text, "go: downloading") {
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
	if rep.Ready || !strings.Contains(errorsText(rep), "missing go.sum entry") {
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

func errorsText(rep *OfflineReport) string {
	var b strings.Builder
	for _, e := range rep.Errors {
		b.WriteString(e.Text + "\n")
	}
	return b.String()
}

// libProject writes, under root, the project of offlineFixture and
// depFixture: it imports example.com/lib v1.2.0 and, in a test,
// example.com/testdep v0.3.0; env is the go command's, on the cache c with
// the file:// proxy at proxy.
func libProject(t *testing.T, c *cachetest.Cache, root, proxy string) (proj string, env []string) {
	t.Helper()
	proj = filepath.Join(root, "proj")
	os.MkdirAll(proj, 0o777)
	for name, content := range map[string]string{
		"go.mod":       "module example.com/proj\n\ngo 1.21\n\nrequire (\n\texample.com/lib v1.2.0\n\texample.com/testdep v0.3.0\n)\n",
		"main.go":      "package main\n\nimport \"example.com/lib\"\n\nfunc main() { println(lib.Hello()) }\n",
		"main_test.go": "package main\n\nimport (\n\t\"testing\"\n\n\ttestdep \"example.com/testdep\"\n)\n\nfunc TestHello(t *testing.T) { _ = testdep.Hello() }\n",
	} {
		if err := os.WriteFile(filepath.Join(proj, name), []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	env = []string{"GOPROXY=file://" + filepath.ToSlash(proxy), "GOSUMDB=off", "GOFLAGS=-mod=mod",
		"GOMODCACHE=" + c.ModCache, "GOCACHE=" + c.BuildCache, "GOPATH=" + filepath.Join(root, "gopath"),
		"GOTOOLCHAIN=local", "GOWORK=off", "GOENV=off", "HOME=" + root, "PATH=" + os.Getenv("PATH")}
	return proj, env
}

// depFixture makes a project that imports example.com/lib, which imports
// example.com/dep (an indirect require of the project), and in a test
// example.com/testdep. The real go command fills the cache from a file://
// proxy and extracts every tree.
func depFixture(t *testing.T) (c *cachetest.Cache, proj string, env []string) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	c = cachetest.New(t)
	root := t.TempDir()
	proxy := filepath.Join(root, "proxy")
	dep := cachetest.Mod("example.com/dep", "v1.0.0")
	dep.Files["lib.go"] = "package dep\n\nfunc Hello() string { return \"dep\" }\n"
	lib := cachetest.Mod("example.com/lib", "v1.2.0")
	lib.Files["go.mod"] = "module example.com/lib\n\ngo 1.21\n\nrequire example.com/dep v1.0.0\n"
	lib.Files["lib.go"] = "package lib\n\nimport \"example.com/dep\"\n\nfunc Hello() string { return dep.Hello() }\n"
	testdep := cachetest.Mod("example.com/testdep", "v0.3.0")
	cachetest.WriteProxy(t, proxy, dep, lib, testdep)
	proj, env = libProject(t, c, root, proxy)
	goRun(t, proj, env, "mod", "tidy")
	goRun(t, proj, env, "list", "-deps", "-test", "./...")
	if gomod, _ := os.ReadFile(filepath.Join(proj, "go.mod")); !strings.Contains(string(gomod), "example.com/dep v1.0.0 // indirect") {
		t.Fatalf("the fixture's go.mod has no indirect require of example.com/dep:\n%s", gomod)
	}
	return c, proj, env
}

// offlineGo runs the go command as a user's offline build does: the
// network off, GOFLAGS empty so that the go command's defaults apply
// (-mod=readonly, or -mod=vendor with vendor/modules.txt).
func offlineGo(proj string, env []string, args ...string) (string, error) {
	var e []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "GOPROXY=") && !strings.HasPrefix(kv, "GOFLAGS=") {
			e = append(e, kv)
		}
	}
	cachetest.WarmEnv(e) // only a slower build when it fails
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = proj, append(e, "GOPROXY=off", "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// setGoSum sets the hash of a go.sum line ("path version[/go.mod]"), or
// removes the line when sum is "".
func setGoSum(t *testing.T, proj, key, sum string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(proj, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	found := false
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, key+" ") {
			l, found = key+" "+sum, true
			if sum == "" {
				continue // the line goes
			}
		}
		lines = append(lines, l)
	}
	if !found {
		t.Fatalf("go.sum has no %s line", key)
	}
	os.WriteFile(filepath.Join(proj, "go.sum"), []byte(strings.Join(lines, "\n")), 0o666)
}

// TestOfflineAnswersOnDamage: each kind of damage, on a module the
// project requires directly (lib) and on an indirect one (dep), gives a
// verdict, never an error: the damaged version with why, the go command's
// error explained, and the other versions judged too.
func TestOfflineAnswersOnDamage(t *testing.T) {
	const wrong = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	damages := []struct {
		name  string
		do    func(t *testing.T, e *cachetest.Entry, proj string)
		state Readiness
		// reason is in the version's reason; errShape in an explained
		// error of the go command naming it.
		reason, errShape string
	}{
		{"mod-edited", func(t *testing.T, e *cachetest.Entry, proj string) {
			f, _ := os.OpenFile(e.Mod, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("\nrequire example.com/elsewhere v1.0.0\n")
			f.Close()
		}, StateDamaged, "mod-modified", "/go.mod: checksum mismatch"},
		{"mod-unparsable", func(t *testing.T, e *cachetest.Entry, proj string) {
			os.WriteFile(e.Mod, []byte("module "+e.Path+"\n\nrequire (\n"), 0o666)
		}, StateDamaged, "mod-", "checksum mismatch"},
		{"mod-unparsable-no-gosum-line", func(t *testing.T, e *cachetest.Entry, proj string) {
			// Without a go.sum line to disagree with, the go command
			// parses the .mod and says so.
			os.WriteFile(e.Mod, []byte("module "+e.Path+"\n\nrequire (\n"), 0o666)
			setGoSum(t, proj, e.Path+" "+e.Version+"/go.mod", "")
		}, StateDamaged, "mod-invalid", "parsing go.mod"},
		{"gosum-zip-line", func(t *testing.T, e *cachetest.Entry, proj string) {
			setGoSum(t, proj, e.Path+" "+e.Version, wrong)
		}, StateDamaged, "gosum-mismatch", "checksum mismatch"},
		{"gosum-gomod-line", func(t *testing.T, e *cachetest.Entry, proj string) {
			setGoSum(t, proj, e.Path+" "+e.Version+"/go.mod", wrong)
		}, StateDamaged, "go.sum looks wrong", "/go.mod: checksum mismatch"},
		{"missing", func(t *testing.T, e *cachetest.Entry, proj string) {
			cachetest.MakeWritable(e.Dir)
			os.RemoveAll(e.Dir)
			os.RemoveAll(e.DL)
		}, StateMissing, "not in the module cache", "module lookup disabled"},
		{"no-ziphash", func(t *testing.T, e *cachetest.Entry, proj string) {
			os.Remove(e.ZipHash)
		}, StateReady, "", ""},
	}
	for _, d := range damages {
		for _, target := range []cachetest.Module{cachetest.Mod("example.com/lib", "v1.2.0"), cachetest.Mod("example.com/dep", "v1.0.0")} {
			t.Run(d.name+"/"+strings.TrimPrefix(target.Path, "example.com/"), func(t *testing.T) {
				c, proj, env := depFixture(t)
				d.do(t, cachetest.Paths(c.ModCache, target), proj)
				_, rep := offlineReport(t, c, proj)
				byPath := map[string]OfflineModule{}
				for _, m := range rep.Modules {
					byPath[m.Path] = m
				}
				got := byPath[target.Path]
				if got.State != d.state || !strings.Contains(got.Reason, d.reason) {
					t.Errorf("%s: state %q, reason %q; want %q with %q", target.Path, got.State, got.Reason, d.state, d.reason)
				}
				// The rest of the verdict is there: every version the
				// build needs, the others ready.
				for _, p := range []string{"example.com/lib", "example.com/dep", "example.com/testdep"} {
					if m, ok := byPath[p]; !ok {
						t.Errorf("%s missing from the verdict: %+v", p, rep.Modules)
					} else if p != target.Path && m.State != StateReady {
						t.Errorf("%s is %s (%s), but only %s was damaged", p, m.State, m.Reason, target.Path)
					}
				}
				if d.name == "missing" && target.Path == "example.com/lib" {
					// Nothing of lib is left to say what it imports:
					// the verdict says so.
					if !strings.Contains(strings.Join(rep.Notes, "\n"), "could not be followed") {
						t.Errorf("no note that lib's imports could not be followed: %q", rep.Notes)
					}
				} else if !byPath["example.com/testdep"].Packages || !byPath["example.com/dep"].Packages {
					t.Errorf("the packages the build imports were not all followed: %+v", rep.Modules)
				}
				if d.state == StateReady {
					if !rep.Ready {
						t.Errorf("not ready: %+v", rep)
					}
					// The go command agrees: it builds and tests offline.
					if out, err := offlineGo(proj, env, "test", "./..."); err != nil {
						t.Errorf("GOPROXY=off go test: %v\n%s", err, out)
					}
					return
				}
				if rep.Ready {
					t.Fatalf("ready with %s damaged: %+v", target.Path, rep)
				}
				explained := false
				for _, e := range rep.Errors {
					if strings.Contains(e.Text, d.errShape) && len(e.Explanations) > 0 {
						explained = true
					}
				}
				if !explained {
					t.Errorf("no explained go error with %q: %+v", d.errShape, rep.Errors)
				}
				// The go command agrees: it cannot build offline.
				if out, err := offlineGo(proj, env, "build", "./..."); err == nil {
					t.Errorf("GOPROXY=off go build succeeds although offline says not ready:\n%s", out)
				}
			})
		}
	}
}

// TestOfflineVendor: with vendor/modules.txt and go 1.14 or later the go
// command builds with -mod=vendor, from vendor/ alone: ready with an
// empty module cache; a vendored file that differs from the cache's copy
// is named; vendor/ that disagrees with go.mod is not ready, with the go
// command's own message.
func TestOfflineVendor(t *testing.T) {
	c, proj, env := depFixture(t)
	goRun(t, proj, env, "mod", "vendor")

	// An empty module cache: the go command never reads it.
	empty := cachetest.New(t)
	_, rep := offlineReport(t, empty, proj)
	if !rep.Ready || rep.Mode != ModeVendor || rep.Vendor == nil || !rep.Vendor.Consistent || len(rep.Modules) != 3 {
		t.Fatalf("vendored project, empty module cache: %+v", rep)
	}
	for _, m := range rep.Modules {
		if !m.Vendored || m.State != StateReady {
			t.Errorf("%+v", m)
		}
	}
	var e []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "GOMODCACHE=") {
			e = append(e, kv)
		}
	}
	// The go command agrees.
	if out, err := offlineGo(proj, append(e, "GOMODCACHE="+empty.ModCache), "build", "./..."); err != nil {
		t.Errorf("GOPROXY=off go build with an empty module cache: %v\n%s", err, out)
	}
	if len(rep.Vendor.Uncompared) != 3 {
		t.Errorf("uncompared = %q, want all three (the cache is empty)", rep.Vendor.Uncompared)
	}

	// A vendored file edited: still ready (the build uses it), but said.
	if rep.Vendor.Differs == nil || len(rep.Vendor.Differs) != 0 {
		t.Errorf("differs = %+v", rep.Vendor.Differs)
	}
	dep := filepath.Join(proj, "vendor", "example.com", "dep", "lib.go")
	data, _ := os.ReadFile(dep)
	os.WriteFile(dep, append(data, "\n// edited\n"...), 0o666)
	_, rep = offlineReport(t, c, proj)
	if !rep.Ready || len(rep.Vendor.Differs) != 1 || rep.Vendor.Differs[0].Package != "example.com/dep" ||
		!strings.Contains(rep.Vendor.Differs[0].Detail, "changed: lib.go") || !strings.Contains(rep.Vendor.Differs[0].Detail, "matches go.sum") {
		t.Errorf("an edited vendored file: ready %v, differs %+v", rep.Ready, rep.Vendor.Differs)
	}
	os.WriteFile(dep, data, 0o666)

	// vendor/modules.txt no longer says lib is an explicit require.
	mt := filepath.Join(proj, "vendor", "modules.txt")
	txt, _ := os.ReadFile(mt)
	os.WriteFile(mt, []byte(strings.Replace(string(txt), "# example.com/lib v1.2.0\n## explicit; go 1.21\n", "# example.com/lib v1.2.0\n## go 1.21\n", 1)), 0o666)
	out, err := offlineGo(proj, env, "build", "./...")
	if err == nil || !strings.Contains(out, "inconsistent vendoring") {
		t.Fatalf("the fixture's vendor/ is not inconsistent: %v\n%s", err, out)
	}
	_, rep = offlineReport(t, c, proj)
	if rep.Ready || rep.Vendor.Consistent || len(rep.Errors) == 0 || !strings.Contains(rep.Errors[0].Text, "inconsistent vendoring") ||
		!strings.Contains(rep.Errors[0].Text, "example.com/lib@v1.2.0: is explicitly required in go.mod") || len(rep.Errors[0].Explanations) == 0 {
		t.Errorf("inconsistent vendor/: %+v", rep)
	}
	for _, m := range rep.Modules {
		if (m.Path == "example.com/lib") != (m.State == StateDamaged) {
			t.Errorf("inconsistent vendor/: %+v", m)
		}
	}

	// GOFLAGS=-mod=mod: the module cache, not vendor/.
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Env: cachescan.Env{GOSUMDB: "off", GOFLAGS: "-mod=mod"}, ModCache: c.ModCache, BuildCache: c.BuildCache, ProjectDir: proj})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := Offline(context.Background(), snap); err != nil || rep.Mode != ModeModule || rep.Vendor != nil {
		t.Errorf("GOFLAGS=-mod=mod: %v %+v", err, rep)
	}
}

// TestOfflineToolchainSwitch: a project whose toolchain line names a
// toolchain newer than the local go needs the go command to switch to it.
// With the network off it uses the cached toolchain and authenticates it
// from the cached checksum-database lookup (toolchains are always checked
// against the checksum database, even with GOSUMDB=off, which refuses
// them): offline must not break that. The toolchain is a fake one served
// once by a local proxy with its own checksum database; its bin/go runs
// the real go command.
func TestOfflineToolchainSwitch(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	if runtime.GOOS == "windows" {
		t.Skip("the fake toolchain's bin/go is a shell script")
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	realGo := filepath.Join(strings.TrimSpace(string(goroot)), "bin", "go")
	c := cachetest.New(t)
	root := t.TempDir()
	tc := cachetest.Module{Path: "golang.org/toolchain", Version: "v0.0.1-go1.99.0." + runtime.GOOS + "-" + runtime.GOARCH, Files: map[string]string{
		"go.mod":          "module golang.org/toolchain\n",
		"bin/go":          "#!/bin/sh\nunset GOROOT GOTOOLCHAIN_INTERNAL_SWITCH_VERSION GOTOOLCHAIN_INTERNAL_SWITCH_COUNT\nGOTOOLCHAIN=local exec " + realGo + " \"$@\"\n",
		"VERSION":         "go1.99.0\n",
		"pkg/tool/README": "tools\n",
		"bin/gofmt":       "#!/bin/sh\n",
		"lib/README":      "lib\n",
	}}
	proxy := filepath.Join(root, "proxy")
	cachetest.WriteProxy(t, proxy, tc)
	e := cachetest.Paths(proxy, tc)
	zipSum, err := dirhash.HashZip(filepath.Join(proxy, "golang.org", "toolchain", "@v", tc.Version+".zip"), dirhash.DefaultHash)
	if err != nil {
		t.Fatal(err)
	}
	e.Sum, e.GoModSum = zipSum, cachetest.GoModSum(tc.Files["go.mod"])
	skey, vkey, err := note.GenerateKey(rand.Reader, "sum.example")
	if err != nil {
		t.Fatal(err)
	}
	ts := sumdb.NewTestServer(skey, func(path, vers string) ([]byte, error) {
		if path != tc.Path || vers != tc.Version {
			return nil, os.ErrNotExist
		}
		return []byte(path + " " + vers + " " + e.Sum + "\n" + path + " " + vers + "/go.mod " + e.GoModSum + "\n"), nil
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/sumdb/sum.example/supported", func(w http.ResponseWriter, r *http.Request) {})
	mux.Handle("/sumdb/sum.example/", http.StripPrefix("/sumdb/sum.example", sumdb.NewServer(ts)))
	mux.Handle("/", http.FileServer(http.Dir(proxy)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	proj := filepath.Join(root, "proj")
	os.MkdirAll(proj, 0o777)
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/proj\n\ngo 1.21\n\ntoolchain go1.99.0\n"), 0o666)
	os.WriteFile(filepath.Join(proj, "p.go"), []byte("package p\n"), 0o666)
	gopath := filepath.Join(root, "gopath")
	env := []string{"GOSUMDB=" + vkey, "GOFLAGS=", "GOMODCACHE=" + c.ModCache, "GOCACHE=" + c.BuildCache, "GOPATH=" + gopath,
		"GOTOOLCHAIN=auto", "GOWORK=off", "GOENV=off", "HOME=" + root, "PATH=" + os.Getenv("PATH")}
	// Once with the network: the go command fetches the toolchain,
	// checks it with the checksum database, and switches to it.
	if out := goRun(t, proj, append(env, "GOPROXY="+srv.URL), "list", "./..."); !strings.Contains(out, "example.com/proj") {
		t.Fatalf("the switch did not run the fake toolchain: %s", out)
	}
	srv.Close()
	// The go command switches offline, from the cache.
	if out, err := offlineGo(proj, env, "build", "./..."); err != nil {
		t.Fatalf("GOPROXY=off go build with a cached toolchain: %v\n%s", err, out)
	}

	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	scan := func(gosumdb string) *OfflineReport {
		t.Helper()
		t.Setenv("GOSUMDB", gosumdb)
		snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
			Env: cachescan.Env{GOSUMDB: gosumdb, GOPATH: gopath}, ModCache: c.ModCache, BuildCache: c.BuildCache, ProjectDir: proj})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Offline(context.Background(), snap)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	if rep := scan(vkey); !rep.Ready {
		t.Errorf("a cached toolchain switch: %+v", rep)
	}
	// With GOSUMDB=off the go command refuses the switch, and says why.
	if out, err := offlineGo(proj, append(env, "GOSUMDB=off"), "build", "./..."); err == nil {
		t.Fatalf("the go command switches with GOSUMDB=off: %s", out)
	}
	rep := scan("off")
	if rep.Ready || len(rep.Errors) == 0 || !strings.Contains(errorsText(rep), "GOSUMDB=off") || len(rep.Errors[0].Explanations) == 0 {
		t.Errorf("a toolchain switch with GOSUMDB=off: %+v", rep)
	}
}

// TestOfflineNeedsTheGoCommand: without a go command modscope cannot run
// the check, which is the one case for an error (exit 2), not a verdict.
func TestOfflineNeedsTheGoCommand(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Offline(context.Background(), &cachescan.Snapshot{Project: &cachescan.Project{Dir: t.TempDir()}})
	if err == nil || !strings.Contains(err.Error(), "PATH") {
		t.Errorf("no go command: %v", err)
	}
}

// TestOfflineProjectGoModBroken: a go.mod of the project's that does not
// parse is a verdict (not ready, with why), not a failure of modscope.
func TestOfflineProjectGoModBroken(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	c := cachetest.New(t)
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/p\n\ngo 1.21\n\nrequire (\n"), 0o666)
	_, rep := offlineReport(t, c, proj)
	if rep.Ready || len(rep.Errors) == 0 || !strings.Contains(rep.Errors[0].Text, "go.mod") || len(rep.Notes) == 0 {
		t.Errorf("a go.mod that does not parse: %+v", rep)
	}
}
