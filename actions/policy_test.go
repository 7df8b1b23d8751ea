package actions

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

func scanCache(t *testing.T, c *cachetest.Cache, env cachescan.Env, proj string) *cachescan.Snapshot {
	t.Helper()
	if env.GOVERSION == "" {
		env.GOVERSION = runtime.Version()
	}
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Clock: cachetest.Clock(), Env: env, ModCache: c.ModCache, BuildCache: c.BuildCache, ProjectDir: proj})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// planned returns "path@version" for every version item of a plan.
func planned(plan *PurgePlan) []string {
	var out []string
	for _, it := range plan.Items {
		if it.Kind == ItemVersion && it.Refused == "" {
			out = append(out, it.Label)
		}
	}
	return out
}

func runAll(t *testing.T, plan *PurgePlan) {
	t.Helper()
	for i, r := range plan.Execute() {
		if !r.Removed && plan.Items[i].Refused == "" {
			t.Errorf("%s: %s", r.Label, r.Err)
		}
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func TestKeepLatest(t *testing.T) {
	c := cachetest.New(t)
	for _, v := range []string{"v1.0.0", "v1.2.0", "v1.10.0", "v2.0.0-rc.1+incompatible"} {
		c.Add(cachetest.Mod("example.com/a", v))
	}
	// Pseudo-versions count by their time, not their base: the one from
	// 2025 is later than the v0.0.0 one from 2026 only by semver.
	c.Add(cachetest.Mod("example.com/p", "v0.0.0-20260101000000-aaaaaaaaaaaa"))
	c.Add(cachetest.Mod("example.com/p", "v0.1.1-0.20250101000000-bbbbbbbbbbbb"))
	c.Add(cachetest.Mod("example.com/p", "v0.0.0-20240101000000-cccccccccccc"))
	c.Add(cachetest.Mod("example.com/one", "v1.0.0"))
	snap := scanCache(t, c, cachescan.Env{}, "")
	plan, err := Plan(snap, Targets{KeepLatest: 2})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(planned(plan), " ")
	want := "example.com/a@v1.0.0 example.com/a@v1.2.0 example.com/p@v0.0.0-20240101000000-cccccccccccc"
	if got != want {
		t.Errorf("keep latest 2 removes %s\nwant %s", got, want)
	}
	// Patterns narrow a policy.
	plan, err = Plan(snap, Targets{KeepLatest: 1, Patterns: []string{"example.com/p"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(planned(plan), " "); got != "example.com/p@v0.0.0-20240101000000-cccccccccccc example.com/p@v0.1.1-0.20250101000000-bbbbbbbbbbbb" {
		t.Errorf("keep latest 1 of example.com/p removes %s", got)
	}
	runAll(t, plan)
	after := scanCache(t, c, cachescan.Env{}, "")
	if m := after.ModCache.Find("example.com/p"); len(m.Versions) != 3 || m.Versions[0].HasDir && m.Versions[0].Version != "v0.0.0-20260101000000-aaaaaaaaaaaa" {
		t.Errorf("after: %+v", m.Versions)
	}
	if len(after.Problems) != 0 {
		t.Errorf("problems after: %+v", after.Problems)
	}
}

// TestUnusedAndProjects: versions with no go.mod, go.work or go.sum line in
// any project go; one only in the module graph keeps its .mod; the module
// cache's own go.mod files are not projects.
func TestUnusedAndProjects(t *testing.T) {
	c := cachetest.New(t)
	used := c.Add(cachetest.Mod("example.com/used", "v1.0.0"))
	graph := c.Add(cachetest.Mod("example.com/graph", "v1.0.0"))
	unused := c.Add(cachetest.Mod("example.com/unused", "v1.0.0"))
	other := c.Add(cachetest.Mod("example.com/other", "v1.0.0"))
	c.AddToolchain("go1.23.4", "linux", "amd64")
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b", "nested")
	os.MkdirAll(a, 0o777)
	os.MkdirAll(b, 0o777)
	os.WriteFile(filepath.Join(a, "go.mod"), []byte("module example.com/a\n\nrequire example.com/used v1.0.0\n"), 0o666)
	os.WriteFile(filepath.Join(a, "go.sum"), []byte(used.GoSum()+"example.com/graph v1.0.0/go.mod "+graph.GoModSum+"\n"), 0o666)
	os.WriteFile(filepath.Join(b, "go.mod"), []byte("module example.com/b\n\nrequire example.com/other v1.0.0\n"), 0o666)
	// A testdata module is a fixture, not a project.
	os.MkdirAll(filepath.Join(a, "testdata", "x"), 0o777)
	os.WriteFile(filepath.Join(a, "testdata", "x", "go.mod"), []byte("module x\n\nrequire example.com/unused v1.0.0\n"), 0o666)

	snap := scanCache(t, c, cachescan.Env{}, a)
	if _, err := Plan(snap, Targets{Unused: true}); err != nil {
		t.Fatal(err)
	}
	u, err := FindUsage([]string{root}, c.ModCache)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Files) != 2 {
		t.Errorf("projects read: %v", u.Files)
	}
	plan, err := Plan(snap, Targets{Unused: true, Used: u})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(planned(plan), " "); got != "example.com/graph@v1.0.0 example.com/unused@v1.0.0" {
		t.Errorf("--unused removes %s", got)
	}
	runAll(t, plan)
	if !exists(graph.Mod) || exists(graph.Dir) || exists(graph.Zip) {
		t.Error("a version only in the module graph lost its .mod, or kept its code")
	}
	if exists(unused.Dir) || !exists(used.Dir) || !exists(other.Dir) {
		t.Error("--unused removed the wrong versions")
	}
	if _, err := FindUsage([]string{t.TempDir()}); err == nil {
		t.Error("a directory without projects was accepted")
	}
	if _, err := Plan(scanCache(t, c, cachescan.Env{}, ""), Targets{Unused: true}); err == nil {
		t.Error("--unused without a project planned a purge")
	}
}

func TestToolchainsVCSAndSumDB(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	env := cachescan.Env{GOTOOLCHAIN: "go1.23.4", GOHOSTOS: "linux", GOHOSTARCH: "amd64"}
	snap := scanCache(t, c, env, "")
	plan, err := Plan(snap, Targets{Toolchains: true, VCS: true, SumDBCache: true})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[ItemKind]int{}
	for _, it := range plan.Items {
		if it.Refused == "" {
			kinds[it.Kind]++
		}
	}
	if kinds[ItemVersion] != 1 || kinds[ItemVCS] != 1 || kinds[ItemSumDB] != 1 {
		t.Fatalf("plan kinds %v: %+v", kinds, plan.Items)
	}
	runAll(t, plan)
	after := scanCache(t, c, env, "")
	tc := after.ModCache.Find("golang.org/toolchain")
	for _, v := range tc.Versions {
		if v.HasDir != v.Active {
			t.Errorf("toolchain %s: dir %v, active %v", v.Version, v.HasDir, v.Active)
		}
	}
	if len(after.ModCache.VCS.Clones) != 0 || after.ModCache.SumDB.Files != 0 {
		t.Errorf("vcs %+v, sumdb %+v", after.ModCache.VCS, after.ModCache.SumDB)
	}
	if !exists(filepath.Join(after.ModCache.VCS.Root, "4a4b8c2f0e1d3c5b6a79880f1e2d3c4b5a69788f0e1d2c3b4a5968778695a4b3.lock")) {
		t.Error("the clone's lock file went")
	}
	if len(after.Problems) != 0 {
		t.Errorf("problems after: %+v", after.Problems)
	}
}

// TestChosenClones purges only the clones named by hash (the TUI's d on
// clone rows) and keeps the others and every lock.
func TestChosenClones(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	vcs := filepath.Join(c.ModCache, "cache", "vcs")
	other := strings.Repeat("ab", 32)
	if err := os.MkdirAll(filepath.Join(vcs, other, "objects"), 0o777); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{other + ".info": "git3:https://example.com/other", other + ".lock": ""} {
		if err := os.WriteFile(filepath.Join(vcs, name), []byte(data), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	snap := scanCache(t, c, cachescan.Env{}, "")
	if n := len(snap.ModCache.VCS.Clones); n != 2 {
		t.Fatalf("%d clones in the fixture, want 2", n)
	}
	plan, err := Plan(snap, Targets{Clones: []string{other}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Items) != 1 || plan.Items[0].Kind != ItemVCS {
		t.Fatalf("plan %+v, want the one clone", plan.Items)
	}
	runAll(t, plan)
	after := scanCache(t, c, cachescan.Env{}, "")
	if n := len(after.ModCache.VCS.Clones); n != 1 || after.ModCache.VCS.Clones[0].Hash == other {
		t.Errorf("clones after: %+v", after.ModCache.VCS.Clones)
	}
	if !exists(filepath.Join(vcs, other+".lock")) {
		t.Error("the purged clone's lock file went")
	}
}

func TestBuildTestAndFuzzCaches(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	snap := scanCache(t, c, cachescan.Env{}, "")
	if _, err := Plan(snap, Targets{BuildOlderThan: 10 * time.Minute}); err == nil {
		t.Error("an age under an hour was accepted")
	}
	before := snap.BuildCache.Entries
	plan, err := Plan(snap, Targets{BuildOlderThan: 30 * 24 * time.Hour, TestCache: true, FuzzCache: true})
	if err != nil {
		t.Fatal(err)
	}
	runAll(t, plan)
	after := scanCache(t, c, cachescan.Env{}, "")
	if got := before - after.BuildCache.Entries; got != 2 {
		t.Errorf("--older-than 30d removed %d entries, want the 2 of the 60-day-old pair", got)
	}
	if exists(filepath.Join(c.BuildCache, "fuzz")) {
		t.Error("--fuzz-cache left GOCACHE/fuzz")
	}
	data, _ := os.ReadFile(filepath.Join(c.BuildCache, "testexpire.txt"))
	n, err := strconv.ParseInt(strings.TrimSuffix(string(data), "\n"), 10, 64)
	// Moved to now by the scan's clock, from the kit's week ago.
	if err != nil || !strings.HasSuffix(string(data), "\n") || n != cachetest.Now().UnixNano() {
		t.Errorf("testexpire.txt = %q, want %d", data, cachetest.Now().UnixNano())
	}
	plan, err = Plan(after, Targets{BuildAll: true})
	if err != nil {
		t.Fatal(err)
	}
	runAll(t, plan)
	after = scanCache(t, c, cachescan.Env{}, "")
	if after.BuildCache.Entries != 0 || len(after.Problems) != 0 {
		t.Errorf("after --all: %d entries, problems %+v", after.BuildCache.Entries, after.Problems)
	}
	for _, keep := range []string{"README", "trim.txt", "testexpire.txt"} {
		if !exists(filepath.Join(c.BuildCache, keep)) {
			t.Errorf("%s went", keep)
		}
	}
}

// TestRepairEverything damages every way the scan knows, then repairs with
// a file:// proxy serving healthy copies: afterwards only the problems that
// need a person are left, and those were listed as manual.
func TestRepairEverything(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	c.Damage()
	downloadWorld(t, "")
	snap := scanCache(t, c, cachescan.Env{}, "")
	var mods []cachetest.Module
	for _, p := range snap.Problems {
		if p.Module != "" && p.Version != "" {
			mods = append(mods, cachetest.Mod(p.Module, p.Version))
		}
	}
	proxy := proxyOf(t, mods...)
	snap = scanCache(t, c, cachescan.Env{GOPROXY: proxy, GOSUMDB: "off"}, "")
	plan := PlanRepair(snap, snap.Problems)
	if plan.Empty() || len(plan.Downloads) < 5 {
		t.Fatalf("plan: %+v", plan)
	}
	manual := map[string]bool{}
	for _, p := range plan.Manual {
		manual[p.Kind+" "+p.Path] = true
	}
	res, err := plan.Run(context.Background(), snap, nil, DownloadOptions{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed() {
		t.Errorf("repair failed: %+v", res)
	}
	t.Logf("%d downloads, %d purge results", len(res.Downloads), len(res.Purge))
	for _, d := range res.Downloads {
		t.Logf("%s %s %s", d.Target, d.Verdict, d.Detail)
		if d.Verdict != VerdictFixed && d.Verdict != VerdictNew {
			t.Errorf("download %s: %s %s", d.Target, d.Verdict, d.Detail)
		}
	}
	after := scanCache(t, c, cachescan.Env{}, "")
	for _, p := range after.Problems {
		if !manual[p.Kind+" "+p.Path] {
			t.Errorf("left after repair: %+v", p)
		}
	}
	if len(after.Problems) == 0 || len(after.Problems) != len(plan.Manual) {
		t.Errorf("%d problems after, %d manual", len(after.Problems), len(plan.Manual))
	}
}

// TestPurgeProblems removes what fixes each problem without downloading:
// afterwards only what needs the network, a rewrite or a person is left.
func TestPurgeProblems(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	c.Damage()
	snap := scanCache(t, c, cachescan.Env{}, "")
	// A pattern narrows --problems to what it names: no clone, stray or
	// build-cache entry, nothing left for you elsewhere.
	narrow, err := Plan(snap, Targets{Problems: true, Patterns: []string{"example.com/partial"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(narrow.Items) != 1 || narrow.Items[0].Module != "example.com/partial" || len(narrow.Manual) != 0 {
		t.Errorf("--problems example.com/partial: items %+v, manual %+v", narrow.Items, narrow.Manual)
	}
	plan, err := Plan(snap, Targets{Problems: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range plan.Items {
		if it.Kind == ItemVersion && strings.HasPrefix(it.Module, "example.com/good") {
			t.Errorf("a healthy version is in the plan: %+v", it)
		}
	}
	if len(plan.Manual) == 0 {
		t.Error("path-invalid is not listed as manual")
	}
	runAll(t, plan)
	after := scanCache(t, c, cachescan.Env{}, "")
	for _, p := range after.Problems {
		switch p.Kind {
		case cachescan.KindZipMissing, cachescan.KindListStale, cachescan.KindPathInvalid:
		default:
			t.Errorf("left after purge --problems: %+v", p)
		}
	}
	if v := after.ModCache.FindVersion("example.com/good", "v1.0.0"); v == nil || v.State != "complete" {
		t.Errorf("a healthy version changed: %+v", v)
	}
}

// TestPurgeCorruptBuildOutputs: an output whose content no longer hashes
// to its name goes, and so does the action entry that points at it.
func TestPurgeCorruptBuildOutputs(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	bad := c.AddBuildEntry("compile broken", []byte("archive of broken"), cachetest.Now().Add(-3*time.Hour))
	os.WriteFile(bad.Path, []byte("ARCHIVE OF BROKEN"), 0o666)
	cachetest.Chtimes(t, bad.Path, cachetest.Now().Add(-3*time.Hour))
	snap := scanCache(t, c, cachescan.Env{}, "")
	rep, err := NewVerifier().Verify(context.Background(), snap, VerifyOptions{BuildOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Versions != 0 || len(rep.Problems) != 1 {
		t.Fatalf("BuildOnly verify: %d versions, problems %+v", rep.Versions, rep.Problems)
	}
	plan, err := Plan(snap, Targets{BuildCorrupt: true, Found: rep.Problems})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Items) != 1 || len(plan.Items[0].Paths) != 2 {
		t.Fatalf("plan: %+v", plan.Items)
	}
	runAll(t, plan)
	if exists(bad.Path) || exists(bad.Action) {
		t.Error("the corrupt output or its action entry is still there")
	}
	after := scanCache(t, c, cachescan.Env{}, "")
	if len(after.Problems) != 0 || after.BuildCache.Entries != snap.BuildCache.Entries-2 {
		t.Errorf("after: %d entries (before %d), problems %+v", after.BuildCache.Entries, snap.BuildCache.Entries, after.Problems)
	}
}

func TestAges(t *testing.T) {
	for in, want := range map[string]string{"30d": "30d", "2w": "14d", "36h": "36h", "90m": "1h30m", "10m": "10m", "1.5d": "36h"} {
		d, err := ParseAge(in)
		if err != nil || FormatAge(d) != want {
			t.Errorf("%s: %v %v, want %s", in, FormatAge(d), err, want)
		}
	}
	for _, bad := range []string{"", "soon", "-1d", "d", "-3h"} {
		if _, err := ParseAge(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestProgressCountsEveryPath: Progress ends at the plan's path count and
// its bytes, whatever the items.
func TestProgressCountsEveryPath(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	snap := scanCache(t, c, cachescan.Env{}, "")
	plan, err := Plan(snap, Targets{BuildAll: true, Patterns: []string{"example.com/good"}, KeepLatest: 1, FuzzCache: true})
	if err != nil {
		t.Fatal(err)
	}
	var freed int64
	for _, r := range plan.Execute() {
		freed += r.Freed.Bytes
	}
	paths, bytes := plan.Progress()
	if paths != plan.Paths() || bytes != freed || paths == 0 {
		t.Errorf("progress %d paths, %d bytes; plan %d paths, results %d bytes", paths, bytes, plan.Paths(), freed)
	}
}

// TestNetworkWarnings: a plan says when what goes cannot come back
// offline: the project requires it or its go.sum lists it, GOPROXY=off, or
// no project was there to check.
func TestNetworkWarnings(t *testing.T) {
	c := cachetest.New(t)
	req := c.Add(cachetest.Mod("example.com/req", "v1.0.0"))
	sum := c.Add(cachetest.Mod("example.com/sum", "v1.0.0"))
	c.Add(cachetest.Mod("example.com/none", "v1.0.0"))
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/p\n\ngo 1.21\n\nrequire example.com/req v1.0.0\n"), 0o666)
	os.WriteFile(filepath.Join(proj, "go.sum"), []byte("example.com/req v1.0.0 "+req.Sum+"\nexample.com/sum v1.0.0 "+sum.Sum+"\n"), 0o666)
	warnings := func(plan *PurgePlan) map[string]string {
		out := map[string]string{}
		for _, it := range plan.Items {
			out[it.Module] = strings.Join(it.Warnings, "; ")
		}
		out[""] = strings.Join(plan.Warnings, "; ")
		return out
	}
	plan, err := Plan(scanCache(t, c, cachescan.Env{GOPROXY: "https://proxy.golang.org"}, proj), Targets{Patterns: []string{"example.com/..."}})
	if err != nil {
		t.Fatal(err)
	}
	w := warnings(plan)
	if !strings.Contains(w["example.com/req"], "the project requires it") || !strings.Contains(w["example.com/sum"], "go.sum lists it") ||
		w["example.com/none"] != "" || w[""] != "" {
		t.Errorf("with a project: %q", w)
	}
	plan, err = Plan(scanCache(t, c, cachescan.Env{GOPROXY: "off"}, ""), Targets{Patterns: []string{"example.com/none"}})
	if err != nil {
		t.Fatal(err)
	}
	if w := warnings(plan)[""]; !strings.Contains(w, "GOPROXY=off") || !strings.Contains(w, "no project was checked") {
		t.Errorf("GOPROXY=off, no project: %q", w)
	}
	// Nothing goes (no problem to fix): nothing to warn about.
	plan, err = Plan(scanCache(t, c, cachescan.Env{GOPROXY: "off"}, ""), Targets{Patterns: []string{"example.com/..."}, Problems: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Items) != 0 || len(plan.Warnings) != 0 {
		t.Errorf("an empty plan: %+v, %q", plan.Items, plan.Warnings)
	}
}

// TestVersionFreesAsPlanned: what VersionFrees says a version's purge
// frees is what Plan counts for it, with and without metadata, on healthy
// and damaged versions alike (lock files always stay).
func TestVersionFreesAsPlanned(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	c.Damage()
	snap := scanCache(t, c, cachescan.Env{}, "")
	checked := 0
	for _, m := range snap.ModCache.Modules {
		for _, v := range m.Versions {
			for _, md := range []bool{false, true} {
				var want cachescan.Size
				plan, err := Plan(snap, Targets{Patterns: []string{m.Path + "@" + v.Version}, Metadata: md})
				if err == nil {
					want = plan.Size
				}
				if got := VersionFrees(v, md); got != want {
					t.Errorf("%s@%s metadata %v: VersionFrees %+v, Plan %+v", m.Path, v.Version, md, got, want)
				}
				checked++
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d versions checked", checked)
	}
}
