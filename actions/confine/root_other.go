//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package confine

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/rogpeppe/go-internal/lockedfile"
)

// Root is a cache root opened once; see the package doc. Without the
// *at calls, each step is an os.Root call after a type check of what is
// there: confined to the root, but a race can still redirect it inside.
type Root struct {
	path  string
	given string // the root as named, when Open resolved a link
	root  *os.Root
}

func openRoot(real string) (*Root, error) {
	root, err := os.OpenRoot(real)
	if err != nil {
		return nil, err
	}
	return &Root{path: real, root: root}, nil
}

// Close releases the root.
func (r *Root) Close() error { return r.root.Close() }

func relOf(elems []string) string { return filepath.Join(elems...) }

// walk checks that every component is a real directory, creating the
// missing ones with create.
func (r *Root) walk(elems []string, create bool) error {
	if len(elems) > maxDepth {
		return errDepth
	}
	for i := range elems {
		rel := relOf(elems[:i+1])
		fi, err := r.root.Lstat(rel)
		if errors.Is(err, fs.ErrNotExist) && create {
			if err := r.root.Mkdir(rel, 0o777); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
			fi, err = r.root.Lstat(rel)
		}
		if err != nil {
			return err
		}
		if !fi.IsDir() || fi.Mode()&fs.ModeSymlink != 0 {
			return notDir(r.display(elems[:i+1]), fi.Mode())
		}
	}
	return nil
}

func (r *Root) typeOf(elems []string) (fs.FileMode, error) {
	if err := r.walk(elems[:len(elems)-1], false); err != nil {
		return 0, err
	}
	fi, err := r.root.Lstat(relOf(elems))
	if err != nil {
		return 0, err
	}
	return fi.Mode().Type(), nil
}

func (r *Root) checkFile(path string, create bool) ([]string, error) {
	elems, err := r.rel(path)
	if err != nil {
		return nil, err
	}
	if err := r.walk(elems[:len(elems)-1], create); err != nil {
		return nil, err
	}
	fi, err := r.root.Lstat(relOf(elems))
	if err == nil && !fi.Mode().IsRegular() {
		return nil, notFile(r.display(elems), fi.Mode())
	}
	if err != nil && !(create && errors.Is(err, fs.ErrNotExist)) {
		return nil, err
	}
	return elems, nil
}

// Touch makes sure a regular file is at path.
func (r *Root) Touch(path string) error {
	elems, err := r.checkFile(path, true)
	if err != nil {
		return err
	}
	f, err := r.root.OpenFile(relOf(elems), os.O_WRONLY|os.O_CREATE, 0o666)
	if err != nil {
		return err
	}
	return f.Close()
}

// Edit opens a regular file read-write under an exclusive lock.
func (r *Root) Edit(path string) (Locked, error) {
	elems, err := r.checkFile(path, true)
	if err != nil {
		return nil, err
	}
	return lockedfile.OpenFile(r.display(elems), os.O_RDWR|os.O_CREATE, 0o666)
}

// Lock takes the go command's lock on a .lock file.
func (r *Root) Lock(path string) (func(), error) {
	f, err := r.Edit(path)
	if err != nil {
		return nil, err
	}
	return func() { f.Close() }, nil
}

func (r *Root) readHead(path string, n int) ([]byte, error) {
	elems, err := r.checkFile(path, false)
	if err != nil {
		return nil, err
	}
	f, err := r.root.Open(relOf(elems))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readUpTo(f, n)
}

// Remove removes one file or link.
func (r *Root) Remove(path string) error {
	_, err := r.RemoveMeasured(path)
	return err
}

// RemoveMeasured is Remove, returning what went as an lstat just before
// measured it (see Freed): here the size stands for the blocks.
func (r *Root) RemoveMeasured(path string) (Freed, error) {
	m := &meter{}
	elems, err := r.rel(path)
	if err != nil {
		return m.total, err
	}
	if err := r.walk(elems[:len(elems)-1], false); err != nil {
		return m.total, err
	}
	rel := relOf(elems)
	fi, err := r.root.Lstat(rel)
	if err != nil {
		return m.total, err
	}
	if err := r.root.Remove(rel); err != nil {
		return m.total, err
	}
	m.add(fi)
	return m.total, nil
}

// RemoveAll removes path and what is below it.
func (r *Root) RemoveAll(path string) error {
	_, err := r.RemoveAllMeasured(path, nil)
	return err
}

// RemoveAllMeasured is RemoveAll, returning what it unlinked as measured
// by an lstat of each entry just before it went, and calling each (if
// not nil) after every entry.
func (r *Root) RemoveAllMeasured(path string, each func(Freed)) (Freed, error) {
	m := &meter{each: each}
	elems, err := r.rel(path)
	if err != nil {
		return m.total, err
	}
	if err := r.walk(elems[:len(elems)-1], false); errors.Is(err, fs.ErrNotExist) {
		return m.total, nil
	} else if err != nil {
		return m.total, err
	}
	if err := r.MakeWritable(path); err != nil && !errors.Is(err, fs.ErrNotExist) && !IsRefused(err) {
		return m.total, err
	}
	return m.total, r.removeAll(relOf(elems), 0, m)
}

// removeAll removes rel and what is below it through the os.Root, entry
// by entry so that each is measured; a link is removed, never followed.
func (r *Root) removeAll(rel string, depth int, m *meter) error {
	fi, err := r.root.Lstat(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() && fi.Mode()&fs.ModeSymlink == 0 {
		if depth >= maxDepth {
			return errDepth
		}
		f, err := r.root.Open(rel)
		if err != nil {
			return err
		}
		names, err := f.Readdirnames(-1)
		f.Close()
		if err != nil {
			return err
		}
		for _, n := range names {
			if err := r.removeAll(filepath.Join(rel, n), depth+1, m); err != nil {
				return err
			}
		}
	}
	if err := r.root.Remove(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	m.add(fi)
	return nil
}

// add counts one entry that went: without blocks, its size.
func (m *meter) add(fi fs.FileInfo) {
	f := Freed{ApparentBytes: fi.Size(), Bytes: fi.Size()}
	if fi.IsDir() {
		f.Dirs = 1
	} else {
		f.Files = 1
	}
	m.count(f)
}

// MakeWritable gives every directory at or below path its write bit.
func (r *Root) MakeWritable(path string) error {
	elems, err := r.rel(path)
	if err != nil {
		return err
	}
	if err := r.walk(elems, false); err != nil {
		return err
	}
	return fs.WalkDir(r.root.FS(), filepath.ToSlash(relOf(elems)), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			r.root.Chmod(filepath.FromSlash(p), 0o777)
		}
		return nil
	})
}

// Names lists the directory at path.
func (r *Root) Names(path string) ([]string, error) {
	elems, err := r.rel(path)
	if err != nil {
		return nil, err
	}
	if err := r.walk(elems, false); err != nil {
		return nil, err
	}
	f, err := r.root.Open(relOf(elems))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// MkdirAll makes the directory at path and those above it.
func (r *Root) MkdirAll(path string) error {
	elems, err := r.rel(path)
	if err != nil {
		return err
	}
	return r.walk(elems, true)
}

// CreateTemp creates a new file in dir named prefix, a random number and
// ".tmp".
func (r *Root) CreateTemp(dir, prefix string) (*os.File, error) {
	elems, err := r.rel(dir)
	if err != nil {
		return nil, err
	}
	if err := r.walk(elems, false); err != nil {
		return nil, err
	}
	for range 100 {
		name := prefix + strconv.Itoa(rand.IntN(1e9)) + ".tmp"
		f, err := r.root.OpenFile(filepath.Join(relOf(elems), name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, &fs.PathError{Op: "create", Path: r.display(elems), Err: fs.ErrExist}
}

// Rename moves oldpath to newpath below the root.
func (r *Root) Rename(oldpath, newpath string) error {
	oldElems, err := r.rel(oldpath)
	if err != nil {
		return err
	}
	newElems, err := r.rel(newpath)
	if err != nil {
		return err
	}
	if err := r.walk(newElems[:len(newElems)-1], false); err != nil {
		return err
	}
	return r.root.Rename(relOf(oldElems), relOf(newElems))
}

// CreateFile creates a new regular file at path with mode perm.
func (r *Root) CreateFile(path string, perm fs.FileMode) (*os.File, error) {
	elems, err := r.rel(path)
	if err != nil {
		return nil, err
	}
	if err := r.walk(elems[:len(elems)-1], false); err != nil {
		return nil, err
	}
	return r.root.OpenFile(relOf(elems), os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
}

// ReadOnlyTree clears the write bits of the directories below path.
func (r *Root) ReadOnlyTree(path string) error {
	elems, err := r.rel(path)
	if err != nil {
		return err
	}
	if err := r.walk(elems, false); err != nil {
		return err
	}
	var dirs []string
	fs.WalkDir(r.root.FS(), filepath.ToSlash(relOf(elems)), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, filepath.FromSlash(p))
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		r.root.Chmod(dirs[i], 0o555)
	}
	return nil
}

// Links is 1 where the count is not known.
func Links(path string) int { return 1 }
