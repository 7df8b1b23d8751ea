package cachescan

import (
	"sync"

	"golang.org/x/sys/unix"
)

// direntBufs holds getdents buffers; one read fills it with hundreds of names.
var direntBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// readNames lists an open directory with getdents, with none of the os
// package's per-directory bookkeeping.
func readNames(fd int) ([]string, error) {
	bufp := direntBufs.Get().(*[]byte)
	defer direntBufs.Put(bufp)
	buf := *bufp
	var names []string
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}
