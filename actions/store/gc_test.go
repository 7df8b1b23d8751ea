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
