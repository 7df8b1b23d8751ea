//go:build unix

package actions

import (
	"io"
	"io/fs"
	"modscope/cachescan"

	"golang.org/x/sys/unix"
)

// treeFile is a tree's file open for hashing, read with plain read(2)s:
// none of the poller's or os.File's own calls per file, which a tree of
// thousands of small files pays for in syscalls more than in bytes.
type treeFile struct {
	fd   int
	path string
}

// openTreeFile opens a regular file as cachescan.OpenRegular does (never
// through a link, never blocking on a FIFO swapped in since the walk, only
// if fstat says it is a regular file), keeping the raw descriptor: open,
// fstat, reads, close.
func openTreeFile(path string) (*treeFile, error) {
	fd, err := cachescan.OpenRegularFD(path)
	if err != nil {
		return nil, err
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
