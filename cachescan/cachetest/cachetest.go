// Package cachetest builds realistic Go caches for tests: module caches with
// real zips (x/mod/zip), ziphashes (x/mod/sumdb/dirhash) and read-only
// extracted trees as the go command leaves them, toolchain-shaped trees,
// build caches in the go command's entry format, GOPROXY-layout directories
// to serve as file:// proxies, and damage of every kind the scanner reports.
package cachetest

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"

	"modscope/cachescan"
)

// T is what the kit needs of a test: testing.TB satisfies it, and so does
// Fatalist, for programs that build fixtures outside tests.
type T interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
	TempDir() string
}

// Fatalist is a T for programs: Fatal exits, TempDir makes a directory that
// is never removed, Cleanup is ignored.
type Fatalist struct{}

// Helper does nothing.
func (Fatalist) Helper() {}

// Fatal prints args and exits with status 1.
func (Fatalist) Fatal(args ...any) {
	fmt.Fprintln(os.Stderr, args...)
	os.Exit(1)
}

// Cleanup ignores f: a program's fixtures outlive it.
func (Fatalist) Cleanup(f func()) {}

// TempDir makes a new temporary directory.
func (Fatalist) TempDir() string {
	d, err := os.MkdirTemp("", "cachetest-")
	if err != nil {
		Fatalist{}.Fatal(err)
	}
	return d
}

// Module is a module version to put in a cache or a proxy. Files maps paths
// relative to the module root to their contents; a go.mod is added when
// Files has none (Files["go.mod"] = "module <Path>\n").
type Module struct {
	Path    string
	Version string
	Files   map[string]string
	// Time is the .info time; zero means 2024-01-02T03:04:05Z.
	Time time.Time
}

func (m Module) files() map[string]string {
	fs := map[string]string{}
	for k, v := range m.Files {
		fs[k] = v
	}
	if _, ok := fs["go.mod"]; !ok {
		fs["go.mod"] = "module " + m.Path + "\n"
	}
	return fs
}

func (m Module) time() time.Time {
	if m.Time.IsZero() {
		return time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	}
	return m.Time
}

// Cache is a module cache and a build cache in a test's temporary directory.
type Cache struct {
	t          T
	ModCache   string
	BuildCache string
}

// New makes empty cache roots under t.TempDir(). Its cleanup makes every
// directory writable again so that read-only trees can be removed.
func New(t T) *Cache {
	t.Helper()
	return NewAt(t, t.TempDir())
}

// NewAt makes empty cache roots mod/ and gocache/ under root.
func NewAt(t T, root string) *Cache {
	t.Helper()
	c := &Cache{t: t, ModCache: filepath.Join(root, "mod"), BuildCache: filepath.Join(root, "gocache")}
	for _, d := range []string{c.ModCache, c.BuildCache} {
		if err := os.MkdirAll(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	// Every go command that opens GOCACHE writes it, and modscope changes
	// no build cache without it.
	if err := os.WriteFile(filepath.Join(c.BuildCache, "README"), []byte(BuildCacheREADME), 0o666); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { MakeWritable(root) })
	return c
}

// BuildCacheREADME is the go command's GOCACHE/README (cmd/go/internal/cache).
const BuildCacheREADME = "This directory holds cached build artifacts from the Go build system.\n" +
	"Run \"go clean -cache\" if the directory is getting too large.\n" +
	"Run \"go clean -fuzzcache\" to delete the fuzz cache.\n" +
	"See golang.org to learn more about Go.\n"

// MakeWritable adds the owner's write bit to every directory under root, as
// go clean -modcache does before removing a tree.
func MakeWritable(root string) {
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(path, 0o777)
		}
		return nil
	})
}

// Entry is one module version written to a Cache, with its paths and hashes.
type Entry struct {
	Module
	DL      string // cache/download/<E>/@v
	Dir     string // extracted tree
	Base    string // DL/<EV>, to which suffixes are added
	Zip     string
	ZipHash string
	Info    string
	Mod     string
	Lock    string
	Partial string
	// Sum is the module's h1: hash and GoModSum its go.mod's.
	Sum      string
	GoModSum string
}

// GoSum returns the entry's two go.sum lines.
func (e *Entry) GoSum() string {
	return fmt.Sprintf("%s %s %s\n%s %s/go.mod %s\n", e.Path, e.Version, e.Sum, e.Path, e.Version, e.GoModSum)
}

// Paths computes where a module version lives in the module cache root.
func Paths(root string, m Module) *Entry {
	ep, err := module.EscapePath(m.Path)
	if err != nil {
		ep = m.Path
	}
	ev, err := module.EscapeVersion(m.Version)
	if err != nil {
		ev = m.Version
	}
	dl := filepath.Join(root, "cache", "download", filepath.FromSlash(ep), "@v")
	base := filepath.Join(dl, ev)
	return &Entry{
		Module: m, DL: dl, Base: base,
		Dir: filepath.Join(root, filepath.FromSlash(ep)+"@"+ev),
		Zip: base + ".zip", ZipHash: base + ".ziphash", Info: base + ".info",
		Mod: base + ".mod", Lock: base + ".lock", Partial: base + ".partial",
	}
}

// Add writes a module version as the go command leaves it after a build:
// .info, .mod, .zip, .ziphash, .lock, list, and the extracted tree with
// read-only files and directories.
func (c *Cache) Add(m Module) *Entry {
	c.t.Helper()
	e := c.AddDownload(m)
	c.Extract(e)
	return e
}

// AddDownload writes the download files only (as go mod download -x leaves
// a version that was never built: no extracted tree).
func (c *Cache) AddDownload(m Module) *Entry {
	c.t.Helper()
	e := Paths(c.ModCache, m)
	must(c.t, os.MkdirAll(e.DL, 0o777))
	must(c.t, writeModuleFiles(e.Base, m))
	sum, err := dirhash.HashZip(e.Zip, dirhash.DefaultHash)
	must(c.t, err)
	e.Sum = sum
	e.GoModSum = GoModSum(m.files()["go.mod"])
	must(c.t, os.WriteFile(e.ZipHash, []byte(e.Sum), 0o666))
	must(c.t, os.WriteFile(e.Lock, nil, 0o666))
	must(c.t, RewriteList(e.DL))
	dateFiles(c.t, e.Info, e.Mod, e.Zip, e.ZipHash, e.Lock, filepath.Join(e.DL, "list"))
	return e
}

// AddMetadata writes only .info and .mod, as for a version the go command
// needed only to load the module graph.
func (c *Cache) AddMetadata(m Module) *Entry {
	c.t.Helper()
	e := Paths(c.ModCache, m)
	must(c.t, os.MkdirAll(e.DL, 0o777))
	must(c.t, os.WriteFile(e.Info, infoJSON(m), 0o666))
	must(c.t, os.WriteFile(e.Mod, []byte(m.files()["go.mod"]), 0o666))
	e.GoModSum = GoModSum(m.files()["go.mod"])
	must(c.t, RewriteList(e.DL))
	dateFiles(c.t, e.Info, e.Mod, filepath.Join(e.DL, "list"))
	return e
}

// Extract unzips an entry's zip into its tree like the go command: files
// 0444, then directories made read-only.
func (c *Cache) Extract(e *Entry) {
	c.t.Helper()
	must(c.t, os.MkdirAll(filepath.Dir(e.Dir), 0o777))
	must(c.t, modzip.Unzip(e.Dir, module.Version{Path: e.Path, Version: e.Version}, e.Zip))
	dateTree(c.t, e.Dir)
	MakeReadOnly(e.Dir)
}

// MakeReadOnly clears the write bits of every directory under dir, children
// first, as the go command does after extracting.
func MakeReadOnly(dir string) {
	var dirs []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Chmod(dirs[i], 0o555)
	}
}

// Writable runs f with dir and its parent made writable, then restores the
// read-only bits: the way to damage a read-only tree on purpose.
func Writable(dir string, f func()) {
	MakeWritable(dir)
	f()
	MakeReadOnly(dir)
}

// writeModuleFiles writes base+".info", ".mod" and ".zip".
func writeModuleFiles(base string, m Module) error {
	if err := os.WriteFile(base+".info", infoJSON(m), 0o666); err != nil {
		return err
	}
	if err := os.WriteFile(base+".mod", []byte(m.files()["go.mod"]), 0o666); err != nil {
		return err
	}
	data, err := ZipBytes(m)
	if err != nil {
		return err
	}
	return os.WriteFile(base+".zip", data, 0o666)
}

func infoJSON(m Module) []byte {
	return []byte(fmt.Sprintf(`{"Version":%q,"Time":%q}`, m.Version, m.time().Format(time.RFC3339)))
}

// ZipBytes makes a module zip with x/mod/zip.
func ZipBytes(m Module) ([]byte, error) {
	var files []modzip.File
	fsm := m.files()
	names := make([]string, 0, len(fsm))
	for n := range fsm {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		files = append(files, memFile{name: n, data: []byte(fsm[n])})
	}
	var buf bytes.Buffer
	if err := modzip.Create(&buf, module.Version{Path: m.Path, Version: m.Version}, files); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// GoModSum is the go.sum hash of a go.mod's content ("M V/go.mod h1:…").
func GoModSum(gomod string) string {
	h, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(gomod)), nil
	})
	if err != nil {
		panic(err)
	}
	return h
}

// RewriteList writes dl/list as the go command does (cachescan.ListContent).
func RewriteList(dl string) error {
	content, err := cachescan.ListContent(dl)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dl, "list"), []byte(content), 0o666)
}

// WriteProxy writes modules in GOPROXY layout under dir, for
// GOPROXY=file://<dir>.
func WriteProxy(t T, dir string, mods ...Module) {
	t.Helper()
	for _, m := range mods {
		ep, err := module.EscapePath(m.Path)
		must(t, err)
		ev, err := module.EscapeVersion(m.Version)
		must(t, err)
		at := filepath.Join(dir, filepath.FromSlash(ep), "@v")
		must(t, os.MkdirAll(at, 0o777))
		must(t, writeModuleFiles(filepath.Join(at, ev), m))
		must(t, RewriteList(at))
	}
}

// AddToolchain writes a golang.org/toolchain version the way toolchain
// switching leaves it: the zip and ziphash, then a tree post-processed by
// the go command (go.mod copies of every _go.mod, executables), so that
// hashing the tree does not give the ziphash.
func (c *Cache) AddToolchain(goVersion, goos, goarch string) *Entry {
	c.t.Helper()
	m := Module{
		Path:    "golang.org/toolchain",
		Version: "v0.0.1-" + goVersion + "." + goos + "-" + goarch,
		Files: map[string]string{
			"go.mod":              "module golang.org/toolchain\n",
			"bin/go":              "#!/bin/sh\necho " + goVersion + "\n",
			"bin/gofmt":           "#!/bin/sh\n",
			"pkg/tool/compile":    "binary",
			"src/_go.mod":         "module std\n",
			"src/cmd/_go.mod":     "module cmd\n",
			"src/runtime/proc.go": "package runtime\n",
			"VERSION":             goVersion + "\n",
		},
	}
	e := c.AddDownload(m)
	// Toolchain zips have no .info/.mod of their own version in practice.
	os.Remove(e.Info)
	os.Remove(e.Mod)
	must(c.t, RewriteList(e.DL))
	must(c.t, os.MkdirAll(filepath.Dir(e.Dir), 0o777))
	must(c.t, modzip.Unzip(e.Dir, module.Version{Path: m.Path, Version: m.Version}, e.Zip))
	for _, p := range []string{"src/go.mod", "src/cmd/go.mod"} {
		must(c.t, os.WriteFile(filepath.Join(e.Dir, p), []byte(m.Files[strings.Replace(p, "go.mod", "_go.mod", 1)]), 0o444))
	}
	for _, p := range []string{"bin/go", "bin/gofmt", "pkg/tool/compile"} {
		must(c.t, os.Chmod(filepath.Join(e.Dir, p), 0o555))
	}
	dateFiles(c.t, filepath.Join(e.DL, "list"))
	dateTree(c.t, e.Dir)
	MakeReadOnly(e.Dir)
	return e
}

// dateFiles sets the times of the files that exist among paths to
// Written: what the kit writes was written by its clock, not the system's.
func dateFiles(t T, paths ...string) {
	t.Helper()
	at := Written()
	for _, p := range paths {
		if err := os.Chtimes(p, at, at); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}

// dateTree sets the times of dir and everything under it to Written.
func dateTree(t T, dir string) {
	t.Helper()
	var paths []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil {
			paths = append(paths, path)
		}
		return nil
	})
	dateFiles(t, paths...)
}

// memFile is a modzip.File held in memory.
type memFile struct {
	name string
	data []byte
}

func (f memFile) Path() string                 { return f.name }
func (f memFile) Lstat() (os.FileInfo, error)  { return memInfo{f}, nil }
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }

type memInfo struct{ f memFile }

func (i memInfo) Name() string       { return filepath.Base(i.f.name) }
func (i memInfo) Size() int64        { return int64(len(i.f.data)) }
func (i memInfo) Mode() os.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

func must(t T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
