package actions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportNeverThroughALink: links planted in the export directory after
// it was found empty (a racing process) are not followed: the export
// fails and the files they point at, outside, are untouched. A directory
// inside a cache root, and /, are refused before anything is written.
func TestExportNeverThroughALink(t *testing.T) {
	c, proj, _ := offlineFixture(t)
	snap, rep := offlineReport(t, c, proj)
	if !rep.Ready {
		t.Fatalf("not ready: %+v", rep)
	}
	victim := t.TempDir()
	precious := filepath.Join(victim, "README.txt")
	os.WriteFile(precious, []byte("precious"), 0o644)
	exportOpened = func(dir string) {
		os.Symlink(victim, filepath.Join(dir, "example.com"))
		os.Symlink(precious, filepath.Join(dir, "README.txt"))
	}
	defer func() { exportOpened = nil }()
	if _, err := Export(snap, rep, filepath.Join(t.TempDir(), "export")); err == nil {
		t.Error("an export through planted links succeeded")
	}
	if ents, _ := os.ReadDir(victim); len(ents) != 1 {
		t.Errorf("the link's target directory got %d entries", len(ents))
	}
	if b, _ := os.ReadFile(precious); string(b) != "precious" {
		t.Errorf("the linked file was written: %q", b)
	}
	exportOpened = nil
	inside := filepath.Join(c.ModCache, "export")
	if _, err := Export(snap, rep, inside); err == nil || !strings.Contains(err.Error(), "cache") {
		t.Errorf("export inside the module cache: %v", err)
	}
	if _, err := os.Lstat(inside); err == nil {
		t.Error("the export directory was created inside the module cache")
	}
	for _, d := range []string{"/", os.Getenv("HOME")} {
		if d == "" {
			continue
		}
		if _, err := Export(snap, rep, d); err == nil {
			t.Errorf("export into %s: no error", d)
		}
	}
}
