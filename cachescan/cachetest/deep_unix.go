//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package cachetest

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// DeepTree builds below dir a chain of levels read-only directories, each
// named name and holding one file f.go, as a hostile module tree could be.
// It works on descriptors only: the whole path may be far past PATH_MAX,
// where no path-based call reaches.
func DeepTree(t T, dir string, levels int, name string) {
	t.Helper()
	const flags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	fd, err := unix.Open(dir, flags, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < levels; i++ {
		f, err := unix.Openat(fd, "f.go", unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o444)
		if err == nil {
			_, err = unix.Write(f, []byte("package p\n"))
			unix.Close(f)
		}
		if err == nil {
			err = unix.Mkdirat(fd, name, 0o755)
		}
		sub := -1
		if err == nil {
			sub, err = unix.Openat(fd, name, flags, 0)
		}
		if err != nil {
			unix.Close(fd)
			t.Fatal(fmt.Sprintf("DeepTree level %d: %v", i, err))
		}
		unix.Fchmod(fd, 0o555) // as the go command leaves a module tree
		unix.Close(fd)
		fd = sub
	}
	unix.Close(fd)
}
