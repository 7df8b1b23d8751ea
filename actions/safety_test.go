package actions

import (
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"modscope/actions/confine"
	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestBuildCacheSymlinkIsNotFollowed: an entry directory that is a
// symlink to elsewhere loses nothing of what it points to.
func TestBuildCacheSymlinkIsNotFollowed(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	victim := filepath.Join(t.TempDir(), "victim")
	os.MkdirAll(filepath.Join(victim, "sub"), 0o777)
	os.WriteFile(filepath.Join(victim, "important.txt"), []byte("keep me"), 0o666)
	os.RemoveAll(filepath.Join(c.BuildCache, "00"))
	if err := os.Symlink(victim, filepath.Join(c.BuildCache, "00")); err != nil {
		t.Skip(err)
	}
	snap := scanCache(t, c, cachescan.Env{}, "")
	plan, err := Plan(snap, Targets{BuildAll: true})
	if err != nil {
		t.Fatal(err)
	}
	runAll(t, plan)
	if !exists(filepath.Join(victim, "important.txt")) || !exists(filepath.Join(victim, "sub")) {
		t.Fatal("a purge of the build cache deleted through a symlink")
	}
	// And a path through a link is refused even if a plan names it.
	root, err := confine.Open(c.BuildCache, confine.BuildCache)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if err := root.RemoveAll(filepath.Join(c.BuildCache, "00", "important.txt")); !confine.IsRefused(err) {
		t.Errorf("a removal through a symlink was not refused: %v", err)
	}
	// Outside the root, the root itself, and .. tricks are refused too.
	for _, path := range []string{victim, c.BuildCache, filepath.Join(c.BuildCache, ".."), c.BuildCache + "-other/x",
		filepath.Join(c.BuildCache, "01", "..", "..", "elsewhere")} {
		if err := root.RemoveAll(path); !confine.IsRefused(err) {
			t.Errorf("a removal of %s was not refused: %v", path, err)
		}
	}
	if !exists(filepath.Join(victim, "important.txt")) {
		t.Fatal("deleted through a symlink")
	}
}

// TestKeepLatestIgnoresMetadataAndOrder: a metadata-only version takes no
// place, and the result does not depend on the order versions come in.
func TestKeepLatestIgnoresMetadataAndOrder(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/m", "v1.0.0"))
	c.AddMetadata(cachetest.Mod("example.com/m", "v1.1.0"))
	snap := scanCache(t, c, cachescan.Env{}, "")
	plan, err := Plan(snap, Targets{KeepLatest: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := planned(plan); len(got) != 0 {
		t.Errorf("keep latest 1 removes %v: the only version with code", got)
	}
	vs := []string{"v1.0.0", "v1.2.4-0.20200101000000-aaaaaaaaaaaa", "v0.0.0-20210101000000-bbbbbbbbbbbb", "v1.3.0", "v0.0.0-20190101000000-cccccccccccc"}
	want := ""
	for i := 0; i < 20; i++ {
		rand.Shuffle(len(vs), func(a, b int) { vs[a], vs[b] = vs[b], vs[a] })
		var in []*cachescan.Version
		for _, v := range vs {
			in = append(in, &cachescan.Version{Version: v, HasZip: true})
		}
		keep := latest(in, 3)
		var got []string
		for _, v := range []string{"v1.3.0", "v1.2.4-0.20200101000000-aaaaaaaaaaaa", "v0.0.0-20210101000000-bbbbbbbbbbbb", "v1.0.0", "v0.0.0-20190101000000-cccccccccccc"} {
			if keep[v] {
				got = append(got, v)
			}
		}
		if i == 0 {
			want = strings.Join(got, " ")
		} else if strings.Join(got, " ") != want {
			t.Fatalf("order-dependent: %v then %s", got, want)
		}
	}
	if want != "v1.3.0 v0.0.0-20210101000000-bbbbbbbbbbbb v1.0.0" && want != "v1.3.0 v1.2.4-0.20200101000000-aaaaaaaaaaaa v0.0.0-20210101000000-bbbbbbbbbbbb" {
		t.Errorf("kept %s", want)
	}
}

// TestUnusedFollowsLinksAndRefusesBrokenProjects.
func TestUnusedFollowsLinksAndRefusesBrokenProjects(t *testing.T) {
	root := t.TempDir()
	real := filepath.Join(t.TempDir(), "proj")
	os.MkdirAll(real, 0o777)
	os.WriteFile(filepath.Join(real, "go.mod"), []byte("module example.com/p\n\nrequire example.com/m v1.0.0\n"), 0o666)
	if err := os.Symlink(real, filepath.Join(root, "proj")); err != nil {
		t.Skip(err)
	}
	u, err := FindUsage([]string{root})
	if err != nil {
		t.Fatal(err)
	}
	if u.of("example.com/m", "v1.0.0") != useContent {
		t.Error("a project behind a symlink was not read")
	}
	os.MkdirAll(filepath.Join(root, "broken"), 0o777)
	os.WriteFile(filepath.Join(root, "broken", "go.mod"), []byte("module example.com/b\n\nrequire (\n"), 0o666)
	if _, err := FindUsage([]string{root}); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Errorf("a broken go.mod was accepted: %v", err)
	}
}

// TestToolchainOfTheGoOnPathStays: a toolchain that is not the active one
// but holds GOROOT of the go command modscope asked is refused.
func TestToolchainOfTheGoOnPathStays(t *testing.T) {
	c := cachetest.New(t)
	e := c.AddToolchain("go1.22.0", "linux", "amd64")
	env := cachescan.Env{GOTOOLCHAIN: "local", GOROOT: e.Dir, GOHOSTOS: "linux", GOHOSTARCH: "amd64"}
	snap := scanCache(t, c, env, "")
	plan, err := Plan(snap, Targets{Toolchains: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Items) != 1 || !strings.Contains(plan.Items[0].Refused, "GOROOT") {
		t.Fatalf("plan: %+v", plan.Items)
	}
	res := plan.Execute()
	if res[0].Removed || res[0].Err != "" || res[0].Kept == "" || !exists(e.Dir) {
		t.Errorf("result %+v", res[0])
	}
}

// TestDownloadKeepsPartsGoSumTrusts: the proxy serves other content; the
// cached copy has no zip but a tree and .mod that go.sum vouches for.
// Nothing of it goes.
func TestDownloadKeepsPartsGoSumTrusts(t *testing.T) {
	lib := cachetest.Mod("example.com/lib", "v1.0.0")
	retag := cachetest.Mod("example.com/lib", "v1.0.0")
	retag.Files["lib.go"] = "package lib\n\nfunc Hello() string { return \"retagged\" }\n"
	proxy := proxyOf(t, retag)
	c := cachetest.New(t)
	e := c.Add(lib)
	os.Remove(e.Zip)
	proj := downloadWorld(t, e.GoSum())
	snap := scanFor(t, c, proj, proxy)
	r := downloadOf(snap, "example.com/lib@v1.0.0")
	if r.Verdict != VerdictUpstream || !strings.Contains(r.Detail, "tree matches go.sum") {
		t.Fatalf("result %+v", r)
	}
	for _, p := range []string{filepath.Join(e.Dir, "lib.go"), e.ZipHash, e.Mod} {
		if !exists(p) {
			t.Errorf("%s went", p)
		}
	}
}

// TestDownloadWithoutAnyoneToVouch: GOSUMDB=off and no go.sum line; the
// cached copy is whole and the proxy now serves other content. Only a
// person can tell which is right: the cached copy stays.
func TestDownloadWithoutAnyoneToVouch(t *testing.T) {
	lib := cachetest.Mod("example.com/lib", "v1.0.0")
	retag := cachetest.Mod("example.com/lib", "v1.0.0")
	retag.Files["lib.go"] = "package lib\n\nfunc Hello() string { return \"retagged\" }\n"
	proxy := proxyOf(t, retag)
	c := cachetest.New(t)
	e := c.Add(lib)
	proj := downloadWorld(t, "")
	snap := scanFor(t, c, proj, proxy)
	r := downloadOf(snap, "example.com/lib@v1.0.0")
	if r.Verdict != VerdictUpstream || r.Replaced || len(r.Explanations) == 0 || r.Explanations[0].ID != "cache-differs" {
		t.Fatalf("result %+v", r)
	}
	if data, _ := os.ReadFile(filepath.Join(e.Dir, "lib.go")); !strings.Contains(string(data), "hello from") {
		t.Error("the cached copy was replaced")
	}
}

// TestDownloadRefusesAModuleAboveTMPDIR: the go command would run in it.
func TestDownloadRefusesAModuleAboveTMPDIR(t *testing.T) {
	lib := cachetest.Mod("example.com/lib", "v1.0.0")
	proxy := proxyOf(t, lib)
	c := cachetest.New(t)
	proj := downloadWorld(t, "")
	snap := scanFor(t, c, proj, proxy)
	mod := t.TempDir()
	os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/above\n"), 0o666)
	os.Mkdir(filepath.Join(mod, "tmp"), 0o777)
	t.Setenv("TMPDIR", filepath.Join(mod, "tmp"))
	r := downloadOf(snap, "example.com/lib@v1.0.0")
	if r.Verdict != VerdictFailed || !strings.Contains(r.Error, "TMPDIR") {
		t.Fatalf("result %+v", r)
	}
	if exists(filepath.Join(mod, "go.sum")) {
		t.Error("the module above TMPDIR got a go.sum")
	}
}

// TestRepairReplacesBadMetadata: a complete version whose .mod names
// another module and whose .info names another version is downloaded
// again: afterwards the scan finds nothing.
func TestRepairReplacesBadMetadata(t *testing.T) {
	lib := cachetest.Mod("example.com/lib", "v1.0.0")
	proxy := proxyOf(t, lib)
	c := cachetest.New(t)
	e := c.Add(lib)
	os.WriteFile(e.Mod, []byte("module example.com/other\n"), 0o666)
	os.WriteFile(e.Info, []byte(`{"Version":"v9.9.9","Time":"2024-01-02T03:04:05Z"}`), 0o666)
	proj := downloadWorld(t, "")
	snap := scanFor(t, c, proj, proxy)
	if len(snap.Problems) != 2 {
		t.Fatalf("fixture problems: %+v", snap.Problems)
	}
	plan := PlanRepair(snap, snap.Problems)
	res, err := plan.Run(context.Background(), snap, nil, DownloadOptions{Timeout: time.Minute})
	if err != nil || res.Failed() || len(res.Downloads) != 1 || res.Downloads[0].Verdict != VerdictFixed {
		t.Fatalf("repair: %v %+v", err, res)
	}
	if after := scanFor(t, c, proj, "off"); len(after.Problems) != 0 {
		t.Errorf("left after repair: %+v", after.Problems)
	}
}

// TestUpstreamChangeKeepsOnlyWhatIsRight: the proxy serves other content;
// the cached zip matches go.sum but its tree was edited. The tree goes
// (the go command extracts it again from the good zip), the zip stays.
func TestUpstreamChangeKeepsOnlyWhatIsRight(t *testing.T) {
	lib := cachetest.Mod("example.com/lib", "v1.0.0")
	retag := cachetest.Mod("example.com/lib", "v1.0.0")
	retag.Files["lib.go"] = "package lib\n\nfunc Hello() string { return \"retagged\" }\n"
	proxy := proxyOf(t, retag)
	c := cachetest.New(t)
	e := c.Add(lib)
	cachetest.Writable(e.Dir, func() {
		os.WriteFile(filepath.Join(e.Dir, "lib.go"), []byte("package lib // TAMPERED\n"), 0o644)
	})
	proj := downloadWorld(t, e.GoSum())
	snap := scanFor(t, c, proj, proxy)
	r := downloadOf(snap, "example.com/lib@v1.0.0")
	if r.Verdict != VerdictUpstream {
		t.Fatalf("result %+v", r)
	}
	if exists(e.Dir) || !exists(e.Zip) || !exists(e.ZipHash) {
		t.Errorf("after: tree %v (want gone), zip %v, ziphash %v", exists(e.Dir), exists(e.Zip), exists(e.ZipHash))
	}
}

// TestDownloadRefusesAListSeparatorInTMPDIR: GOPROXY would split the path.
func TestDownloadRefusesAListSeparatorInTMPDIR(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/lib", "v1.0.0"))
	proj := downloadWorld(t, "")
	snap := scanFor(t, c, proj, fileURL(t.TempDir()))
	tmp := filepath.Join(t.TempDir(), "a,b")
	os.Mkdir(tmp, 0o777)
	t.Setenv("TMPDIR", tmp)
	r := downloadOf(snap, "example.com/lib@v1.0.0")
	if r.Verdict != VerdictFailed || !strings.Contains(r.Error, "TMPDIR") {
		t.Fatalf("result %+v", r)
	}
}

// TestModuleIndexThroughASymlinkedRoot: the go command names trees through
// GOMODCACHE as configured; when that is a symlink, the index entry under
// that spelling goes too.
func TestModuleIndexThroughASymlinkedRoot(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/lib", "v1.0.0"))
	link := filepath.Join(t.TempDir(), "modlink")
	if err := os.Symlink(c.ModCache, link); err != nil {
		t.Skip(err)
	}
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Clock: cachetest.Clock(), Env: cachescan.Env{GOVERSION: "go1.26.8"}, ModCache: link, BuildCache: c.BuildCache})
	if err != nil {
		t.Fatal(err)
	}
	if snap.ModCache.ConfiguredRoot != link {
		t.Fatalf("configured root %q", snap.ModCache.ConfiguredRoot)
	}
	id := ModuleIndexID("go1.26.8", filepath.Join(link, "example.com", "lib@v1.0.0"))
	index := filepath.Join(c.BuildCache, id[:2], id+"-a")
	os.MkdirAll(filepath.Dir(index), 0o777)
	os.WriteFile(index, []byte("index"), 0o666)
	plan, err := Plan(snap, Targets{Patterns: []string{"example.com/lib"}})
	if err != nil {
		t.Fatal(err)
	}
	runAll(t, plan)
	if exists(index) {
		t.Error("the index entry named through the configured root is still there")
	}
}

// TestSumDBCacheThroughALinkIsRefused: GOMODCACHE/cache is a symlink; the
// checksum-database files it leads to are not deleted.
func TestSumDBCacheThroughALinkIsRefused(t *testing.T) {
	c := cachetest.New(t)
	elsewhere := t.TempDir()
	important := filepath.Join(elsewhere, "download", "sumdb", "sum.golang.org", "important")
	os.MkdirAll(filepath.Dir(important), 0o777)
	os.WriteFile(important, []byte("keep"), 0o666)
	os.RemoveAll(filepath.Join(c.ModCache, "cache"))
	if err := os.Symlink(elsewhere, filepath.Join(c.ModCache, "cache")); err != nil {
		t.Skip(err)
	}
	snap := scanCache(t, c, cachescan.Env{}, "")
	plan := newPlan(snap)
	it := &PurgeItem{Kind: ItemSumDB, Label: "sumdb"}
	fi, _ := os.Lstat(important)
	it.addFile(filepath.Join(c.ModCache, "cache", "download", "sumdb", "sum.golang.org", "important"), fi)
	plan.add(it)
	if res := plan.Execute(); res[0].Removed {
		t.Errorf("removed through a link: %+v", res[0])
	}
	if !exists(important) {
		t.Error("a file behind a symlink went")
	}
}

// TestOneFailingItemDoesNotStopThePlan: an item that cannot be removed is
// reported with its reason, and the rest of the plan goes on.
func TestOneFailingItemDoesNotStopThePlan(t *testing.T) {
	c := cachetest.New(t)
	a := c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	b := c.Add(cachetest.Mod("example.org/b", "v1.0.0"))
	snap := scanCache(t, c, cachescan.Env{}, "")
	plan, err := Plan(snap, Targets{Patterns: []string{"example.com/a", "example.org/b"}})
	if err != nil {
		t.Fatal(err)
	}
	// Between the plan and the run, example.com becomes a symlink.
	moved := filepath.Join(t.TempDir(), "moved")
	cachetest.MakeWritable(filepath.Join(c.ModCache, "example.com"))
	if err := os.Rename(filepath.Join(c.ModCache, "example.com"), moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(moved, filepath.Join(c.ModCache, "example.com")); err != nil {
		t.Skip(err)
	}
	res := plan.Execute()
	if res[0].Removed || !strings.Contains(res[0].Err, "symlink") {
		t.Errorf("the item behind a link: %+v", res[0])
	}
	if !res[1].Removed || exists(b.Dir) {
		t.Errorf("the plan did not go on: %+v", res[1])
	}
	if !exists(filepath.Join(moved, "a@v1.0.0", "lib.go")) {
		t.Errorf("%s: the tree behind the link went", a.Dir)
	}
}

// TestUnusedRefusesAnUnreadableGoSum: what an unreadable go.sum lists is
// unknown, so --unused does not take it as empty.
func TestUnusedRefusesAnUnreadableGoSum(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/m", "v1.0.0"))
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/p\n"), 0o666)
	os.Mkdir(filepath.Join(proj, "go.sum"), 0o777) // reading it fails
	snap := scanCache(t, c, cachescan.Env{}, proj)
	if _, err := Plan(snap, Targets{Unused: true}); err == nil || !strings.Contains(err.Error(), "go.sum") {
		t.Errorf("--unused with an unreadable go.sum: %v", err)
	}
}
