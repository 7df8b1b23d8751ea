//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package cachescan_test

import "syscall"

func syscallMkfifo(path string) error { return syscall.Mkfifo(path, 0o666) }
