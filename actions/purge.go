package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"modscope/actions/confine"
	"modscope/cachescan"
)

// The kinds of purge items.
const (
	// ItemVersion is a module version's tree and download files.
	ItemVersion = "version"
	// ItemList is a module's list file, rewritten from the .mod files.
	ItemList = "list"
	// ItemVCS is a cache/vcs clone and its .info.
	ItemVCS = "vcs"
	// ItemSumDB is cached checksum-database files.
	ItemSumDB = "sumdb"
	// ItemBuild is build-cache entries.
	ItemBuild = "build"
	// ItemFile is a stray file or temp leftover in either cache.
	ItemFile = "file"
	// ItemTestCache expires every cached test result, as go clean -testcache.
	ItemTestCache = "test-cache"
	// ItemFuzz is the fuzzing cache, GOCACHE/fuzz.
	ItemFuzz = "fuzz"
)

// PurgeItem is one thing a purge removes: a module version, a clone, a
// group of build-cache entries, ...
type PurgeItem struct {
	Kind    string `json:"kind"`
	Module  string `json:"module,omitempty"`
	Version string `json:"version,omitempty"`
	// Label names the item in one line.
	Label string `json:"label"`
	// Reason says why the plan has it: the problem kinds, the policy.
	Reason string `json:"reason,omitempty"`
	// Paths are what goes: for a version the extracted tree, the zip, the
	// ziphash, temp files, and with metadata the .mod and .info.
	Paths []string       `json:"paths"`
	Size  cachescan.Size `json:"size"`
	// Warnings: the project needs it, offline builds will need the
	// network, ...
	Warnings []string `json:"warnings,omitempty"`
	// Refused says why it will not be removed at all.
	Refused string `json:"refused,omitempty"`
	// Blocked: refused for what a person must mend first (a link or an
	// entry of the wrong type, a root no cache can be), not kept by
	// design (the active toolchain); the command exits 1.
	Blocked bool `json:"blocked,omitempty"`

	ver   *cachescan.Version
	tree  bool    // a version's tree goes, wherever it is when the plan runs
	list  bool    // a version's .mod goes: rewrite list
	sizes []int64 // build entries: each path's disk bytes
}

// PurgePlan is what a purge would do; nothing is removed until Execute.
type PurgePlan struct {
	Items []*PurgeItem   `json:"items"`
	Size  cachescan.Size `json:"size"`
	// Manual lists problems no purge fixes: they need a person.
	Manual []cachescan.Problem `json:"manual,omitempty"`
	// Warnings are about the plan as a whole (GOPROXY=off, no project).
	Warnings []string `json:"warnings,omitempty"`
	// Running lists go, gopls and test processes seen while planning.
	Running []string `json:"running,omitempty"`

	// Progress counters, within items too (see Progress).
	pathsDone, bytesDone atomic.Int64

	root        string
	configured  string // the root as configured, when it is a symlink
	gocache     string
	goVer       string
	toolchainGo string
	snap        *cachescan.Snapshot

	// The cache roots, opened once per Run: every change goes through
	// them (package confine), or fails with why they are refused.
	modRoot, buildRoot       *confine.Root
	modRootErr, buildRootErr error
}

// openRoots opens the roots the plan's items change; close releases them.
func (p *PurgePlan) openRoots() (close func()) {
	var mod, build bool
	for _, it := range p.Items {
		if it.Refused != "" {
			continue
		}
		if p.buildSide(it) {
			build = true
		} else {
			mod = true
			build = build || (it.Kind == ItemVersion && p.gocache != "") // the module index
		}
	}
	p.modRoot, p.modRootErr, p.buildRoot, p.buildRootErr = nil, nil, nil, nil
	if mod {
		p.modRoot, p.modRootErr = confine.Open(p.root, confine.ModCache)
	}
	if build {
		p.buildRoot, p.buildRootErr = confine.Open(p.gocache, confine.BuildCache)
	}
	return func() {
		if p.modRoot != nil {
			p.modRoot.Close()
		}
		if p.buildRoot != nil {
			p.buildRoot.Close()
		}
		p.modRoot, p.buildRoot = nil, nil
	}
}

// buildSide reports whether an item changes the build cache (else the
// module cache).
func (p *PurgePlan) buildSide(it *PurgeItem) bool {
	switch it.Kind {
	case ItemBuild, ItemTestCache, ItemFuzz:
		return true
	case ItemFile:
		return p.gocache != "" && len(it.Paths) > 0 && within(p.gocache, it.Paths[0])
	}
	return false
}

// refuseRoots refuses, with the reason, every item of a cache root that
// the confined layer will not open for changes ("/", a home directory, a
// GOCACHE without the go command's README), before the plan is shown.
func (p *PurgePlan) refuseRoots() {
	// Each root is checked once, when an item needs it.
	var errs [2]error
	var checked [2]bool
	check := func(build bool) error {
		i := 0
		if build {
			i = 1
		}
		if !checked[i] {
			checked[i] = true
			if build {
				errs[i] = confine.Check(p.gocache, confine.BuildCache)
			} else {
				errs[i] = confine.Check(p.root, confine.ModCache)
			}
		}
		return errs[i]
	}
	p.Size = cachescan.Size{}
	for _, it := range p.Items {
		if it.Refused == "" {
			if err := check(p.buildSide(it)); err != nil {
				it.Refused, it.Blocked = err.Error(), true
			}
		}
		if it.Refused == "" {
			p.Size.Add(it.Size)
		}
	}
	if p.Versions() > 0 && p.gocache != "" {
		if err := check(true); err != nil {
			p.Warnings = append(p.Warnings, "the build cache is not changed ("+err.Error()+"): the module index of removed trees stays; run go clean -cache if a build then fails")
		}
	}
}

// mod is the module-cache root, or why it cannot be changed.
func (p *PurgePlan) mod() (*confine.Root, error) {
	if p.modRoot == nil && p.modRootErr == nil {
		return nil, errors.New("the module cache was not opened")
	}
	return p.modRoot, p.modRootErr
}

// build is the build-cache root, or why it cannot be changed.
func (p *PurgePlan) build() (*confine.Root, error) {
	if p.buildRoot == nil && p.buildRootErr == nil {
		return nil, errors.New("the build cache was not opened")
	}
	return p.buildRoot, p.buildRootErr
}

// Short is a planned path as a person reads it: relative to the cache
// root it is under, like "cache/download/example.com/m/@v/v1.0.0.zip".
func (p *PurgePlan) Short(path string) string {
	for _, root := range []string{p.root, p.gocache} {
		if root != "" && within(root, path) {
			if rel, err := filepath.Rel(root, path); err == nil && rel != "." {
				return filepath.ToSlash(rel)
			}
		}
	}
	return path
}

// Roots are the cache roots the plan's paths are under.
func (p *PurgePlan) Roots() (modcache, gocache string) { return p.root, p.gocache }

// Blocked reports whether an item was refused for what a person must
// mend first.
func (p *PurgePlan) Blocked() bool {
	for _, it := range p.Items {
		if it.Blocked {
			return true
		}
	}
	return false
}

// Versions counts the module versions the plan removes.
func (p *PurgePlan) Versions() int {
	n := 0
	for _, it := range p.Items {
		if it.Kind == ItemVersion && it.Refused == "" {
			n++
		}
	}
	return n
}

func newPlan(snap *cachescan.Snapshot) *PurgePlan {
	return &PurgePlan{Items: []*PurgeItem{}, root: snap.ModCache.Root, configured: snap.ModCache.ConfiguredRoot, gocache: snap.BuildCache.Root, goVer: snap.Env.GOVERSION,
		toolchainGo: toolchainGo(snap.ModCache.ActiveToolchain), snap: snap}
}

// add appends an item and counts its size unless it is refused.
func (p *PurgePlan) add(it *PurgeItem) {
	if it.Refused == "" {
		p.Size.Add(it.Size)
	}
	p.Items = append(p.Items, it)
}

// PurgeResult is what happened to one item.
type PurgeResult struct {
	Kind    string `json:"kind"`
	Module  string `json:"module,omitempty"`
	Version string `json:"version,omitempty"`
	Label   string `json:"label"`
	Removed bool   `json:"removed"`
	// Freed is what went, on disk; with an error, what went before it.
	Freed cachescan.Size `json:"freed"`
	Err   string         `json:"error,omitempty"`
	// Kept says why a refused item was left alone (not a failure).
	Kept string `json:"kept,omitempty"`
	// NotStarted: the purge was stopped before this item.
	NotStarted bool `json:"notStarted,omitempty"`
}

// Paths counts the paths the plan removes.
func (p *PurgePlan) Paths() int64 {
	var n int64
	for _, it := range p.Items {
		if it.Refused == "" {
			n += int64(len(it.Paths))
		}
	}
	return n
}

// Progress reports the paths removed and the disk bytes freed so far while
// Run runs, within an item too (a build-cache item can hold 100,000
// entries); safe from any goroutine.
func (p *PurgePlan) Progress() (paths, bytes int64) {
	return p.pathsDone.Load(), p.bytesDone.Load()
}

// Execute runs the whole plan; see Run.
func (p *PurgePlan) Execute() []PurgeResult { return p.Run(context.Background(), nil) }

// Run removes the plan's items one at a time and calls each (if not nil)
// after every item, for a progress display. Module versions go under the
// go command's own lock on their .lock file, in the order that keeps the
// cache one the go command repairs or ignores if this is killed at any
// instant: .partial first (the tree is untrusted from then on), the tree
// (made writable first, as go clean -modcache does), zip and temp files,
// the ziphash, .mod/.info if asked, list rewritten, .partial last. Lock
// files are never removed. The module-index entry of a removed tree is
// dropped from GOCACHE so that builds do not keep the stale index. An
// item that fails is reported and the rest goes on; a cancelled context
// stops between items.
func (p *PurgePlan) Run(ctx context.Context, each func(PurgeResult)) []PurgeResult {
	var out []PurgeResult
	defer p.openRoots()()
	for _, it := range p.Items {
		r := PurgeResult{Kind: it.Kind, Module: it.Module, Version: it.Version, Label: it.Label}
		var err error
		switch {
		case it.Refused != "":
			r.Kept = it.Refused
		case ctx.Err() != nil:
			r.NotStarted = true
		default:
			r.Freed, err = p.runItem(it)
			if it.sizes == nil {
				// Items of one piece count when they are done; the others
				// count each path as it goes (removeFiles).
				p.pathsDone.Add(int64(len(it.Paths)))
				p.bytesDone.Add(r.Freed.Bytes)
			}
		}
		if err != nil {
			r.Err = withHint(err)
		} else if r.Kept == "" && !r.NotStarted {
			r.Removed = true
		}
		out = append(out, r)
		if each != nil {
			each(r)
		}
	}
	return out
}

// runItem removes one item and returns what it freed.
func (p *PurgePlan) runItem(it *PurgeItem) (cachescan.Size, error) {
	switch it.Kind {
	case ItemVersion:
		if err := p.purgeOne(it); err != nil {
			return cachescan.Size{}, err
		}
		return it.Size, nil
	case ItemList:
		root, err := p.mod()
		if err != nil {
			return cachescan.Size{}, err
		}
		return cachescan.Size{}, rewriteList(root, filepath.Dir(it.Paths[0]))
	case ItemVCS:
		return p.purgeClone(it)
	case ItemSumDB:
		return p.removeFiles(it, p.mod)
	case ItemBuild, ItemFuzz:
		return p.removeFiles(it, p.build)
	case ItemFile:
		return p.removeStray(it)
	case ItemTestCache:
		root, err := p.build()
		if err != nil {
			return cachescan.Size{}, err
		}
		var clock cachescan.Clock
		if p.snap != nil {
			clock = p.snap.Clock
		}
		return cachescan.Size{}, expireTests(root, clock.Now())
	}
	return cachescan.Size{}, fmt.Errorf("unknown item kind %q", it.Kind)
}

// withHint adds the next step to a file-system error.
func withHint(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, fs.ErrPermission):
		return msg + " (check the owner and flags: ls -ld, lsattr; or run as the cache's owner)"
	case errors.Is(err, syscall.EBUSY), errors.Is(err, syscall.ETXTBSY):
		return msg + " (in use: retry when no go command or program from the cache runs)"
	}
	return msg
}

// killAt, in tests, stops a purge after the named step as a kill would:
// no cleanup, the lock released (the kernel releases a dead process's).
var killAt func(step string) bool

var errKilled = errors.New("killed (test)")

func stop(step string) bool { return killAt != nil && killAt(step) }

func (p *PurgePlan) purgeOne(it *PurgeItem) error {
	v := it.ver
	paths := append([]string(nil), it.Paths...)
	root, err := p.mod()
	if err != nil {
		return err
	}
	if it.tree && v.Dir != "" && !contains(paths, v.Dir) {
		// The tree appeared after planning (a build extracted it while the
		// question was asked): zip and ziphash must not go without it.
		if _, err := root.Type(v.Dir); err == nil {
			paths = append(paths, v.Dir)
		}
	}
	if v.Toolchain && p.snap != nil {
		// A program may have started from it while the question was asked.
		if why := toolchainInUse(p.snap, v); why != "" {
			return errors.New("kept: " + why)
		}
	}
	if err := root.MkdirAll(v.DownloadDir); err != nil {
		return err
	}
	base := filepath.Join(v.DownloadDir, v.EscapedVersion)
	unlock, err := root.Lock(base + ".lock")
	if err != nil {
		return fmt.Errorf("taking the version's lock: %w", err)
	}
	defer unlock()
	if err := root.Touch(base + ".partial"); err != nil {
		return fmt.Errorf("marking the tree untrusted: %w", err)
	}
	if stop("partial") {
		return errKilled
	}
	if contains(paths, v.Dir) {
		// The index describes the tree: gone before the tree is.
		p.dropModuleIndex(v.Dir)
	}
	// The tree first, then download files in the protocol's order.
	order := func(path string) int {
		switch {
		case path == v.Dir:
			return 0
		case strings.HasSuffix(path, ".ziphash"):
			return 2
		case strings.HasSuffix(path, ".mod") || strings.HasSuffix(path, ".info"):
			return 3
		}
		return 1 // zip, temp files
	}
	sort.SliceStable(paths, func(i, j int) bool { return order(paths[i]) < order(paths[j]) })
	for _, path := range paths {
		if path == v.Dir {
			if err := removeTree(root, path); err != nil {
				return err // .partial stays: the go command re-extracts
			}
			// Again: a build may have indexed the half-removed tree.
			p.dropModuleIndex(v.Dir)
			if stop("tree") {
				return errKilled
			}
			continue
		}
		if err := root.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if stop(filepath.Base(path)) {
			return errKilled
		}
	}
	if it.list {
		if err := rewriteList(root, v.DownloadDir); err != nil {
			return fmt.Errorf("rewriting list: %w", err)
		}
		if stop("list") {
			return errKilled
		}
	}
	return root.Remove(base + ".partial")
}

// within reports whether path is root or below it, without following
// symlinks: the path is cleaned lexically and the tree walk never follows.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// removeTree removes a tree (or a file) through the root: directories are
// made writable on their descriptors (module trees are read-only) and no
// link is followed. In the kill tests it stops where a kill would.
func removeTree(root *confine.Root, dir string) error {
	if killAt != nil {
		if err := root.MakeWritable(dir); err == nil {
			if stop("writable") {
				return errKilled
			}
			// Half the tree, as a kill in the middle of RemoveAll leaves it.
			ents, _ := root.Names(dir)
			for _, e := range ents[:len(ents)/2] {
				root.RemoveAll(filepath.Join(dir, e))
			}
			if stop("half-tree") {
				return errKilled
			}
		}
	}
	return root.RemoveAll(dir)
}

// rewriteList writes list as the go command does (rewriteVersionList):
// under a lock on list itself, the escaped canonical versions with a .mod.
func rewriteList(root *confine.Root, dl string) error {
	f, err := root.Edit(filepath.Join(dl, "list"))
	if err != nil {
		return err
	}
	defer f.Close()
	// Read under the lock: a go command writing a .mod meanwhile also
	// rewrites list, after taking the same lock.
	content, err := cachescan.ListContent(dl)
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt([]byte(content), 0); err != nil {
		return err
	}
	return f.Close()
}

// dropModuleIndex removes the go command's module-index entry for a
// module-cache directory: its action ID is the SHA-256 of the Go version
// (the hash salt, without a GOEXPERIMENT suffix) followed by
// "module index <version> go index v2 <dir>\n" (cmd/go/internal/modindex,
// Go 1.26). Without this, builds keep failing on the stale index after the
// tree comes back (the reference doc, experiment #10).
func (p *PurgePlan) dropModuleIndex(dir string) {
	build, err := p.build()
	if err != nil {
		return // a refused build cache is left alone; the README says go clean -cache
	}
	dirs := []string{dir}
	if p.configured != "" {
		// The go command names the tree through the root as configured.
		if rel, err := filepath.Rel(p.root, dir); err == nil {
			dirs = append(dirs, filepath.Join(p.configured, rel))
		}
	}
	for _, goVer := range []string{p.goVer, p.toolchainGo} {
		for _, d := range dirs {
			if goVer != "" {
				id := ModuleIndexID(goVer, d)
				build.Remove(filepath.Join(p.gocache, id[:2], id+"-a"))
			}
		}
	}
}

// toolchainGo is the Go version of a golang.org/toolchain version
// ("v0.0.1-go1.23.4.linux-amd64" -> "go1.23.4"), or "".
func toolchainGo(v string) string {
	rest, ok := strings.CutPrefix(v, "v0.0.1-")
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(rest, '.'); i > 0 {
		return rest[:i]
	}
	return ""
}

// ModuleIndexID is the GOCACHE action ID of the module index of dir, for
// the go command of version goVersion.
func ModuleIndexID(goVersion, dir string) string {
	salt := goVersion
	if i := strings.Index(salt, " X:"); i >= 0 {
		salt = salt[:i]
	}
	h := sha256.New()
	h.Write([]byte(salt))
	fmt.Fprintf(h, "module index %s go index v2 %s\n", goVersion, dir)
	return hex.EncodeToString(h.Sum(nil))
}

// purgeClone removes a cache/vcs clone under the go command's lock on
// <hash>.lock: the .info first, so that a clone interrupted half-way is
// one the go command no longer trusts, then the clone. The lock stays.
func (p *PurgePlan) purgeClone(it *PurgeItem) (cachescan.Size, error) {
	if len(it.Paths) == 0 {
		return cachescan.Size{}, nil
	}
	root, err := p.mod()
	if err != nil {
		return cachescan.Size{}, err
	}
	base := strings.TrimSuffix(it.Paths[0], ".info")
	unlock, err := root.Lock(base + ".lock")
	if err != nil {
		return cachescan.Size{}, fmt.Errorf("taking the clone's lock: %w", err)
	}
	defer unlock()
	for _, path := range it.Paths { // .info first: cloneItem orders them
		if err := removeTree(root, path); err != nil {
			return cachescan.Size{}, err
		}
	}
	return it.Size, nil
}

// removeFiles removes many independent files or entry directories (build
// cache, checksum-database cache, fuzz cache), going on past failures: it
// reports how many failed and the first error.
func (p *PurgePlan) removeFiles(it *PurgeItem, rootOf func() (*confine.Root, error)) (cachescan.Size, error) {
	root, err := rootOf()
	if err != nil {
		return cachescan.Size{}, err
	}
	var freed cachescan.Size
	var first error
	failed := 0
	for i, path := range it.Paths {
		var err error
		if isKeptFile(root.Path(), path) {
			err = fmt.Errorf("%s is the go command's own: kept", path)
		} else {
			err = removeTree(root, path)
		}
		if err != nil {
			failed++
			if first == nil {
				first = err
			}
			continue
		}
		if len(it.sizes) == len(it.Paths) {
			freed.Add(cachescan.Size{Bytes: it.sizes[i], Files: 1})
			p.bytesDone.Add(it.sizes[i])
			p.pathsDone.Add(1)
		}
	}
	if len(it.sizes) != len(it.Paths) && failed == 0 {
		freed = it.Size
	}
	if failed > 0 {
		if len(it.Paths) == 1 {
			return freed, first
		}
		return freed, fmt.Errorf("%d of %d not removed: %w", failed, len(it.Paths), first)
	}
	return freed, nil
}

// isKeptFile reports the build cache's own files, which a purge keeps.
func isKeptFile(root, path string) bool {
	if filepath.Dir(path) != root {
		return false
	}
	switch filepath.Base(path) {
	case "README", "trim.txt", "testexpire.txt":
		return true
	}
	return false
}

// removeStray removes a leftover file or directory that belongs to no
// module version (a version's temp files go with the version, under its
// lock).
func (p *PurgePlan) removeStray(it *PurgeItem) (cachescan.Size, error) {
	path := it.Paths[0]
	rootOf := p.mod
	if p.gocache != "" && within(p.gocache, path) {
		rootOf = p.build
	}
	root, err := rootOf()
	if err != nil {
		return cachescan.Size{}, err
	}
	if err := removeTree(root, path); err != nil {
		return cachescan.Size{}, err
	}
	return it.Size, nil
}

// expireTests does what go clean -testcache does: under the lock of
// GOCACHE/testexpire.txt, move its time to now unless it is later already.
// go test ignores cached results older than it; it must end in a newline.
func expireTests(root *confine.Root, now time.Time) error {
	f, err := root.Edit(filepath.Join(root.Path(), "testexpire.txt"))
	if err != nil {
		return err
	}
	defer f.Close()
	// A valid value is at most 20 digits and a newline: a bigger file is
	// not one, and is not read whole.
	data, err := io.ReadAll(io.LimitReader(f, 64))
	if err != nil {
		return err
	}
	if t, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil && t >= now.UnixNano() && strings.HasSuffix(string(data), "\n") {
		return nil
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt([]byte(fmt.Sprintf("%d\n", now.UnixNano())), 0); err != nil {
		return err
	}
	return f.Close()
}

// toolchainInUse says why a toolchain version must stay although it is not
// the active one: the go command modscope asked lives there (go env
// GOROOT), or a running program was started from it (Linux /proc).
func toolchainInUse(snap *cachescan.Snapshot, v *cachescan.Version) string {
	if v.Dir == "" {
		return ""
	}
	dirs := []string{v.Dir}
	if real, err := filepath.EvalSymlinks(v.Dir); err == nil && real != v.Dir {
		dirs = append(dirs, real) // /proc and GOROOT give resolved paths
	}
	inside := func(p string) bool {
		for _, d := range dirs {
			if p == d || within(d, p) {
				return true
			}
		}
		return false
	}
	if g := snap.Env.GOROOT; g != "" && inside(g) {
		return "the go command on PATH runs from it (go env GOROOT)"
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return ""
	}
	for _, e := range ents {
		if strings.Trim(e.Name(), "0123456789") != "" {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && inside(exe) {
			return "a running program (pid " + e.Name() + ") was started from it"
		}
	}
	return ""
}
