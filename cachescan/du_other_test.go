//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package cachescan_test

import (
	"os"
	"path/filepath"
	"testing"
)

// diskUsage is the apparent size where the scanner cannot see blocks.
func diskUsage(t *testing.T, root string) int64 {
	var total int64
	filepath.Walk(root, func(path string, fi os.FileInfo, err error) error {
		if err == nil {
			total += fi.Size()
		}
		return nil
	})
	return total
}
