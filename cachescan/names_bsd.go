//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package cachescan

import (
	"os"

	"golang.org/x/sys/unix"
)

// readNames lists an open directory through the os package, which knows
// each system's directory-reading call; the fd stays the caller's.
func readNames(fd int) ([]string, error) {
	dup, err := unix.Dup(fd)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(dup), "")
	defer f.Close()
	return f.Readdirnames(-1)
}
