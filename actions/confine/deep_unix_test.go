//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package confine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"modscope/cachescan/cachetest"
)

// TestRemoveAllDeepTree: a tree 2000 levels deep, its paths about 5 times
// PATH_MAX, goes whole, with every entry counted; the walk is not bounded
// by depth or path length (it used to stop at 512 levels).
func TestRemoveAllDeepTree(t *testing.T) {
	r, root := openModCache(t)
	tree := filepath.Join(root, "example.com", "deep@v1.0.0")
	if err := os.MkdirAll(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	const levels = 2000
	name := strings.Repeat("d", 10)
	cachetest.DeepTree(t, tree, levels, name)
	if levels*(len(name)+1) < 4*4096 {
		t.Fatal("the fixture is not past PATH_MAX")
	}
	got, err := r.RemoveAllMeasured(tree, nil)
	if err != nil {
		t.Fatalf("RemoveAll of a %d-level tree: %v", levels, err)
	}
	if _, err := os.Lstat(tree); !os.IsNotExist(err) {
		t.Fatalf("the tree is still there: %v", err)
	}
	if got.Files != levels || got.Dirs != levels+1 {
		t.Errorf("freed %d files, %d dirs; want %d, %d", got.Files, got.Dirs, levels, levels+1)
	}
	if _, err := os.Stat(filepath.Dir(tree)); err != nil {
		t.Errorf("the parent went: %v", err)
	}
}
