package actions

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/dirhash"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestOnePassFindsWhatTwoPassesFind damages one version at a time and
// verifies it twice: in one pass (each tree file compared with the zip's
// entry as it inflates) and in two (the zip hashed, then the tree). Both
// must find the same problems with the same details and the same hashes,
// and the hashes must be dirhash's.
func TestOnePassFindsWhatTwoPassesFind(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 40<<10) // 640 KiB: many reads
	mod := func() cachetest.Module {
		m := cachetest.Mod("example.com/m", "v1.0.0")
		m.Files["big.txt"] = big
		m.Files["sub/dir/a.go"] = "package dir\n"
		m.Files["empty.txt"] = ""
		return m
	}
	inTree := func(e *cachetest.Entry, f func(dir string)) {
		cachetest.Writable(e.Dir, func() {
			filepath.Walk(e.Dir, func(p string, fi os.FileInfo, err error) error {
				if err == nil {
					os.Chmod(p, fi.Mode()|0o200)
				}
				return nil
			})
			f(e.Dir)
		})
	}
	rewrite := func(name, content string) func(*cachetest.Entry) {
		return func(e *cachetest.Entry) {
			inTree(e, func(dir string) { os.WriteFile(filepath.Join(dir, name), []byte(content), 0o444) })
		}
	}
	cases := []struct {
		name   string
		damage func(*cachetest.Entry)
		want   []string // problem kinds, as the report sorts them
	}{
		{"healthy", func(*cachetest.Entry) {}, nil},
		{"edited, same size", rewrite("lib.go", strings.Replace(mod().Files["lib.go"], "hello", "HELLO", 1)), []string{cachescan.KindDirModified}},
		{"edited near the end of a big file", rewrite("big.txt", big[:len(big)-1]+"X"), []string{cachescan.KindDirModified}},
		{"edited at a read's end", rewrite("big.txt", big[:128<<10-1]+"X"+big[128<<10:]), []string{cachescan.KindDirModified}},
		{"longer", rewrite("big.txt", big+"more"), []string{cachescan.KindDirModified}},
		{"shorter", rewrite("big.txt", big[:len(big)-1]), []string{cachescan.KindDirModified}},
		{"emptied", rewrite("lib.go", ""), []string{cachescan.KindDirModified}},
		{"an empty file filled", rewrite("empty.txt", "x"), []string{cachescan.KindDirModified}},
		{"added", rewrite("extra.go", "package lib\n"), []string{cachescan.KindDirModified}},
		{"missing", func(e *cachetest.Entry) {
			inTree(e, func(dir string) { os.Remove(filepath.Join(dir, "sub", "dir", "a.go")) })
		}, []string{cachescan.KindDirModified}},
		{"a link for a file", func(e *cachetest.Entry) {
			inTree(e, func(dir string) {
				os.Remove(filepath.Join(dir, "lib.go"))
				os.Symlink("big.txt", filepath.Join(dir, "lib.go"))
			})
		}, []string{cachescan.KindDirModified}},
		{"a directory for a file", func(e *cachetest.Entry) {
			inTree(e, func(dir string) {
				os.Remove(filepath.Join(dir, "lib.go"))
				os.Mkdir(filepath.Join(dir, "lib.go"), 0o755)
				os.WriteFile(filepath.Join(dir, "lib.go", "x"), nil, 0o444)
			})
		}, []string{cachescan.KindDirModified}},
		{"wrong ziphash", func(e *cachetest.Entry) {
			os.WriteFile(e.ZipHash, []byte("h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"), 0o666)
		}, []string{cachescan.KindZipModified, cachescan.KindDirModified}},
		{"zip with another content", func(e *cachetest.Entry) {
			other := mod()
			other.Files["big.txt"] = big[:1000] + "Y" + big[1001:]
			data, err := cachetest.ZipBytes(other)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(e.Zip, data, 0o666)
		}, []string{cachescan.KindZipModified}},
		{"corrupt zip: a CRC", func(e *cachetest.Entry) { corruptCRC(t, e.Zip, "big.txt") }, []string{cachescan.KindZipCorrupt}},
		{"corrupt zip: deflate data", func(e *cachetest.Entry) { corruptData(t, e.Zip, "big.txt") }, []string{cachescan.KindZipCorrupt}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			link := tc.name == "a link for a file" // dirhash follows links, verify never does
			var reps [2]*VerifyReport
			for i, one := range []bool{true, false} {
				c := cachetest.New(t)
				e := c.Add(mod())
				tc.damage(e)
				onePass = one
				_, reps[i] = scanAndVerifyZips(t, c)
				onePass = true
				mv := "example.com/m@v1.0.0"
				h := reps[i].Hashes[mv]
				if wantDir, err := dirhash.HashDir(e.Dir, mv, dirhash.DefaultHash); err == nil && !link && h.Dir != wantDir {
					t.Errorf("onePass=%v: tree hash %s, dirhash says %s", one, h.Dir, wantDir)
				}
				if wantZip, err := dirhash.HashZip(e.Zip, dirhash.DefaultHash); err == nil && h.Zip != wantZip {
					t.Errorf("onePass=%v: zip hash %s, dirhash says %s", one, h.Zip, wantZip)
				} else if err != nil && h.Zip != "" {
					t.Errorf("onePass=%v: a zip dirhash cannot read hashes to %s", one, h.Zip)
				}
				var got []string
				for _, p := range reps[i].Problems {
					got = append(got, p.Kind)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("onePass=%v: kinds %v, want %v; problems %+v", one, got, tc.want, reps[i].Problems)
				}
			}
			// The same findings, word for word, but for the temporary
			// directories' names.
			if !reflect.DeepEqual(reps[0].Hashes, reps[1].Hashes) {
				t.Errorf("hashes: one pass %+v, two %+v", reps[0].Hashes, reps[1].Hashes)
			}
			if len(reps[0].Problems) != len(reps[1].Problems) {
				t.Fatalf("one pass %+v, two %+v", reps[0].Problems, reps[1].Problems)
			}
			for i := range reps[0].Problems {
				a, b := reps[0].Problems[i], reps[1].Problems[i]
				if a.Kind != b.Kind || a.Detail != b.Detail {
					t.Errorf("one pass %s: %s\ntwo passes %s: %s", a.Kind, a.Detail, b.Kind, b.Detail)
				}
			}
		})
	}
}

// scanAndVerifyZips scans without the zip check and verifies with it, as
// the verify command does.
func scanAndVerifyZips(t *testing.T, c *cachetest.Cache) (*cachescan.Snapshot, *VerifyReport) {
	t.Helper()
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache, SkipZipCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := NewVerifier().Verify(context.Background(), snap, VerifyOptions{Jobs: 1, CheckZips: true})
	if err != nil {
		t.Fatal(err)
	}
	return snap, rep
}

// zipEntry finds a zip entry's local header and data.
func zipEntry(t *testing.T, data []byte, name string) (f *zip.File, header, off int64) {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, "/"+name) {
			off, err := f.DataOffset()
			if err != nil {
				t.Fatal(err)
			}
			return f, off - 30 - int64(len(f.Name)) - int64(len(f.Extra)), off
		}
	}
	t.Fatalf("no %s in the zip", name)
	return nil, 0, 0
}

// corruptCRC changes an entry's CRC-32 in its local header and in the
// central directory: the data inflates, and fails its checksum.
func corruptCRC(t *testing.T, path, name string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, _, _ := zipEntry(t, data, name)
	var crc [4]byte
	binary.LittleEndian.PutUint32(crc[:], f.CRC32)
	bad := binary.LittleEndian.AppendUint32(nil, f.CRC32^0xdeadbeef)
	if n := bytes.Count(data, crc[:]); n < 1 {
		t.Fatalf("the CRC appears %d times", n)
	}
	data = bytes.ReplaceAll(data, crc[:], bad)
	if err := os.WriteFile(path, data, 0o666); err != nil {
		t.Fatal(err)
	}
}

// corruptData overwrites the middle of an entry's compressed data.
func corruptData(t *testing.T, path, name string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, _, off := zipEntry(t, data, name)
	mid := off + int64(f.CompressedSize64)/2
	for i := mid; i < mid+16 && i < off+int64(f.CompressedSize64); i++ {
		data[i] ^= 0xff
	}
	if err := os.WriteFile(path, data, 0o666); err != nil {
		t.Fatal(err)
	}
}
