package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"

	"modscope/actions"
	"modscope/cachescan/cachetest"
)

// gcNow is the tests' clock; the fixtures are dated from it.
var gcNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// fixtureVersion is one version the gc fixtures write, with its age.
type fixtureVersion struct {
	path, vers string
	age        time.Duration
	metaOnly   bool
}

// writeStore writes the versions with real zips in the layout under dir
// (with a proxy layout's @v/list naming every version) and dates each
// version's files by its age.
func writeStore(t *testing.T, dir string, l Layout, vs []fixtureVersion) {
	t.Helper()
	lists := map[string][]string{}
	for _, fv := range vs {
		m := cachetest.Module{Path: fv.path, Version: fv.vers}
		zip, err := cachetest.ZipBytes(m)
		if err != nil {
			t.Fatal(err)
		}
		files := map[FileKind][]byte{
			FileInfo: fmt.Appendf(nil, `{"Version":%q,"Time":"2024-01-02T03:04:05Z"}`, fv.vers),
			FileMod:  []byte("module " + fv.path + "\n"),
		}
		if !fv.metaOnly {
			files[FileZip] = zip
		}
		s := &Store{Layout: l}
		for kind, data := range files {
			key, err := s.key(fv.path, fv.vers, kind)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, filepath.FromSlash(key))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			when := gcNow.Add(-fv.age)
			if err := os.Chtimes(p, when, when); err != nil {
				t.Fatal(err)
			}
		}
		lists[fv.path] = append(lists[fv.path], fv.vers)
	}
	if l != LayoutProxy {
		return
	}
	for path, vers := range lists {
		ep, _ := module.EscapePath(path)
		p := filepath.Join(dir, filepath.FromSlash(ep), "@v", "list")
		if err := os.WriteFile(p, []byte(strings.Join(vers, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func openTestStore(t *testing.T, dir string, l Layout) (*Store, *Inventory) {
	t.Helper()
	s, err := Open(context.Background(), "file://"+filepath.ToSlash(dir), l)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	inv, err := s.List(context.Background(), gcNow)
	if err != nil {
		t.Fatal(err)
	}
	return s, inv
}

// planned is the plan's items as path@version.
func planned(plan *GCPlan) []string {
	var out []string
	for _, it := range plan.Items {
		out = append(out, it.Module+"@"+it.Version)
	}
	return out
}

var gcFixture = []fixtureVersion{
	{"example.com/a", "v1.0.0", 400 * 24 * time.Hour, false},
	{"example.com/a", "v1.1.0", 200 * 24 * time.Hour, false},
	{"example.com/a", "v1.2.0", 10 * 24 * time.Hour, false},
	{"example.com/a", "v1.3.0", 500 * 24 * time.Hour, false}, // old, but the latest
	{"example.com/a", "v0.9.0", 600 * 24 * time.Hour, true},  // metadata only
	{"example.com/b", "v2.0.0+incompatible", 300 * 24 * time.Hour, false},
	{"example.com/b", "v1.0.0", 300 * 24 * time.Hour, false},
}

// projectUsage is the usage of a project that requires the versions.
func projectUsage(t *testing.T, requires ...string) *actions.Usage {
	t.Helper()
	dir := t.TempDir()
	gomod := "module example.com/p\n\ngo 1.22\n"
	for _, r := range requires {
		p, v, _ := strings.Cut(r, "@")
		gomod += "require " + p + " " + v + "\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	u, err := actions.FindUsage([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestPlanGCPolicies: each policy selects what it says, in both layouts,
// and the protections keep a module's latest version, metadata-only
// versions and every version a project needs.
func TestPlanGCPolicies(t *testing.T) {
	for _, l := range []Layout{LayoutProxy, LayoutAthens} {
		fixture := gcFixture
		if l == LayoutAthens {
			fixture = slices.DeleteFunc(slices.Clone(gcFixture), func(fv fixtureVersion) bool { return fv.metaOnly })
		}
		dir := t.TempDir()
		writeStore(t, dir, l, fixture)
		_, inv := openTestStore(t, dir, LayoutUnknown)
		if inv.Layout != l {
			t.Fatalf("layout %v, want %v", inv.Layout, l)
		}
		damage := []Damage{
			{Kind: DamageZip, Module: "example.com/a", Version: "v1.3.0"},
			{Kind: DamageZipHash, Module: "example.com/b", Version: "v1.0.0", Proven: true},
		}
		for _, tc := range []struct {
			name   string
			policy GCPolicy
			want   []string
		}{
			{"keep-latest 2", GCPolicy{KeepLatest: 2}, []string{"example.com/a@v1.0.0", "example.com/a@v1.1.0"}},
			{"keep-latest 1", GCPolicy{KeepLatest: 1}, []string{"example.com/a@v1.0.0", "example.com/a@v1.1.0", "example.com/a@v1.2.0", "example.com/b@v1.0.0"}},
			{"older than 250d", GCPolicy{OlderThan: 250 * 24 * time.Hour}, []string{"example.com/a@v1.0.0", "example.com/b@v1.0.0"}},
			{"unused", GCPolicy{Unused: true, Used: projectUsage(t, "example.com/a@v1.1.0")}, []string{"example.com/a@v1.0.0", "example.com/a@v1.2.0", "example.com/b@v1.0.0"}},
			{"damaged", GCPolicy{Damaged: true}, []string{"example.com/a@v1.3.0", "example.com/b@v1.0.0"}},
			{"proven wrong", GCPolicy{ProvenWrong: true}, []string{"example.com/b@v1.0.0"}},
			{"pattern", GCPolicy{KeepLatest: 1, Patterns: []string{"example.com/b"}}, []string{"example.com/b@v1.0.0"}},
			{"build list wins but for proven", GCPolicy{KeepLatest: 1, Damaged: true, Unused: true, Used: projectUsage(t, "example.com/a@v1.0.0", "example.com/b@v1.0.0", "example.com/a@v1.3.0")},
				[]string{"example.com/a@v1.1.0", "example.com/a@v1.2.0", "example.com/b@v1.0.0"}},
		} {
			t.Run(l.String()+"/"+tc.name, func(t *testing.T) {
				plan, err := PlanGC(inv, tc.policy, damage, gcNow)
				if err != nil {
					t.Fatal(err)
				}
				if got := planned(plan); !slices.Equal(got, tc.want) {
					t.Fatalf("planned %v, want %v\nkept %+v", got, tc.want, plan.Kept)
				}
				if tc.policy.OlderThan > 0 && plan.Items[0].Reasons[0] != "written 400d ago" {
					t.Errorf("reasons %q", plan.Items[0].Reasons)
				}
				for _, it := range plan.Items {
					v := inv.Lookup(it.Module, it.Version)
					n := 0
					for _, o := range v.Files {
						if o != nil {
							n++
						}
					}
					if len(it.Keys) != n || it.Bytes != v.Size || len(it.Reasons) == 0 {
						t.Errorf("%s@%s: keys %v bytes %d (version: %d files, %d bytes), reasons %v", it.Module, it.Version, it.Keys, it.Bytes, n, v.Size, it.Reasons)
					}
				}
			})
		}
	}
}

// TestPlanGCNeverPlansABuildListVersion: whatever the policies, a version
// a project requires is in no plan unless it is proven wrong.
func TestPlanGCNeverPlansABuildListVersion(t *testing.T) {
	dir := t.TempDir()
	writeStore(t, dir, LayoutProxy, gcFixture)
	_, inv := openTestStore(t, dir, LayoutProxy)
	var all []string
	for _, fv := range gcFixture {
		all = append(all, fv.path+"@"+fv.vers)
	}
	used := projectUsage(t, all...)
	var damage []Damage
	for _, fv := range gcFixture {
		damage = append(damage, Damage{Kind: DamageMissingFile, Module: fv.path, Version: fv.vers})
	}
	damage = append(damage, Damage{Kind: DamageModHash, Module: "example.com/a", Version: "v1.1.0", Proven: true})
	plan, err := PlanGC(inv, GCPolicy{KeepLatest: 1, OlderThan: time.Hour, Unused: true, Used: used, Damaged: true}, damage, gcNow)
	if err != nil {
		t.Fatal(err)
	}
	if got := planned(plan); !slices.Equal(got, []string{"example.com/a@v1.1.0"}) {
		t.Fatalf("planned %v: only the proven-wrong one may go", got)
	}
	if !plan.Items[0].Proven {
		t.Error("the proven-wrong item is not marked so")
	}
	if len(plan.Kept) != len(gcFixture)-1 {
		t.Errorf("kept %+v", plan.Kept)
	}
}

func TestPlanGCRefusals(t *testing.T) {
	dir := t.TempDir()
	writeStore(t, dir, LayoutProxy, gcFixture)
	_, inv := openTestStore(t, dir, LayoutProxy)
	for _, tc := range []struct {
		policy GCPolicy
		want   string
	}{
		{GCPolicy{}, "gc needs a policy"},
		{GCPolicy{Unused: true}, "--unused needs --projects"},
		{GCPolicy{KeepLatest: 1, Patterns: []string{"example.com/typo"}}, "no version in the store matches example.com/typo"},
		{GCPolicy{KeepLatest: 1, Patterns: []string{"@v1"}}, "bad pattern"},
	} {
		if _, err := PlanGC(inv, tc.policy, nil, gcNow); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.policy, err, tc.want)
		}
	}
}

// readList is a module's @v/list in a file:// store, or "(none)".
func readList(t *testing.T, dir, path string) string {
	t.Helper()
	ep, _ := module.EscapePath(path)
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(ep), "@v", "list"))
	if os.IsNotExist(err) {
		return "(none)"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestGCRunDeletesThePlanAndRewritesTheList: a run deletes every key of
// the plan and nothing else, rewrites @v/list without the deleted
// versions, deletes it with the module's last version, and measures what
// it freed.
func TestGCRunDeletesThePlanAndRewritesTheList(t *testing.T) {
	for _, l := range []Layout{LayoutProxy, LayoutAthens} {
		t.Run(l.String(), func(t *testing.T) {
			fixture := slices.DeleteFunc(slices.Clone(gcFixture), func(fv fixtureVersion) bool { return fv.metaOnly })
			dir := t.TempDir()
			writeStore(t, dir, l, fixture)
			s, inv := openTestStore(t, dir, l)
			damage := []Damage{
				{Kind: DamageZip, Module: "example.com/b", Version: "v1.0.0"},
				{Kind: DamageZip, Module: "example.com/b", Version: "v2.0.0+incompatible"},
			}
			plan, err := PlanGC(inv, GCPolicy{KeepLatest: 2, Damaged: true}, damage, gcNow)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"example.com/a@v1.0.0", "example.com/a@v1.1.0", "example.com/b@v1.0.0", "example.com/b@v2.0.0+incompatible"}
			if got := planned(plan); !slices.Equal(got, want) {
				t.Fatalf("planned %v", got)
			}
			var last GCProgress
			res := plan.Run(context.Background(), s, func(p GCProgress) { last = p })
			if len(res.Failures) > 0 || res.Cancelled || res.Versions != 4 {
				t.Fatalf("result %+v", res)
			}
			if res.DeletedBytes != plan.Bytes || last.Done != last.Total || last.Bytes != plan.Bytes {
				t.Errorf("deleted %d bytes, planned %d; progress %+v", res.DeletedBytes, plan.Bytes, last)
			}
			_, after := openTestStore(t, dir, l)
			var left []string
			for _, m := range after.Modules {
				for _, v := range m.Versions {
					left = append(left, m.Path+"@"+v.Version)
				}
			}
			if !slices.Equal(left, []string{"example.com/a@v1.2.0", "example.com/a@v1.3.0"}) {
				t.Fatalf("left %v", left)
			}
			if len(missingFiles(after)) > 0 {
				t.Errorf("the versions left are not whole: %+v", missingFiles(after))
			}
			if l == LayoutProxy {
				if got := readList(t, dir, "example.com/a"); got != "v1.2.0\nv1.3.0\n" {
					t.Errorf("example.com/a's list: %q", got)
				}
				if got := readList(t, dir, "example.com/b"); got != "(none)" {
					t.Errorf("example.com/b's list: %q", got)
				}
				if res.Lists != 1 {
					t.Errorf("lists rewritten %d", res.Lists)
				}
				// A file:// store stays one the go command reads as it
				// is: no fileblob sidecar next to the rewritten list.
				if m, _ := filepath.Glob(filepath.Join(dir, "example.com", "a", "@v", "*.attrs")); len(m) > 0 {
					t.Errorf("sidecar files written: %v", m)
				}
			}
			// A second run finds the keys gone: counted, not failures.
			again := plan.Run(context.Background(), s, nil)
			if len(again.Failures) > 0 || again.Deleted != 0 || again.AlreadyGone != plan.Objects {
				t.Errorf("second run %+v (plan has %d objects)", again, plan.Objects)
			}
		})
	}
}

// TestGCRunCancelledLeavesWholeOrMetadataOnly: a run stopped after any
// number of objects leaves each version whole or without a prefix of its
// delete order (in a proxy layout: metadata only, which the protocol
// serves), and a list that names no version that is gone.
func TestGCRunCancelledLeavesWholeOrMetadataOnly(t *testing.T) {
	for _, l := range []Layout{LayoutProxy, LayoutAthens} {
		fixture := slices.DeleteFunc(slices.Clone(gcFixture), func(fv fixtureVersion) bool { return fv.metaOnly })
		dir := t.TempDir()
		writeStore(t, dir, l, fixture)
		_, inv := openTestStore(t, dir, l)
		plan, err := PlanGC(inv, GCPolicy{KeepLatest: 1}, nil, gcNow)
		if err != nil {
			t.Fatal(err)
		}
		total := plan.Objects + len(plan.Lists)
		for stop := 0; stop < total; stop++ {
			dir := t.TempDir()
			writeStore(t, dir, l, fixture)
			s, _ := openTestStore(t, dir, l)
			ctx, cancel := context.WithCancel(context.Background())
			res := plan.Run(ctx, s, func(p GCProgress) {
				if p.Done >= stop {
					cancel()
				}
			})
			cancel()
			if !res.Cancelled && stop < total {
				t.Fatalf("%v stop %d: not cancelled: %+v", l, stop, res)
			}
			_, after := openTestStore(t, dir, l)
			for _, m := range after.Modules {
				for _, v := range m.Versions {
					n := 0
					for n < len(deleteOrder) && !v.Has(deleteOrder[n]) {
						n++
					}
					for _, k := range deleteOrder[n:] {
						if !v.Has(k) && k != FileZipHash && k != FilePartial && k != FileLock {
							t.Errorf("%v stop %d: %s@%s lacks its %s but not everything before it", l, stop, m.Path, v.Version, k)
						}
					}
					if l == LayoutProxy && !v.Has(FileMod) {
						t.Errorf("%v stop %d: %s@%s has no .mod", l, stop, m.Path, v.Version)
					}
				}
				if l == LayoutProxy {
					for _, line := range strings.Fields(readList(t, dir, m.Path)) {
						if v := after.Lookup(m.Path, line); v == nil || !v.Has(FileMod) {
							t.Errorf("stop %d: %s's list names %s, which is gone", stop, m.Path, line)
						}
					}
				}
			}
		}
	}
}

// TestGCRunRefusesKeysOutsideThePlan: keys a hostile store holds (a
// version with control characters, a path element starting with a dot,
// a doubled extension) are in no plan, and a
// plan whose keys were changed to reach another object deletes nothing of
// the version it names.
func TestGCRunRefusesKeysOutsideThePlan(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "store")
	writeStore(t, dir, LayoutProxy, gcFixture)
	writeFiles(t, root, map[string]string{"outside": "keep me"})
	writeFiles(t, dir, map[string]string{
		"example.com/a/@v/v1.0.0\x1b[2J.zip":   "PK",
		"example.com/.x/@v/v1.0.0.zip":         "PK",
		"example.com/a/@v/v1.0.0.zip.evil.zip": "PK",
	})
	s, inv := openTestStore(t, dir, LayoutProxy)
	plan, err := PlanGC(inv, GCPolicy{KeepLatest: 1}, nil, gcNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range plan.Items {
		for _, k := range it.Keys {
			if strings.ContainsAny(k, "\x1b") || strings.Contains(k, "..") || strings.Contains(k, "evil") {
				t.Fatalf("a hostile key in the plan: %q", k)
			}
		}
	}
	// Edit the plan: a key outside the store, another version's key,
	// the module's list, a hostile key.
	plan.Items[0].Keys = append(plan.Items[0].Keys, "../outside")
	plan.Items[1].Keys[0] = "example.com/a/@v/v1.3.0.zip"
	plan.Items[2].Keys = []string{"example.com/a/@v/list", "example.com/a/@v/v1.0.0\x1b[2J.zip"}
	res := plan.Run(context.Background(), s, nil)
	if len(res.Failures) != 4 {
		t.Errorf("failures %+v", res.Failures)
	}
	if data, err := os.ReadFile(filepath.Join(root, "outside")); err != nil || string(data) != "keep me" {
		t.Fatalf("the file outside the store: %q, %v", data, err)
	}
	_, after := openTestStore(t, dir, LayoutProxy)
	for _, it := range plan.Items[:3] {
		v := after.Lookup(it.Module, it.Version)
		if v == nil || !v.Has(FileZip) || !v.Has(FileMod) || !v.Has(FileInfo) {
			t.Errorf("%s@%s was touched: %+v", it.Module, it.Version, v)
		}
	}
	if v := after.Lookup("example.com/a", "v1.3.0"); v == nil || !v.Has(FileZip) {
		t.Error("another version's zip was deleted")
	}
	if after.Other != 3 {
		t.Errorf("the hostile keys: other %d %q", after.Other, after.OtherKeys)
	}
}
