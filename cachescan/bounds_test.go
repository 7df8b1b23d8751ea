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

func TestPrintableFormatCharacters(t *testing.T) {
	tests := []struct{ in, want string }{
		{"example.com/m", "example.com/m"},
		{"naïve/日本語", "naïve/日本語"},
		{"a\x00b\x1bc\x7fd\u0085e\u009bf", "a?b?c?d?e?f"},
		{"evil\u202egpj.zip", "evil?gpj.zip"},
		{"\u202a\u202b\u202c\u202d\u202e", "?????"},
		{"\u2066\u2067\u2068\u2069", "????"},
		{"l\u200er\u200fa\u061cm", "l?r?a?m"},
		{"zero\u200bwidth\u200d\ufeff\u00ad", "zero?width???"},
		{"tag\U000E0041", "tag?"},
		{"line\u2028para\u2029", "line?para?"},
		{"a\x9f\xffb", "a??b"},
		{"\xe2\x80", "??"},                        // a truncated rune: each byte
		{"ok\ufffd", "ok\ufffd"},                  // a real U+FFFD is printable
		{"\xe2\x80\xaeRLO", "?RLO"},               // U+202E spelt in bytes
		{string([]byte{0xed, 0xa0, 0x80}), "???"}, // a surrogate is not UTF-8
	}
	for _, tt := range tests {
		if got := cachescan.Printable(tt.in); got != tt.want {
			t.Errorf("Printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
