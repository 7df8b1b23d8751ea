// Package storetest writes team module stores for tests: a directory in
// the proxy layout, opened as a file:// store, with real module zips.
package storetest

import (
	"io/fs"
	"os"
	"path/filepath"

	"modscope/cachescan/cachetest"
)

// The fixture's module versions.
var (
	// Good are complete: .info, .mod and zip.
	Good = []cachetest.Module{
		{Path: "example.com/good", Version: "v1.0.0", Files: map[string]string{"good.go": "package good\n"}},
		{Path: "example.com/good", Version: "v1.1.0", Files: map[string]string{"good.go": "package good\n\nconst V = 1\n"}},
		{Path: "example.com/other", Version: "v0.2.0", Files: map[string]string{"other.go": "package other\n"}},
	}
	// Broken lacks its .info: damage of kind missing-file.
	Broken = cachetest.Module{Path: "example.com/broken", Version: "v1.0.0", Files: map[string]string{"b.go": "package broken\n"}}
	// Meta has only its .mod and .info, as the go command leaves the
	// versions it only loads the graph of.
	Meta = cachetest.Module{Path: "example.com/meta", Version: "v0.1.0"}
)

// BrokenInfo is the key of the .info the fixture removes.
const BrokenInfo = "example.com/broken/@v/v1.0.0.info"

// ProxyStore writes the fixture under dir in the proxy layout and dates
// every file cachetest.Written(), so that listings do not depend on
// today's date. It returns the store's file:// URL.
func ProxyStore(t cachetest.T, dir string) string {
	t.Helper()
	cachetest.WriteProxy(t, dir, append(append([]cachetest.Module{}, Good...), Broken, Meta)...)
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(BrokenInfo))); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "example.com/meta/@v/v0.1.0.zip")); err != nil {
		t.Fatal(err)
	}
	at := cachetest.Written()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, at, at)
	})
	if err != nil {
		t.Fatal(err)
	}
	return "file://" + filepath.ToSlash(dir)
}

// Files maps every file under dir to its content, to show that browsing
// changed nothing.
func Files(t cachetest.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		out[p] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
