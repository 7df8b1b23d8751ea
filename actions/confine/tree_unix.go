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
	return m.total, wrap("remove", r.display(elems), removeAt(dirfd, name, 0, m))
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

func removeAt(dirfd int, name string, depth int, m *meter) error {
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
	if depth >= maxDepth {
		return errDepth
	}
	fd, oerr := retry(func() (int, error) { return unix.Openat(dirfd, name, dirFlags, 0) })
	switch {
	case oerr == unix.ENOENT:
		return nil
	case oerr == unix.ENOTDIR || oerr == unix.ELOOP:
		// Swapped for a link or file since: that is what goes.
		return unlinkMeasured(dirfd, name, m)
	case oerr != nil:
		return oerr
	}
	writable(fd)
	defer unix.Close(fd)
	for try := 0; ; try++ {
		ents, err := names(fd)
		if err != nil {
			return err
		}
		for _, e := range ents {
			if err := removeAt(fd, e, depth+1, m); err != nil {
				return err
			}
		}
		// Listed once, emptied, removed: a second listing only when a go
		// command added an entry meanwhile (ENOTEMPTY), a few times.
		err = unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR)
		switch {
		case m.unlinked(err, &st):
			return nil
		case (err == unix.ENOTEMPTY || err == unix.EEXIST) && try < 3:
			continue
		}
		return err
	}
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
