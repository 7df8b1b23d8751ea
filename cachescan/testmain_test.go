package cachescan_test

import (
	"os"
	"testing"

	"modscope/cachescan/cachetest"
)

// TestMain removes the warm build cache the go-command tests share.
func TestMain(m *testing.M) {
	code := m.Run()
	cachetest.RemoveWarmBuildCache()
	os.Exit(code)
}
