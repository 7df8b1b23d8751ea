//go:build (linux && !amd64 && !arm64) || darwin || freebsd || netbsd || openbsd || dragonfly

package cachescan

import "golang.org/x/sys/unix"

// statName is fstatat(fd, name, AT_SYMLINK_NOFOLLOW) of a name eachName
// passed.
func statName(fd int, name string, st *unix.Stat_t) error {
	return unix.Fstatat(fd, name, st, unix.AT_SYMLINK_NOFOLLOW)
}

// statPath is fstatat(fd, path, AT_SYMLINK_NOFOLLOW).
func statPath(fd int, path string, st *unix.Stat_t) error {
	return unix.Fstatat(fd, path, st, unix.AT_SYMLINK_NOFOLLOW)
}
