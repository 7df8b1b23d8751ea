//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package confine

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// The walks over whole trees: removal, and the write bits of directories,
// always on descriptors opened without following a link.

// RemoveAll removes path and everything below it, making directories
// writable on their descriptors first (module trees are read-only). It
// never follows a link; a directory swapped for a link while it runs is
// removed as the link. Missing is not an error.
func (r *Root) RemoveAll(path string) error {
	_, err := r.RemoveAllMeasured(path, nil)
	return err
}

// RemoveAllMeasured is RemoveAll, returning what it unlinked as measured
// by an lstat of each entry just before it went (see Freed), and calling
// each (if not nil) after every entry unlinked, for a progress display.
// With an error, the Freed is what went before it.
func (r *Root) RemoveAllMeasured(path string, each func(Freed)) (Freed, error) {
	m := &meter{each: each}
	elems, err := r.rel(path)
	if err != nil {
		return m.total, err
	}
	dirfd, name, err := r.parent(elems, false)
	if errors.Is(err, fs.ErrNotExist) {
		return m.total, nil
	}
	if err != nil {
		return m.total, err
	}
	defer unix.Close(dirfd)
	return m.total, wrap("remove", r.display(elems), removeAt(dirfd, name, m))
}

// names lists a directory by descriptor through a fresh open of ".", so
// each listing starts at the beginning.
func names(fd int) ([]string, error) {
	d, err := retry(func() (int, error) { return unix.Openat(fd, ".", dirFlags, 0) })
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(d), ".")
	defer f.Close()
	return f.Readdirnames(-1)
}

// writable gives an open directory its owner's write and search bits.
func writable(fd int) {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) == nil && st.Mode&0o700 != 0o700 {
		unix.Fchmod(fd, uint32(st.Mode&0o7777|0o700))
	}
}

// removeAt removes dirfd/name and all below it. It holds two descriptors
// at most whatever the depth, and no path longer than one name: a tree
// thousands of levels deep (past PATH_MAX) goes as a shallow one does.
// Going down is an openat with O_NOFOLLOW|O_DIRECTORY; coming back up is
// an openat of ".." checked against the device and inode recorded on the
// way down, so a directory moved (or swapped for a link) while the walk
// runs stops it instead of leading it outside the tree.
func removeAt(dirfd int, name string, m *meter) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if err == unix.ENOENT {
			return nil
		}
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		err := unix.Unlinkat(dirfd, name, 0)
		if m.unlinked(err, &st) {
			return nil
		}
		// Swapped for a directory since the lstat?
		if unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
			return err
		}
	}
	fd, top, err := enter(dirfd, name, m)
	if fd < 0 {
		return err
	}
	stack := []*frame{top}
	for {
		f := stack[len(stack)-1]
		if len(f.pending) > 0 {
			e := f.pending[len(f.pending)-1]
			f.pending = f.pending[:len(f.pending)-1]
			var est unix.Stat_t
			if err := unix.Fstatat(fd, e, &est, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				if err == unix.ENOENT {
					continue
				}
				unix.Close(fd)
				return err
			}
			if est.Mode&unix.S_IFMT != unix.S_IFDIR {
				uerr := unix.Unlinkat(fd, e, 0)
				if m.unlinked(uerr, &est) {
					continue
				}
				if unix.Fstatat(fd, e, &est, unix.AT_SYMLINK_NOFOLLOW) != nil || est.Mode&unix.S_IFMT != unix.S_IFDIR {
					unix.Close(fd)
					return uerr
				}
			}
			sub, child, err := enter(fd, e, m)
			if sub < 0 {
				if err != nil {
					unix.Close(fd)
					return err
				}
				continue // gone, or went as the link or file it became
			}
			unix.Close(fd)
			fd = sub
			stack = append(stack, child)
			continue
		}
		// f is empty: back up to its parent and remove it there.
		pfd := dirfd
		if len(stack) > 1 {
			up := stack[len(stack)-2]
			p, err := retry(func() (int, error) { return unix.Openat(fd, "..", dirFlags, 0) })
			if err == nil && !same(p, up) {
				unix.Close(p)
				err = errMoved
			}
			if err != nil {
				unix.Close(fd)
				return err
			}
			pfd = p
		}
		unix.Close(fd)
		err := unix.Unlinkat(pfd, f.name, unix.AT_REMOVEDIR)
		switch {
		case m.unlinked(err, &f.st):
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return nil
			}
			fd = pfd
			continue
		case (err == unix.ENOTEMPTY || err == unix.EEXIST) && f.tries < 3:
			// A go command added an entry meanwhile: list again, a few times.
			again, nf, eerr := enter(pfd, f.name, m)
			if again >= 0 && nf.st.Dev == f.st.Dev && nf.st.Ino == f.st.Ino {
				nf.tries = f.tries + 1
				stack[len(stack)-1] = nf
				if pfd != dirfd {
					unix.Close(pfd)
				}
				fd = again
				continue
			}
			if again >= 0 {
				unix.Close(again)
				eerr = errMoved
			}
			if eerr != nil {
				err = eerr
			}
		}
		if pfd != dirfd {
			unix.Close(pfd)
		}
		return err
	}
}

// frame is one directory on the way down: its name in its parent, its
// lstat (device and inode checked on the way back up, size counted when it
// goes), and the names still to remove.
type frame struct {
	name    string
	st      unix.Stat_t
	pending []string
	tries   int
}

var errMoved = errors.New("a directory was moved while it was being removed: stopped")

// enter opens dirfd/name as a directory without following a link, makes
// it writable and lists it. A negative descriptor with a nil error means
// there is nothing to descend into: gone, or swapped for a link or file,
// which is then unlinked as what it is.
func enter(dirfd int, name string, m *meter) (int, *frame, error) {
	fd, err := retry(func() (int, error) { return unix.Openat(dirfd, name, dirFlags, 0) })
	switch {
	case err == unix.ENOENT:
		return -1, nil, nil
	case err == unix.ENOTDIR || err == unix.ELOOP:
		return -1, nil, unlinkMeasured(dirfd, name, m)
	case err != nil:
		return -1, nil, err
	}
	f := &frame{name: name}
	if err := unix.Fstat(fd, &f.st); err != nil {
		unix.Close(fd)
		return -1, nil, err
	}
	writable(fd)
	if f.pending, err = names(fd); err != nil {
		unix.Close(fd)
		return -1, nil, err
	}
	return fd, f, nil
}

// same reports whether the open directory fd is the one f recorded.
func same(fd int, f *frame) bool {
	var st unix.Stat_t
	return unix.Fstat(fd, &st) == nil && st.Dev == f.st.Dev && st.Ino == f.st.Ino
}

// unlinkMeasured unlinks one non-directory entry and counts it.
func unlinkMeasured(dirfd int, name string, m *meter) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if err == unix.ENOENT {
			return nil
		}
		return err
	}
	if err := unix.Unlinkat(dirfd, name, 0); !m.unlinked(err, &st) {
		return err
	}
	return nil
}

// unlinked settles an unlink: done (and counted, by the lstat st taken
// before) when it succeeded, done when the entry was gone already.
func (m *meter) unlinked(err error, st *unix.Stat_t) bool {
	switch err {
	case nil:
		m.add(st)
		return true
	case unix.ENOENT:
		return true
	}
	return false
}

// add counts one entry that went, by the lstat taken just before.
func (m *meter) add(st *unix.Stat_t) {
	f := Freed{ApparentBytes: st.Size, Bytes: int64(st.Blocks) * 512}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		f.Dirs = 1
	} else {
		f.Files = 1
		if st.Nlink > 1 {
			// Another name still holds the data: unlinking this one
			// frees nothing (the last name of it counts, at nlink 1).
			f.Bytes, f.ApparentBytes = 0, 0
		}
	}
	m.count(f)
}

// MakeWritable gives every directory at or below path its owner's write
// bit, on descriptors, never following a link (what go clean -modcache
// does first, and the step a kill test stops after).
func (r *Root) MakeWritable(path string) error {
	return r.eachDir(path, false, func(fd int) error { writable(fd); return nil })
}

// ReadOnlyTree clears the write bits of every directory at or below path,
// children first, on descriptors, as the go command leaves an extracted
// module tree.
func (r *Root) ReadOnlyTree(path string) error {
	return r.eachDir(path, true, func(fd int) error {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return err
		}
		return unix.Fchmod(fd, uint32(st.Mode&0o7777&^0o222))
	})
}

// eachDir calls visit with a descriptor of every directory at or below
// path, parents first or (childrenFirst) children first, never through a
// link: what is not a directory when opened is skipped.
func (r *Root) eachDir(path string, childrenFirst bool, visit func(fd int) error) error {
	elems, err := r.rel(path)
	if err != nil {
		return err
	}
	fd, err := r.walk(elems, false)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return dirsBelow(fd, 0, childrenFirst, visit)
}

func dirsBelow(fd, depth int, childrenFirst bool, visit func(fd int) error) error {
	if depth >= maxDepth {
		return errDepth
	}
	if !childrenFirst {
		if err := visit(fd); err != nil {
			return err
		}
	}
	ents, err := names(fd)
	if err != nil {
		return err
	}
	for _, e := range ents {
		sub, err := retry(func() (int, error) { return unix.Openat(fd, e, dirFlags, 0) })
		if err != nil {
			continue // a file, a link, or gone
		}
		err = dirsBelow(sub, depth+1, childrenFirst, visit)
		unix.Close(sub)
		if err != nil {
			return err
		}
	}
	if childrenFirst {
		return visit(fd)
	}
	return nil
}
