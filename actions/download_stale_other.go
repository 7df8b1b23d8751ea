//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package actions

import "os"

const tmpPrefix = "modscope-download-"

// holdTmp and removeStaleTmp need flock: elsewhere stale directories
// stay for the system's temp cleaner.
func holdTmp(string) *os.File        { return nil }
func removeStaleTmp(string) []string { return nil }
