package cachescan_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"modscope/cachescan"
)

// TestListTree: each child of a tree directory with everything below it,
// biggest first; links are listed, never followed; the bound truncates.
func TestListTree(t *testing.T) {
	dir := t.TempDir()
	tree := filepath.Join(dir, "example.com", "m@v1.0.0")
	write := func(rel string, n int) {
		t.Helper()
		p := filepath.Join(tree, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.Repeat("x", n)), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", 20)
	write("m.go", 5000)
	write("testdata/big/a.bin", 40000)
	write("testdata/big/b.bin", 30000)
	write("testdata/c.txt", 10)
	write("vendor/x/y.go", 9000)
	// Outside the tree, reached by a link planted in it: never summed.
	outside := filepath.Join(dir, "outside")
	os.MkdirAll(outside, 0o777)
	os.WriteFile(filepath.Join(outside, "huge"), make([]byte, 1<<20), 0o666)
	if err := os.Symlink(outside, filepath.Join(tree, "link")); err != nil {
		t.Skip("no symlinks:", err)
	}

	l, err := cachescan.ListTree(tree, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]cachescan.TreeEntry{}
	for _, e := range l.Entries {
		names = append(names, e.Name)
		byName[e.Name] = e
	}
	if got := strings.Join(names, " "); got != "testdata vendor m.go go.mod link" {
		t.Errorf("order = %q; want biggest first: testdata vendor m.go go.mod link", got)
	}
	td := byName["testdata"]
	// Uniform: files rounded to 4 KiB blocks, each directory one block:
	// testdata, big, a (40000 -> 40960), b (30000 -> 32768), c (4096).
	if want := int64(4096 + 4096 + 40960 + 32768 + 4096); !td.Dir || td.Size.Bytes != want || td.Size.Files != 3 || td.Size.ApparentBytes != 4096+4096+40000+30000+10 {
		t.Errorf("testdata = %+v; want dir of %d bytes, 3 files", td, want)
	}
	if lk := byName["link"]; !lk.Odd || lk.Dir || lk.Size.Bytes > 4096 {
		t.Errorf("link = %+v; want an odd entry, not followed", lk)
	}
	if l.Truncated {
		t.Error("truncated within the bound")
	}
	var sum int64 = 4096 // the directory itself
	for _, e := range l.Entries {
		sum += e.Size.Bytes
	}
	if l.Total.Bytes != sum {
		t.Errorf("total %d; want the sum of the entries and the directory, %d", l.Total.Bytes, sum)
	}

	small, err := cachescan.ListTree(tree, 7, true)
	if err != nil {
		t.Fatal(err)
	}
	if !small.Truncated {
		t.Error("a bound of 7 entries did not truncate a tree of 11")
	}

	if _, err := cachescan.ListTree(filepath.Join(tree, "link"), 0, true); err == nil {
		t.Error("listing through a link: want an error")
	}
	if _, err := cachescan.ListTree(filepath.Join(tree, "go.mod"), 0, true); err == nil {
		t.Error("listing a file: want an error")
	}
}
