package cachescan_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"modscope/cachescan"
)

// TestReadSmallCap: a sparse 3 GiB file costs at most the cap to read,
// whatever the size hint, and is ErrTooLarge.
func TestReadSmallCap(t *testing.T) {
	p := filepath.Join(t.TempDir(), "v1.0.0.mod")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(3 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, hint := range []int64{0, 100, 3 << 30} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := cachescan.ReadSmall(p, hint)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, cachescan.ErrTooLarge) {
			t.Errorf("hint %d: err %v, want ErrTooLarge", hint, err)
		}
		// The buffer grows 8-fold up to the cap, never past it.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2*cachescan.MaxSmallFile+(4<<20) {
			t.Errorf("hint %d: %d MiB allocated", hint, alloc>>20)
		}
	}
	if data, err := cachescan.ReadSmall(filepath.Join("testdata", "missing"), 0); err == nil {
		t.Errorf("a missing file read as %q", data)
	}
}
