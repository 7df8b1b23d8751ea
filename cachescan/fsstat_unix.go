//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package cachescan

import (
	"io"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// scanDir lists a directory and calls f with the lstat of every entry,
// taken relative to the open directory (fstatat), which spares the kernel a
// path lookup per file. e.name is valid only during the call. O_NOFOLLOW: a
// directory swapped for a symlink after it was listed is never followed.
func scanDir(path string, f func(e *dirEntry)) error {
	d, err := openDir(noDir, "", path)
	if err != nil {
		return err
	}
	defer d.close()
	return d.list(path, f)
}

// dirHandle is an open directory a walk lists and opens subdirectories
// relative to: the kernel then looks up one name per directory, not every
// element of its path (a tenth of a full scan's CPU went to those lookups).
type dirHandle int

const noDir dirHandle = -1

// openDir opens name in parent, or path itself when parent is noDir,
// never following a symlink: below parent, no element of the path is
// looked up again, so a directory swapped for a link cannot redirect it.
func openDir(parent dirHandle, name, path string) (dirHandle, error) {
	var fd int
	var err error
	if parent == noDir {
		fd, err = openNoFollow(path, unix.O_DIRECTORY)
	} else {
		for {
			fd, err = unix.Openat(int(parent), name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_DIRECTORY, 0)
			if err != unix.EINTR {
				break
			}
		}
	}
	if err != nil {
		return noDir, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return dirHandle(fd), nil
}

func (d dirHandle) close() { unix.Close(int(d)) }

// list is scanDir of the open directory d (at path, for errors).
func (d dirHandle) list(path string, f func(e *dirEntry)) error {
	fd := int(d)
	var st unix.Stat_t
	var e dirEntry
	err := eachName(fd, func(name string) {
		if err := statName(fd, name, &st); err != nil {
			// Removed since it was listed (a go command at work): skip it.
			return
		}
		e = fromStat(name, &st)
		f(&e)
	})
	if err != nil {
		return &fs.PathError{Op: "readdirent", Path: path, Err: err}
	}
	return nil
}

// openNoFollow opens path read-only without following a final symlink and
// without the os package's poller registration, which costs two system
// calls per file on a walk that opens tens of thousands.
func openNoFollow(path string, flags int) (int, error) {
	for {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// quickZipFile is quickZipCheck of the zip at path, read with pread on a
// descriptor that skips the os package's poller. Anything but a regular
// file is left to CheckZip.
func quickZipFile(modPath, vers, path string) zipVerdict {
	fd, err := openNoFollow(path, unix.O_NONBLOCK)
	if err != nil {
		return zipUndecided
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return zipUndecided
	}
	return quickZipCheck(modPath, vers, fdReaderAt(fd), st.Size)
}

type fdReaderAt int

func (fd fdReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		m, err := unix.Pread(int(fd), p[n:], off+int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

// readHead reads up to len(buf) bytes from the start of a file. O_NONBLOCK
// keeps a FIFO where a file should be from blocking the scan: its open
// returns at once, and so do its reads (EOF or EAGAIN).
func readHead(path string, buf []byte) (int, error) {
	fd, err := openNoFollow(path, unix.O_NONBLOCK)
	if err != nil {
		return 0, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	// The callers ask for one byte more than the file's listed length: a
	// short read that brings that length is taken as the end (as it is on
	// every local file system), without a second read to see EOF.
	n := 0
	for n < len(buf) {
		want := len(buf) - n
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		n += m
		if m == 0 || m < want && n == len(buf)-1 {
			break
		}
	}
	return n, nil
}

// lstatEntry stats one path without following a final symlink.
func lstatEntry(path string) (dirEntry, error) {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return dirEntry{}, &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	return fromStat(path, &st), nil
}

func fromStat(name string, st *unix.Stat_t) dirEntry {
	var mode fs.FileMode
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		mode = fs.ModeDir
	case unix.S_IFLNK:
		mode = fs.ModeSymlink
	case unix.S_IFREG:
	case unix.S_IFIFO:
		mode = fs.ModeNamedPipe
	case unix.S_IFSOCK:
		mode = fs.ModeSocket
	default:
		mode = fs.ModeDevice
	}
	mode |= fs.FileMode(st.Mode & 0o777)
	return dirEntry{
		name:   name,
		mode:   mode,
		size:   st.Size,
		blocks: int64(st.Blocks) * 512,
		mtime:  st.Mtim.Nano(),
		ctime:  st.Ctim.Nano(),
		dev:    uint64(st.Dev),
		ino:    uint64(st.Ino),
		nlink:  uint64(st.Nlink),
	}
}

// OpenRegular opens a regular file for reading without following a final
// symlink and without blocking on a FIFO (O_NONBLOCK, cleared once the
// descriptor is known to be a regular file): a link to /dev/zero or a FIFO
// planted where a file belongs is an error, not a hang.
func OpenRegular(path string) (*os.File, error) {
	fd, err := OpenRegularFD(path)
	if err != nil {
		return nil, err
	}
	unix.SetNonblock(fd, false)
	return os.NewFile(uintptr(fd), path), nil
}

// OpenRegularFD is OpenRegular's descriptor, left O_NONBLOCK (regular
// files ignore it), for readers that skip the os package's poller: verify
// opens every file of every tree.
func OpenRegularFD(path string) (int, error) {
	fd, err := openNoFollow(path, unix.O_NONBLOCK)
	if err != nil {
		return -1, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, &fs.PathError{Op: "fstat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return -1, &fs.PathError{Op: "open", Path: path, Err: errNotRegular}
	}
	return fd, nil
}

// ownedByMe reports whether a file belongs to the effective user.
func ownedByMe(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

// dirsUnchanged reports whether each of dirs, below root, is still a
// directory with the recorded identity and times. It stats them relative to
// root, opened once (fstatat: a short path lookup each, not the whole
// path's). The dirs come parents first, and the final element is never
// followed, so a directory swapped for a link fails before anything is
// looked up through it.
func dirsUnchanged(root string, dirs func(yield func(treeDir) bool) bool) bool {
	fd := -1
	defer func() {
		if fd >= 0 {
			unix.Close(fd)
		}
	}()
	var st unix.Stat_t
	return dirs(func(d treeDir) bool {
		if fd < 0 {
			var err error
			if fd, err = openNoFollow(root, unix.O_DIRECTORY|oPath); err != nil {
				return false
			}
		}
		if err := statPath(fd, d.rel, &st); err != nil {
			return false
		}
		e := fromStat("", &st)
		return e.isDir() && keyOf(&e) == d.key
	})
}
