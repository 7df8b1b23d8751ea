package actions

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// lstatBytes is the disk usage of paths (and of what is under the
// directories among them), by an lstat of each in the test.
func lstatBytes(t *testing.T, paths ...string) int64 {
	t.Helper()
	var n int64
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := os.Lstat(path)
			if err != nil {
				return err
			}
			n += sizeOf(fi).Bytes
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// trimScene is a build cache with entries last used at known instants of
// the tests' clock and a module cache with a version the project needs,
// one it does not and an inactive toolchain.
type trimScene struct {
	c                      *cachetest.Cache
	proj                   string
	e1, e2, e3, e4, e5, e6 cachetest.Output
	need, old, tool        *cachetest.Entry
}

func newTrimScene(t *testing.T) *trimScene {
	t.Helper()
	now := cachetest.Now()
	s := &trimScene{c: cachetest.New(t)}
	c := s.c
	day := 24 * time.Hour
	s.e1 = c.AddBuildEntry("e1", []byte("output one, the least recently used"), now.Add(-10*day))
	s.e2 = c.AddBuildEntry("e2", []byte("output two"), now.Add(-9*day))
	s.e3 = c.AddBuildEntry("e3", []byte("output three"), now.Add(-8*day))
	s.e4 = c.AddBuildEntry("e4", []byte("output four, used in this job"), now.Add(-30*time.Minute))
	// Its output's mtime is old (a read that does not mark it): the
	// action in use keeps it all the same.
	os.Chtimes(s.e4.Path, now.Add(-20*day), now.Add(-20*day))
	// Two actions, one old and one used in this job, share an output.
	s.e5 = c.AddBuildEntry("e5", []byte("a shared output"), now.Add(-7*day))
	s.e6 = c.AddBuildEntry("e6", []byte("a shared output"), now.Add(-20*time.Minute))
	s.need = c.Add(cachetest.Mod("example.com/need", "v1.0.0"))
	s.old = c.Add(cachetest.Mod("example.com/old", "v1.0.0"))
	// Downloaded between e1 and e2.
	at := now.Add(-9*day - 12*time.Hour)
	for _, p := range []string{s.old.Info, s.old.Mod, s.old.Zip, s.old.ZipHash} {
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	s.tool = c.AddToolchain("go1.99.1", "linux", "amd64") // downloaded at Written: after e5
	s.proj = filepath.Join(t.TempDir(), "proj")
	os.MkdirAll(s.proj, 0o777)
	os.WriteFile(filepath.Join(s.proj, "go.mod"), []byte("module example.com/proj\n\ngo 1.21\n\nrequire example.com/need v1.0.0\n"), 0o666)
	os.WriteFile(filepath.Join(s.proj, "go.sum"), []byte(s.need.GoSum()), 0o666)
	return s
}

func (s *trimScene) scan(t *testing.T) *cachescan.Snapshot {
	t.Helper()
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(),
		Env: cachescan.Env{GOVERSION: "go1.26.8", GOTOOLCHAIN: "local"}, ModCache: s.c.ModCache, BuildCache: s.c.BuildCache, ProjectDir: s.proj})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// trimmed lists, in order, the build-cache paths and module versions a
// trim plan removes.
func trimmed(tp *TrimPlan) (paths []string, versions []string) {
	for _, it := range tp.Purge.Items {
		if it.Refused != "" {
			continue
		}
		if it.Kind == ItemBuild {
			paths = append(paths, it.Paths...)
		} else {
			versions = append(versions, it.Label)
		}
	}
	return paths, versions
}

// TestTrimLeastRecentlyUsedFirst: with entries used since the cut-off kept,
// the rest goes oldest first (build entries by their last use, versions
// by their download), and the trim stops as soon as the caches fit.
func TestTrimLeastRecentlyUsedFirst(t *testing.T) {
	s := newTrimScene(t)
	snap := s.scan(t)
	opts := TrimOptions{UsedSince: cachetest.Now().Add(-15 * time.Minute)}
	before := snap.ModCache.Bytes + snap.BuildCache.Bytes
	e1 := lstatBytes(t, s.e1.Action, s.e1.Path)

	// The cap is e1 away: e1 alone goes.
	opts.MaxSize = before - e1
	tp, err := PlanTrim(snap, opts)
	if err != nil {
		t.Fatal(err)
	}
	paths, versions := trimmed(tp)
	if !slices.Equal(paths, []string{s.e1.Action, s.e1.Path}) || len(versions) != 0 {
		t.Fatalf("cap %d below %d: planned %v %v", e1, before, paths, versions)
	}
	if tp.Before != before || tp.After != before-e1 || tp.Missed != 0 || tp.Build.RemovedBytes != e1 || tp.Build.Removed != 2 {
		t.Errorf("figures: %+v", tp)
	}

	// One byte further: the next oldest, the unneeded version, goes too;
	// e2 stays.
	opts.MaxSize = before - e1 - 1
	tp, err = PlanTrim(snap, opts)
	if err != nil {
		t.Fatal(err)
	}
	paths, versions = trimmed(tp)
	if !slices.Equal(paths, []string{s.e1.Action, s.e1.Path}) || !slices.Equal(versions, []string{"example.com/old@v1.0.0"}) {
		t.Fatalf("planned %v %v", paths, versions)
	}
	if tp.Purge.Items[0].Kind != ItemBuild || tp.Purge.Items[1].Kind != ItemVersion {
		t.Errorf("the plan does not run in LRU order: %v", tp.Purge.Items)
	}

	// No cap worth the name: everything not in use, in LRU order, and the
	// miss is what stays.
	opts.MaxSize = 0
	tp, err = PlanTrim(snap, opts)
	if err != nil {
		t.Fatal(err)
	}
	paths, versions = trimmed(tp)
	wantPaths := []string{s.e1.Action, s.e1.Path, s.e2.Action, s.e2.Path, s.e3.Action, s.e3.Path, s.e5.Action}
	if !slices.Equal(paths, wantPaths) {
		t.Errorf("build entries planned:\n%v\nwant\n%v", paths, wantPaths)
	}
	if !slices.Equal(versions, []string{"example.com/old@v1.0.0", "golang.org/toolchain@" + s.tool.Version}) {
		t.Errorf("versions planned: %v", versions)
	}
	// The order: e1, old, e2, e3, e5, the toolchain.
	var kinds []ItemKind
	for _, it := range tp.Purge.Items {
		kinds = append(kinds, it.Kind)
	}
	if !slices.Equal(kinds, []ItemKind{ItemBuild, ItemVersion, ItemBuild, ItemVersion}) {
		t.Errorf("items in the order %v", kinds)
	}
	kept := lstatBytes(t, s.e4.Action, s.e4.Path, s.e6.Action, s.e6.Path)
	if tp.Build.KeptBytes != kept || tp.Build.Kept != 4 {
		t.Errorf("build cache kept %d entries, %d bytes; want 4, %d", tp.Build.Kept, tp.Build.KeptBytes, kept)
	}
	if tp.Missed != tp.After || tp.After <= 0 || tp.After != before-tp.Build.RemovedBytes-tp.Mod.RemovedBytes {
		t.Errorf("after %d, missed %d, before %d, removed %d + %d", tp.After, tp.Missed, before, tp.Build.RemovedBytes, tp.Mod.RemovedBytes)
	}
	if tp.Mod.Kept != 1 || tp.Mod.KeptBytes != snap.ModCache.FindVersion("example.com/need", "v1.0.0").Bytes {
		t.Errorf("module cache kept %d versions, %d bytes", tp.Mod.Kept, tp.Mod.KeptBytes)
	}

	// Run it: what the plan names goes, what is in use stays, and the
	// caches measure what the plan said.
	list := filepath.Join(s.old.DL, "list")
	listBefore := lstatBytes(t, list)
	for _, r := range tp.Purge.Execute() {
		if !r.Removed {
			t.Fatalf("not removed: %+v", r)
		}
	}
	for _, p := range wantPaths {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
	for _, p := range []string{s.e4.Action, s.e4.Path, s.e6.Action, s.e6.Path, s.need.Dir, s.need.Zip, s.need.Mod} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("in use, yet gone: %v", err)
		}
	}
	for _, p := range []string{s.old.Dir, s.old.Zip, s.old.Mod, s.tool.Dir} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
	after := s.scan(t)
	// The old version's list is rewritten without it (empty): beyond
	// what the plan counts.
	if got, want := after.ModCache.Bytes+after.BuildCache.Bytes, tp.After-listBefore+lstatBytes(t, list); got != want {
		t.Errorf("after the trim the caches hold %d bytes; the plan said %d (and the list %d before, %d after)", got, tp.After, listBefore, lstatBytes(t, list))
	}
	for _, p := range after.Problems {
		if p.Severity == cachescan.SeverityError {
			t.Errorf("after the trim: %s %s", p.Kind, p.Path)
		}
	}
}

// TestTrimWithoutUsedSince: no entry is kept for its use; the least
// recently used go until the caches fit, and the recent ones stay.
func TestTrimWithoutUsedSince(t *testing.T) {
	s := newTrimScene(t)
	snap := s.scan(t)
	before := snap.ModCache.Bytes + snap.BuildCache.Bytes
	// The cap is one byte below e1 and the old version gone: e2 goes
	// too, e3 stays.
	oldBytes := lstatBytes(t, s.old.Dir, s.old.Info, s.old.Mod, s.old.Zip, s.old.ZipHash)
	tp, err := PlanTrim(snap, TrimOptions{MaxSize: before - lstatBytes(t, s.e1.Action, s.e1.Path) - oldBytes - 1})
	if err != nil {
		t.Fatal(err)
	}
	paths, versions := trimmed(tp)
	if tp.Build.Kept != 0 || tp.KeptSince != nil {
		t.Errorf("kept %d entries without --used-since", tp.Build.Kept)
	}
	if !slices.Equal(paths, []string{s.e1.Action, s.e1.Path, s.e2.Action, s.e2.Path}) || len(versions) != 1 {
		t.Errorf("planned %v %v", paths, versions)
	}
	// No cap: all goes, by last use; the shared output with the last
	// action naming it (e6), after e4.
	nocap, err := PlanTrim(snap, TrimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := trimmed(nocap)
	want := []string{s.e1.Action, s.e1.Path, s.e2.Action, s.e2.Path, s.e3.Action, s.e3.Path, s.e5.Action, s.e4.Action, s.e4.Path, s.e6.Action, s.e6.Path}
	if !slices.Equal(all, want) {
		t.Errorf("with no cap:\n%v\nwant\n%v", all, want)
	}
	if tp.Mod.RemovedBytes != oldBytes {
		t.Errorf("the version frees %d bytes by the plan, %d by lstat", tp.Mod.RemovedBytes, oldBytes)
	}
	if tp.Missed != 0 || tp.After > tp.MaxSize {
		t.Errorf("does not fit: %+v", tp)
	}
}

// TestTrimUsedDuringTheQuestion: an entry a build uses after the plan was
// made (its mtime moves past the cut-off) stays when the plan runs.
func TestTrimUsedDuringTheQuestion(t *testing.T) {
	s := newTrimScene(t)
	snap := s.scan(t)
	since := cachetest.Now().Add(-15 * time.Minute)
	tp, err := PlanTrim(snap, TrimOptions{UsedSince: since})
	if err != nil {
		t.Fatal(err)
	}
	now := cachetest.Now()
	for _, p := range []string{s.e2.Action, s.e2.Path} {
		os.Chtimes(p, now, now)
	}
	tp.Purge.Execute()
	for _, p := range []string{s.e2.Action, s.e2.Path} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("used since the plan was made, yet removed: %v", err)
		}
	}
	if _, err := os.Lstat(s.e1.Action); err == nil {
		t.Error("e1 stayed")
	}
}

func TestParseSizeAndTime(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "512": 512, "2GiB": 2 << 30, "2G": 2 << 30, "2GB": 2e9, "1.5M": 3 << 19, "10 MiB": 10 << 20, "7k": 7 << 10} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "G", "-1G", "2 parsecs", "1e30T", "NaNG"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) is no error", in)
		}
	}
	now := cachetest.Now()
	if got, err := ParseTime("2h", now); err != nil || !got.Equal(now.Add(-2*time.Hour)) {
		t.Errorf("ParseTime(2h) = %v, %v", got, err)
	}
	if got, err := ParseTime("2026-12-02T07:00:00Z", now); err != nil || !got.Equal(time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseTime(RFC 3339) = %v, %v", got, err)
	}
	if _, err := ParseTime("yesterday", now); err == nil {
		t.Error("ParseTime(yesterday) is no error")
	}
}

// TestTrimAtAnotherDate runs the trim tests dated by the tests' clock
// again with that clock years away: what they expect depends on no date.
func TestTrimAtAnotherDate(t *testing.T) {
	cachetest.RerunAt(t, cachetest.Elsewhen(), "^(TestTrimLeastRecentlyUsedFirst|TestTrimWithoutUsedSince|TestTrimUsedDuringTheQuestion|TestParseSizeAndTime)$")
}

// TestTrimKeepsTheToolchainsProjectsName: a toolchain a project's
// toolchain line names stays (builds there switch to it); one no project
// names goes.
func TestTrimKeepsTheToolchainsProjectsName(t *testing.T) {
	s := newTrimScene(t)
	other := s.c.AddToolchain("go1.99.2", "linux", "amd64")
	os.WriteFile(filepath.Join(s.proj, "go.mod"), []byte("module example.com/proj\n\ngo 1.21\n\ntoolchain go1.99.1\n\nrequire example.com/need v1.0.0\n"), 0o666)
	tp, err := PlanTrim(s.scan(t), TrimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, versions := trimmed(tp)
	if slices.Contains(versions, "golang.org/toolchain@"+s.tool.Version) || !slices.Contains(versions, "golang.org/toolchain@"+other.Version) {
		t.Errorf("versions planned: %v", versions)
	}
}
