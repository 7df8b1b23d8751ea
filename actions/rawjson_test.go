package actions

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"modscope/cachescan"
)

func TestRawNamesMarshal(t *testing.T) {
	s, _ := json.Marshal(Skipped{Module: "example.com/m", Version: "v1\xff", Path: "/c/\x9f", Reason: "r"})
	var sk struct {
		Module              string
		ModuleRaw           []byte
		VersionRaw, PathRaw []byte
	}
	json.Unmarshal(s, &sk)
	if sk.Module != "example.com/m" || sk.ModuleRaw != nil || string(sk.VersionRaw) != "v1\xff" || string(sk.PathRaw) != "/c/\x9f" {
		t.Errorf("Skipped: %s", s)
	}
	r, _ := json.Marshal(PurgeResult{Module: "a\xffb", Version: "v1.0.0", Label: "l"})
	if !strings.Contains(string(r), `"moduleRaw":"Yf9i"`) || strings.Contains(string(r), "versionRaw") {
		t.Errorf("PurgeResult: %s", r)
	}
	it, _ := json.Marshal(&PurgeItem{Module: "m", Paths: []string{"/ok", "/bad\xff"}})
	var item struct{ PathsRaw [][]byte }
	json.Unmarshal(it, &item)
	if len(item.PathsRaw) != 2 || string(item.PathsRaw[0]) != "/ok" || string(item.PathsRaw[1]) != "/bad\xff" {
		t.Errorf("PurgeItem: %s", it)
	}
	if it, _ := json.Marshal(&PurgeItem{Module: "m", Paths: []string{"/ok"}}); strings.Contains(string(it), "Raw") {
		t.Errorf("PurgeItem with UTF-8 names: %s", it)
	}
}

// TestFindingsKeepRawPaths: what verify found at a name that is not UTF-8
// names that very file again when repair reads it back.
func TestFindingsKeepRawPaths(t *testing.T) {
	file := filepath.Join(t.TempDir(), "findings.json")
	bad := "/c/mod/example.com/bad\xff@v1.0.0"
	f := Findings{ModCache: "/c/mod", GoCache: "/c/go", At: time.Unix(1e9, 0),
		Problems: []cachescan.Problem{{Kind: cachescan.KindDirModified, Module: "example.com/bad\xff", Version: "v1.0.0", Path: bad}}}
	if err := SaveFindings(file, f, nil); err != nil {
		t.Fatal(err)
	}
	got := LoadFindings(file, "/c/mod", "/c/go")
	if got == nil || len(got.Problems) != 1 || got.Problems[0].Path != bad || got.Problems[0].Module != "example.com/bad\xff" {
		t.Errorf("read back %+v", got)
	}
}
