package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/dirhash"

	"modscope/cachescan/cachetest"
)

// writeGCStore writes a proxy-layout store of example.com/a v1.0.0,
// v1.1.0 and v1.2.0, with real zips and an @v/list.
func writeGCStore(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	v := filepath.Join(dir, "example.com", "a", "@v")
	if err := os.MkdirAll(v, 0o755); err != nil {
		t.Fatal(err)
	}
	var list []string
	for _, vers := range []string{"v1.0.0", "v1.1.0", "v1.2.0"} {
		zip, err := cachetest.ZipBytes(cachetest.Module{Path: "example.com/a", Version: vers})
		if err != nil {
			t.Fatal(err)
		}
		for ext, data := range map[string][]byte{
			".info": fmt.Appendf(nil, `{"Version":%q,"Time":"2024-01-02T03:04:05Z"}`, vers),
			".mod":  []byte("module example.com/a\n"),
			".zip":  zip,
		} {
			if err := os.WriteFile(filepath.Join(v, vers+ext), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		list = append(list, vers)
	}
	if err := os.WriteFile(filepath.Join(v, "list"), []byte(strings.Join(list, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runMainIn(t *testing.T, stdin io.Reader, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runIO(withClock(context.Background(), cachetest.Clock()), args, stdin, &out, &errOut)
	return code, out.String(), errOut.String()
}

func zipsLeft(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "example.com", "a", "@v", "*.zip"))
	var out []string
	for _, p := range m {
		out = append(out, filepath.Base(p))
	}
	return out
}

// TestStoreGCCommand: the plan first; --dry-run and a non-terminal
// without --yes change nothing; the question defaults to no; --yes
// deletes what the plan says and rewrites @v/list.
func TestStoreGCCommand(t *testing.T) {
	dir := writeGCStore(t)
	url := "file://" + filepath.ToSlash(dir)
	code, out, errOut := runMainIn(t, nil, "store", "gc", "--dry-run", "--keep-latest", "1", url)
	if code != 0 || !strings.Contains(out, "GC plan: delete 2 versions") || !strings.Contains(out, "example.com/a@v1.0.0") || strings.Contains(out, "example.com/a@v1.2.0 ") {
		t.Fatalf("--dry-run: exit %d\n%s%s", code, out, errOut)
	}
	if got := zipsLeft(t, dir); len(got) != 3 {
		t.Fatalf("--dry-run deleted: %v", got)
	}
	code, _, errOut = runMainIn(t, strings.NewReader("y\n"), "store", "gc", "--keep-latest", "1", url)
	if code != exitFailed || !strings.Contains(errOut, "not a terminal and no --yes") || len(zipsLeft(t, dir)) != 3 {
		t.Fatalf("no terminal, no --yes: exit %d, %q, %v", code, errOut, zipsLeft(t, dir))
	}

	askable = func(*os.File) bool { return true }
	t.Cleanup(func() { askable = isTerminal })
	answer := func(a string) (int, string) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		w.WriteString(a)
		w.Close()
		code, _, errOut := runMainIn(t, r, "store", "gc", "--keep-latest", "1", url)
		return code, errOut
	}
	if code, errOut := answer("\n"); code != 0 || !strings.Contains(errOut, "Delete them from the store? [y/N]") || !strings.Contains(errOut, "Nothing changed") || len(zipsLeft(t, dir)) != 3 {
		t.Fatalf("the default answer: exit %d, %q, %v", code, errOut, zipsLeft(t, dir))
	}
	if code, errOut := answer("y\n"); code != 0 || strings.Join(zipsLeft(t, dir), " ") != "v1.2.0.zip" {
		t.Fatalf("yes: exit %d, %q, %v", code, errOut, zipsLeft(t, dir))
	}
	list, _ := os.ReadFile(filepath.Join(dir, "example.com", "a", "@v", "list"))
	if string(list) != "v1.2.0\n" {
		t.Errorf("@v/list: %q", list)
	}

	dir = writeGCStore(t)
	url = "file://" + filepath.ToSlash(dir)
	code, out, errOut = runMainIn(t, nil, "store", "gc", "--yes", "--json", "--keep-latest", "2", url, "example.com/a")
	var doc struct {
		Plan struct {
			Items []struct{ Module, Version string }
		}
		Result struct {
			Deleted      int
			DeletedBytes int64
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || len(doc.Plan.Items) != 1 || doc.Result.Deleted != 3 || doc.Result.DeletedBytes == 0 {
		t.Fatalf("--yes --json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
}

// TestStoreGCRefusals: each mistake is one line with a next step, exit 2,
// and nothing deleted.
func TestStoreGCRefusals(t *testing.T) {
	dir := writeGCStore(t)
	url := "file://" + filepath.ToSlash(dir)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{url}, "store gc needs a policy"},
		{[]string{"--keep-latest", "1"}, "give the store's URL"},
		{[]string{"--unused", url}, "--unused needs --projects"},
		{[]string{"--projects", dir, "--keep-latest", "1", url}, "add --unused"},
		{[]string{"--keep-latest", "0", url}, "positive count"},
		{[]string{"--older-than", "soon", url}, "--older-than"},
		{[]string{"--layout", "goproxy", "--damaged", url}, "--layout"},
		{[]string{"--yes", "--keep-latest", "1", url, "example.com/typo"}, "no version in the store matches"},
		{[]string{"--yes", "--keep-latest", "1", "nosuch://bucket"}, "use file://"},
	} {
		code, _, errOut := runMainIn(t, nil, append([]string{"store", "gc"}, tc.args...)...)
		if code != exitFailed || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
	if got := zipsLeft(t, dir); len(got) != 3 {
		t.Errorf("a refusal deleted: %v", got)
	}
}

// TestStoreGCProvenWrong: --proven-wrong deletes the version whose zip
// hash differs from the go.sum's, even though a project requires it, and
// nothing else; --unused keeps what the project requires.
func TestStoreGCProvenWrong(t *testing.T) {
	dir := writeGCStore(t)
	url := "file://" + filepath.ToSlash(dir)
	v := filepath.Join(dir, "example.com", "a", "@v")
	good, err := dirhash.HashZip(filepath.Join(v, "v1.1.0.zip"), dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := dirhash.HashZip(filepath.Join(v, "v1.2.0.zip"), dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	gosum := filepath.Join(t.TempDir(), "go.sum")
	os.WriteFile(gosum, []byte("example.com/a v1.0.0 "+wrong+"\nexample.com/a v1.1.0 "+good+"\n"), 0o644)
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/p\n\ngo 1.22\n\nrequire example.com/a v1.0.0\n"), 0o644)

	code, out, errOut := runMainIn(t, nil, "store", "gc", "--dry-run", "--unused", "--projects", proj, url)
	if code != 0 || !strings.Contains(out, "example.com/a@v1.1.0") || strings.Contains(out, "example.com/a@v1.0.0 ") {
		t.Fatalf("--unused: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runMainIn(t, nil, "store", "gc", "--yes", "--proven-wrong", "--gosum", gosum, "--unused", "--projects", proj, url)
	if code != 0 || strings.Join(zipsLeft(t, dir), " ") != "v1.2.0.zip" {
		t.Fatalf("--proven-wrong: exit %d, left %v\n%s%s", code, zipsLeft(t, dir), out, errOut)
	}
	if !strings.Contains(out, "zip-hash-mismatch") {
		t.Errorf("the plan does not say why:\n%s", out)
	}
}
