package confine

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// victim is a directory outside the root with a file and a subdirectory
// that no change below the root may reach.
func victim(t *testing.T) (dir, file string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "victim")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o555); err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(dir, "precious.txt")
	if err := os.WriteFile(file, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, file
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
}

func untouched(t *testing.T, dir, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil || string(data) != "keep me" {
		t.Errorf("%s was changed: %q %v", file, data, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "sub"))
	if err != nil || fi.Mode().Perm() != 0o555 {
		t.Errorf("%s/sub was changed: %v %v", dir, fi.Mode(), err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("%s has %d entries, want 2 (nothing created there)", dir, len(ents))
	}
}

func openModCache(t *testing.T) (*Root, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mod")
	if err := os.MkdirAll(filepath.Join(dir, "cache", "download"), 0o777); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir, ModCache)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, dir
}

// TestNoLinkIsFollowed: a link at any step, to a directory or a file,
// outside the root or inside it, is refused by every operation, and what
// it points to is left as it was.
func TestNoLinkIsFollowed(t *testing.T) {
	r, root := openModCache(t)
	vdir, vfile := victim(t)
	inside := filepath.Join(root, "cache", "download", "real")
	os.MkdirAll(inside, 0o777)
	os.WriteFile(filepath.Join(inside, "f"), []byte("inside"), 0o666)

	dl := filepath.Join(root, "cache", "download")
	symlink(t, vdir, filepath.Join(dl, "todir"))
	symlink(t, vfile, filepath.Join(dl, "tofile"))
	symlink(t, inside, filepath.Join(dl, "toinside"))
	symlink(t, filepath.Join(vdir, "new"), filepath.Join(dl, "dangling"))

	ops := map[string]func(string) error{
		"Touch":        r.Touch,
		"MkdirAll":     r.MkdirAll,
		"MakeWritable": r.MakeWritable,
		"Lock": func(p string) error {
			unlock, err := r.Lock(p)
			if err == nil {
				unlock()
			}
			return err
		},
		"Edit": func(p string) error {
			f, err := r.Edit(p)
			if err == nil {
				f.Close()
			}
			return err
		},
		"Names": func(p string) error { _, err := r.Names(p); return err },
	}
	for name, op := range ops {
		for _, link := range []string{"todir", "tofile", "toinside", "dangling"} {
			for _, p := range []string{filepath.Join(dl, link), filepath.Join(dl, link, "x"), filepath.Join(dl, link, "sub", "y")} {
				err := op(p)
				if err == nil {
					t.Errorf("%s(%s) went through a link", name, p)
				} else if !IsRefused(err) && !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s(%s): %v, want a refusal", name, p, err)
				}
			}
		}
	}
	// Removing through a link is refused; removing the link itself
	// removes the link only.
	for _, link := range []string{"todir", "tofile", "toinside"} {
		if err := r.RemoveAll(filepath.Join(dl, link, "precious.txt")); !IsRefused(err) {
			t.Errorf("RemoveAll through %s: %v", link, err)
		}
		if err := r.Remove(filepath.Join(dl, link, "sub")); !IsRefused(err) {
			t.Errorf("Remove through %s: %v", link, err)
		}
	}
	if err := r.RemoveAll(filepath.Join(dl, "todir")); err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(filepath.Join(dl, "tofile")); err != nil {
		t.Fatal(err)
	}
	if err := r.RemoveAll(filepath.Join(dl, "toinside")); err != nil {
		t.Fatal(err)
	}
	untouched(t, vdir, vfile)
	if data, err := os.ReadFile(filepath.Join(inside, "f")); err != nil || string(data) != "inside" {
		t.Errorf("the cache's own file behind a link went: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(vdir, "new")); err == nil {
		t.Error("a dangling link's target was created")
	}
}

// TestRemoveAllInTreeLinks: links inside a removed tree go as links.
func TestRemoveAllInTreeLinks(t *testing.T) {
	r, root := openModCache(t)
	vdir, vfile := victim(t)
	tree := filepath.Join(root, "example.com", "m@v1.0.0")
	os.MkdirAll(filepath.Join(tree, "a", "b"), 0o777)
	os.WriteFile(filepath.Join(tree, "a", "b", "f.go"), []byte("package b"), 0o444)
	symlink(t, vdir, filepath.Join(tree, "a", "linkdir"))
	symlink(t, vfile, filepath.Join(tree, "linkfile"))
	for _, d := range []string{filepath.Join(tree, "a", "b"), filepath.Join(tree, "a"), tree} {
		os.Chmod(d, 0o555)
	}
	if err := r.RemoveAll(tree); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(tree); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the tree is still there: %v", err)
	}
	untouched(t, vdir, vfile)
	if err := r.RemoveAll(tree); err != nil {
		t.Errorf("removing what is gone: %v", err)
	}
}

// TestRootsRefused: "/", the home directory and what holds it, a relative
// path and a GOCACHE without the go command's README are never opened.
func TestRootsRefused(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	if runtime.GOOS == "windows" {
		t.Setenv("USERPROFILE", home)
	}
	for _, c := range []struct {
		path string
		kind Kind
		want string
	}{
		{string(filepath.Separator), ModCache, "root of the file system"},
		{string(filepath.Separator), BuildCache, "root of the file system"},
		{home, ModCache, "home directory"},
		{filepath.Dir(home), BuildCache, "holds the home directory"},
		{filepath.Dir(filepath.Dir(home)), ModCache, "holds the home directory"},
		{"relative/dir", ModCache, "absolute"},
		{"", BuildCache, "no build cache"},
	} {
		err := Check(c.path, c.kind)
		if !IsRefused(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Check(%q, %v) = %v, want a refusal naming %q", c.path, c.kind, err, c.want)
		}
		if r, err := Open(c.path, c.kind); err == nil {
			r.Close()
			t.Errorf("Open(%q) succeeded", c.path)
		}
	}
	gocache := filepath.Join(home, "cache", "go-build")
	os.MkdirAll(gocache, 0o777)
	if err := Check(gocache, BuildCache); !IsRefused(err) || !strings.Contains(err.Error(), "README") {
		t.Errorf("a GOCACHE without README: %v", err)
	}
	_, vfile := victim(t)
	symlink(t, vfile, filepath.Join(gocache, "README"))
	if err := Check(gocache, BuildCache); !IsRefused(err) {
		t.Errorf("a GOCACHE whose README is a link: %v", err)
	}
	os.Remove(filepath.Join(gocache, "README"))
	os.WriteFile(filepath.Join(gocache, "README"), []byte(readmeStart+"\nRun \"go clean -cache\"...\n"), 0o666)
	if err := Check(gocache, BuildCache); err != nil {
		t.Errorf("a real GOCACHE: %v", err)
	}
	// A root that is itself a link (a cache moved to another disk) is
	// fine, and paths named through it work.
	moved := filepath.Join(home, "moved")
	symlink(t, gocache, moved)
	r, err := Open(moved, BuildCache)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.MkdirAll(filepath.Join(moved, "00")); err != nil {
		t.Errorf("through the configured root: %v", err)
	}
	if err := r.MkdirAll(filepath.Join(gocache, "01")); err != nil {
		t.Errorf("through the resolved root: %v", err)
	}
	if err := r.RemoveAll(moved); !IsRefused(err) {
		t.Errorf("the root itself: %v", err)
	}
}

// TestLockIsTheGoCommands: Lock excludes a second Lock of the same file
// (as flock excludes the go command's lockedfile), Edit reads what was
// written, and the lock file stays.
func TestLockIsTheGoCommands(t *testing.T) {
	r, root := openModCache(t)
	lock := filepath.Join(root, "cache", "download", "example.com", "m", "@v", "v1.0.0.lock")
	if err := r.MkdirAll(filepath.Dir(lock)); err != nil {
		t.Fatal(err)
	}
	unlock, err := r.Lock(lock)
	if err != nil {
		t.Fatal(err)
	}
	var held atomic.Bool
	held.Store(true)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		u, err := r.Lock(lock)
		if err != nil {
			t.Error(err)
			return
		}
		if held.Load() {
			t.Error("a second lock was taken while the first was held")
		}
		u()
	}()
	for range 3 {
		runtime.Gosched()
	}
	held.Store(false)
	unlock()
	wg.Wait()
	if fi, err := os.Lstat(lock); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("the lock file: %v %v", fi, err)
	}
	list := filepath.Join(filepath.Dir(lock), "list")
	f, err := r.Edit(list)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("v1.0.0\n"), 0)
	f.Close()
	if data, _ := os.ReadFile(list); string(data) != "v1.0.0\n" {
		t.Errorf("list = %q", data)
	}
}

// TestSwappedForLinksMidWalk: while RemoveAll and MakeWritable run over a
// read-only tree, another goroutine keeps swapping its directories for
// links to a victim outside the root (a bounded loop, local only). The
// victim keeps every file and its modes whatever the timing.
func TestSwappedForLinksMidWalk(t *testing.T) {
	vdir, vfile := victim(t)
	symlink(t, vdir, filepath.Join(t.TempDir(), "probe"))
	for round := range 30 {
		r, root := openModCache(t)
		tree := filepath.Join(root, "example.com", "m@v1.0.0")
		var dirs []string
		for i := range 20 {
			d := filepath.Join(tree, "d"+string(rune('a'+i%26)), "e")
			dirs = append(dirs, filepath.Dir(d), d)
			os.MkdirAll(d, 0o777)
			for j := range 5 {
				os.WriteFile(filepath.Join(d, "f"+string(rune('0'+j))), nil, 0o444)
			}
		}
		for i := len(dirs) - 1; i >= 0; i-- {
			os.Chmod(dirs[i], 0o555)
		}
		os.Chmod(tree, 0o555)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			aside := filepath.Join(t.TempDir(), "aside")
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				d := dirs[i%len(dirs)]
				os.Chmod(filepath.Dir(d), 0o777)
				if os.Rename(d, aside+string(rune('a'+i%26))+filepath.Base(d)) == nil {
					os.Symlink(vdir, d)
				}
			}
		}()
		if round%2 == 0 {
			r.MakeWritable(tree)
		}
		r.RemoveAll(tree)
		close(stop)
		<-done
		untouched(t, vdir, vfile)
		if t.Failed() {
			t.Fatalf("round %d", round)
		}
	}
}

// TestHardLinksAreNotWritten: Edit refuses a file with other hard links
// (writing it would change the file outside too); Lock, which writes
// nothing, takes one.
func TestHardLinksAreNotWritten(t *testing.T) {
	r, root := openModCache(t)
	_, vfile := victim(t)
	list := filepath.Join(root, "cache", "download", "list")
	if err := os.Link(vfile, list); err != nil {
		t.Skip("no hard links across these directories:", err)
	}
	if f, err := r.Edit(list); !IsRefused(err) {
		if f != nil {
			f.Close()
		}
		t.Errorf("Edit of a hard link: %v", err)
	}
	unlock, err := r.Lock(list)
	if err != nil {
		t.Errorf("Lock of a hard link: %v", err)
	} else {
		unlock()
	}
	if data, _ := os.ReadFile(vfile); string(data) != "keep me" {
		t.Errorf("the file outside changed: %q", data)
	}
}

// TestModCacheMustLookLikeOne: a directory of module trees named like the
// cache's, without cache/download, is no module cache to change; an empty
// one is (the go command fills it).
func TestModCacheMustLookLikeOne(t *testing.T) {
	patches := t.TempDir()
	os.MkdirAll(filepath.Join(patches, "example.com", "m@v1.0.0"), 0o777)
	if err := Check(patches, ModCache); !IsRefused(err) || !strings.Contains(err.Error(), "cache/download") {
		t.Errorf("a directory of trees: %v", err)
	}
	os.MkdirAll(filepath.Join(patches, "cache", "download"), 0o777)
	if err := Check(patches, ModCache); err != nil {
		t.Errorf("with cache/download: %v", err)
	}
	if err := Check(t.TempDir(), ModCache); err != nil {
		t.Errorf("an empty module cache: %v", err)
	}
}
