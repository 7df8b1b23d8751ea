package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

// storeFixture writes a proxy-layout store with real zips: an honest
// version and one whose .mod names another module; it returns the store's
// URL and a go.sum of the honest version's hashes, and of the other's
// with a zip hash that is not its zip's.
func storeFixture(t *testing.T) (url, gosum string) {
	t.Helper()
	root := t.TempDir()
	var sum strings.Builder
	for _, v := range []struct{ path, mod string }{
		{"example.com/honest", "module example.com/honest\n"},
		{"example.com/bad", "module example.com/impostor\n"},
	} {
		src := t.TempDir()
		os.WriteFile(filepath.Join(src, "go.mod"), []byte("module "+v.path+"\n"), 0o644)
		os.WriteFile(filepath.Join(src, "a.go"), []byte("package a\n"), 0o644)
		var zbuf bytes.Buffer
		if err := modzip.CreateFromDir(&zbuf, module.Version{Path: v.path, Version: "v1.0.0"}, src); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, filepath.FromSlash(v.path), "@v")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "v1.0.0.info"), []byte(`{"Version":"v1.0.0"}`), 0o644)
		os.WriteFile(filepath.Join(dir, "v1.0.0.mod"), []byte(v.mod), 0o644)
		os.WriteFile(filepath.Join(dir, "v1.0.0.zip"), zbuf.Bytes(), 0o644)
		zh, err := dirhash.HashZip(filepath.Join(dir, "v1.0.0.zip"), dirhash.Hash1)
		if err != nil {
			t.Fatal(err)
		}
		if v.path == "example.com/bad" {
			zh = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
		}
		mh, _ := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(v.mod)), nil })
		sum.WriteString(v.path + " v1.0.0 " + zh + "\n" + v.path + " v1.0.0/go.mod " + mh + "\n")
	}
	gosum = filepath.Join(t.TempDir(), "go.sum")
	os.WriteFile(gosum, []byte(sum.String()), 0o644)
	return "file://" + filepath.ToSlash(root), gosum
}

func TestStoreScanCommand(t *testing.T) {
	url, _ := storeFixture(t)
	code, out, errOut := runMain(t, "store", "scan", url)
	if code != exitProblems || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"layout   proxy", "modules  2, versions 2", "largest modules:", "mod-invalid example.com/bad@v1.0.0", `declares module "example.com/impostor"`, "fix: delete example.com/bad@v1.0.0"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runMain(t, "store", "scan", "--json", "--workers", "2", "--layout", "proxy", url)
	var rep struct {
		Damage []struct{ Kind, Module string }
	}
	if code != exitProblems || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Damage) != 1 || rep.Damage[0].Kind != "mod-invalid" {
		t.Errorf("--json: exit %d, %s", code, out)
	}
	// The wrong layout finds no versions, so no damage.
	if code, _, _ := runMain(t, "store", "scan", "--layout", "athens", url); code != exitOK {
		t.Errorf("--layout athens: exit %d", code)
	}
}

func TestStoreCommandFailures(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"store", "scan"}, "give the store's URL"},
		{[]string{"store", "scan", "file:///no/such/store/dir"}, "no such directory"},
		{[]string{"store", "scan", "ftp://host/x"}, "cannot open ftp:// stores"},
		{[]string{"store", "scan", "--layout", "git", "file:///tmp"}, "--layout"},
		{[]string{"store", "scan", "--workers", "100000", "file:///tmp"}, "--workers 100000"},
		{[]string{"store", "verify", "--gosum", "/no/such/go.sum", "file:///tmp"}, "no such file"},
		{[]string{"store", "scan", "s3://b?region=x&secret_access_key=TOPSECRET&endpoint=http://127.0.0.1:1"}, ""},
	} {
		code, _, errOut := runMain(t, tc.args...)
		if code != exitFailed || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%q: exit %d, stderr %q", tc.args, code, errOut)
		}
		if strings.Contains(errOut, "TOPSECRET") {
			t.Errorf("%q: stderr names a credential: %q", tc.args, errOut)
		}
	}
}

func TestStoreVerifyCommand(t *testing.T) {
	url, gosum := storeFixture(t)
	code, out, errOut := runMain(t, "store", "verify", "--gosum", gosum, url)
	if code != exitProblems || errOut != "" {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	for _, want := range []string{"verified  1 of 2 versions", "zip-hash-mismatch example.com/bad@v1.0.0 (proven)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// A pattern selects the honest version only.
	if code, out, _ := runMain(t, "store", "verify", "--gosum", gosum, url, "example.com/honest"); code != exitOK || !strings.Contains(out, "verified  1 of 1 versions") {
		t.Errorf("pattern: exit %d\n%s", code, out)
	}
	// GOSUMDB=off (the tests' environment): nothing is checkable, nothing wrong.
	t.Setenv("GOSUMDB", "off")
	if code, out, _ := runMain(t, "store", "verify", "--json", url); code != exitOK || !strings.Contains(out, `"GOSUMDB=off": 2`) {
		t.Errorf("GOSUMDB=off: exit %d\n%s", code, out)
	}
}
