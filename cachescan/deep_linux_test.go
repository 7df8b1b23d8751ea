package cachescan_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"modscope/cachescan"
)

// TestDeepTreeFewDescriptors: a tree 1,500 directories deep is walked with
// a few dozen descriptors open, not one per level (a hostile tree can be
// that deep): the scan runs under a descriptor limit just above what the
// test process already holds.
func TestDeepTreeFewDescriptors(t *testing.T) {
	mod := t.TempDir()
	tree := filepath.Join(mod, "example.com", "deep@v1.0.0")
	const depth = 1500
	deepest := filepath.Join(tree, strings.Repeat("d"+string(filepath.Separator), depth))
	if err := os.MkdirAll(deepest, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(deepest, "f.go"), []byte("package d\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	open, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	low := old
	low.Cur = uint64(len(open) + 200) // maxHeldDirs and a few per walker
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skip("cannot lower the descriptor limit:", err)
	}
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{ModCache: mod, Workers: 2})
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Errors) > 0 {
		t.Fatalf("scan errors: %v", snap.Errors[0])
	}
	// The file at the bottom was reached.
	if v := snap.ModCache.Modules[0].Versions[0]; v.Tree.Files != 1 {
		t.Fatalf("tree has %d files, want 1", v.Tree.Files)
	}
}
