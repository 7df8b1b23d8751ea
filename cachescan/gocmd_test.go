package cachescan_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/lockedfile"

	"modscope/cachescan/cachetest"
)

// goEnv is an environment in which the real go command uses only the
// fixture caches and a file:// proxy: it never reaches the network.
func goEnv(c *cachetest.Cache, proxy, gopath string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOFLAGS", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOMODCACHE", "GOCACHE", "GOPATH", "GOTOOLCHAIN", "GOWORK", "GOENV", "GOINSECURE":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"GOPROXY=file://"+filepath.ToSlash(proxy), "GOSUMDB=off", "GOFLAGS=-mod=mod",
		"GOMODCACHE="+c.ModCache, "GOCACHE="+c.BuildCache, "GOPATH="+gopath,
		"GOTOOLCHAIN=local", "GOWORK=off", "GOENV=off",
	)
}

func runGo(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	if err := cachetest.WarmEnv(env); err != nil {
		t.Fatalf("warming the build cache: %v", err)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// writeProject makes a main module that imports the given modules' package.
func writeProject(t *testing.T, dir string, gomod string, imports ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n")
	for i, imp := range imports {
		b.WriteString("\tl" + string(rune('a'+i)) + " \"" + imp + "\"\n")
	}
	b.WriteString(")\n\nfunc main() {\n")
	for i := range imports {
		b.WriteString("\tprintln(l" + string(rune('a'+i)) + ".Hello())\n")
	}
	b.WriteString("}\n")
	for name, content := range map[string]string{"go.mod": gomod, "main.go": b.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWhatTheGoCommandWrites scans a cache filled by the real go command
// from a file:// proxy made by the kit: the scanner must agree with what the
// go command itself considers a healthy cache.
func TestWhatTheGoCommandWrites(t *testing.T) {
	c := cachetest.New(t)
	root := t.TempDir()
	proxy := filepath.Join(root, "proxy")
	cachetest.WriteProxy(t, proxy,
		cachetest.Mod("example.com/hello", "v1.0.0"),
		cachetest.Mod("example.com/hello", "v1.1.0"),
		cachetest.Mod("github.com/Upper/Case", "v0.2.0"),
	)
	proj := filepath.Join(root, "proj")
	writeProject(t, proj, "module example.com/proj\n\ngo 1.21\n\nrequire (\n\texample.com/hello v1.1.0\n\tgithub.com/Upper/Case v0.2.0\n)\n",
		"example.com/hello", "github.com/Upper/Case")
	env := goEnv(c, proxy, filepath.Join(root, "gopath"))
	// Graph-only metadata for an older version, then a real build.
	runGo(t, proj, env, "mod", "download", "-json", "example.com/hello@v1.0.0")
	tree := filepath.Join(c.ModCache, "example.com", "hello@v1.0.0")
	cachetest.MakeWritable(tree)
	if err := os.RemoveAll(tree); err != nil {
		t.Fatal(err)
	}
	runGo(t, proj, env, "build", "./...")

	snap := scan(t, c, proj)
	for _, p := range snap.Problems {
		t.Errorf("problem on a cache the go command wrote: %+v", p)
	}
	v := snap.ModCache.FindVersion("example.com/hello", "v1.1.0")
	if v == nil || v.State != "complete" || !v.HasInfo || !v.HasMod || !v.HasZip || !v.HasZipHash || !v.HasLock {
		t.Fatalf("example.com/hello@v1.1.0 = %+v", v)
	}
	if v := snap.ModCache.FindVersion("github.com/Upper/Case", "v0.2.0"); v == nil || v.State != "complete" {
		t.Errorf("github.com/Upper/Case@v0.2.0 = %+v", v)
	}
	if v := snap.ModCache.FindVersion("example.com/hello", "v1.0.0"); v == nil || v.State != "extractable" {
		t.Errorf("version downloaded and never built = %+v", v)
	}
	if snap.BuildCache.Entries == 0 {
		t.Error("build cache: no entries after a build")
	}
	pr := snap.Project
	if pr == nil || pr.Module != "example.com/proj" || len(pr.Requires) != 2 {
		t.Fatalf("project = %+v", pr)
	}
	for _, r := range pr.Requires {
		if !r.InCache || !r.Complete || r.State != "complete" {
			t.Errorf("require %+v: want complete in cache", r)
		}
	}
}

// TestExtractingIsNotAProblem holds the version lock the way a running go
// command does: a .partial then means "extracting", not a crash.
func TestExtractingIsNotAProblem(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/busy", "v1.0.0"))
	if err := os.WriteFile(e.Partial, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	unlock, err := lockedfile.MutexAt(e.Lock).Lock()
	if err != nil {
		t.Fatal(err)
	}
	// A download under way: the ziphash is written before the temp zip is
	// renamed into place.
	d := c.AddDownload(cachetest.Mod("example.com/downloading", "v1.0.0"))
	if err := os.Rename(d.Zip, d.Zip+"123456.tmp"); err != nil {
		t.Fatal(err)
	}
	unlock2, err := lockedfile.MutexAt(d.Lock).Lock()
	if err != nil {
		t.Fatal(err)
	}
	snap := scan(t, c, "")
	unlock()
	unlock2()
	for _, p := range snap.Problems {
		t.Errorf("problem while the lock is held: %+v", p)
	}
	if v := snap.ModCache.FindVersion(e.Path, e.Version); v.State != "extracting" {
		t.Errorf("state = %q, want extracting", v.State)
	}
	// Released: the marker is a crashed extraction, the temp zip a
	// leftover and the lone ziphash a missing zip.
	snap = scan(t, c, "")
	kinds := map[string]int{}
	for _, p := range snap.Problems {
		kinds[p.Kind]++
	}
	if len(snap.Problems) != 3 || kinds["dir-partial"] != 1 || kinds["tmp-leftover"] != 1 || kinds["zip-missing"] != 1 {
		t.Errorf("after unlock: %+v", snap.Problems)
	}
}

// TestGoRepairsWhatScanCallsPartial checks the dir-partial fix: the go
// command re-extracts a tree with a stale .partial, offline.
func TestGoRepairsWhatScanCallsPartial(t *testing.T) {
	c := cachetest.New(t)
	root := t.TempDir()
	e := c.Add(cachetest.Mod("example.com/hello", "v1.0.0"))
	if err := os.WriteFile(e.Partial, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if snap := scan(t, c, ""); len(snap.Problems) != 1 || snap.Problems[0].Kind != "dir-partial" {
		t.Fatalf("before: %+v", snap.Problems)
	}
	env := append(goEnv(c, filepath.Join(root, "noproxy"), filepath.Join(root, "gopath")), "GOPROXY=off")
	runGo(t, root, env, "mod", "download", "example.com/hello@v1.0.0")
	if snap := scan(t, c, ""); len(snap.Problems) != 0 {
		t.Fatalf("after go mod download: %+v", snap.Problems)
	}
}

// TestZeroTimeInfoIsNotAProblem: some registries (buf.build) serve a .info
// with a zero Time, and a .info may have no Time at all. The go command only
// needs the .info to unmarshal: it writes and uses such files as they are,
// offline too, so the scan must not call them invalid.
func TestZeroTimeInfoIsNotAProblem(t *testing.T) {
	c := cachetest.New(t)
	root := t.TempDir()
	proxy := filepath.Join(root, "proxy")
	zero := cachetest.Mod("example.com/zero", "v1.0.0")
	none := cachetest.Mod("example.com/none", "v1.0.0")
	cachetest.WriteProxy(t, proxy, zero, none)
	for file, info := range map[string]string{
		"example.com/zero/@v/v1.0.0.info": `{"Version":"v1.0.0","Time":"0001-01-01T00:00:00Z"}`,
		"example.com/none/@v/v1.0.0.info": `{"Version":"v1.0.0"}`,
	} {
		if err := os.WriteFile(filepath.Join(proxy, filepath.FromSlash(file)), []byte(info), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	proj := filepath.Join(root, "proj")
	writeProject(t, proj, "module example.com/proj\n\ngo 1.21\n\nrequire (\n\texample.com/zero v1.0.0\n\texample.com/none v1.0.0\n)\n",
		"example.com/zero", "example.com/none")
	env := goEnv(c, proxy, filepath.Join(root, "gopath"))
	runGo(t, proj, env, "build", "./...")
	// Whatever the go command wrote, a .info without Time is read as well.
	noTime := cachetest.Paths(c.ModCache, none).Info
	if err := os.WriteFile(noTime, []byte(`{"Version":"v1.0.0"}`), 0o666); err != nil {
		t.Fatal(err)
	}
	offline := append(env, "GOPROXY=off")
	out := runGo(t, proj, offline, "list", "-m", "-json", "example.com/zero@v1.0.0", "example.com/none@v1.0.0")
	if strings.Count(out, `"Version": "v1.0.0"`) != 2 {
		t.Fatalf("go list -m offline:\n%s", out)
	}
	runGo(t, proj, offline, "build", "./...")

	snap := scan(t, c, proj)
	for _, p := range snap.Problems {
		t.Errorf("problem on a .info the go command accepts: %+v", p)
	}
	for _, m := range []cachetest.Module{zero, none} {
		if v := snap.ModCache.FindVersion(m.Path, m.Version); v == nil || v.State != "complete" || !v.HasInfo {
			t.Errorf("%s@%s = %+v", m.Path, m.Version, v)
		}
	}
}
