package actions

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"
	"golang.org/x/mod/sumdb/dirhash"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

func scanAndVerify(t *testing.T, c *cachetest.Cache, project string, patterns ...string) (*cachescan.Snapshot, *VerifyReport) {
	t.Helper()
	env := cachescan.Env{GOVERSION: "go1.26.8", GOTOOLCHAIN: "local", GOHOSTOS: "linux", GOHOSTARCH: "amd64"}
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Clock: cachetest.Clock(), Env: env, ModCache: c.ModCache, BuildCache: c.BuildCache, ProjectDir: project})
	if err != nil {
		t.Fatal(err)
	}
	v := NewVerifier()
	rep, err := v.Verify(context.Background(), snap, VerifyOptions{Jobs: 3, Patterns: patterns})
	if err != nil {
		t.Fatal(err)
	}
	if p := v.Progress(); !p.Done || p.ItemsDone != p.Items || p.BytesDone < rep.Bytes {
		t.Errorf("progress at the end = %+v, report read %d bytes", p, rep.Bytes)
	}
	return snap, rep
}

func TestH1MatchesDirhash(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	buf := make([]byte, 4096)
	zs, err := zipSums(e.Zip, func(int64) error { return nil }, buf)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := h1(zs)
	want, _ := dirhash.HashZip(e.Zip, dirhash.DefaultHash)
	if got != want {
		t.Errorf("zip: h1 %s, dirhash %s", got, want)
	}
	ds, err := dirSums(e.Dir, "example.com/a@v1.0.0", nil, func(int64) error { return nil }, buf)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = h1(ds)
	want, _ = dirhash.HashDir(e.Dir, "example.com/a@v1.0.0", dirhash.DefaultHash)
	if got != want {
		t.Errorf("dir: h1 %s, dirhash %s", got, want)
	}
	if goModSum([]byte("module example.com/a\n")) != cachetest.GoModSum("module example.com/a\n") {
		t.Error("goModSum differs from the go.sum hash")
	}
}

func kinds(ps []cachescan.Problem) map[string][]string {
	out := map[string][]string{}
	for _, p := range ps {
		out[p.Kind] = append(out[p.Kind], p.Module+"@"+p.Version+" "+p.Detail)
	}
	return out
}

func TestVerifyFindsEveryDamage(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy() // toolchains and all: no false alarm
	edited := c.Add(cachetest.Mod("example.com/edited", "v1.0.0"))
	deleted := c.Add(cachetest.Mod("example.com/deleted", "v1.0.0"))
	added := c.Add(cachetest.Mod("example.com/added", "v1.0.0"))
	rezip := c.Add(cachetest.Mod("example.com/rezipped", "v1.0.0"))
	wrongsum := c.Add(cachetest.Mod("example.com/wrongsum", "v1.0.0"))
	badmod := c.Add(cachetest.Mod("example.com/badmod", "v1.0.0"))
	orphan := c.Add(cachetest.Mod("example.com/orphan", "v1.0.0"))

	cachetest.Writable(edited.Dir, func() {
		os.Chmod(filepath.Join(edited.Dir, "lib.go"), 0o644)
		os.WriteFile(filepath.Join(edited.Dir, "lib.go"), []byte("package lib // TAMPERED\n"), 0o444)
	})
	cachetest.Writable(deleted.Dir, func() { os.Remove(filepath.Join(deleted.Dir, "lib.go")) })
	cachetest.Writable(added.Dir, func() { os.WriteFile(filepath.Join(added.Dir, "extra.go"), []byte("package lib\n"), 0o444) })
	other := cachetest.Mod("example.com/rezipped", "v1.0.0")
	other.Files["lib.go"] = "package lib // rebuilt with other content\n"
	data, err := cachetest.ZipBytes(other)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(rezip.Zip, data, 0o666)
	// An orphan tree: nothing but go.sum can check it, and it was edited.
	os.Remove(orphan.Zip)
	os.Remove(orphan.ZipHash)
	cachetest.Writable(orphan.Dir, func() { os.WriteFile(filepath.Join(orphan.Dir, "junk.go"), []byte("package lib\n"), 0o444) })
	os.WriteFile(badmod.Mod, []byte("module example.com/badmod\n\nrequire example.com/x v1.0.0\n"), 0o666)
	// A build output with its size kept and its bytes changed.
	o := c.AddBuildEntry("archive", []byte("archive bytes"), cachetest.Written())
	os.WriteFile(o.Path, []byte("ARCHIVE BYTES"), 0o666)
	cachetest.Chtimes(t, o.Path, cachetest.Written())

	proj := t.TempDir()
	gomod := "module example.com/p\n\ngo 1.22\n\nrequire (\n"
	var sum strings.Builder
	for _, e := range []*cachetest.Entry{edited, deleted, added, rezip, badmod, orphan} {
		gomod += "\t" + e.Path + " " + e.Version + "\n"
		sum.WriteString(e.GoSum())
	}
	gomod += "\texample.com/wrongsum v1.0.0\n)\n"
	sum.WriteString("example.com/wrongsum v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
	sum.WriteString("example.com/wrongsum v1.0.0/go.mod " + wrongsum.GoModSum + "\n")
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte(gomod), 0o666)
	os.WriteFile(filepath.Join(proj, "go.sum"), []byte(sum.String()), 0o666)

	_, rep := scanAndVerify(t, c, proj)
	got := kinds(rep.Problems)
	want := map[string][]string{
		"dir-modified":   {"example.com/added@v1.0.0 added: extra.go", "example.com/deleted@v1.0.0 missing: lib.go", "example.com/edited@v1.0.0 changed: lib.go", "example.com/orphan@v1.0.0 go.sum"},
		"zip-modified":   {"example.com/rezipped@v1.0.0 go.sum agrees with the ziphash: the zip was changed"},
		"mod-modified":   {"example.com/badmod@v1.0.0"},
		"gosum-mismatch": {"example.com/wrongsum@v1.0.0"},
		"output-corrupt": {"@"},
	}
	for kind, ws := range want {
		gs := got[kind]
		sort.Strings(gs)
		if len(gs) != len(ws) {
			t.Errorf("%s: got %q, want %d like %q", kind, gs, len(ws), ws)
			continue
		}
		for i := range ws {
			subject, hint, _ := strings.Cut(ws[i], " ")
			if !strings.HasPrefix(gs[i], subject) || !strings.Contains(gs[i], hint) {
				t.Errorf("%s #%d: got %q, want %q", kind, i, gs[i], ws[i])
			}
		}
	}
	for kind := range got {
		if _, ok := want[kind]; !ok {
			t.Errorf("unexpected %s: %q", kind, got[kind])
		}
	}
	for _, p := range rep.Problems {
		if p.Fix == "" || p.Severity != cachescan.SeverityError {
			t.Errorf("problem without fix or with the wrong severity: %+v", p)
		}
	}
	if rep.Outputs == 0 || rep.Versions < 10 {
		t.Errorf("hashed %d versions and %d outputs", rep.Versions, rep.Outputs)
	}
}

func TestVerifyPatterns(t *testing.T) {
	for _, tt := range []struct {
		pattern, path, version string
		want                   bool
	}{
		{"example.com/a", "example.com/a", "v1.0.0", true},
		{"example.com/a", "example.com/ab", "v1.0.0", false},
		{"example.com/...", "example.com/a/b", "v1.0.0", true},
		{"example.com/a/...", "example.com/a", "v1.0.0", true},
		{"example.com/a@v1.0.0", "example.com/a", "v1.0.0", true},
		{"example.com/a@v1.0.0", "example.com/a", "v1.1.0", false},
		{"github.com/*/toml", "github.com/BurntSushi/toml", "v1.3.2", true},
		{"example.com/*", "example.com/a/b", "v1.0.0", true},
		{"example.com/*", "example.org/a", "v1.0.0", false},
	} {
		if got := Match([]string{tt.pattern}, tt.path, tt.version); got != tt.want {
			t.Errorf("Match(%q, %s@%s) = %v", tt.pattern, tt.path, tt.version, got)
		}
	}
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	c.Add(cachetest.Mod("example.com/b", "v1.0.0"))
	c.AddBuildEntry("x", []byte("x"), time.Time{})
	_, rep := scanAndVerify(t, c, "", "example.com/a")
	if rep.Versions != 1 || rep.Outputs != 0 {
		t.Errorf("pattern example.com/a: %d versions, %d outputs", rep.Versions, rep.Outputs)
	}
}

// TestAgreesWithGoModVerify damages a cache the real go command filled,
// runs go mod verify, and checks that every module it calls modified is one
// verify reports, for the same reason.
func TestAgreesWithGoModVerify(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	c := cachetest.New(t)
	root := t.TempDir()
	proxy := filepath.Join(root, "proxy")
	mods := []cachetest.Module{
		cachetest.Mod("example.com/one", "v1.0.0"),
		cachetest.Mod("example.com/two", "v1.0.0"),
		cachetest.Mod("example.com/three", "v1.0.0"),
	}
	cachetest.WriteProxy(t, proxy, mods...)
	proj := filepath.Join(root, "proj")
	os.MkdirAll(proj, 0o777)
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/p\n\ngo 1.22\n\nrequire (\n\texample.com/one v1.0.0\n\texample.com/two v1.0.0\n\texample.com/three v1.0.0\n)\n"), 0o666)
	os.WriteFile(filepath.Join(proj, "main.go"), []byte("package main\n\nimport (\n\t_ \"example.com/one\"\n\t_ \"example.com/two\"\n\t_ \"example.com/three\"\n)\n\nfunc main() {}\n"), 0o666)
	env := []string{"GOPROXY=file://" + filepath.ToSlash(proxy), "GOSUMDB=off", "GOFLAGS=-mod=mod", "GOMODCACHE=" + c.ModCache,
		"GOCACHE=" + c.BuildCache, "GOPATH=" + filepath.Join(root, "gopath"), "GOTOOLCHAIN=local", "GOWORK=off", "GOENV=off",
		"HOME=" + root, "PATH=" + os.Getenv("PATH")}
	goCmd := func(args ...string) (string, error) {
		cachetest.WarmEnv(env) // only a slower build when it fails
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = proj, env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := goCmd("build", "./..."); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	one := cachetest.Paths(c.ModCache, mods[0])
	two := cachetest.Paths(c.ModCache, mods[1])
	cachetest.Writable(one.Dir, func() {
		os.Chmod(filepath.Join(one.Dir, "lib.go"), 0o644)
		os.WriteFile(filepath.Join(one.Dir, "lib.go"), []byte("package lib\n// edited\n"), 0o644)
	})
	other := mods[1]
	other.Files = map[string]string{"lib.go": "package lib\n// another zip\n"}
	data, _ := cachetest.ZipBytes(other)
	os.WriteFile(two.Zip, data, 0o666)

	out, err := goCmd("mod", "verify")
	if err == nil {
		t.Fatalf("go mod verify found nothing:\n%s", out)
	}
	t.Logf("go mod verify:\n%s", out)
	_, rep := scanAndVerify(t, c, proj)
	found := map[string]bool{}
	for _, p := range rep.Problems {
		found[p.Module+" "+p.Kind] = true
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		kind := map[string]string{"zip": "zip-modified", "dir": "dir-modified"}[f[2]]
		if !found[f[0]+" "+kind] {
			t.Errorf("go mod verify says %q; verify did not report %s for %s (it found %+v)", line, kind, f[0], rep.Problems)
		}
	}
	if !found["example.com/one dir-modified"] || !found["example.com/two zip-modified"] {
		t.Errorf("verify missed damage go mod verify cannot see as well: %+v", rep.Problems)
	}
}

// TestZipCache: a second verify reads known zips raw instead of inflating
// them, and still catches a zip changed in place with its size kept.
func TestZipCache(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	c.Add(cachetest.Mod("example.com/b", "v1.0.0"))
	cacheFile := filepath.Join(t.TempDir(), "zips.json")
	run := func() *VerifyReport {
		snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := NewVerifier().Verify(context.Background(), snap, VerifyOptions{ZipCache: cacheFile})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	first := run()
	if _, err := os.Stat(cacheFile); err != nil || len(first.Problems) != 0 {
		t.Fatalf("first run: cache %v, problems %+v", err, first.Problems)
	}
	second := run()
	if second.Hashes["example.com/a@v1.0.0"].Zip != first.Hashes["example.com/a@v1.0.0"].Zip || len(second.Problems) != 0 {
		t.Errorf("second run: %+v", second)
	}
	// Same size, one byte different, inside an entry's compressed data:
	// the raw hash changes, so the zip is inflated again and caught.
	data, _ := os.ReadFile(e.Zip)
	var alt []byte
	for _, word := range []string{"hellp", "jello", "hallo", "hullo", "cello", "yello", "hello!"} {
		other := cachetest.Mod("example.com/a", "v1.0.0")
		other.Files["lib.go"] = strings.Replace(other.Files["lib.go"], "hello", word, 1)
		if z, _ := cachetest.ZipBytes(other); len(z) == len(data) {
			alt = z
			break
		}
	}
	if alt == nil {
		t.Skip("no same-size variant of the test zip")
	}
	os.WriteFile(e.Zip, alt, 0o666)
	third := run()
	if len(third.Problems) == 0 || third.Problems[0].Kind != cachescan.KindZipModified {
		t.Errorf("a zip changed in place went unnoticed: %+v", third.Problems)
	}
}

// TestSkipsVersionsBeingWritten: a version whose lock a go command holds is
// left alone, with a note, rather than reported from a half-written state.
func TestSkipsVersionsBeingWritten(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/busy", "v1.0.0"))
	c.Add(cachetest.Mod("example.com/idle", "v1.0.0"))
	os.WriteFile(e.Zip, []byte("half a zip"), 0o666)
	unlock, err := lockedfile.MutexAt(e.Lock).Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	_, rep := scanAndVerify(t, c, "")
	if len(rep.Skipped) != 1 || rep.Skipped[0].Module != "example.com/busy" || rep.Versions != 2 {
		t.Errorf("skipped %+v of %d versions", rep.Skipped, rep.Versions)
	}
	for _, p := range rep.Problems {
		if p.Module == "example.com/busy" {
			t.Errorf("a version being written was reported: %+v", p)
		}
	}
}

func TestVerifyCancel(t *testing.T) {
	c := cachetest.New(t)
	for i := 0; i < 20; i++ {
		c.Add(cachetest.Mod("example.com/m"+string(rune('a'+i)), "v1.0.0"))
	}
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v := NewVerifier()
	if _, err := v.Verify(ctx, snap, VerifyOptions{Jobs: 2}); err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if found := v.FoundSince(0); len(found) != 0 {
		t.Errorf("a cancelled verify reported %+v", found)
	}
}

// TestFIPS140Tree: the golang.org/fips140 tree is extracted from
// $GOROOT/lib/fips140, never downloaded: verify compares it with that zip,
// and the fix of an edited tree is to remove it (the go command extracts it
// again offline), never a download the proxy cannot serve.
func TestFIPS140Tree(t *testing.T) {
	c := cachetest.New(t)
	m := cachetest.Module{Path: "golang.org/fips140", Version: "v1.0.0-0123abcd", Files: map[string]string{"fips.go": "package fips140\n"}}
	goroot := t.TempDir()
	data, err := cachetest.ZipBytes(m)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(goroot, "lib", "fips140"), 0o777)
	os.WriteFile(filepath.Join(goroot, "lib", "fips140", m.Version+".zip"), data, 0o666)
	e := cachetest.Paths(c.ModCache, m)
	os.MkdirAll(e.DL, 0o777)
	os.WriteFile(e.Lock, nil, 0o666)
	os.MkdirAll(e.Dir, 0o777)
	os.WriteFile(filepath.Join(e.Dir, "fips.go"), []byte("package fips140\n"), 0o444)
	os.WriteFile(filepath.Join(e.Dir, "go.mod"), []byte("module golang.org/fips140\n"), 0o444)
	cachetest.MakeReadOnly(e.Dir)
	env := cachescan.Env{GOROOT: goroot}
	rep, err := NewVerifier().Verify(context.Background(), scanCache(t, c, env, ""), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 0 || len(rep.Skipped) != 0 {
		t.Fatalf("a whole fips140 tree: problems %+v, skipped %+v", rep.Problems, rep.Skipped)
	}
	cachetest.Writable(e.Dir, func() { os.WriteFile(filepath.Join(e.Dir, "extra.go"), []byte("package fips140\n"), 0o444) })
	snap := scanCache(t, c, env, "")
	rep, err = NewVerifier().Verify(context.Background(), snap, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Kind != cachescan.KindDirModified ||
		strings.Contains(rep.Problems[0].Fix, "go mod download") || !strings.Contains(rep.Problems[0].Fix, "GOFIPS140") {
		t.Fatalf("an edited fips140 tree: %+v", rep.Problems)
	}
	plan := PlanRepair(snap, rep.Problems)
	if len(plan.Downloads) != 0 || len(plan.Purge.Items) != 1 || plan.Purge.Items[0].Paths[0] != e.Dir {
		t.Errorf("repair plan: downloads %v, purge %+v", plan.Downloads, plan.Purge.Items)
	}
}

// TestExactPatterns: "=" patterns match names as written: a cache entry
// named example.com/* or example.com/... selects only itself.
func TestExactPatterns(t *testing.T) {
	for _, tc := range []struct {
		pattern, path, version string
		want                   bool
	}{
		{"=example.com/*", "example.com/*", "v1.0.0", true},
		{"=example.com/*", "example.com/a", "v1.0.0", false},
		{"=example.com/...", "example.com/a", "v1.0.0", false},
		{"=example.com/a@v1.0.0", "example.com/a", "v1.0.0", true},
		{"=example.com/a@v1.0.0", "example.com/a", "v1.1.0", false},
		{"=example.com/a", "example.com/a/v2", "v2.0.0", false},
		{"example.com/*", "example.com/a", "v1.0.0", true},
	} {
		if got := Match([]string{tc.pattern}, tc.path, tc.version); got != tc.want {
			t.Errorf("Match(%q, %s@%s) = %v", tc.pattern, tc.path, tc.version, got)
		}
	}
	if err := CheckPatterns([]string{"=example.com/[x"}); err != nil {
		t.Errorf("an exact pattern was read as a glob: %v", err)
	}
}

// TestGoWorkSumIsNamed: a workspace's go.work.sum line that disagrees with
// the cache is quoted as go.work.sum, not as go.sum.
func TestGoWorkSumIsNamed(t *testing.T) {
	c := cachetest.New(t)
	wrong := c.Add(cachetest.Mod("example.com/wrongsum", "v1.0.0"))
	badmod := c.Add(cachetest.Mod("example.com/badmod", "v1.0.0"))
	fine := c.Add(cachetest.Mod("example.com/fine", "v1.0.0"))
	ws := t.TempDir()
	os.MkdirAll(filepath.Join(ws, "m"), 0o777)
	os.WriteFile(filepath.Join(ws, "go.work"), []byte("go 1.22\n\nuse ./m\n"), 0o666)
	os.WriteFile(filepath.Join(ws, "m", "go.mod"), []byte("module example.com/m\n\ngo 1.22\n\nrequire (\n\texample.com/wrongsum v1.0.0\n\texample.com/badmod v1.0.0\n\texample.com/fine v1.0.0\n)\n"), 0o666)
	// The module's go.sum is right about fine; go.work.sum is wrong about
	// the other two.
	os.WriteFile(filepath.Join(ws, "m", "go.sum"), []byte(fine.GoSum()), 0o666)
	os.WriteFile(filepath.Join(ws, "go.work.sum"), []byte(
		"example.com/wrongsum v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"+
			"example.com/wrongsum v1.0.0/go.mod "+wrong.GoModSum+"\n"+
			"example.com/badmod v1.0.0 "+badmod.Sum+"\n"+
			"example.com/badmod v1.0.0/go.mod h1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=\n"), 0o666)
	t.Setenv("GOWORK", "")
	_, rep := scanAndVerify(t, c, ws)
	got := kinds(rep.Problems)
	if len(rep.Problems) != 2 || len(got["gosum-mismatch"]) != 1 || len(got["mod-modified"]) != 1 {
		t.Fatalf("problems: %+v", rep.Problems)
	}
	for _, p := range rep.Problems {
		if !strings.Contains(p.Detail, "go.work.sum says") || strings.Contains(p.Detail, " go.sum") {
			t.Errorf("%s %s: %q does not quote go.work.sum", p.Kind, p.Module, p.Detail)
		}
	}
}

// TestTruncatedOutputReportedOnce: a -d output shorter than its action
// entry says is output-size-mismatch (the scan's, the precise one); verify
// does not add an output-corrupt for it, which the size already implies.
func TestTruncatedOutputReportedOnce(t *testing.T) {
	c := cachetest.New(t)
	old := cachetest.Now().Add(-48 * time.Hour)
	o := c.AddBuildEntry("archive", []byte("archive bytes"), old)
	os.WriteFile(o.Path, []byte("archive"), 0o666)
	cachetest.Chtimes(t, o.Path, old)
	// Same size, other bytes: only hashing can tell.
	same := c.AddBuildEntry("other", []byte("other bytes"), old)
	os.WriteFile(same.Path, []byte("OTHER BYTES"), 0o666)
	cachetest.Chtimes(t, same.Path, old)
	snap, rep := scanAndVerify(t, c, "")
	all := append(append([]cachescan.Problem(nil), snap.Problems...), rep.Problems...)
	byPath := map[string][]string{}
	for _, p := range all {
		byPath[p.Path] = append(byPath[p.Path], p.Kind)
	}
	if got := byPath[o.Path]; len(got) != 1 || got[0] != cachescan.KindOutputSizeMismatch {
		t.Errorf("truncated output: %q, want one output-size-mismatch", got)
	}
	if got := byPath[same.Path]; len(got) != 1 || got[0] != cachescan.KindOutputCorrupt {
		t.Errorf("same-size damage: %q, want one output-corrupt", got)
	}
	if len(all) != 2 {
		t.Errorf("problems: %+v", all)
	}
}
