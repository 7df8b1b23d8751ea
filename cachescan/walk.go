package cachescan

import (
	"context"
	"io/fs"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// dirEntry is one directory entry with the fields of its lstat that the scan
// uses. Every file is stat'ed exactly once, when its directory is read.
type dirEntry struct {
	name   string
	mode   fs.FileMode
	size   int64
	blocks int64 // bytes allocated on disk
	mtime  int64 // Unix nanoseconds
	ctime  int64 // Unix nanoseconds, 0 where the system does not say
	dev    uint64
	ino    uint64
	nlink  uint64
}

func (e *dirEntry) isDir() bool     { return e.mode.IsDir() }
func (e *dirEntry) isRegular() bool { return e.mode.IsRegular() }

// Progress is a point-in-time copy of a running scan's counters.
type Progress struct {
	Dirs  int64 `json:"dirs"`
	Files int64 `json:"files"`
	Bytes int64 `json:"bytes"`
	// Done is set once the scan has finished or been cancelled.
	Done bool `json:"done"`
}

// counters are updated by the walkers and read by Progress at any time.
type counters struct {
	dirs, files, bytes atomic.Int64
	done               atomic.Bool
}

// acc sums the sizes of a subtree that several goroutines walk.
type acc struct {
	bytes, apparent, files atomic.Int64
}

func (a *acc) add(s Size) {
	a.bytes.Add(s.Bytes)
	a.apparent.Add(s.ApparentBytes)
	a.files.Add(s.Files)
}

func (a *acc) size() Size {
	return Size{Bytes: a.bytes.Load(), ApparentBytes: a.apparent.Load(), Files: a.files.Load()}
}

// uniformBlock is the block size of Options.UniformSizes: ext4's.
const uniformBlock = 4096

// walker runs directory jobs on a bounded set of goroutines. When all are
// busy a job runs inline in the goroutine that found it, so producers never
// wait on a queue and the walk cannot deadlock.
type walker struct {
	ctx  context.Context
	sem  chan struct{}
	wg   sync.WaitGroup
	prog *counters
	// uniform: Options.UniformSizes.
	uniform bool

	// held counts the directories kept open for relative opens.
	held atomic.Int32

	mu    sync.Mutex
	links map[[2]uint64]struct{}
	errs  []ScanError
}

func newWalker(ctx context.Context, workers int, prog *counters) *walker {
	if workers <= 0 {
		// Directory reads block in the kernel; a few more goroutines than
		// cores keep every core busy.
		workers = 4 * runtime.GOMAXPROCS(0)
	}
	workers = min(workers, MaxWorkers)
	return &walker{ctx: ctx, sem: make(chan struct{}, workers), prog: prog, links: map[[2]uint64]struct{}{}}
}

// spawn runs job on a free goroutine, or inline when none is free.
func (w *walker) spawn(job func()) {
	if w.ctx.Err() != nil {
		return
	}
	select {
	case w.sem <- struct{}{}:
		w.wg.Add(1)
		go func() {
			defer func() { <-w.sem; w.wg.Done() }()
			job()
		}()
	default:
		job()
	}
}

func (w *walker) wait() { w.wg.Wait() }

// readDir lists a directory with the lstat of every entry (scanDir's,
// each name copied).
func readDir(dir string) ([]dirEntry, error) {
	var ents []dirEntry
	err := scanDir(dir, func(e *dirEntry) {
		c := *e
		c.name = strings.Clone(e.name)
		ents = append(ents, c)
	})
	if err != nil {
		return nil, err
	}
	return ents, nil
}

// list reads a directory and counts it in the progress; on failure it
// records the error and returns nil.
func (w *walker) list(dir string) []dirEntry {
	if w.ctx.Err() != nil {
		return nil
	}
	ents, err := readDir(dir)
	if err != nil {
		w.fail(dir, err)
		return nil
	}
	w.prog.dirs.Add(1)
	return ents
}

func (w *walker) fail(path string, err error) {
	if pe, ok := err.(*fs.PathError); ok {
		err = pe.Err
	}
	w.mu.Lock()
	w.errs = append(w.errs, ScanError{Path: path, Err: err.Error()})
	w.mu.Unlock()
}

// sizeOf is what an entry adds to a total: a hard-linked file counts once.
func (w *walker) sizeOf(e *dirEntry) Size {
	s := Size{Bytes: e.blocks, ApparentBytes: e.size}
	if w.uniform {
		s.Bytes = (e.size + uniformBlock - 1) / uniformBlock * uniformBlock
		if e.isDir() {
			s.Bytes, s.ApparentBytes = uniformBlock, uniformBlock
		}
	}
	if !e.isDir() {
		s.Files = 1
		if e.nlink > 1 {
			key := [2]uint64{e.dev, e.ino}
			w.mu.Lock()
			_, seen := w.links[key]
			w.links[key] = struct{}{}
			w.mu.Unlock()
			if seen {
				s.Bytes, s.ApparentBytes = 0, 0
			}
		}
	}
	return s
}

// count adds entries to the progress counters and returns their total.
func (w *walker) count(ents []dirEntry) Size {
	var total Size
	for i := range ents {
		total.Add(w.sizeOf(&ents[i]))
	}
	w.prog.files.Add(total.Files)
	w.prog.bytes.Add(total.Bytes)
	return total
}

// treeBudget is how many directories one goroutine reads of a tree before
// it hands the subdirectories it finds next to other goroutines. A module
// version's tree (tens of directories) is then one job, walked depth-first
// without a hand-off per directory, while a large tree (a VCS clone, a
// huge module) still spreads over every core.
const treeBudget = 256

// tree adds everything below dir to a. Symlinks are counted, never
// followed.
func (w *walker) tree(dir string, a *acc) {
	t := treeJob{w: w, a: a, left: treeBudget}
	t.walk(dir)
	a.add(t.size)
}

// treeRecorded is tree for an extracted module tree whose directories are
// recorded for the scan index in rec; cutoff: index.go's.
func (w *walker) treeRecorded(dir string, a *acc, rec *treeRecorder, cutoff int64) {
	t := treeJob{w: w, a: a, left: treeBudget, rec: rec, root: dir, cutoff: cutoff}
	t.walk(dir)
	a.add(t.size)
	rec.size.add(t.size)
}

// treeSync is tree without handing anything to another goroutine, for the
// rare subtree whose size is needed as soon as the call returns.
func (w *walker) treeSync(dir string, a *acc) {
	t := treeJob{w: w, a: a, left: math.MaxInt, sync: true}
	t.walk(dir)
	a.add(t.size)
}

// treeJob is one goroutine's depth-first walk of a subtree.
type treeJob struct {
	w    *walker
	a    *acc // where the subtrees handed off add their sizes
	left int  // directories to read before handing subdirectories off
	sync bool // never hand off
	size Size
	// stack holds the subdirectories still to walk, the deepest last.
	stack []string
	// rec, when set, records the directories of the tree at root.
	rec    *treeRecorder
	root   string
	cutoff int64
}

// maxHeldDirs bounds the directories all walkers together keep open for
// their subdirectories' relative opens: past it a directory is closed
// before its subdirectories are walked, and they are opened by their whole
// path (a hostile tree can be thousands deep, and a walker per core four
// times over must not run out of descriptors).
const maxHeldDirs = 128

// hold takes one of the maxHeldDirs open directories, if one is left;
// release closes it and gives it back.
func (w *walker) hold() bool {
	if w.held.Add(1) <= maxHeldDirs {
		return true
	}
	w.held.Add(-1)
	return false
}

func (w *walker) release(d dirHandle) {
	d.close()
	w.held.Add(-1)
}

func (t *treeJob) walk(dir string) { t.walkAt(noDir, "", dir) }

// walkAt walks dir, opened as name in parent (or by its path when parent
// is noDir).
func (t *treeJob) walkAt(parent dirHandle, name, dir string) {
	w := t.w
	if w.ctx.Err() != nil {
		return
	}
	start := len(t.stack)
	var size Size
	d, err := openDir(parent, name, dir)
	if err == nil {
		err = d.list(dir, func(e *dirEntry) {
			size.Add(w.sizeOf(e))
			if e.isDir() {
				sub := dir + string(filepath.Separator) + e.name
				t.stack = append(t.stack, sub)
				if t.rec != nil {
					t.rec.add(filepath.ToSlash(sub[len(t.root)+1:]), e, t.cutoff)
				}
			} else if e.nlink > 1 && t.rec != nil {
				// Counted once in the whole scan: the count depends on
				// what else is walked.
				t.rec.spoil()
			}
		})
		if err == nil && len(t.stack) > start && w.hold() {
			defer w.release(d)
		} else {
			// Its subdirectories, if any, are opened by their paths.
			d.close()
			d = noDir
		}
	}
	if err != nil {
		// As if the directory had been empty: what it holds is unknown.
		t.stack = t.stack[:start]
		w.fail(dir, err)
		if t.rec != nil {
			t.rec.spoil()
		}
		return
	}
	w.prog.dirs.Add(1)
	w.prog.files.Add(size.Files)
	w.prog.bytes.Add(size.Bytes)
	t.size.Add(size)
	t.left--
	end := len(t.stack)
	for i := start; i < end; i++ {
		sub := t.stack[i]
		if t.left > 0 || t.sync {
			t.walkAt(d, sub[len(dir)+1:], sub)
			continue
		}
		a, rec, root, cutoff := t.a, t.rec, t.root, t.cutoff
		w.spawn(func() {
			j := treeJob{w: w, a: a, left: treeBudget, rec: rec, root: root, cutoff: cutoff}
			j.walk(sub)
			a.add(j.size)
			if rec != nil {
				rec.size.add(j.size)
			}
		})
	}
	t.stack = t.stack[:start]
}
