package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"modscope/cachescan/cachetest"
)

// listing is every entry under the roots with its type, length and mtime.
func listing(t *testing.T, roots ...string) string {
	t.Helper()
	var b strings.Builder
	for _, root := range roots {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			fi, err := d.Info()
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %v %d %d\n", path, fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
			return nil
		})
	}
	return b.String()
}

// TestTrimCommandDryRun: a dry run prints the plan and the summary and
// changes nothing in either cache, even when the cap is missed (exit 1);
// --yes then removes what it planned, and a second trim finds nothing.
func TestTrimCommandDryRun(t *testing.T) {
	c := cachetest.New(t)
	now := cachetest.Now()
	c.Add(cachetest.Mod("example.com/need", "v1.0.0"))
	gone := c.Add(cachetest.Mod("example.com/gone", "v1.0.0"))
	old := c.AddBuildEntry("old", []byte("an old output"), now.Add(-72*time.Hour))
	used := c.AddBuildEntry("used", []byte("an output used now"), now.Add(-10*time.Minute))
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/p\n\ngo 1.21\n\nrequire example.com/need v1.0.0\n"), 0o666)
	flags := []string{"--modcache", c.ModCache, "--gocache", c.BuildCache, "--project", proj, "--max-size", "1", "--used-since", "30m"}
	before := listing(t, c.ModCache, c.BuildCache)
	code, out, errOut := runMain(t, append([]string{"trim", "--dry-run"}, flags...)...)
	if code != 1 || !strings.Contains(out, "would remove 2 build entries") || !strings.Contains(out, "1 module version") ||
		!strings.Contains(out, "kept 2 entries used since "+now.Add(-30*time.Minute).Format(time.RFC3339)) || !strings.Contains(errOut, "the cap 1 B is missed by") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errOut)
	}
	if after := listing(t, c.ModCache, c.BuildCache); after != before {
		t.Fatalf("--dry-run changed the caches:\n%s\nthen\n%s", before, after)
	}
	code, out, _ = runMain(t, append([]string{"trim", "--yes"}, flags...)...)
	if code != 1 || !strings.Contains(out, "removed 2 build entries") {
		t.Fatalf("--yes: exit %d\n%s", code, out)
	}
	for _, p := range []string{old.Action, old.Path, gone.Dir, gone.Zip} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
	for _, p := range []string{used.Action, used.Path} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("used since, yet removed: %v", err)
		}
	}
	code, out, _ = runMain(t, append([]string{"trim", "--yes"}, flags...)...)
	if code != 1 || !strings.Contains(out, "Nothing to remove.") {
		t.Errorf("again: exit %d\n%s", code, out)
	}
}
