package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestFlagCeilings: every numeric flag past its ceiling is refused up
// front, in one line, with exit 2.
func TestFlagCeilings(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"verify", "--jobs", "1000000000"}, "--jobs 1000000000: at most 256"},
		{[]string{"verify", "--jobs", "257"}, "--jobs 257: at most 256"},
		{[]string{"download", "--jobs", "100000", "example.com/x@v1.0.0"}, "--jobs 100000: at most 256"},
		{[]string{"scan", "--workers", "99999999"}, "--workers 99999999: at most 256"},
		{[]string{"purge", "--dry-run", "--keep-latest", "1000000000"}, "--keep-latest 1000000000: at most 10000"},
		{[]string{"download", "--timeout", "8760h", "example.com/x@v1.0.0"}, "--timeout 8760h0m0s: at most 24h,"},
		{[]string{"repair", "--timeout", "25h"}, "at most 24h,"},
		{[]string{"purge", "--build-cache", "--older-than", "36501d"}, "--older-than 36501d: at most 36500d"},
		{[]string{"verify", "--jobs", "99999999999999999999"}, "value out of range"},
	}
	for _, tt := range tests {
		code, out, errOut := runMain(t, tt.args...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

// TestDownloadRefusesBadTargets: targets of a bad shape are refused before
// anything runs (GOPROXY=off keeps a target that slipped through from
// reaching the network; it would fail with another message).
func TestDownloadRefusesBadTargets(t *testing.T) {
	t.Setenv("GOPROXY", "off")
	c := cachetest.New(t)
	flags := []string{"download", "--modcache", c.ModCache, "--gocache", c.BuildCache}
	tests := []struct{ target, want string }{
		{"example.com/m@latest@v1", `"example.com/m@latest@v1": one @ only`},
		{"example.com/m@v1.0.0 example.com/n@v1.0.0", "has a space"},
		{"example.com/m @v1.0.0", "has a space"},
		{"example.com/m@v1.0.0\x1b[2J", `control or format character`},
		{"example.com/m@\u202ev1.0.0", `control or format character`},
		{"@v1.0.0", "name the module path before the @"},
		{"example.com/m@", "name a version"},
		{"", "name a version"},
	}
	for _, tt := range tests {
		code, out, errOut := runMain(t, append(flags, tt.target)...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", tt.target, code, out, errOut, tt.want)
		}
		if strings.ContainsAny(errOut, "\x1b\u202e") {
			t.Errorf("%q: the message carries the control character: %q", tt.target, errOut)
		}
	}
}

// TestJSONRawNames: scan, verify and purge --json give the exact bytes of
// a cached name that is not UTF-8, so that a script can act on it.
func TestJSONRawNames(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/good", "v1.0.0"))
	bad := filepath.Join(c.ModCache, "example.com", "bad\xff@v1.0.0")
	if err := os.MkdirAll(bad, 0o777); err != nil {
		t.Skip("file system refuses the name:", err)
	}
	os.WriteFile(filepath.Join(bad, "x.go"), []byte("package x\n"), 0o666)
	flags := []string{"--json", "--modcache", c.ModCache, "--gocache", c.BuildCache, "--project", writeProject(t, "")}
	type problems struct {
		Problems []struct {
			Kind    string
			PathRaw []byte
		}
	}
	for _, cmd := range []string{"scan", "verify"} {
		_, out, errOut := runMain(t, append([]string{cmd}, flags...)...)
		var doc problems
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, errOut)
		}
		ok := false
		for _, p := range doc.Problems {
			ok = ok || (p.Kind == cachescan.KindPathInvalid && string(p.PathRaw) == bad)
		}
		if !ok {
			t.Errorf("%s --json: no path-invalid with pathRaw %q:\n%s", cmd, bad, out)
		}
	}
	_, out, errOut := runMain(t, append([]string{"purge", "--dry-run"}, append(flags, "example.com/...")...)...)
	var plan struct {
		Plan struct {
			Items []struct {
				Module    string
				ModuleRaw []byte
				PathsRaw  [][]byte
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("purge: %v\n%s", err, errOut)
	}
	ok := false
	for _, it := range plan.Plan.Items {
		if string(it.ModuleRaw) == "example.com/bad\xff" {
			ok = len(it.PathsRaw) == 1 && string(it.PathsRaw[0]) == bad
		} else if it.ModuleRaw != nil || it.PathsRaw != nil {
			t.Errorf("purge: raw forms for %s", it.Module)
		}
	}
	if !ok {
		t.Errorf("purge --json: no item with the raw module and paths:\n%s", out)
	}
}
