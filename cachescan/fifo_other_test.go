//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package cachescan_test

import "errors"

func syscallMkfifo(path string) error { return errors.New("no FIFOs on this system") }
