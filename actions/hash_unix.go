//go:build unix

package actions

import (
	"errors"
	"io"
	"io/fs"

	"golang.org/x/sys/unix"
)

// treeFile is a tree's file open for hashing, read with plain read(2)s:
// none of the poller's or os.File's own calls per file, which a tree of
// thousands of small files pays for in syscalls more than in bytes.
type treeFile struct {
	fd   int
	path string
}

// openTreeFile opens a regular file as cachescan.OpenRegular does: never
// through a link (O_NOFOLLOW), never blocking on a FIFO swapped in since
// the walk (O_NONBLOCK, which regular files ignore, so it stays set), and
// only if fstat says it is a regular file: open, fstat, reads, close.
func openTreeFile(path string) (*treeFile, error) {
	var fd int
	var err error
	for {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &fs.PathError{Op: "fstat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: path, Err: errNotRegularFile}
	}
	return &treeFile{fd: fd, path: path}, nil
}

func (f *treeFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := unix.Read(f.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, &fs.PathError{Op: "read", Path: f.path, Err: err}
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (f *treeFile) Close() error { return unix.Close(f.fd) }

// errNotRegularFile is cachescan's words for the same refusal.
var errNotRegularFile = errors.New("not a regular file")
