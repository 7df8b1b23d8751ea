package cachescan_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestFixesRepair runs every problem's fix command in a shell, downloads
// included (from a file:// proxy that serves the fixture's modules), then
// scans again: every problem that has a command must be gone, and the go
// command must agree that the repaired versions are whole.
func TestFixesRepair(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	c := cachetest.New(t)
	c.Healthy()
	c.Damage()
	root := t.TempDir()
	proxy := filepath.Join(root, "proxy")
	snap := scan(t, c, "")
	var mods []cachetest.Module
	seen := map[string]bool{}
	for _, p := range snap.Problems {
		if p.Module != "" && p.Version != "" && !seen[p.Module+"@"+p.Version] {
			seen[p.Module+"@"+p.Version] = true
			mods = append(mods, cachetest.Mod(p.Module, p.Version))
		}
	}
	cachetest.WriteProxy(t, proxy, mods...)
	env := append(goEnv(c, proxy, filepath.Join(root, "gopath")), "GOFLAGS=")

	var fixed []cachescan.Problem
	for _, p := range snap.Problems {
		cmd := p.Fix
		if i := strings.Index(cmd, "; or "); i >= 0 {
			cmd = cmd[i+len("; or "):] // dir-partial: the download alternative
		}
		if i := strings.Index(cmd, "  ("); i >= 0 {
			cmd = cmd[:i] // a note after the command
		}
		switch {
		case strings.HasPrefix(cmd, "rm "), strings.HasPrefix(cmd, "touch "), strings.HasPrefix(cmd, "printf "), strings.HasPrefix(cmd, "(cd / && "):
		default:
			continue // path-invalid: by hand
		}
		sh := exec.Command("sh", "-c", cmd)
		sh.Env = env
		if out, err := sh.CombinedOutput(); err != nil {
			t.Errorf("fix for %s %s@%s failed: %v\n%s\n%s", p.Kind, p.Module, p.Version, err, cmd, out)
			continue
		}
		fixed = append(fixed, p)
	}
	if len(fixed) < 20 {
		t.Fatalf("only %d fixes ran", len(fixed))
	}
	after := scan(t, c, "")
	for _, p := range after.Problems {
		for _, f := range fixed {
			if p.Kind == f.Kind && p.Path == f.Path {
				t.Errorf("still there after its fix: %+v", p)
			}
		}
	}
	// The versions the fixes downloaded again are whole to the go command.
	for _, m := range mods {
		v := after.ModCache.FindVersion(m.Path, m.Version)
		if v == nil || v.State == "damaged" || v.State == "partial" {
			t.Errorf("%s@%s after its fix: %+v", m.Path, m.Version, v)
		}
	}
	if _, err := os.Stat(filepath.Join(c.ModCache, "example.com", "truncated@v1.0.0", "lib.go")); err != nil {
		t.Errorf("the corrupt zip's version was not downloaded and extracted again: %v", err)
	}
}
