//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package actions

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestRemoveStaleTmp: a download directory whose in-use lock nobody holds
// (its process was killed: here a child that took it and died) goes, read-
// only tree and all; one a running download holds stays, as do one without
// the file and a link named like one (its target untouched).
func TestRemoveStaleTmp(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string) string {
		p := filepath.Join(dir, tmpPrefix+name)
		if err := os.MkdirAll(filepath.Join(p, "modcache", "x"), 0o777); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(p, "modcache", "x"), 0o555)
		return p
	}
	stale, held, bare := mk("stale"), mk("held"), mk("bare")
	holdTmp(stale).Close() // the lock's holder is gone, as after kill -9
	if _, err := exec.LookPath("flock"); err == nil {
		// A real process that took it and was killed.
		exec.Command("flock", filepath.Join(stale, "in-use"), "true").Run()
	}
	h := holdTmp(held)
	if h == nil {
		t.Fatal("no lock")
	}
	defer h.Close()
	target := t.TempDir()
	holdTmp(target).Close()
	link := filepath.Join(dir, tmpPrefix+"link")
	os.Symlink(target, link)
	got := removeStaleTmp(dir)
	if len(got) != 1 || got[0] != stale {
		t.Errorf("removed %v, want [%s]", got, stale)
	}
	for _, p := range []string{held, bare, link, filepath.Join(target, "in-use")} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s went: %v", p, err)
		}
	}
	os.Chmod(filepath.Join(held, "modcache", "x"), 0o755)
	os.Chmod(filepath.Join(bare, "modcache", "x"), 0o755)
}
