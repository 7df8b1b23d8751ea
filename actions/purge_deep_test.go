//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package actions

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestPurgeDeepDirOrphan: a dir-orphan tree 1000 levels deep (its paths
// past PATH_MAX) is purged whole, .partial included, and the next scan
// finds nothing: no crashed extraction is left behind.
func TestPurgeDeepDirOrphan(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/deep", "v1.0.0"))
	os.Remove(e.Zip)
	os.Remove(e.ZipHash)
	cachetest.Writable(e.Dir, func() {
		if err := os.Mkdir(filepath.Join(e.Dir, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
	})
	cachetest.DeepTree(t, filepath.Join(e.Dir, "x"), 1000, strings.Repeat("n", 8))
	scan := func() *cachescan.Snapshot {
		snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache})
		if err != nil {
			t.Fatal(err)
		}
		return snap
	}
	plan, err := Plan(scan(), Targets{Patterns: []string{"example.com/deep@v1.0.0"}})
	if err != nil {
		t.Fatal(err)
	}
	res := plan.Execute()
	if len(res) != 1 || !res[0].Removed || res[0].Err != "" {
		t.Fatalf("results = %+v", res)
	}
	for _, p := range []string{e.Dir, e.Partial} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
	for _, p := range scan().Problems {
		t.Errorf("after the purge: %s %s: %s", p.Kind, p.Path, p.Detail)
	}
}
