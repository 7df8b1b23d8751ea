//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package confine

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestRemoveAllMeasuresWhatWent: RemoveAllMeasured reports the blocks,
// sizes and entries it unlinked, as an lstat just before measured them:
// a link counts as itself (its target, outside, is untouched), a file
// with another name outside the tree frees nothing, and each counts as
// it goes.
func TestRemoveAllMeasuresWhatWent(t *testing.T) {
	r, root := openModCache(t)
	vdir, vfile := victim(t)
	tree := filepath.Join(root, "example.com", "m@v1.0.0")
	if err := os.MkdirAll(filepath.Join(tree, "sub"), 0o777); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(tree, "a.txt"), []byte(strings.Repeat("a", 10000)), 0o444)
	os.WriteFile(filepath.Join(tree, "sub", "b.txt"), []byte("b"), 0o444)
	shared := filepath.Join(root, "shared.txt")
	os.WriteFile(shared, []byte(strings.Repeat("s", 50000)), 0o644)
	if err := os.Link(shared, filepath.Join(tree, "sub", "hard.txt")); err != nil {
		t.Skip("no hard links here:", err)
	}
	symlink(t, vfile, filepath.Join(tree, "link"))
	os.Chmod(filepath.Join(tree, "sub"), 0o555)

	var want Freed
	filepath.WalkDir(tree, func(p string, d os.DirEntry, err error) error {
		fi, lerr := os.Lstat(p)
		if lerr != nil {
			t.Fatal(lerr)
		}
		st := fi.Sys().(*syscall.Stat_t)
		f := Freed{Bytes: int64(st.Blocks) * 512, ApparentBytes: fi.Size()}
		switch {
		case fi.IsDir():
			f.Dirs = 1
		case st.Nlink > 1:
			f.Files = 1
			f.Bytes, f.ApparentBytes = 0, 0
		default:
			f.Files = 1
		}
		want.Add(f)
		return nil
	})
	var each Freed
	calls := 0
	got, err := r.RemoveAllMeasured(tree, func(f Freed) { each.Add(f); calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if got != want || each != want {
		t.Errorf("measured %+v (each: %+v), lstat before said %+v", got, each, want)
	}
	if calls != 6 || want.Files != 4 || want.Dirs != 2 {
		t.Errorf("%d calls for %d files and %d directories; want 6 for 4 and 2", calls, want.Files, want.Dirs)
	}
	untouched(t, vdir, vfile)
	if data, err := os.ReadFile(shared); err != nil || len(data) != 50000 {
		t.Errorf("the other name of the hard link: %v", err)
	}

	// One file: RemoveMeasured.
	fi, _ := os.Lstat(shared)
	f, err := r.RemoveMeasured(shared)
	if err != nil || f.Files != 1 || f.ApparentBytes != 50000 || f.Bytes != int64(fi.Sys().(*syscall.Stat_t).Blocks)*512 {
		t.Errorf("RemoveMeasured = %+v, %v", f, err)
	}
}
