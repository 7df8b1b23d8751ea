package cachescan_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

func TestMissingAndEmptyRoots(t *testing.T) {
	dir := t.TempDir()
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Clock: cachetest.Clock(), ModCache: filepath.Join(dir, "nope"), BuildCache: filepath.Join(dir, "also-nope"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if snap.ModCache.Exists || snap.BuildCache.Exists || len(snap.Problems) != 0 || len(snap.ModCache.Modules) != 0 {
		t.Errorf("missing roots: %+v", snap)
	}
	snap, err = cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: dir, BuildCache: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !snap.ModCache.Exists || len(snap.Problems) != 0 || len(snap.ModCache.Modules) != 0 {
		t.Errorf("empty roots: %+v", snap)
	}
}

func TestRootMustBeADirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	_, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: file})
	if !errors.Is(err, cachescan.ErrNotDir) {
		t.Errorf("file as GOMODCACHE: err = %v", err)
	}
	_, err = cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: "relative/path"})
	if err == nil || !strings.Contains(err.Error(), "absolute") {
		t.Errorf("relative GOMODCACHE: err = %v", err)
	}
}

// TestRootSymlinkIsFollowedOnce: a cache moved to another disk and linked
// back is scanned; links below the root are not.
func TestRootSymlinkIsFollowedOnce(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(c.ModCache, link); err != nil {
		t.Skip("no symlinks:", err)
	}
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: link})
	if err != nil {
		t.Fatal(err)
	}
	if v := snap.ModCache.FindVersion("example.com/a", "v1.0.0"); v == nil || v.State != "complete" {
		t.Errorf("through a linked root: %+v", v)
	}
	real, _ := filepath.EvalSymlinks(c.ModCache)
	if snap.ModCache.Root != real || !strings.HasPrefix(snap.ModCache.FindVersion("example.com/a", "v1.0.0").Dir, real) {
		t.Errorf("root %q and paths under it disagree", snap.ModCache.Root)
	}
}

func TestSymlinksAreNeverFollowed(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	outside := t.TempDir()
	big := make([]byte, 1<<20)
	if err := os.WriteFile(filepath.Join(outside, "big"), big, 0o666); err != nil {
		t.Fatal(err)
	}
	// A link in place of a module tree, one inside a tree, one in @v.
	links := []string{
		filepath.Join(c.ModCache, "example.com", "b@v1.0.0"),
		filepath.Join(e.Dir, "escape"),
		filepath.Join(e.DL, "v9.9.9.zip"),
	}
	cachetest.Writable(e.Dir, func() {
		for _, l := range links {
			if err := os.Symlink(outside, l); err != nil {
				t.Skip("no symlinks:", err)
			}
		}
	})
	snap := scan(t, c, "")
	if snap.ModCache.ApparentBytes > 512<<10 {
		t.Errorf("total %d bytes: a symlink out of the cache was followed", snap.ModCache.ApparentBytes)
	}
	if snap.ModCache.FindVersion("example.com/b", "v1.0.0") != nil {
		t.Error("a symlink was taken for a module tree")
	}
	var invalid int
	for _, p := range snap.Problems {
		if p.Kind == cachescan.KindPathInvalid {
			invalid++
		}
	}
	if invalid != 2 {
		t.Errorf("want 2 path-invalid problems for links where the go command keeps directories or files, got %+v", snap.Problems)
	}
}

func TestFilesWhereDirectoriesBelong(t *testing.T) {
	c := cachetest.New(t)
	dl := filepath.Join(c.ModCache, "cache", "download", "example.com", "x")
	if err := os.MkdirAll(dl, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dl, "@v"), []byte("not a dir"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.ModCache, "example.com", "y@v1.0.0"), nil, 0o666); err != nil {
		// example.com does not exist yet.
		os.MkdirAll(filepath.Join(c.ModCache, "example.com"), 0o777)
		os.WriteFile(filepath.Join(c.ModCache, "example.com", "y@v1.0.0"), nil, 0o666)
	}
	if err := os.WriteFile(filepath.Join(c.BuildCache, "00"), []byte("file, not a dir"), 0o666); err != nil {
		t.Fatal(err)
	}
	snap := scan(t, c, "")
	kinds := map[string]int{}
	for _, p := range snap.Problems {
		kinds[p.Kind]++
	}
	if kinds[cachescan.KindPathInvalid] != 2 || kinds[cachescan.KindGoCacheBroken] != 1 || len(snap.Problems) != 3 {
		t.Errorf("problems = %+v", snap.Problems)
	}
	if snap.BuildCache.Other.ApparentBytes == 0 {
		t.Error("a stray file in the build cache was not counted")
	}
}

// TestControlCharactersAreStripped: a name with an escape sequence reaches
// the model as is (JSON escapes it) but never a terminal.
func TestControlCharactersAreStripped(t *testing.T) {
	c := cachetest.New(t)
	evil := filepath.Join(c.ModCache, "example.com", "evil\x1b[31mred@v1.0.0")
	if err := os.MkdirAll(evil, 0o777); err != nil {
		t.Skip("file system refuses control characters:", err)
	}
	snap := scan(t, c, "")
	if len(snap.Problems) != 1 || snap.Problems[0].Kind != cachescan.KindPathInvalid {
		t.Fatalf("problems = %+v", snap.Problems)
	}
	if got := cachescan.Printable(snap.Problems[0].Detail); strings.ContainsRune(got, 0x1b) {
		t.Errorf("Printable left an escape: %q", got)
	}
	if got := cachescan.Printable("a\x00b\x7fc\u009bd\te"); got != "a?b?c?d?e" {
		t.Errorf("Printable = %q", got)
	}
}

func TestCancel(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := cachescan.NewScanner()
	_, err := s.Scan(ctx, cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if !s.Progress().Done {
		t.Error("Progress().Done is false after Scan returned")
	}
}

func TestProgressCountsEverything(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	s := cachescan.NewScanner()
	snap, err := s.Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache, Workers: 8})
	if err != nil {
		t.Fatal(err)
	}
	p := s.Progress()
	if want := snap.ModCache.Files + snap.BuildCache.Files; p.Files != want {
		t.Errorf("progress counted %d files, the snapshot %d", p.Files, want)
	}
	if !p.Done || p.Dirs == 0 {
		t.Errorf("progress = %+v", p)
	}
}

// TestUnreadableDirectory needs a user the permission bits apply to: as
// root it re-runs itself as nobody (cachetest.AsNobody).
func TestUnreadableDirectory(t *testing.T) {
	if cachetest.AsNobody(t, "TestUnreadableDirectory") {
		checkUnreadable(t)
	}
}

func checkUnreadable(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	locked := filepath.Join(c.ModCache, "example.com", "locked")
	if err := os.MkdirAll(filepath.Join(locked, "x@v1.0.0"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(locked, 0o777)
	snap := scan(t, c, "")
	if len(snap.Errors) != 1 || snap.Errors[0].Path != locked {
		t.Errorf("errors = %+v", snap.Errors)
	}
	if len(snap.Problems) != 1 || snap.Problems[0].Kind != cachescan.KindUnreadable || snap.Problems[0].Path != locked {
		t.Errorf("problems = %+v", snap.Problems)
	}
	if v := snap.ModCache.FindVersion("example.com/a", "v1.0.0"); v == nil || v.State != "complete" {
		t.Error("one unreadable directory stopped the rest of the scan")
	}
}

// TestFIFOsNeverBlock: a named pipe where the scan reads a file (list, an
// .info, trim.txt, a project's go.mod) must not hang it.
func TestFIFOsNeverBlock(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	proj := t.TempDir()
	for _, p := range []string{filepath.Join(e.DL, "list"), e.Info, filepath.Join(c.BuildCache, "trim.txt"), filepath.Join(proj, "go.mod")} {
		os.Remove(p)
		if err := syscallMkfifo(p); err != nil {
			t.Skip("no FIFOs here:", err)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		scan(t, c, proj)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the scan blocked on a FIFO")
	}
}

func TestPrintableInvalidUTF8(t *testing.T) {
	if got := cachescan.Printable("a\x9b31mb\xff"); got != "a?31mb?" {
		t.Errorf("Printable = %q", got)
	}
}

func TestListOrderAndNewline(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	c.Add(cachetest.Mod("example.com/a", "v1.10.0"))
	c.Add(cachetest.Mod("example.com/a", "v1.9.0"))
	list := filepath.Join(e.DL, "list")
	for content, bad := range map[string]bool{
		"v1.0.0\nv1.9.0\nv1.10.0\n": false,
		"v1.0.0\nv1.10.0\nv1.9.0\n": true,
		"v1.0.0\nv1.9.0\nv1.10.0":   true,
	} {
		if err := os.WriteFile(list, []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
		snap := scan(t, c, "")
		if got := len(snap.Problems) == 1 && snap.Problems[0].Kind == cachescan.KindListStale; got != bad {
			t.Errorf("list %q: problems %+v", content, snap.Problems)
		}
	}
}

// TestLockOnlyIsNoVersion: the go command never deletes lock files, so a
// version purged with its metadata leaves its .lock; that is not a version,
// and a module with nothing else left is not a module.
func TestLockOnlyIsNoVersion(t *testing.T) {
	c := cachetest.New(t)
	a := c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	c.Add(cachetest.Mod("example.com/a", "v1.1.0"))
	b := c.Add(cachetest.Mod("example.com/b", "v1.0.0"))
	for _, e := range []*cachetest.Entry{a, b} {
		cachetest.MakeWritable(e.Dir)
		for _, p := range []string{e.Dir, e.Zip, e.ZipHash, e.Mod, e.Info} {
			if err := os.RemoveAll(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(e.Lock, nil, 0o666); err != nil {
			t.Fatal(err)
		}
		if err := cachetest.RewriteList(e.DL); err != nil {
			t.Fatal(err)
		}
	}
	snap := scan(t, c, "")
	if len(snap.Problems) != 0 {
		t.Errorf("problems: %+v", snap.Problems)
	}
	if got := len(snap.ModCache.Modules); got != 1 {
		t.Fatalf("%d modules, want example.com/a only", got)
	}
	if m := snap.ModCache.Modules[0]; len(m.Versions) != 1 || m.Versions[0].Version != "v1.1.0" {
		t.Errorf("versions of %s: %+v", m.Path, m.Versions)
	}
}

func TestGOCACHEPROGSilencesTheBuildCache(t *testing.T) {
	c := cachetest.New(t)
	c.Damage()
	env := cachescan.Env{GOCACHEPROG: "cacheprog --dir /x"}
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), Env: env, BuildCache: c.BuildCache})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Problems) != 0 || snap.BuildCache.CacheProg == "" {
		t.Errorf("with GOCACHEPROG: problems %+v", snap.Problems)
	}
}
