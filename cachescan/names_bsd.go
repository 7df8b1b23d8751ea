//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package cachescan

import (
	"os"

	"golang.org/x/sys/unix"
)

// eachName lists an open directory through the os package, which knows
// each system's directory-reading call; the fd stays the caller's.
func eachName(fd int, f func(name string)) error {
	dup, err := unix.Dup(fd)
	if err != nil {
		return err
	}
	file := os.NewFile(uintptr(dup), "")
	defer file.Close()
	names, err := file.Readdirnames(-1)
	for _, n := range names {
		f(n)
	}
	return err
}
