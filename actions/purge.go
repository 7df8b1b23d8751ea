package actions

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rogpeppe/go-internal/lockedfile"

	"modscope/cachescan"
)

// PurgeItem is one module version a purge removes.
type PurgeItem struct {
	Module  string `json:"module"`
	Version string `json:"version"`
	// Paths are what goes: the extracted tree, the zip, the ziphash, temp
	// files, and with Metadata the .mod and .info.
	Paths []string       `json:"paths"`
	Size  cachescan.Size `json:"size"`
	// Warnings: the project needs it, it is the active toolchain, ...
	Warnings []string `json:"warnings,omitempty"`
	// Refused says why it will not be removed at all.
	Refused string `json:"refused,omitempty"`

	ver *cachescan.Version
}

// PurgePlan is what a purge would do; nothing is removed until Execute.
type PurgePlan struct {
	Items    []*PurgeItem   `json:"items"`
	Size     cachescan.Size `json:"size"`
	Metadata bool           `json:"metadata"`
	root     string
	gocache  string
	goVer    string
}

// PlanPurge selects the versions the patterns name ("path", "path/...",
// "path@version", globs as in GOPRIVATE) and lists what removing each
// would free. With metadata, .mod and .info go too (the next build that
// loads the module graph then needs the network).
func PlanPurge(snap *cachescan.Snapshot, patterns []string, metadata bool) (*PurgePlan, error) {
	if len(patterns) == 0 {
		return nil, errors.New("nothing to purge: name targets like path@version, path or path/... as arguments")
	}
	plan := &PurgePlan{Metadata: metadata, root: snap.ModCache.Root, gocache: snap.BuildCache.Root, goVer: snap.Env.GOVERSION}
	needed := map[string]bool{}
	if pr := snap.Project; pr != nil {
		for _, r := range pr.Requires {
			needed[r.Path+"@"+r.Version] = true
		}
	}
	for _, m := range snap.ModCache.Modules {
		for _, v := range m.Versions {
			if !Match(patterns, m.Path, v.Version) {
				continue
			}
			it := &PurgeItem{Module: m.Path, Version: v.Version, ver: v}
			switch {
			case v.Active:
				it.Refused = "the active toolchain: the go command running now lives there"
			case v.State == "invalid":
				it.Refused = "not a name the go command wrote: remove it by hand"
			}
			if v.HasDir {
				it.Paths = append(it.Paths, v.Dir)
				it.Size.Add(v.Tree)
			}
			for _, f := range v.Files {
				keep := strings.HasSuffix(f.Name, ".lock") || strings.HasSuffix(f.Name, ".partial") ||
					(!metadata && (strings.HasSuffix(f.Name, ".mod") || strings.HasSuffix(f.Name, ".info") ||
						strings.HasPrefix(f.Name, v.EscapedVersion+".mod") || strings.HasPrefix(f.Name, v.EscapedVersion+".info")))
				if keep {
					continue
				}
				it.Paths = append(it.Paths, filepath.Join(v.DownloadDir, f.Name))
				it.Size.Add(cachescan.Size{Bytes: f.Bytes, ApparentBytes: f.ApparentBytes, Files: 1})
			}
			if needed[m.Path+"@"+v.Version] {
				it.Warnings = append(it.Warnings, "the project requires it: its next build downloads it again (needs the network)")
			}
			if metadata && v.HasMod {
				it.Warnings = append(it.Warnings, "its .mod goes too: loading the module graph needs the network again")
			}
			if it.Refused == "" {
				plan.Size.Add(it.Size)
			}
			plan.Items = append(plan.Items, it)
		}
	}
	if len(plan.Items) == 0 {
		return nil, fmt.Errorf("no cached version matches %s", strings.Join(patterns, " "))
	}
	return plan, nil
}

// PurgeResult is what happened to one item.
type PurgeResult struct {
	Module  string `json:"module"`
	Version string `json:"version"`
	Removed bool   `json:"removed"`
	Err     string `json:"error,omitempty"`
}

// Execute removes the plan's versions one at a time, each under the go
// command's own lock on its .lock file, in the order that keeps the cache
// one the go command repairs or ignores if this is killed at any instant:
// .partial first (the tree is untrusted from then on), the tree (made
// writable first, as go clean -modcache does), zip and temp files, the
// ziphash, .mod/.info if asked, list rewritten, .partial last. Lock files
// are never removed. The module index entry of a removed tree is dropped
// from GOCACHE so that builds do not keep the stale index. An item that
// fails is reported and the rest goes on.
func (p *PurgePlan) Execute() []PurgeResult {
	var out []PurgeResult
	for _, it := range p.Items {
		r := PurgeResult{Module: it.Module, Version: it.Version}
		if it.Refused != "" {
			r.Err = "refused: " + it.Refused
		} else if err := p.purgeOne(it); err != nil {
			r.Err = err.Error()
		} else {
			r.Removed = true
		}
		out = append(out, r)
	}
	return out
}

// killAt, in tests, stops a purge after the named step as a kill would:
// no cleanup, the lock released (the kernel releases a dead process's).
var killAt func(step string) bool

var errKilled = errors.New("killed (test)")

func stop(step string) bool { return killAt != nil && killAt(step) }

func (p *PurgePlan) purgeOne(it *PurgeItem) error {
	v := it.ver
	for _, path := range it.Paths {
		if !within(p.root, path) {
			return fmt.Errorf("%s is outside the module cache %s", path, p.root)
		}
	}
	if err := os.MkdirAll(v.DownloadDir, 0o777); err != nil {
		return err
	}
	base := filepath.Join(v.DownloadDir, v.EscapedVersion)
	unlock, err := lockedfile.MutexAt(base + ".lock").Lock()
	if err != nil {
		return fmt.Errorf("taking the version's lock: %w", err)
	}
	defer unlock()
	if err := os.WriteFile(base+".partial", nil, 0o666); err != nil {
		return fmt.Errorf("marking the tree untrusted: %w", err)
	}
	if stop("partial") {
		return errKilled
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
	paths := append([]string(nil), it.Paths...)
	sort.SliceStable(paths, func(i, j int) bool { return order(paths[i]) < order(paths[j]) })
	for _, path := range paths {
		if path == v.Dir {
			if err := removeTree(path); err != nil {
				return err // .partial stays: the go command re-extracts
			}
			if stop("tree") {
				return errKilled
			}
			p.dropModuleIndex(path)
			continue
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if stop(filepath.Base(path)) {
			return errKilled
		}
	}
	if p.Metadata {
		if err := rewriteList(v.DownloadDir); err != nil {
			return fmt.Errorf("rewriting list: %w", err)
		}
		if stop("list") {
			return errKilled
		}
	}
	return os.Remove(base + ".partial")
}

// within reports whether path is root or below it, without following
// symlinks: the path is cleaned lexically and the tree walk never follows.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// removeTree makes every directory writable (module trees are read-only)
// and removes the tree. Symlinks are removed, never followed.
func removeTree(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return os.Remove(dir)
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(path, 0o777)
		}
		return nil
	})
	if stop("writable") {
		return errKilled
	}
	if killAt != nil {
		// Half the tree, as a kill in the middle of RemoveAll leaves it.
		ents, _ := os.ReadDir(dir)
		for _, e := range ents[:len(ents)/2] {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
		if stop("half-tree") {
			return errKilled
		}
	}
	return os.RemoveAll(dir)
}

// rewriteList writes list as the go command does (rewriteVersionList):
// under a lock on list itself, the escaped canonical versions with a .mod.
func rewriteList(dl string) error {
	content, err := cachescan.ListContent(dl)
	if err != nil {
		return err
	}
	f, err := lockedfile.Edit(filepath.Join(dl, "list"))
	if err != nil {
		return err
	}
	defer f.Close()
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
	if p.gocache == "" || p.goVer == "" {
		return
	}
	id := ModuleIndexID(p.goVer, dir)
	os.Remove(filepath.Join(p.gocache, id[:2], id+"-a"))
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

// RunningGo lists running go, gopls and test processes (Linux /proc): a
// build that already resolved a tree reads it without any lock, so
// removing it under that build breaks the build.
func RunningGo() []string {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []string
	self := fmt.Sprint(os.Getpid())
	for _, e := range ents {
		if e.Name() == self || strings.Trim(e.Name(), "0123456789") != "" {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil {
			continue
		}
		name := strings.TrimSpace(string(comm))
		if name == "go" || name == "gopls" || strings.HasSuffix(name, ".test") {
			out = append(out, name+" (pid "+e.Name()+")")
		}
	}
	return out
}
