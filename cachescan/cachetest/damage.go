package cachetest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Expect is a problem a damaged fixture must produce: its kind and either
// the module version or, for build-cache and path problems, a path suffix.
type Expect struct {
	Kind    string
	Module  string
	Version string
	Path    string
}

// old is an mtime well past every "a go command may be writing this" window.
var old = Written()

// Mod returns a small module with one Go file.
func Mod(path, version string) Module {
	return Module{Path: path, Version: version, Files: map[string]string{
		"lib.go": "package lib\n\n// Hello says hello.\nfunc Hello() string { return \"hello from " + path + "\" }\n",
	}}
}

// Healthy fills a cache with entries that must produce no problem at all:
// complete versions, a metadata-only version, upper-case escaping, an
// inactive and an active toolchain, a fips140-style lock-only entry, a
// healthy vcs clone, checksum-database files and build-cache entries.
func (c *Cache) Healthy() {
	c.t.Helper()
	c.Add(Mod("example.com/good", "v1.0.0"))
	c.Add(Mod("example.com/good", "v1.1.0"))
	c.AddMetadata(Mod("example.com/good", "v0.9.0"))
	c.Add(Mod("github.com/BurntSushi/toml", "v1.3.2"))
	c.Add(Mod("example.com/good/v2", "v2.0.0-20240102030405-abcdefabcdef"))
	c.AddToolchain("go1.22.0", "linux", "amd64")
	c.AddToolchain("go1.23.4", "linux", "amd64")
	// An upper-case pre-release: escaped on disk, left out of list.
	up := c.Add(Mod("example.com/good", "v1.2.0-RC1"))
	// Older go commands locked list through list.lock, never deleted.
	must(c.t, os.WriteFile(filepath.Join(up.DL, "list.lock"), nil, 0o666))
	// A fork whose go.mod keeps the original path: a replace target.
	fork := Mod("example.com/fork", "v1.2.0")
	fork.Files["go.mod"] = "module example.com/original\n"
	c.Add(fork)
	// A stray file where modules live, as macOS Finder leaves them.
	must(c.t, os.WriteFile(filepath.Join(c.ModCache, "example.com", ".DS_Store"), []byte("finder"), 0o666))

	fips := Paths(c.ModCache, Module{Path: "golang.org/fips140", Version: "v1.0.0-0123abcd"})
	must(c.t, os.MkdirAll(fips.DL, 0o777))
	must(c.t, os.WriteFile(fips.Lock, nil, 0o666))
	must(c.t, os.MkdirAll(fips.Dir, 0o777))
	must(c.t, os.WriteFile(filepath.Join(fips.Dir, "fips.go"), []byte("package fips140\n"), 0o444))
	MakeReadOnly(fips.Dir)

	vcs := filepath.Join(c.ModCache, "cache", "vcs")
	hash := "4a4b8c2f0e1d3c5b6a79880f1e2d3c4b5a69788f0e1d2c3b4a5968778695a4b3"
	must(c.t, os.MkdirAll(filepath.Join(vcs, hash, "objects"), 0o777))
	must(c.t, os.WriteFile(filepath.Join(vcs, hash, "HEAD"), []byte("ref: refs/heads/main\n"), 0o666))
	must(c.t, os.WriteFile(filepath.Join(vcs, hash+".info"), []byte("git3:https://example.com/repo"), 0o666))
	must(c.t, os.WriteFile(filepath.Join(vcs, hash+".lock"), nil, 0o666))

	tile := filepath.Join(c.ModCache, "cache", "download", "sumdb", "sum.golang.org", "tile", "8", "0", "x001")
	must(c.t, os.MkdirAll(tile, 0o777))
	must(c.t, os.WriteFile(filepath.Join(tile, "234"), make([]byte, 8192), 0o666))
	must(c.t, os.WriteFile(filepath.Join(c.ModCache, "cache", "lock"), nil, 0o666))

	now := Now()
	c.AddBuildEntry("compile fmt", []byte("archive of fmt"), now.Add(-2*time.Hour))
	c.AddBuildEntry("compile os", []byte("archive of os"), now.Add(-3*24*time.Hour))
	c.AddBuildEntry("compile old", []byte("archive nobody used for weeks"), now.Add(-60*24*time.Hour))
	c.AddBuildEntry("empty", nil, old)
	c.AddExecutableEntry("run tool", "tool", []byte("\x7fELF tool"), old)
	// Trimmed 22 hours ago; test results expired a week ago.
	must(c.t, os.WriteFile(filepath.Join(c.BuildCache, "trim.txt"), []byte(strconv.FormatInt(now.Add(-22*time.Hour).Unix(), 10)), 0o666))
	must(c.t, os.WriteFile(filepath.Join(c.BuildCache, "testexpire.txt"), []byte(strconv.FormatInt(now.Add(-7*24*time.Hour).UnixNano(), 10)+"\n"), 0o666))
	must(c.t, os.MkdirAll(filepath.Join(c.BuildCache, "fuzz", "example.com", "FuzzX"), 0o777))
	must(c.t, os.WriteFile(filepath.Join(c.BuildCache, "fuzz", "example.com", "FuzzX", "0123456789abcdef"), []byte("go test fuzz v1\n"), 0o666))
}

// Damage adds one instance (or two) of every problem kind the scan finds
// without hashing, except "unreadable", which needs a non-root user. It
// returns what the scan must report.
func (c *Cache) Damage() []Expect {
	c.t.Helper()
	var want []Expect
	add := func(kind, mod, ver, path string) { want = append(want, Expect{kind, mod, ver, path}) }

	// dir-partial: an extraction that crashed (nobody holds the lock).
	e := c.Add(Mod("example.com/partial", "v1.0.0"))
	must(c.t, os.WriteFile(e.Partial, nil, 0o666))
	add("dir-partial", e.Path, e.Version, "")

	// dir-orphan: a tree whose zip and ziphash are gone.
	e = c.Add(Mod("example.com/orphan", "v1.0.0"))
	must(c.t, os.Remove(e.Zip))
	must(c.t, os.Remove(e.ZipHash))
	add("dir-orphan", e.Path, e.Version, "")

	// ziphash-invalid: wrong length, zip still there.
	e = c.Add(Mod("example.com/badhash", "v1.0.0"))
	must(c.t, os.WriteFile(e.ZipHash, []byte("garbage"), 0o666))
	add("ziphash-invalid", e.Path, e.Version, "")
	// ziphash-invalid: NUL-filled (a torn write) and the zip gone.
	e = c.Add(Mod("example.com/badhash", "v1.1.0"))
	must(c.t, os.WriteFile(e.ZipHash, make([]byte, 47), 0o666))
	must(c.t, os.Remove(e.Zip))
	add("ziphash-invalid", e.Path, e.Version, "")
	add("zip-missing", e.Path, e.Version, "")

	// ziphash-missing.
	e = c.Add(Mod("example.com/nohash", "v1.0.0"))
	must(c.t, os.Remove(e.ZipHash))
	add("ziphash-missing", e.Path, e.Version, "")

	// zip-missing.
	e = c.Add(Mod("example.com/nozip", "v1.0.0"))
	must(c.t, os.Remove(e.Zip))
	add("zip-missing", e.Path, e.Version, "")

	// zip-corrupt: truncated; and a zip made for another module.
	e = c.Add(Mod("example.com/truncated", "v1.0.0"))
	data, err := os.ReadFile(e.Zip)
	must(c.t, err)
	must(c.t, os.WriteFile(e.Zip, data[:len(data)/2], 0o666))
	add("zip-corrupt", e.Path, e.Version, "")
	e = c.Add(Mod("example.com/wrongzip", "v1.0.0"))
	other, err := ZipBytes(Mod("example.com/other", "v1.0.0"))
	must(c.t, err)
	must(c.t, os.WriteFile(e.Zip, other, 0o666))
	add("zip-corrupt", e.Path, e.Version, "")

	// info-invalid: names another version; not JSON.
	e = c.AddMetadata(Mod("example.com/info", "v1.0.0"))
	must(c.t, os.WriteFile(e.Info, []byte(`{"Version":"v9.9.9","Time":"2024-01-02T03:04:05Z"}`), 0o666))
	add("info-invalid", e.Path, e.Version, "")
	e = c.AddMetadata(Mod("example.com/info", "v1.1.0"))
	must(c.t, os.WriteFile(e.Info, []byte(`{"Version":"v1.1`), 0o666))
	add("info-invalid", e.Path, e.Version, "")

	// mod-invalid: no module line; a line appended that does not parse.
	// (A .mod that declares another path is a project matter: see
	// Project tests.)
	e = c.AddMetadata(Mod("example.com/mod", "v1.0.0"))
	must(c.t, os.WriteFile(e.Mod, []byte("go 1.21\n"), 0o666))
	add("mod-invalid", e.Path, e.Version, "")
	e = c.AddMetadata(Mod("example.com/mod", "v1.1.0"))
	must(c.t, os.WriteFile(e.Mod, []byte("module example.com/mod\n\nrequire (\n"), 0o666))
	add("mod-invalid", e.Path, e.Version, "")

	// list-stale: a torn write; a version missing.
	e = c.Add(Mod("example.com/torn", "v1.0.0"))
	must(c.t, os.WriteFile(filepath.Join(e.DL, "list"), []byte("v1.0.0\n\x00\x00\x00"), 0o666))
	add("list-stale", e.Path, "", "list")
	e = c.Add(Mod("example.com/stale", "v1.0.0"))
	c.Add(Mod("example.com/stale", "v1.2.0"))
	must(c.t, os.WriteFile(filepath.Join(e.DL, "list"), []byte("v1.0.0\nv1.1.0\n"), 0o666))
	add("list-stale", e.Path, "", "list")

	// tmp-leftover: .info and .zip temp files; an old-Go extraction dir.
	e = c.Add(Mod("example.com/tmp", "v1.0.0"))
	for _, name := range []string{"v1.0.0.info123456789.tmp", "v1.0.0.zip987654321.tmp"} {
		p := filepath.Join(e.DL, name)
		must(c.t, os.WriteFile(p, []byte("half"), 0o666))
		must(c.t, os.Chtimes(p, old, old))
		add("tmp-leftover", e.Path, e.Version, name)
	}
	tmpDir := filepath.Join(c.ModCache, "example.com", "tmp@v1.0.0.tmp-12345")
	must(c.t, os.MkdirAll(tmpDir, 0o777))
	must(c.t, os.WriteFile(filepath.Join(tmpDir, "lib.go"), []byte("package lib\n"), 0o444))
	add("tmp-leftover", "", "", "tmp@v1.0.0.tmp-12345")

	// vcs-broken: a clone without .info; an .info without clone.
	vcs := filepath.Join(c.ModCache, "cache", "vcs")
	noInfo := "1111111111111111111111111111111111111111111111111111111111111111"
	noClone := "2222222222222222222222222222222222222222222222222222222222222222"
	must(c.t, os.MkdirAll(filepath.Join(vcs, noInfo), 0o777))
	must(c.t, os.WriteFile(filepath.Join(vcs, noInfo, "HEAD"), []byte("ref: refs/heads/main\n"), 0o666))
	must(c.t, os.WriteFile(filepath.Join(vcs, noClone+".info"), []byte("git3:https://example.com/gone"), 0o666))
	add("vcs-broken", "", "", noInfo)
	add("vcs-broken", "", "", noClone+".info")

	// path-invalid: an upper-case letter in an escaped path; a bad version.
	bad := filepath.Join(c.ModCache, "example.com", "Upper@v1.0.0")
	must(c.t, os.MkdirAll(bad, 0o777))
	must(c.t, os.WriteFile(filepath.Join(bad, "go.mod"), []byte("module example.com/Upper\n"), 0o444))
	add("path-invalid", "", "", "Upper@v1.0.0")
	badv := filepath.Join(c.ModCache, "example.com", "badver@latest")
	must(c.t, os.MkdirAll(badv, 0o777))
	add("path-invalid", "", "", "badver@latest")

	// Build cache: a short -a, an -a naming another ID, an -a whose output
	// is gone, an output whose size changed.
	o := c.AddBuildEntry("short", []byte("short action"), old)
	must(c.t, os.WriteFile(o.Action, []byte("v1 broken\n"), 0o666))
	must(c.t, os.Chtimes(o.Action, old, old))
	add("action-invalid", "", "", o.ActionID+"-a")
	o = c.AddBuildEntry("other id", []byte("other id"), old)
	o2 := c.AddBuildEntry("someone else", []byte("someone else"), old)
	must(c.t, os.WriteFile(o.Action, ActionEntry(o2.ActionID, o.OutputID, 8, old), 0o666))
	must(c.t, os.Chtimes(o.Action, old, old))
	add("action-invalid", "", "", o.ActionID+"-a")
	o = c.AddBuildEntry("gone", []byte("output that was deleted"), old)
	must(c.t, os.Remove(o.Path))
	add("output-missing", "", "", o.ActionID+"-a")
	o = c.AddBuildEntry("resized", []byte("output that grew"), old)
	must(c.t, os.WriteFile(o.Path, []byte("output that grew by some bytes"), 0o666))
	must(c.t, os.Chtimes(o.Path, old, old))
	add("output-size-mismatch", "", "", o.OutputID+"-d")
	// An executable entry that holds a directory tree instead of one file.
	o = c.AddExecutableEntry("nested", "tool", []byte("tool"), old)
	must(c.t, os.MkdirAll(filepath.Join(o.Path, "sub", "deeper"), 0o777))
	must(c.t, os.WriteFile(filepath.Join(o.Path, "sub", "deeper", "big"), make([]byte, 100<<10), 0o666))
	must(c.t, os.Chtimes(o.Path, old, old))
	add("output-size-mismatch", "", "", o.OutputID+"-d")
	// A file where GOCACHE needs one of its 256 directories.
	for i := 255; i >= 0; i-- {
		hh := fmt.Sprintf("%02x", i)
		if _, err := os.Lstat(filepath.Join(c.BuildCache, hh)); os.IsNotExist(err) {
			must(c.t, os.WriteFile(filepath.Join(c.BuildCache, hh), []byte("x"), 0o666))
			add("gocache-broken", "", "", hh)
			break
		}
	}
	return want
}

// Chtimes sets a path's times, failing the test on error.
func Chtimes(t T, path string, when time.Time) {
	t.Helper()
	must(t, os.Chtimes(path, when, when))
}
