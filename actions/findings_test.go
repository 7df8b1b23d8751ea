package actions

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestFindingsPerCacheAndScope: a verify of some versions replaces only
// what was found about them, and a verify of another cache forgets
// nothing about this one.
func TestFindingsPerCacheAndScope(t *testing.T) {
	path := filepath.Join(t.TempDir(), "modscope", "last-verify.json")
	a := cachescan.Problem{Kind: cachescan.KindDirModified, Module: "example.com/a", Version: "v1.0.0"}
	b := cachescan.Problem{Kind: cachescan.KindZipModified, Module: "example.com/b", Version: "v1.0.0"}
	out := cachescan.Problem{Kind: cachescan.KindOutputCorrupt, Path: "/gocache/ab/ab-d"}
	now := cachetest.Now()
	if err := SaveFindings(path, Findings{ModCache: "/m1", GoCache: "/g1", At: now, Problems: []cachescan.Problem{a, b, out}}, nil); err != nil {
		t.Fatal(err)
	}
	// Only example.com/a again: fixed since.
	if err := SaveFindings(path, Findings{ModCache: "/m1", GoCache: "/g1", At: now.Add(time.Second)}, []string{"example.com/a"}); err != nil {
		t.Fatal(err)
	}
	// Another cache.
	if err := SaveFindings(path, Findings{ModCache: "/m2", GoCache: "/g2", At: now.Add(2 * time.Second), Problems: []cachescan.Problem{a}}, nil); err != nil {
		t.Fatal(err)
	}
	f := LoadFindings(path, "/m1", "/g1")
	if f == nil || len(f.Problems) != 2 || f.Problems[0].Module != "example.com/b" || f.Problems[1].Kind != cachescan.KindOutputCorrupt {
		t.Fatalf("findings of /m1 after a verify of example.com/a and one of /m2: %+v", f)
	}
	if f := LoadFindings(path, "/m2", "/g2"); f == nil || len(f.Problems) != 1 {
		t.Errorf("findings of /m2: %+v", f)
	}
	// A whole verify from the command line has empty, not nil, patterns;
	// a finding without a module found again is one finding.
	if err := SaveFindings(path, Findings{ModCache: "/m1", GoCache: "/g1", At: now.Add(3 * time.Second), Problems: []cachescan.Problem{out}}, []string{}); err != nil {
		t.Fatal(err)
	}
	if err := SaveFindings(path, Findings{ModCache: "/m1", GoCache: "/g1", At: now.Add(3 * time.Second), Problems: []cachescan.Problem{out, out}}, []string{"example.com/b"}); err != nil {
		t.Fatal(err)
	}
	if f := LoadFindings(path, "/m1", "/g1"); f == nil || len(f.Problems) != 1 || f.Problems[0].Kind != cachescan.KindOutputCorrupt {
		t.Errorf("after two verifies finding the same output: %+v", f)
	}
	// A whole verify replaces everything.
	if err := SaveFindings(path, Findings{ModCache: "/m1", GoCache: "/g1", At: now.Add(3 * time.Second)}, nil); err != nil {
		t.Fatal(err)
	}
	if f := LoadFindings(path, "/m1", "/g1"); f == nil || len(f.Problems) != 0 {
		t.Errorf("after a whole verify: %+v", f)
	}
	// The file an earlier modscope wrote (one Findings) still reads.
	old, _ := json.Marshal(Findings{ModCache: "/m3", GoCache: "/g3", Problems: []cachescan.Problem{b}})
	if err := os.WriteFile(path, old, 0o666); err != nil {
		t.Fatal(err)
	}
	if f := LoadFindings(path, "/m3", "/g3"); f == nil || len(f.Problems) != 1 {
		t.Errorf("an old findings file: %+v", f)
	}
}
