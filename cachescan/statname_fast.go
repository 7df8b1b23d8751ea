//go:build linux && (amd64 || arm64)

package cachescan

import (
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// statName is fstatat(fd, name, AT_SYMLINK_NOFOLLOW) of a name eachName
// passed, given to the kernel where getdents wrote it, NUL and all:
// unix.Fstatat would copy each name to a new C string, one allocation per
// file of the walk.
func statName(fd int, name string, st *unix.Stat_t) error {
	return fstatatNoFollow(fd, unsafe.StringData(name), st)
}

// statPath is statName of any path below fd, copied with its NUL into a
// buffer on the stack rather than a new C string: a rescan stats every
// directory of every kept tree by its path below the tree's root.
func statPath(fd int, path string, st *unix.Stat_t) error {
	var buf [256]byte
	if len(path) >= len(buf) || strings.IndexByte(path, 0) >= 0 {
		return unix.Fstatat(fd, path, st, unix.AT_SYMLINK_NOFOLLOW)
	}
	copy(buf[:], path)
	return fstatatNoFollow(fd, &buf[0], st)
}

// fstatatNoFollow is fstatat(fd, path, AT_SYMLINK_NOFOLLOW) of the
// NUL-terminated path at p.
func fstatatNoFollow(fd int, p *byte, st *unix.Stat_t) error {
	_, _, e := unix.Syscall6(unix.SYS_NEWFSTATAT, uintptr(fd), uintptr(unsafe.Pointer(p)),
		uintptr(unsafe.Pointer(st)), unix.AT_SYMLINK_NOFOLLOW, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}
