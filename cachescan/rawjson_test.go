package cachescan_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestRawNamesInJSON: a name that is not UTF-8 reaches JSON with its exact
// bytes beside the U+FFFD-spoilt string, and only then.
func TestRawNamesInJSON(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/good", "v1.0.0"))
	bad := filepath.Join(c.ModCache, "example.com", "bad\xff@v1.0.0")
	if err := os.MkdirAll(bad, 0o777); err != nil {
		t.Skip("file system refuses the name:", err)
	}
	os.WriteFile(filepath.Join(bad, "x.go"), []byte("package x\n"), 0o666)
	snap, err := cachescan.NewScanner().Scan(t.Context(), cachescan.Options{ModCache: c.ModCache, BuildCache: c.BuildCache})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ModCache struct {
			Modules []struct {
				Path     string
				PathRaw  []byte
				Versions []struct {
					Version         string
					ExtractedDir    string
					ExtractedDirRaw []byte
				}
			}
		}
		Problems []struct {
			Kind, Path string
			PathRaw    []byte
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, m := range doc.ModCache.Modules {
		switch m.Path {
		case "example.com/good":
			if m.PathRaw != nil || m.Versions[0].ExtractedDirRaw != nil {
				t.Errorf("a UTF-8 name has a raw form: %+v", m)
			}
		case "example.com/bad\ufffd":
			found++
			if string(m.PathRaw) != "example.com/bad\xff" || string(m.Versions[0].ExtractedDirRaw) != bad {
				t.Errorf("raw forms %q, %q", m.PathRaw, m.Versions[0].ExtractedDirRaw)
			}
		}
	}
	for _, p := range doc.Problems {
		if p.Kind == cachescan.KindPathInvalid {
			found++
			if string(p.PathRaw) != bad {
				t.Errorf("problem pathRaw %q, want %q", p.PathRaw, bad)
			}
			if _, err := os.Stat(string(p.PathRaw)); err != nil {
				t.Errorf("a script cannot reach the raw path: %v", err)
			}
		} else if p.PathRaw != nil {
			t.Errorf("%s has a raw path", p.Kind)
		}
	}
	if found != 2 {
		t.Errorf("the bad module or its problem is missing:\n%s", data)
	}
	// Read back, a problem names the very file again.
	var back cachescan.Snapshot
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	for _, p := range back.Problems {
		if p.Kind == cachescan.KindPathInvalid && p.Path != bad {
			t.Errorf("read back, the problem's path is %q", p.Path)
		}
	}
}
