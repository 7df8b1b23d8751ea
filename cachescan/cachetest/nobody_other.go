//go:build !linux

package cachetest

import (
	"os"
	"testing"
)

// AsNobody reports whether to run a permission test here: only Linux tests
// switch to the user nobody, so elsewhere root skips them (root ignores
// permission bits) and anyone else runs them directly.
func AsNobody(t testing.TB, name string) bool {
	t.Helper()
	if os.Geteuid() == 0 {
		t.Skip("root ignores permission bits; run the tests as another user")
	}
	return true
}
