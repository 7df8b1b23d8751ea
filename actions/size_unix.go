//go:build unix

package actions

import (
	"io/fs"
	"syscall"

	"modscope/cachescan"
)

// sizeOf is a file's size on disk and apparent, as the scan counts them.
func sizeOf(fi fs.FileInfo) cachescan.Size {
	s := cachescan.Size{ApparentBytes: fi.Size(), Bytes: fi.Size(), Files: 1}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.Bytes = int64(st.Blocks) * 512
	}
	if fi.IsDir() {
		s.Files = 0
	}
	return s
}
