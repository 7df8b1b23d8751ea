//go:build !unix

package actions

import (
	"io/fs"

	"modscope/cachescan"
)

// sizeOf is a file's size; without block counts, disk usage is the length.
func sizeOf(fi fs.FileInfo) cachescan.Size {
	s := cachescan.Size{ApparentBytes: fi.Size(), Bytes: fi.Size(), Files: 1}
	if fi.IsDir() {
		s.Files = 0
	}
	return s
}
