//go:build unix

package actions

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// lstatSum is what removing paths frees, as the test measures it before
// the purge runs: every entry at or below each path, lstat'd, its blocks
// (a file with other links frees nothing), its size, files and not
// directories in Files. Independent of the file system's block size.
func lstatSum(t *testing.T, paths ...string) cachescan.Size {
	t.Helper()
	var s cachescan.Size
	for _, root := range paths {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			fi, err := os.Lstat(path)
			if err != nil {
				return nil
			}
			st := fi.Sys().(*syscall.Stat_t)
			e := cachescan.Size{Bytes: int64(st.Blocks) * 512, ApparentBytes: fi.Size()}
			if !fi.IsDir() {
				e.Files = 1
				if st.Nlink > 1 {
					e.Bytes, e.ApparentBytes = 0, 0
				}
			}
			s.Add(e)
			return nil
		})
	}
	return s
}

// TestPurgeFreedIsMeasured: what a purge reports as freed is what was on
// disk when it ran, not the plan's figure: a file added to the tree after
// planning counts, one removed after planning does not.
func TestPurgeFreedIsMeasured(t *testing.T) {
	for _, change := range []string{"added", "removed"} {
		t.Run(change, func(t *testing.T) {
			c := cachetest.New(t)
			e := c.Add(cachetest.Mod("example.com/m", "v1.0.0"))
			snap := scanCache(t, c, cachescan.Env{}, "")
			plan, err := Plan(snap, Targets{Patterns: []string{"example.com/m@v1.0.0"}})
			if err != nil {
				t.Fatal(err)
			}
			cachetest.Writable(e.Dir, func() {
				if change == "added" {
					big := strings.Repeat("x", 200<<10)
					if err := os.WriteFile(filepath.Join(e.Dir, "added.txt"), []byte(big), 0o444); err != nil {
						t.Fatal(err)
					}
				} else if err := os.Remove(filepath.Join(e.Dir, "go.mod")); err != nil {
					t.Fatal(err)
				}
			})
			want := lstatSum(t, e.Dir, e.Zip, e.ZipHash)
			res := plan.Execute()
			if len(res) != 1 || !res[0].Removed {
				t.Fatalf("results = %+v", res)
			}
			if got := res[0].Freed; got != want {
				t.Errorf("freed %+v, on disk before the purge %+v (plan said %+v)", got, want, plan.Size)
			}
			if res[0].Freed == plan.Size {
				t.Errorf("freed is the plan's size %+v although the tree %s after planning", plan.Size, change)
			}
			if _, bytes := plan.Progress(); bytes != want.Bytes {
				t.Errorf("progress ends at %d bytes, %d went", bytes, want.Bytes)
			}
		})
	}
}

// TestPurgeProgressWithinAVersion: the byte counter moves while one
// version's tree is removed, before the item is done (a toolchain is one
// 300 MiB item).
func TestPurgeProgressWithinAVersion(t *testing.T) {
	c := cachetest.New(t)
	files := map[string]string{}
	for i := 0; i < 20; i++ {
		files[filepath.Join("pkg", string(rune('a'+i))+".go")] = strings.Repeat("// x\n", 2000)
	}
	e := c.Add(cachetest.Module{Path: "example.com/big", Version: "v1.0.0", Files: files})
	snap := scanCache(t, c, cachescan.Env{}, "")
	plan, err := Plan(snap, Targets{Patterns: []string{"example.com/big"}})
	if err != nil {
		t.Fatal(err)
	}
	tree := lstatSum(t, e.Dir)
	var atTree [2]int64
	killAt = func(step string) bool {
		if step == "tree" {
			atTree[0], atTree[1] = plan.Progress()
		}
		return false
	}
	defer func() { killAt = nil }()
	res := plan.Execute()
	if !res[0].Removed {
		t.Fatalf("results = %+v", res)
	}
	if atTree[0] != 0 || atTree[1] < tree.Bytes {
		t.Errorf("once the tree was gone, progress was %d paths and %d bytes; want 0 paths (the item is not done) and the tree's %d bytes", atTree[0], atTree[1], tree.Bytes)
	}
	if paths, bytes := plan.Progress(); paths != plan.Paths() || bytes != res[0].Freed.Bytes {
		t.Errorf("progress at the end %d paths %d bytes; plan %d paths, freed %d", paths, bytes, plan.Paths(), res[0].Freed.Bytes)
	}
}
