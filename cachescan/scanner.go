package cachescan

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"time"
)

// Options says what to scan. Empty roots are skipped.
type Options struct {
	Env Env
	// ModCache and BuildCache are the cache roots; they must be absolute.
	ModCache   string
	BuildCache string
	// ProjectDir is the directory holding the project's go.mod or go.work.
	ProjectDir string
	// Workers bounds the goroutines reading directories; 0 picks a default
	// (4 x GOMAXPROCS), and no more than MaxWorkers run.
	Workers int
	// SkipZipCheck leaves x/mod/zip's structural check of every zip (the
	// zip-corrupt kind) to a verify that follows and opens the zips anyway.
	SkipZipCheck bool
	// Clock is what ages are measured from; nil is the system's clock. The
	// snapshot keeps it for the plans and verifies made from it.
	Clock Clock
	// UniformSizes counts every file as its length rounded up to whole
	// 4 KiB blocks, and every directory as one such block long, instead of
	// what the file system says: ext4, tmpfs, btrfs and overlayfs allocate
	// blocks, and give directories lengths, each their own way. It is for
	// figures that must be the same on every machine, such as golden
	// files; a real scan leaves it off.
	UniformSizes bool
	// Index is the file of the scan index (index.go), "" for none: the
	// records of the last scan of these roots, reused where the module
	// cache has not changed since, and rewritten at the end of the scan.
	// DefaultIndexPath names the usual place.
	Index string
	// NoIndex scans everything again, trusting nothing of the index, and
	// writes a fresh one (scan --rescan).
	NoIndex bool
}

// MaxWorkers is the most goroutines a scan reads directories with:
// directory reads are bound by the disk long before.
const MaxWorkers = 256

// Scanner runs one scan and exposes its progress while it runs.
type Scanner struct {
	prog counters
	// hits counts what the last Scan took from the scan index, for the
	// tests; the index itself is dropped with the scan (its records share
	// the bytes of its file, which a long TUI session would keep alive).
	hits indexHits
}

type indexHits struct{ trees, files, listings int64 }

// NewScanner returns a scanner ready to Scan.
func NewScanner() *Scanner { return &Scanner{} }

// Progress returns the scan's counters; it is safe to call from any
// goroutine while Scan runs.
func (s *Scanner) Progress() Progress {
	return Progress{
		Dirs:  s.prog.dirs.Load(),
		Files: s.prog.files.Load(),
		Bytes: s.prog.bytes.Load(),
		Done:  s.prog.done.Load(),
	}
}

// ErrNotDir is returned when a cache root exists but is not a directory.
var ErrNotDir = errors.New("not a directory")

// Scan reads both caches and the project into a Snapshot. It hashes nothing
// and changes nothing on disk. A cache root that does not exist yet gives an
// empty, Exists=false part; one that is not a directory is an error. On
// cancellation it returns ctx.Err().
func (s *Scanner) Scan(ctx context.Context, opt Options) (*Snapshot, error) {
	start := time.Now() // for the duration only: a stopped clock does not tell it
	s.hits = indexHits{}
	defer s.prog.done.Store(true)
	now := opt.Clock.Now()
	snap := &Snapshot{Env: opt.Env, ScannedAt: now, Clock: opt.Clock, Problems: []Problem{}}
	snap.ModCache = ModCache{Root: opt.ModCache, Modules: []*Module{}}
	snap.BuildCache = BuildCache{Root: opt.BuildCache, CacheProg: opt.Env.GOCACHEPROG}
	snap.ModCache.VCS.Clones = []VCSClone{}

	modRoot, modExists, err := checkRoot("GOMODCACHE", opt.ModCache)
	if err != nil {
		return nil, err
	}
	buildRoot, buildExists, err := checkRoot("GOCACHE", opt.BuildCache)
	if err != nil {
		return nil, err
	}
	snap.ModCache.Exists, snap.BuildCache.Exists = modExists, buildExists
	// Every path in the snapshot starts at the resolved root, so that the
	// roots and the paths under them agree when a root is a symlink.
	if modRoot != "" {
		if modRoot != opt.ModCache {
			snap.ModCache.ConfiguredRoot = opt.ModCache
		}
		snap.ModCache.Root = modRoot
		snap.ModCache.VCS.Root = filepath.Join(modRoot, "cache", "vcs")
		snap.ModCache.SumDB.Root = filepath.Join(modRoot, "cache", "download", "sumdb")
	}
	if buildRoot != "" {
		snap.BuildCache.Root = buildRoot
	}

	w := newWalker(ctx, opt.Workers, &s.prog)
	w.uniform = opt.UniformSizes
	var ms *modScan
	var bs *buildScan
	var idx *scanIndex
	if modExists && opt.Index != "" {
		idx = openIndex(opt.Index, modRoot, buildRoot, opt.UniformSizes, opt.NoIndex, start)
	}
	if modExists {
		ms = newModScan(modRoot, w, now)
		ms.skipZipCheck = opt.SkipZipCheck
		ms.idx = idx
		ms.start()
	}
	if buildExists {
		bs = newBuildScan(buildRoot, w, now)
		bs.start()
	}
	// The project is small: read it while the walkers run.
	if opt.ProjectDir != "" {
		snap.Project = loadProject(opt.ProjectDir)
	}
	w.wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	active := activeToolchain(opt.Env, snap.Project)
	snap.ModCache.ActiveToolchain = active
	if ms != nil {
		snap.Problems = append(snap.Problems, ms.assemble(&snap.ModCache, active)...)
	}
	if bs != nil {
		snap.Problems = append(snap.Problems, bs.assemble(&snap.BuildCache)...)
	}
	if len(snap.BuildCache.ByAge) == 0 {
		for _, l := range ageLimits {
			snap.BuildCache.ByAge = append(snap.BuildCache.ByAge, AgeBucket{Label: l.label, MaxAgeHours: l.hours})
		}
	}
	if snap.Project != nil {
		snap.Project.link(&snap.ModCache)
		snap.Problems = append(snap.Problems, snap.Project.pathMismatches(&snap.ModCache)...)
	}
	sort.Slice(w.errs, func(i, j int) bool { return w.errs[i].Path < w.errs[j].Path })
	snap.Errors = w.errs
	for _, e := range w.errs {
		p := newProblem(KindUnreadable, "", "", e.Path, e.Err)
		p.Fix = "ls -ld " + ShellQuote(e.Path) + "  (check its owner and permissions, or run modscope as the cache's owner)"
		snap.Problems = append(snap.Problems, p)
	}
	SortProblems(snap.Problems)
	snap.ModCache.fillRaw()
	snap.BuildCache.RootRaw = RawBytes(snap.BuildCache.Root)
	if idx != nil {
		idx.save()
		s.hits = indexHits{idx.treeHits.Load(), idx.fileHits.Load(), idx.listHits.Load()}
	}
	snap.DurationMS = time.Since(start).Milliseconds()
	return snap, nil
}

// checkRoot reports whether a cache root exists and returns the directory
// to walk. A relative root, or one that is not a directory, is an error (the
// go command rejects both). A root that is itself a symlink (a cache moved to
// another disk on purpose) is resolved once; nothing below it is followed.
func checkRoot(name, root string) (string, bool, error) {
	if root == "" {
		return "", false, nil
	}
	if !filepath.IsAbs(root) {
		return "", false, fmt.Errorf("%s is not an absolute path: %q", name, root)
	}
	e, err := lstatEntry(root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return root, false, nil
		}
		return "", false, fmt.Errorf("%s: %w", name, err)
	}
	if e.mode&fs.ModeSymlink != 0 {
		real, err := filepath.EvalSymlinks(root)
		if err != nil {
			return "", false, fmt.Errorf("%s %s: %w", name, root, err)
		}
		if e, err = lstatEntry(real); err != nil {
			return "", false, fmt.Errorf("%s: %w", name, err)
		}
		root = real
	}
	if !e.isDir() {
		return "", false, fmt.Errorf("%s %s: %w", name, root, ErrNotDir)
	}
	return root, true, nil
}
