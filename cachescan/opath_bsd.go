//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package cachescan

// oPath: these systems open the directory itself (O_RDONLY).
const oPath = 0
