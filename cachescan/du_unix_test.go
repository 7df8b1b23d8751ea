//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package cachescan_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// diskUsage sums allocated blocks under root, root included, like du -B1.
func diskUsage(t *testing.T, root string) int64 {
	t.Helper()
	var total int64
	filepath.Walk(root, func(path string, fi os.FileInfo, err error) error {
		if err == nil {
			total += int64(fi.Sys().(*syscall.Stat_t).Blocks) * 512
		}
		return nil
	})
	return total
}
