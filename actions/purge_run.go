package actions

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"modscope/actions/confine"
	"modscope/cachescan"
)

// runItem removes one item and returns what it freed, as measured while
// each entry went (see PurgeResult.Freed).
func (p *PurgePlan) runItem(it *PurgeItem) (cachescan.Size, error) {
	var freed cachescan.Size
	gone := p.meter(&freed)
	switch it.Kind {
	case ItemVersion:
		return freed, p.purgeOne(it, gone)
	case ItemList:
		return freed, p.rewriteList(it)
	case ItemVCS:
		return freed, p.purgeClone(it, gone)
	case ItemSumDB:
		return freed, p.removeFiles(it, p.mod, gone)
	case ItemBuild, ItemFuzz:
		return freed, p.removeFiles(it, p.build, gone)
	case ItemFile:
		return freed, p.removeStray(it, gone)
	case ItemTestCache:
		return freed, p.expireTests()
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

// purgeOne removes a module version under its lock, in the order of Run's
// doc; gone is told of every entry unlinked.
func (p *PurgePlan) purgeOne(it *PurgeItem, gone func(confine.Freed)) error {
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
			if err := removeTree(root, path, gone); err != nil {
				return err // .partial stays: the go command re-extracts
			}
			// Again: a build may have indexed the half-removed tree.
			p.dropModuleIndex(v.Dir)
			if stop("tree") {
				return errKilled
			}
			continue
		}
		f, err := root.RemoveMeasured(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		gone(f)
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

// purgeClone removes a cache/vcs clone under the go command's lock on
// <hash>.lock: the .info first, so that a clone interrupted half-way is
// one the go command no longer trusts, then the clone. The lock stays.
func (p *PurgePlan) purgeClone(it *PurgeItem, gone func(confine.Freed)) error {
	if len(it.Paths) == 0 {
		return nil
	}
	root, err := p.mod()
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(it.Paths[0], ".info")
	unlock, err := root.Lock(base + ".lock")
	if err != nil {
		return fmt.Errorf("taking the clone's lock: %w", err)
	}
	defer unlock()
	for _, path := range it.Paths { // .info first: cloneItem orders them
		if err := removeTree(root, path, gone); err != nil {
			return err
		}
	}
	return nil
}

// removeFiles removes many independent files or entry directories (build
// cache, checksum-database cache, fuzz cache), going on past failures: it
// reports how many failed and the first error.
func (p *PurgePlan) removeFiles(it *PurgeItem, rootOf func() (*confine.Root, error), gone func(confine.Freed)) error {
	root, err := rootOf()
	if err != nil {
		return err
	}
	var first error
	failed := 0
	for _, path := range it.Paths {
		var err error
		if isKeptFile(root.Path(), path) {
			err = fmt.Errorf("%s is the go command's own: kept", path)
		} else if usedSince(it.keepSince, path) {
			p.pathsDone.Add(1)
			continue // a build used it while the question was asked
		} else {
			err = removeTree(root, path, gone)
		}
		if err != nil {
			failed++
			if first == nil {
				first = err
			}
			continue
		}
		p.pathsDone.Add(1)
		if stop("entry") {
			return errKilled
		}
	}
	if failed > 0 {
		if len(it.Paths) == 1 {
			return first
		}
		return fmt.Errorf("%d of %d not removed: %w", failed, len(it.Paths), first)
	}
	return nil
}

// usedSince reports whether a build-cache entry's mtime, read now, is not
// before since (never when since is zero): a go command used it after the
// plan was made.
func usedSince(since time.Time, path string) bool {
	if since.IsZero() {
		return false
	}
	fi, err := os.Lstat(path)
	return err == nil && !fi.ModTime().Before(since)
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
func (p *PurgePlan) removeStray(it *PurgeItem, gone func(confine.Freed)) error {
	path := it.Paths[0]
	rootOf := p.mod
	if p.gocache != "" && within(p.gocache, path) {
		rootOf = p.build
	}
	root, err := rootOf()
	if err != nil {
		return err
	}
	return removeTree(root, path, gone)
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

// rewriteList rewrites a module's list file (a stale one).
func (p *PurgePlan) rewriteList(it *PurgeItem) error {
	root, err := p.mod()
	if err != nil {
		return err
	}
	return rewriteList(root, filepath.Dir(it.Paths[0]))
}

// expireTests expires the cached test results, by the snapshot's clock.
func (p *PurgePlan) expireTests() error {
	root, err := p.build()
	if err != nil {
		return err
	}
	var clock cachescan.Clock
	if p.snap != nil {
		clock = p.snap.Clock
	}
	return expireTests(root, clock.Now())
}
