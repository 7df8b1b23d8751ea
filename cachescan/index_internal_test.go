package cachescan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTrustedTreeEachField: a recorded tree is trusted only while each of
// its directories keeps its device, inode, size, mtime and ctime; a change
// of any one of them, in the root or deeper, distrusts the whole tree.
func TestTrustedTreeEachField(t *testing.T) {
	root := filepath.Join(t.TempDir(), "example.com", "m@v1.0.0")
	if err := os.MkdirAll(filepath.Join(root, "a", "b"), 0o777); err != nil {
		t.Fatal(err)
	}
	var dirs []treeDir
	for _, rel := range []string{"", "a", "a/b"} {
		e, err := lstatEntry(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, treeDir{rel: rel, key: keyOf(&e)})
	}
	rootEnt, _ := lstatEntry(root)
	x := &scanIndex{trees: map[string]*treeRec{}}
	trusted := func(dirs []treeDir) bool {
		x.oldTrees = map[string]*treeRec{"example.com/m@v1.0.0": {dirs: dirs, size: Size{Files: 3}}}
		made := x.trustedTree("example.com/m@v1.0.0", root, &rootEnt) != nil
		// And the same record as written to an index file and read back.
		x.oldTrees = map[string]*treeRec{"example.com/m@v1.0.0": roundTrip(t, dirs)}
		read := x.trustedTree("example.com/m@v1.0.0", root, &rootEnt) != nil
		if made != read {
			t.Errorf("the record made trusted: %v; read back from the file: %v", made, read)
		}
		return made
	}
	if !trusted(dirs) {
		t.Fatal("an unchanged tree is not trusted")
	}
	fields := map[string]func(k *statKey){
		"dev":   func(k *statKey) { k.dev++ },
		"inode": func(k *statKey) { k.ino++ },
		"size":  func(k *statKey) { k.size++ },
		"mtime": func(k *statKey) { k.mtime++ },
		"ctime": func(k *statKey) { k.ctime++ },
	}
	for name, change := range fields {
		for i := range dirs {
			changed := append([]treeDir{}, dirs...)
			change(&changed[i].key)
			if trusted(changed) {
				t.Errorf("trusted with the %s of %q changed", name, dirs[i].rel)
			}
		}
	}
	// A recorded directory that is now a file, or gone.
	if err := os.Remove(filepath.Join(root, "a", "b")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "a", "b"), nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if trusted(dirs) {
		t.Error("trusted with a directory replaced by a file")
	}
}

// TestRecorderMargin: a directory whose mtime or ctime is within the margin
// of the scan's start, or on another device than the tree's root, spoils
// the tree's record.
func TestRecorderMargin(t *testing.T) {
	cutoff := time.Now().Add(-indexMargin).UnixNano()
	old := dirEntry{mode: 0o555 | 1<<31, dev: 1, ino: 2, mtime: cutoff - 1, ctime: cutoff - 1}
	for name, e := range map[string]dirEntry{
		"recent mtime":   {mode: old.mode, dev: 1, ino: 3, mtime: cutoff, ctime: cutoff - 1},
		"recent ctime":   {mode: old.mode, dev: 1, ino: 3, mtime: cutoff - 1, ctime: cutoff + 5},
		"another device": {mode: old.mode, dev: 9, ino: 3, mtime: cutoff - 1, ctime: cutoff - 1},
	} {
		r := &treeRecorder{}
		r.add("", &old, cutoff)
		if r.bad {
			t.Fatal("an old directory spoiled the record")
		}
		r.add("sub", &e, cutoff)
		if !r.bad {
			t.Errorf("%s: the record was kept", name)
		}
	}
}

// TestDecodeIndexBounds: counts larger than the input can hold are refused
// before anything is allocated for them.
func TestDecodeIndexBounds(t *testing.T) {
	e := indexHeader("/m", "/b")
	e.u(1 << 40) // trees
	data := binary.LittleEndian.AppendUint32(e.b, crc32.Checksum(e.b, crcTable))
	if _, err := decodeIndex(data, "/m", "/b", false); err == nil {
		t.Error("an index claiming 2^40 trees was accepted")
	}
}

// roundTrip is the tree record of dirs written to an index file and read
// back (a record decoded only when it is used).
func roundTrip(t *testing.T, dirs []treeDir) *treeRec {
	t.Helper()
	x := &scanIndex{modRoot: "/m", trees: map[string]*treeRec{"t@v1": {dirs: dirs}}}
	r, err := decodeIndex(encodeIndex(x), "/m", "", false)
	if err != nil {
		t.Fatal(err)
	}
	rec := r.trees["t@v1"]
	if rec == nil || rec.raw == nil || rec.count() != len(dirs) {
		t.Fatalf("read back: %+v", rec)
	}
	return rec
}

// TestLazyRecordsMalformed: a tree or listing whose encoded run is
// malformed (in an index whose checksum is right: only its owner could
// write one) is not trusted, and nothing panics.
func TestLazyRecordsMalformed(t *testing.T) {
	root := t.TempDir()
	rootEnt, _ := lstatEntry(root)
	key := keyOf(&rootEnt)
	good := &enc{}
	good.s("")
	good.key(key)
	for name, raw := range map[string][]byte{
		"truncated":  good.b[:len(good.b)-1],
		"long count": append(append([]byte{}, good.b...), 0x80),
		"bad string": {0x7f, 'x'},
	} {
		x := &scanIndex{trees: map[string]*treeRec{}, oldTrees: map[string]*treeRec{"t@v1": {raw: raw, ndirs: 1}}}
		if x.trustedTree("t@v1", root, &rootEnt) != nil {
			t.Errorf("%s tree record trusted", name)
		}
		x.oldListings = map[string]*listRec{"a/@v": {key: key, raw: raw, n: 1}}
		if x.listed("a/@v", &rootEnt) != nil {
			t.Errorf("%s listing reused", name)
		}
	}
	x := &scanIndex{trees: map[string]*treeRec{}, oldTrees: map[string]*treeRec{"t@v1": {raw: good.b, ndirs: 1}}}
	if x.trustedTree("t@v1", root, &rootEnt) == nil {
		t.Error("control: the well-formed record is not trusted")
	}
	// A listing naming a path, "..", or nothing: never an entry's name.
	for _, name := range []string{"..", ".", "", "a/b", "a\x00b"} {
		e := &enc{}
		e.s(name)
		e.u(0)
		for range 7 {
			e.i(0)
		}
		x.oldListings = map[string]*listRec{"a/@v": {key: key, raw: e.b, n: 1}}
		if x.listed("a/@v", &rootEnt) != nil {
			t.Errorf("a listing naming %q reused", name)
		}
	}
}

// TestListingCountBounded: a listing whose count claims more entries than
// its run of bytes holds is refused when the index is read, before
// anything is allocated for them (a checksum-valid but crafted index).
func TestListingCountBounded(t *testing.T) {
	root := t.TempDir()
	self, _ := lstatEntry(root)
	e := indexHeader("/m", "")
	e.u(0) // trees
	e.u(0) // verdicts
	e.u(2) // listings
	e.s("cache/download/a/@v")
	e.key(keyOf(&self))
	const claimed = 1_000_000
	e.u(claimed)
	e.u(1)
	e.b = append(e.b, 0) // a 1-byte run claiming a million entries
	e.s("cache/download/b/@v")
	e.key(statKey{})
	e.u(1)
	pad := strings.Repeat("x", 9*claimed) // room for the count in the file
	e.u(uint64(len(pad)))
	e.b = append(e.b, pad...)
	data := binary.LittleEndian.AppendUint32(e.b, crc32.Checksum(e.b, crcTable))
	if _, err := decodeIndex(data, "/m", "", false); err == nil {
		t.Error("an index whose listing claims more entries than its run holds was accepted")
	}
}

// TestChecksIDIsTheBuildID: the index is keyed on the running executable's
// Go build ID, the one the go command reads from it.
func TestChecksIDIsTheBuildID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Skipf("go tool buildid: %v", err)
	}
	if want := strings.TrimSpace(string(out)); checksID() != want || selfBuildID() != want {
		t.Errorf("checksID %q, selfBuildID %q; go tool buildid says %q", checksID(), selfBuildID(), want)
	}
	// The text form other executable formats carry.
	if got := findBuildID([]byte("junk\xff Go build ID: \"abc/def\"\n \xff")); got != "abc/def" {
		t.Errorf("findBuildID of the text form = %q", got)
	}
	if got := findBuildID([]byte("no id here \x04\x00\x00\x00")); got != "" {
		t.Errorf("findBuildID of nothing = %q", got)
	}
}

// indexHeader is the start of an index file of this version and build for
// the roots, sizes as the disk says.
func indexHeader(modRoot, buildRoot string) *enc {
	e := &enc{}
	e.b = append(e.b, indexMagic...)
	e.u(indexVersion)
	e.s(modRoot)
	e.s(buildRoot)
	e.u(0)
	e.s(checksID())
	return e
}

// TestEncodeIndexStreamed: an index of several flushes reads back whole,
// its checksum taken over all of them; past maxIndexSize the encoding
// stops with errIndex.
func TestEncodeIndexStreamed(t *testing.T) {
	x := &scanIndex{modRoot: "/m", trees: map[string]*treeRec{}, verdicts: map[string]*verdict{}, listings: map[string]*listRec{}}
	for i := range 40000 {
		rel := fmt.Sprintf("example.com/module%05d/@v/v1.0.%d.mod", i, i)
		x.verdicts[rel] = &verdict{key: statKey{ino: uint64(i)}, declared: strings.Repeat("d", 40)}
	}
	var buf bytes.Buffer
	if err := encodeIndexTo(&buf, x, indexVersion); err != nil {
		t.Fatal(err)
	}
	if buf.Len() < 3*flushAt {
		t.Fatalf("%d bytes: too few to need several flushes", buf.Len())
	}
	r, err := decodeIndex(buf.Bytes(), "/m", "", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.verdicts) != len(x.verdicts) {
		t.Fatalf("read back %d verdicts of %d", len(r.verdicts), len(x.verdicts))
	}
	defer func(old int) { maxIndexSize = old }(maxIndexSize)
	maxIndexSize = 2 * flushAt
	buf.Reset()
	if err := encodeIndexTo(&buf, x, indexVersion); err != errIndex {
		t.Fatalf("past the limit: %v, want errIndex", err)
	}
}
