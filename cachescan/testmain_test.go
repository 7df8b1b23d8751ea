package cachescan_test

import (
	"os"
	"path/filepath"
	"testing"

	"modscope/cachescan/cachetest"
)

// TestMain removes the warm build cache the go-command tests share, and
// the scan index of BenchmarkRescanLarge.
func TestMain(m *testing.M) {
	code := cachetest.Run(m)
	if rescanIndex.path != "" {
		os.RemoveAll(filepath.Dir(rescanIndex.path))
	}
	os.Exit(code)
}
