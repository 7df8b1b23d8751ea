package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
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

// TestFoundAndSaveVerify: the shared steps around a verify. A verify of
// one version saved with its scope replaces only what was found about it;
// Found gives the scan's problems plus the saved findings that still hold
// (hashed again), and drops one that was fixed since.
func TestFoundAndSaveVerify(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	path := filepath.Join(t.TempDir(), "last-verify.json")
	c := cachetest.New(t)
	a := c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	b := c.Add(cachetest.Mod("example.com/b", "v1.0.0"))
	for _, e := range []*cachetest.Entry{a, b} {
		cachetest.Writable(e.Dir, func() {
			if err := os.WriteFile(filepath.Join(e.Dir, "go.mod"), []byte("module edited\n"), 0o444); err != nil {
				t.Fatal(err)
			}
		})
	}
	snap := scanCache(t, c, cachescan.Env{}, "")
	ctx := context.Background()
	modified := func(ps []cachescan.Problem) []string {
		var out []string
		for _, p := range ps {
			if p.Kind == cachescan.KindDirModified {
				out = append(out, p.Module)
			}
		}
		sort.Strings(out)
		return out
	}
	if got, err := Found(ctx, snap, path, nil); err != nil || len(modified(got)) != 0 {
		t.Fatalf("before any verify: %v, %v", modified(got), err)
	}
	rep, err := NewVerifier().Verify(ctx, snap, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := SaveVerify(path, snap, rep, nil); err != nil {
		t.Fatal(err)
	}
	// b is mended, then verified alone: a's finding stays.
	os.Chmod(b.Dir, 0o755)
	os.WriteFile(filepath.Join(b.Dir, "go.mod"), []byte("module example.com/b\n"), 0o444)
	rep, err = NewVerifier().Verify(ctx, snap, VerifyOptions{Patterns: []string{"example.com/b"}})
	if err != nil || len(rep.Problems) != 0 {
		t.Fatalf("verify of the mended b: %+v, %v", rep, err)
	}
	if err := SaveVerify(path, snap, rep, []string{"example.com/b"}); err != nil {
		t.Fatal(err)
	}
	rechecked := false
	got, err := Found(ctx, snap, path, func() { rechecked = true })
	if err != nil || !rechecked || fmt.Sprint(modified(got)) != "[example.com/a]" || len(got) != len(snap.Problems)+1 {
		t.Fatalf("found %v (rechecked %v), %v; want the scan's %d problems and example.com/a", modified(got), rechecked, err, len(snap.Problems))
	}
	// a is mended without a verify: Found hashes again and drops it.
	os.Chmod(a.Dir, 0o755)
	os.WriteFile(filepath.Join(a.Dir, "go.mod"), []byte("module example.com/a\n"), 0o444)
	if got, err := Found(ctx, snap, path, nil); err != nil || len(modified(got)) != 0 {
		t.Errorf("after a was mended: %v, %v", modified(got), err)
	}
}
