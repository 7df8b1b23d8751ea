//go:build linux

package actions

import (
	"encoding/binary"
	"io/fs"
	"syscall"
)

// appendIdentity appends what identifies a file's current version on
// Linux: its size, mtime, inode and ctime. The ctime is set by the kernel
// to the current time on every change of content or metadata and cannot be
// set by a program (only by changing the clock, or by writing the disk
// underneath the file system); a file restored from a tarball gets a new
// inode and ctime. ok is false when the file system says nothing of them.
func appendIdentity(b []byte, fi fs.FileInfo) ([]byte, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return b, false
	}
	for _, v := range []int64{fi.Size(), st.Mtim.Sec, st.Mtim.Nsec, int64(st.Ino), st.Ctim.Sec, st.Ctim.Nsec, int64(fi.Mode())} {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	return b, true
}
