package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestScanRescan: scan keeps the scan index (here where
// MODSCOPE_SCAN_INDEX says) and the next scan takes the unchanged trees
// from it, so an in-place edit of a file in a read-only tree (the one
// change it cannot see) shows only with --rescan, which walks everything
// and rewrites the index.
func TestScanRescan(t *testing.T) {
	index := filepath.Join(t.TempDir(), "scan-index")
	t.Setenv("MODSCOPE_SCAN_INDEX", index)
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/edited", "v1.0.0"))
	args := []string{"scan", "--json", "--modcache", c.ModCache, "--gocache", c.BuildCache}
	treeOf := func(args ...string) cachescan.Size {
		t.Helper()
		code, out, errOut := runMain(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		var snap cachescan.Snapshot
		if err := json.Unmarshal([]byte(out), &snap); err != nil {
			t.Fatal(err)
		}
		v := snap.ModCache.FindVersion("example.com/edited", "v1.0.0")
		if v == nil {
			t.Fatalf("%v: the version is missing", args)
		}
		return v.Tree
	}
	// The index keeps only what is older than its margin (2 s): the tree's
	// ctime is now, its mtime the fixtures' date.
	if cachetest.Written().After(time.Now().Add(-time.Minute)) {
		t.Skip("the fixtures are dated ahead of the system's clock, and the index rightly trusts no such time")
	}
	time.Sleep(2100 * time.Millisecond)
	old := treeOf(args...)
	if _, err := os.Stat(index); err != nil {
		t.Fatalf("scan wrote no index: %v", err)
	}

	file := filepath.Join(e.Dir, "go.mod")
	os.Chmod(file, 0o644)
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("// edited in place\n")
	f.Close()
	os.Chmod(file, 0o444)

	if got := treeOf(args...); got != old {
		t.Errorf("scan: tree %+v, want the index's %+v", got, old)
	}
	want := old.ApparentBytes + int64(len("// edited in place\n"))
	if got := treeOf(append(args, "--rescan")...); got.ApparentBytes != want {
		t.Errorf("scan --rescan: tree %+v, want %d apparent bytes", got, want)
	}
	if got := treeOf(args...); got.ApparentBytes != want {
		t.Errorf("scan after --rescan: tree %+v, want %d apparent bytes (the index rewritten)", got, want)
	}
}
