//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package confine

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Root is a cache root opened once; see the package doc.
type Root struct {
	path  string
	given string // the root as named, when Open resolved a link
	fd    int    // the root directory; every walk starts here
}

const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

func openRoot(real string) (*Root, error) {
	fd, err := retry(func() (int, error) { return unix.Open(real, dirFlags, 0) })
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: real, Err: err}
	}
	return &Root{path: real, fd: fd}, nil
}

// Close releases the root's descriptor.
func (r *Root) Close() error {
	if r.fd < 0 {
		return nil
	}
	err := unix.Close(r.fd)
	r.fd = -1
	return err
}

func retry(f func() (int, error)) (int, error) {
	for {
		fd, err := f()
		if err != unix.EINTR {
			return fd, err
		}
	}
}

func modeOf(st *unix.Stat_t) fs.FileMode {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFLNK:
		return fs.ModeSymlink
	case unix.S_IFREG:
		return 0
	case unix.S_IFIFO:
		return fs.ModeNamedPipe
	case unix.S_IFSOCK:
		return fs.ModeSocket
	case unix.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	}
	return fs.ModeDevice
}

// lmode is the type of dirfd/name, not following a link.
func lmode(dirfd int, name string) (fs.FileMode, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, err
	}
	return modeOf(&st), nil
}

// keepOwner gives an entry just created in dirfd the directory's owner
// when modscope runs as root for a cache that is not root's.
func keepOwner(dirfd, fd int) {
	if os.Geteuid() != 0 {
		return
	}
	var st unix.Stat_t
	if unix.Fstat(dirfd, &st) != nil || (st.Uid == 0 && st.Gid == 0) {
		return
	}
	unix.Fchown(fd, int(st.Uid), int(st.Gid))
}

// walk opens the directory named by elems below the root, one component
// at a time, never following a link; with create it makes the missing
// ones. The caller closes the descriptor.
func (r *Root) walk(elems []string, create bool) (int, error) {
	if r.fd < 0 {
		return -1, errors.New("confine: root closed")
	}
	if len(elems) > maxDepth {
		return -1, errDepth
	}
	cur, err := retry(func() (int, error) { return unix.Openat(r.fd, ".", dirFlags, 0) })
	if err != nil {
		return -1, err
	}
	for i, e := range elems {
		next, err := retry(func() (int, error) { return unix.Openat(cur, e, dirFlags, 0) })
		if err == unix.ENOENT && create {
			made := unix.Mkdirat(cur, e, 0o777)
			if made != nil && made != unix.EEXIST {
				unix.Close(cur)
				return -1, wrap("mkdir", r.display(elems[:i+1]), made)
			}
			next, err = retry(func() (int, error) { return unix.Openat(cur, e, dirFlags, 0) })
			if err == nil && made == nil {
				keepOwner(cur, next)
			}
		}
		if err != nil {
			m, lerr := lmode(cur, e)
			unix.Close(cur)
			if lerr == nil && !m.IsDir() {
				return -1, notDir(r.display(elems[:i+1]), m)
			}
			return -1, wrap("open", r.display(elems[:i+1]), err)
		}
		unix.Close(cur)
		cur = next
	}
	return cur, nil
}

// parent opens the directory holding the entry elems names.
func (r *Root) parent(elems []string, create bool) (int, string, error) {
	fd, err := r.walk(elems[:len(elems)-1], create)
	return fd, elems[len(elems)-1], err
}

func (r *Root) typeOf(elems []string) (fs.FileMode, error) {
	dirfd, name, err := r.parent(elems, false)
	if err != nil {
		return 0, err
	}
	defer unix.Close(dirfd)
	m, err := lmode(dirfd, name)
	return m, wrap("lstat", r.display(elems), err)
}

// openFile opens a regular file without following a link, creating it
// (mode 0666, the directory's owner) when create is set.
func (r *Root) openFile(path string, flags int, create bool) (*os.File, error) {
	elems, err := r.rel(path)
	if err != nil {
		return nil, err
	}
	dirfd, name, err := r.parent(elems, create)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dirfd)
	full := r.display(elems)
	fd := -1
	if create {
		fd, err = retry(func() (int, error) {
			return unix.Openat(dirfd, name, flags|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o666)
		})
		if err == nil {
			keepOwner(dirfd, fd)
		} else if err != unix.EEXIST {
			return nil, wrap("create", full, err)
		}
	}
	if fd < 0 {
		// O_NONBLOCK: a FIFO where a file belongs must not hang the open.
		fd, err = retry(func() (int, error) {
			return unix.Openat(dirfd, name, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
		})
		if err != nil {
			if m, lerr := lmode(dirfd, name); lerr == nil && !m.IsRegular() {
				return nil, notFile(full, m)
			}
			return nil, wrap("open", full, err)
		}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, wrap("fstat", full, err)
	}
	if m := modeOf(&st); !m.IsRegular() {
		unix.Close(fd)
		return nil, notFile(full, m)
	}
	return os.NewFile(uintptr(fd), full), nil
}

// Touch makes sure an empty-or-not regular file is at path (the .partial
// marker): it creates one, or leaves the one there; a link or directory
// there is refused.
func (r *Root) Touch(path string) error {
	f, err := r.openFile(path, unix.O_WRONLY, true)
	if err != nil {
		return err
	}
	return f.Close()
}

// Edit opens a regular file for reading and writing, created if missing,
// and takes an exclusive flock on it, as lockedfile.Edit does (the go
// command's protocol for list and testexpire.txt). Close unlocks.
func (r *Root) Edit(path string) (Locked, error) {
	f, err := r.locked(path, true)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// locked opens path read-write under an exclusive flock; written, when
// the file is going to be written: a file with other hard links is then
// refused, since writing it would change a file outside the cache (or
// another copy of it, as cp -al makes).
func (r *Root) locked(path string, written bool) (*os.File, error) {
	f, err := r.openFile(path, unix.O_RDWR, true)
	if err != nil {
		return nil, err
	}
	if written {
		var st unix.Stat_t
		if err := unix.Fstat(int(f.Fd()), &st); err == nil && st.Nlink > 1 {
			f.Close()
			return nil, refuse(f.Name(), fmt.Sprintf("a file with %d hard links: writing it would change the other names too; remove it (rm), and the go command or modscope writes a new one", st.Nlink))
		}
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, wrap("flock", f.Name(), err)
	}
	return f, nil
}

// Lock takes the go command's lock on a .lock file (lockedfile.MutexAt):
// an exclusive flock held until unlock. The file is created if missing
// and never removed.
func (r *Root) Lock(path string) (unlock func(), err error) {
	f, err := r.locked(path, false)
	if err != nil {
		return nil, err
	}
	return func() { f.Close() }, nil
}

func (r *Root) readHead(path string, n int) ([]byte, error) {
	f, err := r.openFile(path, unix.O_RDONLY, false)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readUpTo(f, n)
}

// Remove removes one file or link (a link itself, never its target).
func (r *Root) Remove(path string) error {
	_, err := r.RemoveMeasured(path)
	return err
}

// RemoveMeasured is Remove, returning what went as an lstat of the entry
// just before it was unlinked measured it (see Freed).
func (r *Root) RemoveMeasured(path string) (Freed, error) {
	m := &meter{}
	elems, err := r.rel(path)
	if err != nil {
		return m.total, err
	}
	dirfd, name, err := r.parent(elems, false)
	if err != nil {
		return m.total, err
	}
	defer unix.Close(dirfd)
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return m.total, wrap("remove", r.display(elems), err)
	}
	if err := unix.Unlinkat(dirfd, name, 0); err != nil {
		return m.total, wrap("remove", r.display(elems), err)
	}
	m.add(&st)
	return m.total, nil
}

// Names lists the directory at path, not following a link.
func (r *Root) Names(path string) ([]string, error) {
	elems, err := r.rel(path)
	if err != nil {
		return nil, err
	}
	fd, err := r.walk(elems, false)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return names(fd)
}

// MkdirAll makes the directory at path and those above it that are
// missing, never through a link.
func (r *Root) MkdirAll(path string) error {
	elems, err := r.rel(path)
	if err != nil {
		return err
	}
	fd, err := r.walk(elems, true)
	if err != nil {
		return err
	}
	return unix.Close(fd)
}

// CreateTemp creates a new file in the directory dir, named prefix, a
// random number and ".tmp" as the go command names its temp files, for
// writing; it gets the directory's owner. The caller renames or removes
// it.
func (r *Root) CreateTemp(dir, prefix string) (*os.File, error) {
	elems, err := r.rel(dir)
	if err != nil {
		return nil, err
	}
	dirfd, err := r.walk(elems, false)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dirfd)
	for range 100 {
		name := prefix + strconv.Itoa(rand.IntN(1e9)) + ".tmp"
		fd, err := retry(func() (int, error) {
			return unix.Openat(dirfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o666)
		})
		if err == unix.EEXIST {
			continue
		}
		if err != nil {
			return nil, wrap("create", r.display(append(elems, name)), err)
		}
		keepOwner(dirfd, fd)
		return os.NewFile(uintptr(fd), r.display(append(elems, name))), nil
	}
	return nil, &fs.PathError{Op: "create", Path: r.display(elems), Err: fs.ErrExist}
}

// Rename moves oldpath to newpath, both below the root, never through a
// link: a link at newpath is replaced, not followed (rename(2) never
// follows its last components).
func (r *Root) Rename(oldpath, newpath string) error {
	oldElems, err := r.rel(oldpath)
	if err != nil {
		return err
	}
	newElems, err := r.rel(newpath)
	if err != nil {
		return err
	}
	oldDir, oldName, err := r.parent(oldElems, false)
	if err != nil {
		return err
	}
	defer unix.Close(oldDir)
	newDir, newName, err := r.parent(newElems, false)
	if err != nil {
		return err
	}
	defer unix.Close(newDir)
	return wrap("rename", r.display(newElems), unix.Renameat(oldDir, oldName, newDir, newName))
}

// CreateFile creates a new regular file at path with mode perm (before
// the umask), failing if anything is there; it gets its directory's
// owner.
func (r *Root) CreateFile(path string, perm fs.FileMode) (*os.File, error) {
	elems, err := r.rel(path)
	if err != nil {
		return nil, err
	}
	dirfd, name, err := r.parent(elems, false)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dirfd)
	fd, err := retry(func() (int, error) {
		return unix.Openat(dirfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(perm.Perm()))
	})
	if err != nil {
		return nil, wrap("create", r.display(elems), err)
	}
	keepOwner(dirfd, fd)
	return os.NewFile(uintptr(fd), r.display(elems)), nil
}

// Links is the number of hard links of the file at path (not following a
// link), 1 when it cannot tell.
func Links(path string) int {
	var st unix.Stat_t
	if unix.Lstat(path, &st) != nil {
		return 1
	}
	return int(st.Nlink)
}
