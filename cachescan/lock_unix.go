//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package cachescan

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockHeld reports whether some process holds an exclusive flock on path, as
// the go command does on a version's .lock while it downloads or extracts.
// It tries a shared lock without waiting and releases it at once. A missing
// lock file means nobody holds it; the scan never creates one.
func lockHeld(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	fd := int(f.Fd())
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
