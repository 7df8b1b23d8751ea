package cachescan_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// trustFixtures lets the index keep what the test has just written, even
// dated from a test clock years ahead (TestFixturesAtAnotherDate): the
// margin that keeps a real scan from trusting recent times is turned into
// one that trusts any. The tests wait for the file system's clock to tick
// (waitTick) before each change they make, which the margin guards
// against in a real scan.
func trustFixtures() func() { return cachescan.SetIndexMargin(-100 * 365 * 24 * time.Hour) }

// indexScan scans c with the scan index at index ("" for none).
func indexScan(t *testing.T, c *cachetest.Cache, index string, noIndex bool) (*cachescan.Snapshot, *cachescan.Scanner) {
	t.Helper()
	s := cachescan.NewScanner()
	snap, err := s.Scan(context.Background(), cachescan.Options{
		Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache, Workers: 4,
		Index: index, NoIndex: noIndex,
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap, s
}

// snapJSON is the snapshot as scan --json prints it, less the duration.
func snapJSON(t *testing.T, snap *cachescan.Snapshot) string {
	t.Helper()
	snap.DurationMS = 0
	data, err := json.MarshalIndent(snap, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// waitTick waits until the file system's clock has moved on from the
// changes made so far, so that the next change gets new times: file-system
// times tick every few milliseconds, and a change within the tick of the
// first scan's records would look like none (which the margin of a real
// scan guards against).
func waitTick(t *testing.T, dir string) {
	t.Helper()
	probe := filepath.Join(dir, "tick-probe")
	if err := os.WriteFile(probe, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(probe)
	first, err := os.Stat(probe)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if err := os.WriteFile(probe, []byte("x"), 0o666); err != nil {
			t.Fatal(err)
		}
		if now, err := os.Stat(probe); err == nil && !now.ModTime().Equal(first.ModTime()) {
			return
		}
	}
	t.Fatal("the file system's clock did not move in 5 s")
}

func countTrees(snap *cachescan.Snapshot) int64 {
	n := int64(0)
	for _, m := range snap.ModCache.Modules {
		for _, v := range m.Versions {
			if v.HasDir {
				n++
			}
		}
	}
	return n
}

// TestIndexRescanIdentical: on a cache with every kind of damage, a scan
// without the index, the first scan that writes it, the second that takes
// every tree and clean check from it, and a scan that ignores it
// (NoIndex, scan --rescan) print the same document.
func TestIndexRescanIdentical(t *testing.T) {
	defer trustFixtures()()
	c := cachetest.New(t)
	c.Healthy()
	c.Damage()
	index := filepath.Join(t.TempDir(), "modscope", "scan-index")

	base, _ := indexScan(t, c, "", false)
	want := snapJSON(t, base)
	first, s := indexScan(t, c, index, false)
	if trees, files := s.IndexHits(); trees != 0 || files != 0 || s.ListingHits() != 0 {
		t.Errorf("first scan took %d trees and %d files from an index that did not exist", trees, files)
	}
	if _, err := os.Stat(index); err != nil {
		t.Fatalf("no index written: %v", err)
	}
	second, s := indexScan(t, c, index, false)
	trees, files := s.IndexHits()
	// Every tree is healthy below its root but the half-written one's
	// (its .partial makes no difference to the tree itself).
	if trees < countTrees(base)-1 || files == 0 {
		t.Errorf("second scan took %d of %d trees and %d files from the index", trees, countTrees(base), files)
	}
	rescan, s := indexScan(t, c, index, true)
	if trees, files := s.IndexHits(); trees != 0 || files != 0 || s.ListingHits() != 0 {
		t.Errorf("NoIndex took %d trees and %d files from the index", trees, files)
	}
	for name, snap := range map[string]*cachescan.Snapshot{"first": first, "second": second, "rescan": rescan} {
		if got := snapJSON(t, snap); got != want {
			t.Errorf("%s scan with the index differs from a scan without:\n%s", name, firstDiff(want, got))
		}
	}
	ents, _ := os.ReadDir(filepath.Dir(index))
	if len(ents) != 1 {
		t.Errorf("the index's directory holds %d files, want the index alone (no temporary file left)", len(ents))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + strconv.Itoa(i+1) + ":\n want " + al[i] + "\n got  " + bl[i]
		}
	}
	return "lengths differ"
}

// TestIndexDistrustsChangedTree: a tree is taken from the index only while
// every directory in it keeps its identity and times; each change below
// makes the scan walk that tree again, and its figures are a full scan's.
func TestIndexDistrustsChangedTree(t *testing.T) {
	defer trustFixtures()()
	changes := []struct {
		name   string
		change func(t *testing.T, sub string)
	}{
		{"file added to a subdirectory", func(t *testing.T, sub string) {
			cachetest.Writable(sub, func() {
				if err := os.WriteFile(filepath.Join(sub, "new.go"), []byte("package sub\n\n// added by hand\n"), 0o444); err != nil {
					t.Fatal(err)
				}
			})
		}},
		{"file removed from a subdirectory", func(t *testing.T, sub string) {
			cachetest.Writable(sub, func() {
				if err := os.Remove(filepath.Join(sub, "sub.go")); err != nil {
					t.Fatal(err)
				}
			})
		}},
		{"subdirectory chmod'ed (ctime only)", func(t *testing.T, sub string) {
			if err := os.Chmod(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(sub, 0o555); err != nil {
				t.Fatal(err)
			}
		}},
		{"subdirectory's mtime set back", func(t *testing.T, sub string) {
			fi, err := os.Stat(sub)
			if err != nil {
				t.Fatal(err)
			}
			// The same mtime again: only the ctime moves.
			if err := os.Chtimes(sub, time.Time{}, fi.ModTime()); err != nil {
				t.Fatal(err)
			}
		}},
		{"subdirectory replaced by a copy (new inode)", func(t *testing.T, sub string) {
			parent := filepath.Dir(sub)
			cachetest.Writable(parent, func() {
				data, err := os.ReadFile(filepath.Join(sub, "sub.go"))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(sub, sub+".old"); err != nil {
					t.Fatal(err)
				}
				if err := os.Mkdir(sub, 0o777); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(sub, "sub.go"), data, 0o444); err != nil {
					t.Fatal(err)
				}
				cachetest.MakeWritable(sub + ".old")
				if err := os.RemoveAll(sub + ".old"); err != nil {
					t.Fatal(err)
				}
			})
		}},
	}
	for _, tc := range changes {
		t.Run(tc.name, func(t *testing.T) {
			c := cachetest.New(t)
			c.Add(cachetest.Mod("example.com/other", "v1.0.0"))
			m := cachetest.Mod("example.com/changed", "v1.0.0")
			m.Files = map[string]string{"go.mod": "module example.com/changed\n", "a.go": "package a\n", "sub/deeper/sub.go": "package sub\n"}
			e := c.Add(m)
			index := filepath.Join(t.TempDir(), "index")
			indexScan(t, c, index, false)
			if _, s := indexScan(t, c, index, false); !hitsAll(s, 2) {
				t.Fatal("an unchanged cache was not taken from the index")
			}
			waitTick(t, t.TempDir())
			tc.change(t, filepath.Join(e.Dir, "sub", "deeper"))
			got, s := indexScan(t, c, index, false)
			if trees, _ := s.IndexHits(); trees != 1 {
				t.Errorf("after the change %d trees were taken from the index, want 1 (the unchanged one)", trees)
			}
			want, _ := indexScan(t, c, "", false)
			if a, b := snapJSON(t, want), snapJSON(t, got); a != b {
				t.Errorf("the scan with the index differs from a full scan:\n%s", firstDiff(a, b))
			}
			// And what the walk learnt is kept: the next scan trusts both.
			if _, s := indexScan(t, c, index, false); !hitsAll(s, 2) {
				t.Error("the changed tree was not recorded again")
			}
		})
	}
}

func hitsAll(s *cachescan.Scanner, trees int64) bool {
	n, _ := s.IndexHits()
	return n == trees
}

// TestIndexKeptEntryMisses documents what a kept tree record cannot see:
// an in-place edit of a file in a read-only tree (made writable, written,
// made read-only again) that leaves every directory's times alone. The
// scan with the index shows the tree's old size; one without it (scan
// --rescan) sees the edit, and rewrites the index.
func TestIndexKeptEntryMisses(t *testing.T) {
	defer trustFixtures()()
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/edited", "v1.0.0"))
	index := filepath.Join(t.TempDir(), "index")
	before, _ := indexScan(t, c, index, false)
	old := before.ModCache.FindVersion("example.com/edited", "v1.0.0").Tree

	file := filepath.Join(e.Dir, "go.mod")
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("// an edit in place\n")
	f.Close()
	os.Chmod(file, 0o444)

	kept, _ := indexScan(t, c, index, false)
	if got := kept.ModCache.FindVersion("example.com/edited", "v1.0.0").Tree; got != old {
		t.Errorf("with the index the tree is %+v; the kept record says %+v", got, old)
	}
	fresh, s := indexScan(t, c, index, true)
	if got := fresh.ModCache.FindVersion("example.com/edited", "v1.0.0").Tree; got.ApparentBytes != old.ApparentBytes+int64(len("// an edit in place\n")) {
		t.Errorf("NoIndex: the tree is %+v, want the edit's 20 bytes more than %+v", got, old)
	}
	if trees, _ := s.IndexHits(); trees != 0 {
		t.Errorf("NoIndex took %d trees from the index", trees)
	}
	after, _ := indexScan(t, c, index, false)
	if a, b := snapJSON(t, fresh), snapJSON(t, after); a != b {
		t.Errorf("after a rescan, the index does not hold what it saw:\n%s", firstDiff(a, b))
	}
}

// TestIndexTooRecentNotKept: with the real margin, a cache written just now
// is scanned in full every time (a change within the same tick of the file
// system's clock would not show), with the same figures.
func TestIndexTooRecentNotKept(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	index := filepath.Join(t.TempDir(), "index")
	first, _ := indexScan(t, c, index, false)
	second, s := indexScan(t, c, index, false)
	if trees, files := s.IndexHits(); trees != 0 || files != 0 || s.ListingHits() != 0 {
		t.Errorf("%d trees and %d files written within the margin were taken from the index", trees, files)
	}
	if a, b := snapJSON(t, first), snapJSON(t, second); a != b {
		t.Errorf("the scans differ:\n%s", firstDiff(a, b))
	}
}

// TestIndexBounded: an index that would pass the size bound is not written,
// and the scan is the same.
func TestIndexBounded(t *testing.T) {
	defer trustFixtures()()
	defer cachescan.SetMaxIndexSize(200)()
	c := cachetest.New(t)
	c.Healthy()
	index := filepath.Join(t.TempDir(), "index")
	indexScan(t, c, index, false)
	if _, err := os.Lstat(index); !os.IsNotExist(err) {
		t.Errorf("an index past the bound was written (%v)", err)
	}
	ents, _ := os.ReadDir(filepath.Dir(index))
	if len(ents) != 0 {
		t.Errorf("files left next to the index: %d", len(ents))
	}
}

// TestIndexUntrustworthyIgnored: an index that is corrupt, truncated, of
// other roots, of another format version, past the size bound, empty, or
// not a regular file is ignored: the scan is a full one. The control: the
// same lie in a valid index is believed, so the scans below would show it.
func TestIndexUntrustworthyIgnored(t *testing.T) {
	defer trustFixtures()()
	c := cachetest.New(t)
	c.Healthy()
	dir := t.TempDir()
	index := filepath.Join(dir, "index")
	truth, _ := indexScan(t, c, index, false)
	want := snapJSON(t, truth)

	forge := func(t *testing.T, modRoot string, version uint64) []byte {
		t.Helper()
		indexScan(t, c, index, true) // a valid index to start from
		if err := cachescan.ForgeIndex(index, modRoot, c.BuildCache, version, 1000); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(index)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	lie := forge(t, c.ModCache, cachescan.IndexVersion)
	believed, _ := indexScan(t, c, index, false)
	if believed.ModCache.Files == truth.ModCache.Files {
		t.Fatal("control: a valid index that lies was not believed, so this test shows nothing")
	}

	variants := map[string]func(t *testing.T) []byte{
		"corrupt":          func(*testing.T) []byte { b := append([]byte{}, lie...); b[len(b)/2] ^= 0x20; return b },
		"truncated":        func(*testing.T) []byte { return lie[:len(lie)-9] },
		"cut after header": func(*testing.T) []byte { return lie[:40] },
		"empty":            func(*testing.T) []byte { return nil },
		"not an index":     func(*testing.T) []byte { b := append([]byte{}, lie...); b[0] = 'M'; return b },
		"foreign roots":    func(t *testing.T) []byte { return forge(t, "/elsewhere/mod", cachescan.IndexVersion) },
		"older version":    func(t *testing.T) []byte { return forge(t, c.ModCache, cachescan.IndexVersion-1) },
		"newer version":    func(t *testing.T) []byte { return forge(t, c.ModCache, cachescan.IndexVersion+1) },
		"another build's": func(t *testing.T) []byte {
			defer cachescan.SetChecksID("another build of modscope")()
			return forge(t, c.ModCache, cachescan.IndexVersion)
		},
	}
	check := func(t *testing.T) {
		t.Helper()
		got, s := indexScan(t, c, index, false)
		if trees, files := s.IndexHits(); trees != 0 || files != 0 || s.ListingHits() != 0 {
			t.Errorf("%d trees and %d files taken from it", trees, files)
		}
		if g := snapJSON(t, got); g != want {
			t.Errorf("the scan differs from a full one:\n%s", firstDiff(want, g))
		}
		// It was replaced by a good one.
		if _, s := indexScan(t, c, index, false); !hitsAll(s, countTrees(truth)) {
			t.Error("the index was not rewritten")
		}
	}
	for name, variant := range variants {
		t.Run(name, func(t *testing.T) {
			data := variant(t)
			if err := os.WriteFile(index, data, 0o600); err != nil {
				t.Fatal(err)
			}
			check(t)
		})
	}
	t.Run("another user's", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("only root can give a file away")
		}
		if err := os.WriteFile(index, lie, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(index, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		check(t)
	})
	t.Run("too large", func(t *testing.T) {
		if err := os.WriteFile(index, lie, 0o600); err != nil {
			t.Fatal(err)
		}
		restore := cachescan.SetMaxIndexSize(len(lie) - 1)
		got, s := indexScan(t, c, index, false)
		restore()
		if trees, _ := s.IndexHits(); trees != 0 || snapJSON(t, got) != want {
			t.Errorf("an index past the bound was read (%d trees taken)", trees)
		}
	})
	t.Run("symlink", func(t *testing.T) {
		target := filepath.Join(dir, "elsewhere")
		if err := os.WriteFile(target, lie, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Remove(index)
		if err := os.Symlink(target, index); err != nil {
			t.Fatal(err)
		}
		check(t)
	})
}

// TestIndexDistrustsChangedListing: an unchanged @v directory is taken
// from the index whole (its listing and every check); each change of what
// it holds makes the scan list and check it again, with a full scan's
// figures and findings.
func TestIndexDistrustsChangedListing(t *testing.T) {
	defer trustFixtures()()
	rename := func(t *testing.T, data []byte, to string) {
		t.Helper()
		tmp := to + "123.tmp"
		if err := os.WriteFile(tmp, data, 0o666); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, to); err != nil {
			t.Fatal(err)
		}
	}
	changes := []struct {
		name  string
		clean bool // the changed directory is clean again, and kept
		// change returns the kind of problem the change makes, or "".
		change func(t *testing.T, e *cachetest.Entry) string
	}{
		{"version added by rename, list rewritten in place", true, func(t *testing.T, e *cachetest.Entry) string {
			rename(t, []byte("module example.com/changed\n"), filepath.Join(e.DL, "v1.1.0.mod"))
			rename(t, []byte(`{"Version":"v1.1.0","Time":"2025-01-01T00:00:00Z"}`), filepath.Join(e.DL, "v1.1.0.info"))
			if err := cachetest.RewriteList(e.DL); err != nil {
				t.Fatal(err)
			}
			return ""
		}},
		{"file removed", true, func(t *testing.T, e *cachetest.Entry) string {
			if err := os.Remove(e.Lock); err != nil {
				t.Fatal(err)
			}
			return ""
		}},
		{"zip replaced by a truncated one (renamed over it)", false, func(t *testing.T, e *cachetest.Entry) string {
			data, err := os.ReadFile(e.Zip)
			if err != nil {
				t.Fatal(err)
			}
			rename(t, data[:len(data)/2], e.Zip)
			return cachescan.KindZipCorrupt
		}},
		{"directory chmod'ed (ctime only)", true, func(t *testing.T, e *cachetest.Entry) string {
			if err := os.Chmod(e.DL, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(e.DL, 0o777); err != nil {
				t.Fatal(err)
			}
			return ""
		}},
	}
	for _, tc := range changes {
		t.Run(tc.name, func(t *testing.T) {
			c := cachetest.New(t)
			c.Add(cachetest.Mod("example.com/other", "v1.0.0"))
			e := c.Add(cachetest.Mod("example.com/changed", "v1.0.0"))
			index := filepath.Join(t.TempDir(), "index")
			indexScan(t, c, index, false)
			if _, s := indexScan(t, c, index, false); s.ListingHits() != 2 {
				t.Fatalf("an unchanged cache: %d of 2 @v directories taken from the index", s.ListingHits())
			}
			waitTick(t, t.TempDir())
			kind := tc.change(t, e)
			got, s := indexScan(t, c, index, false)
			if n := s.ListingHits(); n != 1 {
				t.Errorf("after the change %d @v directories were taken from the index, want 1 (the unchanged one)", n)
			}
			want, _ := indexScan(t, c, "", false)
			if a, b := snapJSON(t, want), snapJSON(t, got); a != b {
				t.Errorf("the scan with the index differs from a full scan:\n%s", firstDiff(a, b))
			}
			if kind != "" && !hasProblem(got, kind, e.DL) {
				t.Errorf("the scan with the index does not show the %s problem", kind)
			}
			keptAgain := 1
			if tc.clean {
				keptAgain = 2
			}
			if _, s := indexScan(t, c, index, false); s.ListingHits() != int64(keptAgain) {
				t.Errorf("the next scan took %d @v directories from the index, want %d", s.ListingHits(), keptAgain)
			}
		})
	}
}

func hasProblem(snap *cachescan.Snapshot, kind, under string) bool {
	for _, p := range snap.Problems {
		if p.Kind == kind && strings.HasPrefix(p.Path, under) {
			return true
		}
	}
	return false
}

// TestIndexListingNeverKept: a @v directory holding what a go command is
// writing in place (a .partial download, a temp file, an empty file it is
// about to fill) or a problem is listed and checked on every scan.
func TestIndexListingNeverKept(t *testing.T) {
	defer trustFixtures()()
	cases := map[string]func(t *testing.T, e *cachetest.Entry){
		"partial": func(t *testing.T, e *cachetest.Entry) {
			if err := os.WriteFile(e.Partial, []byte("PK"), 0o666); err != nil {
				t.Fatal(err)
			}
		},
		"temp file": func(t *testing.T, e *cachetest.Entry) {
			if err := os.WriteFile(e.Base+".info0123.tmp", []byte("{"), 0o666); err != nil {
				t.Fatal(err)
			}
		},
		"empty ziphash (a lockedfile write under way)": func(t *testing.T, e *cachetest.Entry) {
			if err := os.Truncate(e.ZipHash, 0); err != nil {
				t.Fatal(err)
			}
		},
		"a symlink among the files": func(t *testing.T, e *cachetest.Entry) {
			if err := os.Symlink("/etc/passwd", filepath.Join(e.DL, "README")); err != nil {
				t.Skip("no symlinks here:", err)
			}
		},
		"a hard-linked zip": func(t *testing.T, e *cachetest.Entry) {
			if err := os.Link(e.Zip, filepath.Join(t.TempDir(), "elsewhere.zip")); err != nil {
				t.Skip("no hard links here:", err)
			}
		},
		"a problem (torn list)": func(t *testing.T, e *cachetest.Entry) {
			if err := os.WriteFile(filepath.Join(e.DL, "list"), []byte("v1.0.0\n\x00\x00"), 0o666); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			c := cachetest.New(t)
			c.Add(cachetest.Mod("example.com/other", "v1.0.0"))
			damage(t, c.Add(cachetest.Mod("example.com/busy", "v1.0.0")))
			index := filepath.Join(t.TempDir(), "index")
			want := snapJSON(t, first(indexScan(t, c, index, false)))
			for i := 0; i < 2; i++ {
				got, s := indexScan(t, c, index, false)
				if n := s.ListingHits(); n != 1 {
					t.Errorf("scan %d took %d @v directories from the index, want 1 (the clean one)", i+2, n)
				}
				if g := snapJSON(t, got); g != want {
					t.Errorf("scan %d differs from the first:\n%s", i+2, firstDiff(want, g))
				}
			}
		})
	}
}

func first[A, B any](a A, _ B) A { return a }

// TestIndexKeptListingMisses documents what a kept @v listing cannot see:
// a download file changed in place (here a zip truncated), which adds,
// removes and renames nothing in its directory. The go command never
// writes one so (index.go); a scan with the index shows the old figures
// and no problem, one without it (scan --rescan) finds the damage.
func TestIndexKeptListingMisses(t *testing.T) {
	defer trustFixtures()()
	c := cachetest.New(t)
	e := c.AddDownload(cachetest.Mod("example.com/cut", "v1.0.0"))
	index := filepath.Join(t.TempDir(), "index")
	before, _ := indexScan(t, c, index, false)
	fi, err := os.Stat(e.Zip)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(e.Zip, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	kept, s := indexScan(t, c, index, false)
	if s.ListingHits() != 1 || hasProblem(kept, cachescan.KindZipCorrupt, e.DL) {
		t.Errorf("with the index: %d listings reused, zip problem shown: %v; want the kept listing, no problem",
			s.ListingHits(), hasProblem(kept, cachescan.KindZipCorrupt, e.DL))
	}
	if a, b := snapJSON(t, before), snapJSON(t, kept); a != b {
		t.Errorf("with the index the scan is not the recorded one:\n%s", firstDiff(a, b))
	}
	fresh, s := indexScan(t, c, index, true)
	if s.ListingHits() != 0 || !hasProblem(fresh, cachescan.KindZipCorrupt, e.DL) {
		t.Errorf("NoIndex: %d listings reused, zip problem shown: %v; want none reused, the problem shown",
			s.ListingHits(), hasProblem(fresh, cachescan.KindZipCorrupt, e.DL))
	}
}

// TestIndexProgressCounts: a scan that takes trees and listings from the
// index counts the same directories, files and bytes in its progress as
// one that walks them.
func TestIndexProgressCounts(t *testing.T) {
	defer trustFixtures()()
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	m := cachetest.Mod("example.com/b", "v1.0.0")
	m.Files = map[string]string{"go.mod": "module example.com/b\n", "x/y/z.go": "package y\n"}
	c.Add(m)
	index := filepath.Join(t.TempDir(), "index")
	_, full := indexScan(t, c, index, false)
	_, kept := indexScan(t, c, index, false)
	if trees, _ := kept.IndexHits(); trees != 2 || kept.ListingHits() != 2 {
		t.Fatalf("the second scan took %d trees and %d listings from the index, want 2 and 2", trees, kept.ListingHits())
	}
	a, b := full.Progress(), kept.Progress()
	if a.Dirs != b.Dirs || a.Files != b.Files || a.Bytes != b.Bytes {
		t.Errorf("progress: walked %+v, from the index %+v", a, b)
	}
}
