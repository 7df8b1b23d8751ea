package cachescan_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

func scan(t *testing.T, c *cachetest.Cache, project string) *cachescan.Snapshot {
	t.Helper()
	env := cachescan.Env{GOVERSION: "go1.26.8", GOTOOLCHAIN: "auto", GOHOSTOS: "linux", GOHOSTARCH: "amd64"}
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Clock: cachetest.Clock(), Env: env, ModCache: c.ModCache, BuildCache: c.BuildCache, ProjectDir: project, Workers: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func TestHealthyCacheHasNoProblems(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	snap := scan(t, c, "")
	for _, p := range snap.Problems {
		t.Errorf("unexpected problem: %+v", p)
	}
	good := snap.ModCache.FindVersion("example.com/good", "v1.0.0")
	if good == nil || good.State != "complete" || !good.HasZip || !good.HasZipHash || !good.HasDir || !good.HasInfo || !good.HasMod {
		t.Fatalf("example.com/good@v1.0.0 = %+v", good)
	}
	if good.Tree.Files != 2 || good.Download.Files != 5 {
		t.Errorf("tree files %d, download files %d; want 2 and 5", good.Tree.Files, good.Download.Files)
	}
	if good.InfoTime == nil || !good.InfoTime.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("info time = %v", good.InfoTime)
	}
	if !strings.HasPrefix(good.ZipHash, "h1:") {
		t.Errorf("ziphash value = %q", good.ZipHash)
	}
	if v := snap.ModCache.FindVersion("example.com/good", "v0.9.0"); v == nil || v.State != "metadata" {
		t.Errorf("metadata-only version = %+v", v)
	}
	if v := snap.ModCache.FindVersion("github.com/BurntSushi/toml", "v1.3.2"); v == nil || v.State != "complete" {
		t.Errorf("escaped module path not decoded: %+v", v)
	}
	m := snap.ModCache.Find("golang.org/toolchain")
	if m == nil || !m.Toolchain || len(m.Versions) != 2 {
		t.Fatalf("toolchains = %+v", m)
	}
	if len(snap.ModCache.VCS.Clones) != 1 || snap.ModCache.VCS.Clones[0].Remote != "https://example.com/repo" || snap.ModCache.VCS.Clones[0].Kind != "git3" {
		t.Errorf("vcs clones = %+v", snap.ModCache.VCS.Clones)
	}
	if snap.ModCache.SumDB.ApparentBytes < 8192 {
		t.Errorf("sumdb size = %+v", snap.ModCache.SumDB.Size)
	}
	bc := snap.BuildCache
	if bc.Actions != 5 || bc.Outputs != 5 || bc.Entries != 10 {
		t.Errorf("build cache actions %d outputs %d entries %d; want 5, 5, 10", bc.Actions, bc.Outputs, bc.Entries)
	}
	wantAge := []int64{2, 6, 0, 2}
	for i, b := range bc.ByAge {
		if b.Entries != wantAge[i] {
			t.Errorf("age bucket %s: %d entries, want %d", b.Label, b.Entries, wantAge[i])
		}
	}
	// The kit trimmed 22 hours ago and expired test results a week ago.
	if want := cachetest.Now().Add(-22 * time.Hour); bc.TrimTime == nil || !bc.TrimTime.Equal(want) {
		t.Errorf("trim time = %v, want %v", bc.TrimTime, want)
	}
	if want := cachetest.Now().Add(-7 * 24 * time.Hour); bc.TestExpire == nil || !bc.TestExpire.Equal(want) {
		t.Errorf("test expire = %v, want %v", bc.TestExpire, want)
	}
	if bc.Fuzz.Files != 1 {
		t.Errorf("fuzz = %+v", bc.Fuzz)
	}
}

// TestTotalsAddUp checks that every byte under a root is counted once:
// the parts add up to the total, and the total matches a plain walk.
func TestTotalsAddUp(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	c.Damage()
	snap := scan(t, c, "")
	mc := snap.ModCache
	var sum cachescan.Size
	for _, m := range mc.Modules {
		var ms cachescan.Size
		for _, v := range m.Versions {
			if v.Size != addSizes(v.Download, v.Tree) {
				t.Errorf("%s@%s: size %+v != download %+v + tree %+v", m.Path, v.Version, v.Size, v.Download, v.Tree)
			}
			ms.Add(v.Size)
		}
		if ms.Files > m.Files {
			t.Errorf("%s: versions hold %d files, module %d", m.Path, ms.Files, m.Files)
		}
		sum.Add(m.Size)
	}
	sum.Add(mc.VCS.Size)
	sum.Add(mc.SumDB.Size)
	sum.Add(mc.Other)
	if sum != mc.Size {
		t.Errorf("parts add up to %+v, total is %+v", sum, mc.Size)
	}
	if want := walkSize(t, c.ModCache); want != mc.Size {
		t.Errorf("module cache total %+v, a plain walk finds %+v", mc.Size, want)
	}
	if want := walkSize(t, c.BuildCache); want != snap.BuildCache.Size {
		t.Errorf("build cache total %+v, a plain walk finds %+v", snap.BuildCache.Size, want)
	}
}

func addSizes(a, b cachescan.Size) cachescan.Size {
	a.Add(b)
	return a
}

// walkSize sums apparent sizes and counts non-directories under root, root
// included, like du --apparent-size.
func walkSize(t *testing.T, root string) cachescan.Size {
	t.Helper()
	var s cachescan.Size
	err := filepath.Walk(root, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		s.ApparentBytes += fi.Size()
		if !fi.IsDir() {
			s.Files++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Disk usage depends on the file system; compare what is portable.
	return cachescan.Size{ApparentBytes: s.ApparentBytes, Files: s.Files, Bytes: diskUsage(t, root)}
}

// TestFixturesAtAnotherDate runs every test of the package again with the
// tests' clock years away: the kit dates its fixtures from that clock and
// the scans measure from it, so what they find is the same.
func TestFixturesAtAnotherDate(t *testing.T) {
	cachetest.RerunAt(t, cachetest.Elsewhen(), ".")
}

// TestUniformSizes: with UniformSizes, the totals are what a plain walk
// finds when every file takes its length in whole 4 KiB blocks and every
// directory one block: figures that no file system changes.
func TestUniformSizes(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	c.Damage()
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Clock: cachetest.Clock(), UniformSizes: true, ModCache: c.ModCache, BuildCache: c.BuildCache})
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []struct {
		root string
		got  cachescan.Size
	}{{c.ModCache, snap.ModCache.Size}, {c.BuildCache, snap.BuildCache.Size}} {
		var want cachescan.Size
		filepath.Walk(part.root, func(path string, fi os.FileInfo, err error) error {
			switch {
			case err != nil:
				t.Fatal(err)
			case fi.IsDir():
				want.Add(cachescan.Size{Bytes: 4096, ApparentBytes: 4096})
			default:
				want.Add(cachescan.Size{Bytes: (fi.Size() + 4095) / 4096 * 4096, ApparentBytes: fi.Size(), Files: 1})
			}
			return nil
		})
		if part.got != want {
			t.Errorf("%s: uniform sizes %+v, want %+v", part.root, part.got, want)
		}
	}
}

func TestEveryProblemKind(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	want := c.Damage()
	snap := scan(t, c, "")
	got := snap.Problems
	matched := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, p := range got {
			if matched[i] || p.Kind != w.Kind || p.Module != w.Module || p.Version != w.Version {
				continue
			}
			if w.Path != "" && !strings.HasSuffix(p.Path, w.Path) {
				continue
			}
			matched[i], found = true, true
			break
		}
		if !found {
			t.Errorf("missing problem %+v", w)
		}
	}
	for i, p := range got {
		if !matched[i] {
			t.Errorf("unexpected problem %+v", p)
		}
	}
	seen := map[string]bool{}
	for _, p := range got {
		seen[p.Kind] = true
		if p.Fix == "" || p.Detail == "" || p.Path == "" {
			t.Errorf("problem without fix, detail or path: %+v", p)
		}
		// A problem may be less serious than its kind (a malformed ziphash
		// next to its zip), never more.
		if k := cachescan.LookupKind(p.Kind); k == nil || p.Severity.Rank() < k.Severity.Rank() {
			t.Errorf("problem %s has severity %s, kind table says %+v", p.Kind, p.Severity, k)
		}
	}
	for _, k := range cachescan.Kinds {
		if !seen[k.Name] && k.Name != cachescan.KindUnreadable && !k.Verify && !k.Audit {
			t.Errorf("fixture does not exercise kind %s", k.Name)
		}
	}
	if !cachescan.HasErrors(got) {
		t.Error("HasErrors = false on a damaged cache")
	}
	if v := snap.ModCache.FindVersion("example.com/truncated", "v1.0.0"); v.State != "damaged" {
		t.Errorf("state of a version with a corrupt zip = %q, want damaged", v.State)
	}
	if v := snap.ModCache.FindVersion("example.com/partial", "v1.0.0"); v.State != "partial" {
		t.Errorf("state of a partial version = %q", v.State)
	}
	// Problems come sorted: errors first.
	for i := 1; i < len(got); i++ {
		if got[i-1].Severity.Rank() > got[i].Severity.Rank() {
			t.Fatalf("problems not sorted by severity at %d: %s before %s", i, got[i-1].Severity, got[i].Severity)
		}
	}
}

func TestSnapshotJSONNames(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	snap := scan(t, c, "")
	data, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	mc := doc["modcache"].(map[string]any)
	for _, k := range []string{"root", "bytes", "apparentBytes", "files", "modules", "vcs", "sumdb"} {
		if _, ok := mc[k]; !ok {
			t.Errorf("modcache lacks %q", k)
		}
	}
	mod := mc["modules"].([]any)[0].(map[string]any)
	for _, k := range []string{"path", "bytes", "versions"} {
		if _, ok := mod[k]; !ok {
			t.Errorf("module lacks %q", k)
		}
	}
	ver := mod["versions"].([]any)[0].(map[string]any)
	for _, k := range []string{"version", "bytes", "info", "mod", "zip", "ziphash", "dir", "state"} {
		if _, ok := ver[k]; !ok {
			t.Errorf("version lacks %q", k)
		}
	}
	for _, k := range []string{"buildcache", "project", "problems"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("document lacks %q", k)
		}
	}
}
