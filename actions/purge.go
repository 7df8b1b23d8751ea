package actions

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"time"

	"modscope/actions/confine"
	"modscope/cachescan"
)

// ItemKind is what a purge item removes.
type ItemKind string

// The kinds of purge items.
const (
	// ItemVersion is a module version's tree and download files.
	ItemVersion ItemKind = "version"
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
	Kind    ItemKind `json:"kind"`
	Module  string   `json:"module,omitempty"`
	Version string   `json:"version,omitempty"`
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

	ver  *cachescan.Version
	tree bool // a version's tree goes, wherever it is when the plan runs
	list bool // a version's .mod goes: rewrite list
	// keepSince: a build-cache entry whose mtime is not before it when
	// the plan runs was used since the plan was made (trim): it stays.
	keepSince time.Time
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
	Kind    ItemKind `json:"kind"`
	Module  string   `json:"module,omitempty"`
	Version string   `json:"version,omitempty"`
	Label   string   `json:"label"`
	Removed bool     `json:"removed"`
	// Freed is what went, measured: the disk blocks, sizes and files of
	// each entry unlinked, by an lstat just before it went (not the plan's
	// figure: a file added or removed since planning counts as it was).
	// With an error, what went before it. The module-index entries a
	// version's removal drops from GOCACHE are not counted.
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
// Run runs, within an item too: the bytes move with every file unlinked
// (one toolchain version is a 300 MiB tree), the paths with every planned
// path done (a build-cache item can hold 100,000 entries). The bytes are
// measured as they go (see PurgeResult.Freed), so they can end above or
// below Size when the disk changed after planning. Safe from any
// goroutine.
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
			// Bytes count as each entry is unlinked, within an item too
			// (a 300 MiB toolchain tree is one item); paths as each
			// planned path is done.
			r.Freed, err = p.runItem(it)
			if !it.perPath() {
				p.pathsDone.Add(int64(len(it.Paths)))
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

// perPath reports whether an item's paths count in Progress one at a
// time as they go (removeFiles), rather than when the item is done.
func (it *PurgeItem) perPath() bool {
	switch it.Kind {
	case ItemSumDB, ItemBuild, ItemFuzz:
		return true
	}
	return false
}

// meter returns the function a removal calls with each entry it unlinks:
// it adds the entry to freed and to the plan's byte progress.
func (p *PurgePlan) meter(freed *cachescan.Size) func(confine.Freed) {
	return func(f confine.Freed) {
		freed.Add(cachescan.Size{Bytes: f.Bytes, ApparentBytes: f.ApparentBytes, Files: f.Files})
		p.bytesDone.Add(f.Bytes)
	}
}
