package cachescan

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

const (
	zipTestPath = "example.com/m"
	zipTestVers = "v1.0.0"
)

// zipOf writes a zip of names the way a fuzz case asks: sizes are claimed
// with CreateRaw (no data), so that the size limits can be reached
// without writing them.
func zipOf(t testing.TB, names []string, size uint64, flags uint8) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for i, name := range names {
		h := &zip.FileHeader{Name: name, Method: zip.Store}
		if flags&4 != 0 {
			h.Modified = time.Unix(1e9, 0) // an extended-timestamp extra field
		}
		if flags&8 != 0 && i == 0 {
			h.Comment = "a file comment"
		}
		h.UncompressedSize64 = size * uint64(i+1)
		if _, err := w.CreateRaw(h); err != nil {
			t.Skip(err)
		}
	}
	if flags&1 != 0 {
		w.SetComment("an archive comment")
	}
	if err := w.Close(); err != nil {
		t.Skip(err)
	}
	return buf.Bytes()
}

// agreeWithCheckZip fails when quickZipCheck decides a zip differently
// from CheckZip, for the bytes in memory and for the file read by pread.
func agreeWithCheckZip(t *testing.T, modPath, vers string, data []byte) zipVerdict {
	t.Helper()
	file := filepath.Join(t.TempDir(), "v.zip")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	v := quickZipCheck(modPath, vers, bytes.NewReader(data), int64(len(data)))
	// (Windows leaves every zip to CheckZip: fsstat_other.go.)
	if fv := quickZipFile(modPath, vers, file); fv != v && !(fv == zipUndecided && runtime.GOOS == "windows") {
		t.Fatalf("quickZipFile = %d, quickZipCheck = %d", fv, v)
	}
	_, err := modzip.CheckZip(module.Version{Path: modPath, Version: vers}, file)
	switch {
	case v == zipClean && err != nil:
		t.Fatalf("quickZipCheck: clean; CheckZip: %v", err)
	case v == zipBad && err == nil:
		t.Fatalf("quickZipCheck: bad; CheckZip: nil")
	}
	return v
}

func TestQuickZipCheckAgrees(t *testing.T) {
	p := zipTestPath + "@" + zipTestVers + "/"
	cases := []struct {
		names []string
		size  uint64
		flags uint8
		want  zipVerdict
	}{
		{[]string{p + "go.mod", p + "a.go", p + "sub/b.go", p + "sub/deep/c.go", p + "LICENSE"}, 10, 0, zipClean},
		{[]string{p, p + "sub/", p + "sub/b.go", p + "sub/", p + "x y!#$%&()+,-=@[]^_{}~.txt"}, 10, 0, zipClean},
		{[]string{p + "A.go", p + "Sub/B.go", p + ".hidden", p + "COM0", p + "con1", p + "coma.go", p + "nulx.d/x"}, 10, 4, zipClean},
		{[]string{p + "nul.d/x"}, 10, 0, zipBad},
		{nil, 0, 0, zipClean},
		{[]string{p + "a.go"}, 10, 8, zipClean}, // a file comment
		{[]string{p + "a.go"}, 10, 1, zipUndecided},
		{[]string{p + "é.go"}, 10, 0, zipUndecided},
		{[]string{p + "a.go"}, 1 << 33, 0, zipUndecided}, // zip64
		{[]string{p + "a.go", p + "A.go"}, 10, 0, zipBad},
		{[]string{p + "a.go", p + "a.go"}, 10, 0, zipBad},
		{[]string{p + "sub/", p + "Sub/x.go"}, 10, 0, zipBad},
		{[]string{p + "sub", p + "sub/x.go"}, 10, 0, zipBad},
		{[]string{p + "sub/x.go", p + "sub"}, 10, 0, zipBad},
		{[]string{p + "sub/go.mod"}, 10, 0, zipBad},
		{[]string{p + "GO.MOD"}, 10, 0, zipBad},
		{[]string{p + "go.mod"}, modzip.MaxGoMod + 1, 0, zipBad},
		{[]string{p + "LICENSE"}, modzip.MaxLICENSE + 1, 0, zipBad},
		{[]string{p + "a", p + "b", p + "c"}, modzip.MaxZipFile / 5, 0, zipBad},
		{[]string{p + "a", p + "b"}, modzip.MaxZipFile / 4, 0, zipClean},
		{[]string{"example.com/other@v1.0.0/a.go"}, 10, 0, zipBad},
		{[]string{p + "/"}, 10, 0, zipBad},
		{[]string{p + "a//b"}, 10, 0, zipBad},
		{[]string{p + "a/"}, 10, 0, zipClean},
		{[]string{p + "a//"}, 10, 0, zipBad},
		{[]string{p + "./a"}, 10, 0, zipBad},
		{[]string{p + "../a"}, 10, 0, zipBad},
		{[]string{p + "a."}, 10, 0, zipBad},
		{[]string{p + "..."}, 10, 0, zipBad},
		{[]string{p + "a\\b"}, 10, 0, zipBad},
		{[]string{p + "a:b"}, 10, 0, zipBad},
		{[]string{p + "a\x00b"}, 10, 0, zipBad},
		{[]string{p + "aux.go"}, 10, 0, zipBad},
		{[]string{p + "sub/Lpt9"}, 10, 0, zipBad},
		{[]string{p + "CON"}, 10, 0, zipBad},
	}
	for _, c := range cases {
		got := agreeWithCheckZip(t, zipTestPath, zipTestVers, zipOf(t, c.names, c.size, c.flags))
		if got != c.want {
			t.Errorf("%q (size %d, flags %d): %d, want %d", c.names, c.size, c.flags, got, c.want)
		}
	}
	// The version itself is CheckZip's first check.
	data := zipOf(t, []string{"example.com/m@v1.0/a.go"}, 1, 0)
	if v := agreeWithCheckZip(t, zipTestPath, "v1.0", data); v != zipBad {
		t.Errorf("a non-canonical version: %d, want bad", v)
	}
	if v := agreeWithCheckZip(t, zipTestPath, "v2.0.0", zipOf(t, []string{"example.com/m@v2.0.0/a.go"}, 1, 0)); v != zipBad {
		t.Errorf("v2 without /v2: %d, want bad", v)
	}
}

// TestQuickZipCheckDecidesGoZips: the zips the go command writes are
// decided without CheckZip (or the quick check would only add a read).
func TestQuickZipCheckDecidesGoZips(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"go.mod", "LICENSE", "a.go", "internal/x/x.go", "testdata/A B.txt", ".github/workflows/ci.yml"} {
		path := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		content := "package x\n"
		if f == "go.mod" {
			content = "module " + zipTestPath + "\n"
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := modzip.CreateFromDir(&buf, module.Version{Path: zipTestPath, Version: zipTestVers}, dir); err != nil {
		t.Fatal(err)
	}
	if v := agreeWithCheckZip(t, zipTestPath, zipTestVers, buf.Bytes()); v != zipClean {
		t.Fatalf("a zip from x/mod/zip.CreateFromDir: %d, want clean", v)
	}
	// Its directory beyond the first read: a second pread.
	var names []string
	for i := 0; i < 2000; i++ {
		names = append(names, zipTestPath+"@"+zipTestVers+"/pkg/"+strings.Repeat("n", 20)+string(rune('a'+i%26))+"/"+strings.Repeat("f", i%7+1)+".go")
	}
	if v := agreeWithCheckZip(t, zipTestPath, zipTestVers, zipOf(t, names, 1, 0)); v != zipBad {
		t.Fatalf("2,000 entries with duplicates: %d, want bad", v)
	}
	names = names[:0]
	for i := 0; i < 2000; i++ {
		names = append(names, zipTestPath+"@"+zipTestVers+"/pkg/"+strings.Repeat("n", 40)+fmt.Sprintf("/f%04d.go", i))
	}
	if v := agreeWithCheckZip(t, zipTestPath, zipTestVers, zipOf(t, names, 1, 0)); v != zipClean {
		t.Fatalf("2,000 distinct entries: %d, want clean", v)
	}
}

// FuzzQuickZipCheckNames: for any names, sizes and layout, quickZipCheck
// never decides otherwise than CheckZip.
func FuzzQuickZipCheckNames(f *testing.F) {
	p := zipTestPath + "@" + zipTestVers + "/"
	for _, s := range []string{
		p + "go.mod\n" + p + "a.go\n" + p + "sub/b.go",
		p + "a\n" + p + "A",
		p + "sub/\n" + p + "sub/x\n" + p + "sub",
		p + "Go.Mod\n" + p + "LICENSE",
		p + "com1.x\n" + p + "lpt0\n" + p + "prn",
		p + "a//b\n" + p + "./c\n" + p + "d/",
		"other@v1.0.0/a\n" + p,
		p + "é\n" + p + "k\n" + p + "K",
	} {
		for _, flags := range []uint8{0, 1, 4, 8} {
			f.Add(s, uint64(10), flags)
		}
		f.Add(s, uint64(modzip.MaxGoMod), uint8(0))
	}
	f.Fuzz(func(t *testing.T, names string, size uint64, flags uint8) {
		list := strings.Split(names, "\n")
		if len(list) > 200 {
			t.Skip()
		}
		for i, n := range list {
			if flags&16 != 0 && !strings.HasPrefix(n, p) {
				list[i] = p + n // most names in the module, to reach the path checks
			}
		}
		agreeWithCheckZip(t, zipTestPath, zipTestVers, zipOf(t, list, size, flags))
	})
}

// FuzzQuickZipCheckBytes: for any bytes, quickZipCheck never decides
// otherwise than CheckZip.
func FuzzQuickZipCheckBytes(f *testing.F) {
	p := zipTestPath + "@" + zipTestVers + "/"
	f.Add(zipOf(f, []string{p + "go.mod", p + "a.go", p + "sub/b.go"}, 10, 0))
	f.Add(zipOf(f, []string{p + "a.go", p + "A.go"}, 10, 4))
	f.Add(zipOf(f, []string{p + "a.go"}, 10, 9))
	f.Add(zipOf(f, nil, 0, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			t.Skip()
		}
		agreeWithCheckZip(t, zipTestPath, zipTestVers, data)
	})
}

// FuzzUnescapeVersion: unescapeVersion is module.UnescapeVersion.
func FuzzUnescapeVersion(f *testing.F) {
	for _, s := range []string{"v1.0.0", "v1.2.3-pre.1+meta", "v0.0.0-20200101000000-abcdef123456", "v1.0.0+incompatible", "!v1", "V1", "v1.", "con", "aux.1", "", ".", "..", "v1/2", "v1 2", "é", "v!a", "v!", "com1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, esc string) {
		got, gotErr := unescapeVersion(esc)
		want, wantErr := module.UnescapeVersion(esc)
		if got != want || (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Fatalf("unescapeVersion(%q) = %q, %v; module.UnescapeVersion: %q, %v", esc, got, gotErr, want, wantErr)
		}
	})
}

// FuzzJoinClean: joinClean is filepath.Join of the slash path.
func FuzzJoinClean(f *testing.F) {
	for _, s := range []string{"a", "a/b", "a/../b", "./a", "a/", "", "..", "a//b", "@v", "v1.0.0.lock"} {
		f.Add("/tmp/x", s)
		f.Add("/", s)
	}
	f.Fuzz(func(t *testing.T, dir, rel string) {
		dir = filepath.Clean(dir)
		if got, want := joinClean(dir, rel), filepath.Join(dir, filepath.FromSlash(rel)); got != want {
			t.Fatalf("joinClean(%q, %q) = %q, want %q", dir, rel, got, want)
		}
	})
}

// TestQuickZipCheckDeepCapitals: a deep name of capitals is checked in
// memory that grows with its length, not its length times its depth
// (x/mod/zip's own check folds every parent anew).
func TestQuickZipCheckDeepCapitals(t *testing.T) {
	name := zipTestPath + "@" + zipTestVers + "/" + strings.Repeat("A/", 8<<10) + "A"
	data := zipOf(t, []string{name}, 1, 0)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if v := quickZipCheck(zipTestPath, zipTestVers, bytes.NewReader(data), int64(len(data))); v != zipClean {
		t.Fatalf("verdict %d, want clean", v)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Fatalf("a 16 KiB name took %d bytes to check", grew)
	}
}

// TestZipProblemDeepCapitalsBounded: a zip whose names would make x/mod/zip
// fold gigabytes is reported without calling it.
func TestZipProblemDeepCapitalsBounded(t *testing.T) {
	prefix := zipTestPath + "@" + zipTestVers + "/"
	deep := strings.Repeat("A/", 24<<10) // 48 KiB: about 600 MB to fold
	// The archive's comment leaves it to CheckZip.
	data := zipOf(t, []string{prefix + deep + "x"}, 1, 1)
	file := filepath.Join(t.TempDir(), "v1.0.0.zip")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p, bad := ZipProblem(zipTestPath, zipTestVers, file)
	runtime.ReadMemStats(&after)
	if !bad || p.Kind != KindZipCorrupt || !strings.Contains(p.Detail, "nested too deep") {
		t.Fatalf("ZipProblem = %+v, %v; want a zip-corrupt problem for names nested too deep", p, bad)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Fatalf("checking it took %d MiB", grew>>20)
	}
	// A shallow bad zip still gets CheckZip's own words.
	data = zipOf(t, []string{prefix + "A/x*"}, 1, 0)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if p, bad := ZipProblem(zipTestPath, zipTestVers, file); !bad || !strings.Contains(p.Detail, "invalid char") {
		t.Fatalf("ZipProblem = %+v, %v; want CheckZip's invalid char", p, bad)
	}
}
