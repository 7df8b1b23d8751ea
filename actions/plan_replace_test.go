package actions

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestPlanWarnsOfReplaceTargets: a plan that removes the target of a
// replace directive of the project says the project builds with it; one
// that leaves it does not, and a local replace names no version.
func TestPlanWarnsOfReplaceTargets(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	c.Add(cachetest.Mod("example.com/b", "v1.2.3"))
	c.Add(cachetest.Mod("example.com/c", "v1.0.0"))
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/p\n\ngo 1.21\n\nrequire example.com/a v1.0.0\n\nreplace example.com/a => example.com/b v1.2.3\n\nreplace example.com/c => ./c\n"), 0o666)
	snap := scanCache(t, c, cachescan.Env{GOPROXY: "https://proxy.golang.org"}, proj)
	want := "example.com/b v1.2.3 is the target of a replace directive in go.mod: the project builds with it"
	for _, tc := range []struct {
		pattern string
		warns   bool
	}{{"example.com/b@v1.2.3", true}, {"example.com/...", true}, {"example.com/a", false}, {"example.com/c", false}} {
		plan, err := Plan(snap, Targets{Patterns: []string{tc.pattern}})
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(plan.Warnings, want); got != tc.warns {
			t.Errorf("purge %s: warnings %q; want the replace warning: %v", tc.pattern, plan.Warnings, tc.warns)
		}
	}
}
