package cachescan

import "golang.org/x/sys/unix"

// oPath opens a directory only to look names up relative to it.
const oPath = unix.O_PATH
