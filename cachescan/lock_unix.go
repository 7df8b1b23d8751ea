//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package cachescan

import "golang.org/x/sys/unix"

// LockHeld reports whether some process holds an exclusive flock on path, as
// the go command does on a version's .lock while it downloads or extracts.
// It tries a shared lock without waiting and releases it at once. A missing
// lock file, or one that is not a regular file, means nobody holds it; the
// scan never creates one.
func LockHeld(path string) bool {
	fd, err := openNoFollow(path, unix.O_NONBLOCK)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return false
	}
	for {
		err = unix.Flock(fd, unix.LOCK_SH|unix.LOCK_NB)
		if err != unix.EINTR {
			break
		}
	}
	if err == nil {
		unix.Flock(fd, unix.LOCK_UN)
		return false
	}
	return err == unix.EWOULDBLOCK
}
