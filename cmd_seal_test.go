package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"modscope/cachescan/cachetest"
)

// TestSealPrintsHostileNamesSafely: a name in the cache with a bidi
// control and an escape sequence reaches the terminal as '?', in the seal's
// "not sealed" line and in the check's "added" line; the manifest quotes it.
func TestSealPrintsHostileNamesSafely(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	evil := filepath.Join(c.ModCache, "example.com", "e\u202egpj\x1b[2J@v1.0.0")
	if err := os.MkdirAll(evil, 0o777); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(evil, "x.go"), []byte("package x\n"), 0o444)
	keys := t.TempDir()
	if code, _, stderr := runMain(t, "seal", "--new-key", "ci", "--out", keys); code != 0 {
		t.Fatalf("--new-key: %d %s", code, stderr)
	}
	seal := filepath.Join(t.TempDir(), "seal.note")
	code, stdout, stderr := runMain(t, "seal", "--modcache", c.ModCache, "--gocache", c.BuildCache, "--key", filepath.Join(keys, "ci.key"), "--out", seal)
	if code != 0 || strings.ContainsAny(stdout+stderr, "\u202e\x1b") || !strings.Contains(stdout, "not sealed: ") {
		t.Fatalf("seal: %d\n%q\n%q", code, stdout, stderr)
	}
	code, stdout, stderr = runMain(t, "seal", "--modcache", c.ModCache, "--gocache", c.BuildCache, "--check", seal, "--verifier", filepath.Join(keys, "ci.vkey"))
	if code != 0 || strings.ContainsAny(stdout+stderr, "\u202e\x1b") || !strings.Contains(stdout, "as sealed") {
		t.Fatalf("check: %d\n%q\n%q", code, stdout, stderr)
	}
	data, _ := os.ReadFile(seal)
	if !strings.Contains(string(data), `v "example.com/a" "v1.0.0" `) {
		t.Fatalf("the manifest:\n%s", data)
	}
}

// TestSealMissingKeyFilesSayWhatToDo: a --key or --verifier file that is
// not there fails (exit 2) with one line that names the next step.
func TestSealMissingKeyFilesSayWhatToDo(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	missing := filepath.Join(t.TempDir(), "nope")
	code, _, stderr := runMain(t, "seal", "--modcache", c.ModCache, "--gocache", c.BuildCache, "--key", missing+".key", "--out", filepath.Join(t.TempDir(), "s.note"))
	if code != 2 || !strings.Contains(stderr, "modscope seal --new-key NAME") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("missing --key: %d %q", code, stderr)
	}
	code, _, stderr = runMain(t, "seal", "--modcache", c.ModCache, "--gocache", c.BuildCache, "--check", missing+".note", "--verifier", missing+".vkey")
	if code != 2 || !strings.Contains(stderr, ".vkey file modscope seal --new-key NAME wrote") {
		t.Errorf("missing --verifier: %d %q", code, stderr)
	}
}
