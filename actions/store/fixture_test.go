package store

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// moduleZip is a real module zip of files, made by x/mod/zip.
func moduleZip(t *testing.T, path, vers string, files map[string]string) []byte {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	var buf bytes.Buffer
	if err := modzip.CreateFromDir(&buf, module.Version{Path: path, Version: vers}, dir); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fixVersion is one version to put in a fixture store; an empty field is
// a missing file.
type fixVersion struct {
	path, vers string
	info, mod  string
	zip        []byte
}

// goodVersion is a version whose three files agree.
func goodVersion(t *testing.T, path, vers string) fixVersion {
	gomod := "module " + path + "\n\ngo 1.21\n"
	return fixVersion{path: path, vers: vers, info: `{"Version":"` + vers + `","Time":"2025-01-01T00:00:00Z"}`, mod: gomod,
		zip: moduleZip(t, path, vers, map[string]string{"go.mod": gomod, "a.go": "package a\n"})}
}

// putVersions writes the versions in the layout under root.
func putVersions(t *testing.T, root string, l Layout, vs ...fixVersion) {
	t.Helper()
	for _, v := range vs {
		files := map[FileKind][]byte{}
		if v.info != "" {
			files[FileInfo] = []byte(v.info)
		}
		if v.mod != "" {
			files[FileMod] = []byte(v.mod)
		}
		if v.zip != nil {
			files[FileZip] = v.zip
		}
		s := &Store{Layout: l}
		for k, data := range files {
			key, err := s.key(v.path, v.vers, k)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(root, filepath.FromSlash(key))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			mt := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			if err := os.Chtimes(p, mt, mt); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// openListed opens the file:// store at root and lists it.
func openListed(t *testing.T, root string) (*Store, *Inventory) {
	t.Helper()
	s, err := Open(context.Background(), "file://"+filepath.ToSlash(root), LayoutUnknown)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	inv, err := s.List(context.Background(), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return s, inv
}

// bombZip is a small zip whose one entry declares more than x/mod/zip's
// limit uncompressed.
func bombZip(t *testing.T, path, vers string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: path + "@" + vers + "/big.txt", Method: zip.Store,
		CompressedSize64: 4, UncompressedSize64: modzip.MaxZipFile + 1})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("boom"))
	zw.Close()
	return buf.Bytes()
}
