package cachescan

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
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
		return x.trustedTree("example.com/m@v1.0.0", root, &rootEnt) != nil
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
	e := &enc{}
	e.b = append(e.b, indexMagic...)
	e.u(indexVersion)
	e.s("/m")
	e.s("/b")
	e.u(0)
	e.u(1 << 40) // trees
	data := binary.LittleEndian.AppendUint32(e.b, crc32.Checksum(e.b, crcTable))
	if _, _, err := decodeIndex(data, "/m", "/b", false); err == nil {
		t.Error("an index claiming 2^40 trees was accepted")
	}
}
