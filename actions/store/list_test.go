package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "gocloud.dev/blob/fileblob"
)

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestListDetectsTheLayouts(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		files  map[string]string
		layout Layout
		mod    string
		vers   []string
		other  int64
	}{
		{"proxy", map[string]string{
			"github.com/!azure/go-x/@v/list":        "v1.0.0\nv1.2.0\n",
			"github.com/!azure/go-x/@v/v1.2.0.info": "{}",
			"github.com/!azure/go-x/@v/v1.2.0.mod":  "module github.com/Azure/go-x\n",
			"github.com/!azure/go-x/@v/v1.2.0.zip":  "PK",
			"github.com/!azure/go-x/@v/v1.0.0.mod":  "module github.com/Azure/go-x\n",
			"sumdb/sum.golang.org/lookup/x":         "x",
		}, LayoutProxy, "github.com/Azure/go-x", []string{"v1.0.0", "v1.2.0"}, 1},
		{"athens fs", map[string]string{
			"github.com/Azure/go-x/v1.2.0/go.mod":      "module github.com/Azure/go-x\n",
			"github.com/Azure/go-x/v1.2.0/source.zip":  "PK",
			"github.com/Azure/go-x/v1.2.0/v1.2.0.info": "{}",
			"github.com/Azure/go-x/v1.10.0/go.mod":     "module github.com/Azure/go-x\n",
			"README":                                   "x",
		}, LayoutAthens, "github.com/Azure/go-x", []string{"v1.2.0", "v1.10.0"}, 1},
		{"athens object store", map[string]string{
			"github.com/Azure/go-x/@v/v1.2.0.info": "{}",
			"github.com/Azure/go-x/@v/v1.2.0.mod":  "module github.com/Azure/go-x\n",
			"github.com/Azure/go-x/@v/v1.2.0.zip":  "PK",
		}, LayoutProxy, "github.com/Azure/go-x", []string{"v1.2.0"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			s, err := Open(context.Background(), "file://"+filepath.ToSlash(dir), LayoutUnknown)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			inv, err := s.List(context.Background(), now)
			if err != nil {
				t.Fatal(err)
			}
			if inv.Layout != tc.layout {
				t.Fatalf("layout %v, want %v", inv.Layout, tc.layout)
			}
			if len(inv.Modules) != 1 || inv.Modules[0].Path != tc.mod {
				t.Fatalf("modules %+v", inv.Modules)
			}
			var got []string
			for _, v := range inv.Modules[0].Versions {
				got = append(got, v.Version)
			}
			if len(got) != len(tc.vers) {
				t.Fatalf("versions %v, want %v", got, tc.vers)
			}
			for i := range got {
				if got[i] != tc.vers[i] {
					t.Fatalf("versions %v, want %v", got, tc.vers)
				}
			}
			if inv.Other != tc.other {
				t.Fatalf("other %d (%v), want %d", inv.Other, inv.OtherKeys, tc.other)
			}
			v := inv.Lookup(tc.mod, "v1.2.0")
			if v == nil || !v.Has(FileZip) || !v.Has(FileMod) || !v.Has(FileInfo) {
				t.Fatalf("v1.2.0 files: %+v", v)
			}
			r, err := s.OpenFile(context.Background(), v, FileZip)
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
		})
	}
}

func TestListStopsAtTheKeyLimit(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"example.com/a/@v/v1.0.0.mod": "module example.com/a\n",
		"example.com/a/@v/v1.1.0.mod": "module example.com/a\n",
		"example.com/a/@v/v1.2.0.mod": "module example.com/a\n",
	})
	s, err := Open(context.Background(), "file://"+filepath.ToSlash(dir), LayoutProxy)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	inv, err := s.list(context.Background(), time.Time{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !inv.Truncated || inv.Objects != 2 || inv.Versions() != 2 {
		t.Fatalf("truncated %v objects %d versions %d", inv.Truncated, inv.Objects, inv.Versions())
	}
}

func TestRedactDropsCredentials(t *testing.T) {
	got := Redact("s3://user:secret@bucket?region=eu-west-1&awssdk=v2&token=abc")
	if got != "s3://bucket?awssdk=REDACTED&region=eu-west-1&token=REDACTED" {
		t.Fatal(got)
	}
}

func TestOpenErrorsSayWhatToDo(t *testing.T) {
	_, err := Open(context.Background(), "nosuch://bucket", LayoutUnknown)
	if err == nil || !contains(err.Error(), "use file://") {
		t.Fatalf("%v", err)
	}
	_, err = Open(context.Background(), "not a url", LayoutUnknown)
	if err == nil || !contains(err.Error(), "not a URL") {
		t.Fatalf("%v", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestScanFindsMissingFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		// Athens writes all three: a version without its zip is damage.
		"example.com/a/v1.0.0/go.mod":      "module example.com/a\n",
		"example.com/a/v1.0.0/v1.0.0.info": "{}",
		"example.com/a/v1.1.0/go.mod":      "module example.com/a\n",
		"example.com/a/v1.1.0/v1.1.0.info": "{}",
		"example.com/a/v1.1.0/source.zip":  "PK",
	})
	s, err := Open(context.Background(), "file://"+filepath.ToSlash(dir), LayoutUnknown)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	inv, err := s.List(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Scan(context.Background(), s, inv, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The fake contents are damage too (tested with real zips in
	// scan_test.go); here only the missing file counts.
	var missing []Damage
	for _, d := range rep.Damage {
		if d.Kind == DamageMissingFile {
			missing = append(missing, d)
		}
	}
	if len(missing) != 1 || missing[0].Version != "v1.0.0" {
		t.Fatalf("damage %+v", rep.Damage)
	}
}

// TestDriverErrorsNameNoSecret: a driver quotes the URL it was given in
// its errors; the store's messages never carry a credential.
func TestDriverErrorsNameNoSecret(t *testing.T) {
	_, err := Open(context.Background(), "file:///tmp?secret=TOPSECRETVALUE&unknown=1", LayoutUnknown)
	if err == nil || strings.Contains(err.Error(), "TOPSECRETVALUE") {
		t.Errorf("err %v", err)
	}
	if got := scrub("open https://u:pw123@h/x?k=abcdef failed", secrets("https://u:pw123@h/x?k=abcdef")); strings.Contains(got, "pw123") || strings.Contains(got, "abcdef") {
		t.Errorf("scrubbed %q", got)
	}
}
