package cachescan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The scan index lets a scan reuse what the previous one learnt about the
// parts of a module cache that have not changed. It holds three kinds of
// records, each keyed on a path relative to GOMODCACHE:
//
//   - An extracted module tree (<path>@<version>/): the identity and times
//     (device, inode, mtime, ctime, size) of every directory in it, and
//     the size of everything below it. A later scan lstats those
//     directories (one call each, no open, no getdents, no stat of any
//     file) and trusts the recorded size only while every one of them is
//     unchanged; otherwise it walks the tree again.
//   - A download directory (cache/download/<path>/@v): its own identity
//     and times and its entries with their lstat fields. While the
//     directory's key, as its parent lists it, is unchanged, a later scan
//     takes the entries from the record: no open, no getdents, no stat of
//     any file, and no read of list. A record is kept only of a directory
//     where every check was clean and nothing is being written: no
//     .partial (a download grows it in place), no temp file, nothing but
//     regular files, none of them hard-linked.
//   - A clean content check of one download file (.info, .mod, .ziphash,
//     .zip): the file's own identity and times and what the check found.
//     It is reused for that very file, unchanged, when its directory is
//     listed again (a version added next to it).
//
// What a kept record can miss. A directory's mtime and ctime change when
// an entry is added to it, removed from it or renamed in it, or when the
// directory itself is chmod'ed; they do not change when a file in it is
// written, truncated, chmod'ed, or hard-linked from elsewhere. So a kept
// record can miss an in-place change of an existing file: new contents, a
// new length, new mode bits, a new link count.
//
// In a module tree the go command never does that: it extracts a module
// into a temporary directory, renames it into place and makes it
// read-only (files 0444, directories 0555); editing a file there means
// making it writable first, which changes the file's ctime but not its
// directory's. The size figures of such a tree are then those of the last
// full walk, and the scan's own findings are the same (the scan reads no
// file of a tree).
//
// In a download directory the go command's own writes always show. It
// writes .info, .mod and .zip to a temporary file renamed into place; it
// rewrites list in place only right after renaming a .mod in, and writes
// a .ziphash in place only right before renaming its .zip in (or when it
// is new); a .partial is never kept. What is missed is a change by
// something else: a file edited or truncated by hand, or one a crash left
// shorter than the scan saw it. The scan with the index shows that file's
// old size and its old, clean check until the directory changes.
//
// Verify covers both: its scan never uses the index (every download file
// is listed, statted and checked again), and it hashes every file of a
// tree and compares the hash with the zip's (dir-modified); `modscope scan --rescan`
// (and the TUI's ctrl+r) reads everything again and rewrites the index.
//
// What is never trusted: a directory or file whose mtime or ctime is less
// than indexMargin before the scan began (a change within the same clock
// tick of the file system would leave its times as they were); a tree
// with a directory on another device, with a hard-linked file, or with a
// directory the walk could not read; a check that found a problem (it is
// made again next time), and the download directory that holds it; and
// the index as a whole when it is not this version's, not written by this
// build (checksID: another build's checks may differ), not for these
// roots or these size rules, not the current user's, larger than
// MaxIndexSize, or fails its checksum (corrupt or truncated): it is then
// ignored and replaced.

// MaxIndexSize bounds the scan index on disk and in memory; a larger index
// is neither read nor written.
const MaxIndexSize = 128 << 20

// maxIndexSize is MaxIndexSize, lowered by tests.
var maxIndexSize = MaxIndexSize

// indexMagic and indexVersion start every index file.
const (
	indexMagic   = "modscope scan index\n"
	indexVersion = 3
)

// indexMargin is how old a directory's or file's times must be, at the
// start of the scan, for a record of it to be kept: file-system times are
// taken from a clock that ticks every few milliseconds (every second or
// two on some file systems), so two changes within one tick look alike.
var indexMargin = 2 * time.Second

// DefaultIndexPath is where the scan index of these cache roots is kept:
// a file under os.UserCacheDir()/modscope named after the roots, or "" when
// there is no user cache directory. MODSCOPE_SCAN_INDEX overrides it: a
// file path, or "off" for none.
func DefaultIndexPath(modCache, buildCache string) string {
	if p := os.Getenv("MODSCOPE_SCAN_INDEX"); p != "" {
		if p == "off" {
			return ""
		}
		return p
	}
	dir, err := os.UserCacheDir()
	if err != nil || dir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(modCache + "\x00" + buildCache))
	return filepath.Join(dir, "modscope", "scan-index-"+hex.EncodeToString(sum[:8]))
}

// statKey is the identity and times of a directory or file.
type statKey struct {
	dev, ino           uint64
	size, mtime, ctime int64
}

func keyOf(e *dirEntry) statKey {
	return statKey{dev: e.dev, ino: e.ino, size: e.size, mtime: e.mtime, ctime: e.ctime}
}

// treeDir is one directory of a recorded tree; rel is "" for its root.
type treeDir struct {
	rel string
	key statKey
}

// treeRec is what the index keeps of one extracted module tree. A record
// read from the index keeps its directories as encoded (raw, ndirs of
// them), decoded only when the tree is looked at: most of an index is
// these, and a walker decodes each on its own core.
type treeRec struct {
	dirs  []treeDir // a record made by this scan
	raw   []byte
	ndirs int
	size  Size // everything below the root, the root's own entry left out
}

func (t *treeRec) count() int {
	if t.raw != nil {
		return t.ndirs
	}
	return len(t.dirs)
}

// each calls f with the tree's directories, the root first, until f
// returns false; it returns false if it stopped early or the record is
// malformed.
func (t *treeRec) each(f func(d treeDir) bool) bool {
	if t.raw == nil {
		for _, d := range t.dirs {
			if !f(d) {
				return false
			}
		}
		return true
	}
	d := &dec{b: t.raw}
	for i := 0; i < t.ndirs; i++ {
		td := treeDir{rel: d.s(), key: d.key()}
		if d.bad || !f(td) {
			return false
		}
	}
	return len(d.b) == 0
}

// verdict is a clean content check of one download file.
type verdict struct {
	key      statKey
	origin   *Origin
	infoTime string // time.Time's text form; "" for none
	declared string
	zipHash  string
	hit      uint32 // atomic: an old verdict this scan reused
}

// listRec is what the index keeps of one @v directory: its own identity
// and times, and its entries with their lstat fields (raw, n of them, as
// encoded, when read from the index: decoded only when reused).
type listRec struct {
	key  statKey
	ents []dirEntry
	raw  []byte
	n    int
	hit  uint32 // atomic: an old listing this scan reused, still clean
}

// treeRecorder gathers a tree record while the walkers read the tree; the
// tree's walk may be spread over several goroutines.
type treeRecorder struct {
	rel  string
	mu   sync.Mutex
	dirs []treeDir
	size acc
	bad  bool // not to be kept
}

func (r *treeRecorder) add(rel string, e *dirEntry, cutoff int64) {
	r.mu.Lock()
	if e.mtime >= cutoff || e.ctime >= cutoff || len(r.dirs) > 0 && e.dev != r.dirs[0].key.dev {
		r.bad = true
	}
	r.dirs = append(r.dirs, treeDir{rel: rel, key: keyOf(e)})
	r.mu.Unlock()
}

func (r *treeRecorder) spoil() {
	r.mu.Lock()
	r.bad = true
	r.mu.Unlock()
}

// scanIndex is the index of one scan: the records read from disk (read
// only during the scan) and those of this scan, written out at its end.
type scanIndex struct {
	path               string
	modRoot, buildRoot string
	uniform            bool
	cutoff             int64 // Unix ns: times at or after it are too recent
	oldTrees           map[string]*treeRec
	oldVerdicts        map[string]*verdict
	oldListings        map[string]*listRec
	mu                 sync.Mutex
	trees              map[string]*treeRec
	recorders          []*treeRecorder
	verdicts           map[string]*verdict
	listings           map[string]*listRec
	changed            bool
	// treeHits, fileHits and listHits count the records reused.
	treeHits, fileHits, listHits atomic.Int64
}

// openIndex reads the index at path for these roots; with fresh set, or
// when the file is missing or cannot be trusted, it starts empty.
func openIndex(path, modRoot, buildRoot string, uniform, fresh bool, start time.Time) *scanIndex {
	x := &scanIndex{
		path: path, modRoot: modRoot, buildRoot: buildRoot, uniform: uniform,
		cutoff:   start.Add(-indexMargin).UnixNano(),
		trees:    map[string]*treeRec{},
		verdicts: map[string]*verdict{},
		listings: map[string]*listRec{},
	}
	if !fresh {
		if data, err := readIndexFile(path); err == nil {
			if r, err := decodeIndex(data, modRoot, buildRoot, uniform); err == nil {
				x.oldTrees, x.oldVerdicts, x.oldListings = r.trees, r.verdicts, r.listings
			}
		}
	}
	// No index to build on: write one.
	x.changed = x.oldTrees == nil
	return x
}

// errIndex is any reason to ignore an index file.
var errIndex = errors.New("not a scan index of these caches")

// trustedTree returns the recorded tree at rel when its root (as listed,
// root) and every directory below it are unchanged.
func (x *scanIndex) trustedTree(rel, dir string, root *dirEntry) *treeRec {
	t := x.oldTrees[rel]
	if t == nil || t.count() == 0 {
		return nil
	}
	rootKey := keyOf(root)
	first := true
	below := func(yield func(treeDir) bool) bool {
		return t.each(func(d treeDir) bool {
			if first {
				first = false
				return d.key == rootKey
			}
			return yield(d)
		})
	}
	if !dirsUnchanged(dir, below) {
		return nil
	}
	x.mu.Lock()
	x.trees[rel] = t
	x.mu.Unlock()
	x.treeHits.Add(1)
	return t
}

// record starts the record of the tree at rel, whose root is as listed.
func (x *scanIndex) record(rel string, root *dirEntry) *treeRecorder {
	r := &treeRecorder{rel: rel}
	r.add("", root, x.cutoff)
	x.mu.Lock()
	x.recorders = append(x.recorders, r)
	x.mu.Unlock()
	return r
}

// checked returns the clean verdict recorded for the file at rel when the
// file, as listed, is unchanged.
func (x *scanIndex) checked(rel string, e *dirEntry) *verdict {
	v := x.oldVerdicts[rel]
	if v == nil || v.key != keyOf(e) {
		return nil
	}
	// Marked, not copied into verdicts: an unchanged cache of 100,000
	// versions reuses some 300,000 verdicts, and a map insert under the
	// lock for each was 7% of the rescan's CPU. save gathers them.
	if atomic.CompareAndSwapUint32(&v.hit, 0, 1) {
		x.fileHits.Add(1)
	}
	return v
}

// keep records a clean verdict on the file at rel, as listed.
func (x *scanIndex) keep(rel string, e *dirEntry, v verdict) {
	if e.mtime >= x.cutoff || e.ctime >= x.cutoff {
		return
	}
	v.key = keyOf(e)
	x.mu.Lock()
	x.verdicts[rel] = &v
	x.changed = true
	x.mu.Unlock()
}

// listed returns the recorded listing of the @v directory at rel when the
// directory, as its parent listed it just now (self), is unchanged. The
// caller says at the end whether it is still clean (reuse).
func (x *scanIndex) listed(rel string, self *dirEntry) *listRec {
	l := x.oldListings[rel]
	if l == nil || l.key != keyOf(self) {
		return nil
	}
	if l.raw != nil && l.ents == nil {
		// One goroutine lists each @v directory: no other reads l. The
		// count was bounded by the run's length at decoding.
		d := &dec{b: l.raw}
		ents := make([]dirEntry, l.n)
		for i := range ents {
			// A copy of the name: it goes into the snapshot (File.Name).
			ents[i] = dirEntry{name: strings.Clone(d.s()), mode: fs.FileMode(d.u()), size: d.i(), blocks: d.i(),
				mtime: d.i(), ctime: d.i(), dev: d.u(), ino: d.u(), nlink: d.u()}
			if d.bad || !plainName(ents[i].name) {
				return nil
			}
		}
		if len(d.b) != 0 {
			return nil
		}
		l.ents = ents
	}
	return l
}

// plainName reports whether name can be a directory entry's: a listing
// naming "..", a path or nothing is not one the scan wrote.
func plainName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\x00")
}

// reuse marks an old listing as reused and still clean: it is written out
// again.
func (x *scanIndex) reuse(l *listRec) {
	if atomic.CompareAndSwapUint32(&l.hit, 0, 1) {
		x.listHits.Add(1)
	}
}

// keepListing records the listing of the @v directory at rel, read just
// now, whose own entry (self) was taken before the read: a change during
// the read shows as a new key next time. A listing is kept only when the
// directory and every entry in it are older than the margin.
func (x *scanIndex) keepListing(rel string, self *dirEntry, ents []dirEntry) {
	if self.mtime >= x.cutoff || self.ctime >= x.cutoff {
		return
	}
	for i := range ents {
		if ents[i].mtime >= x.cutoff || ents[i].ctime >= x.cutoff {
			return
		}
	}
	l := &listRec{key: keyOf(self), ents: ents}
	x.mu.Lock()
	x.listings[rel] = l
	x.changed = true
	x.mu.Unlock()
}

// save writes the index of this scan, atomically (a temporary file renamed
// over the old one), when it differs from the one read. Failing to write
// it costs the next scan its speed, nothing else: errors are dropped.
func (x *scanIndex) save() error {
	for _, r := range x.recorders {
		if r.bad {
			continue
		}
		x.trees[r.rel] = &treeRec{dirs: r.dirs, size: r.size.size()}
		x.changed = true
	}
	if !x.changed && len(x.trees) == len(x.oldTrees) && int(x.fileHits.Load()) == len(x.oldVerdicts) &&
		int(x.listHits.Load()) == len(x.oldListings) {
		return nil
	}
	for rel, l := range x.oldListings {
		if _, fresh := x.listings[rel]; !fresh && atomic.LoadUint32(&l.hit) == 1 {
			x.listings[rel] = l
		}
	}
	for rel, v := range x.oldVerdicts {
		if _, fresh := x.verdicts[rel]; !fresh && atomic.LoadUint32(&v.hit) == 1 {
			x.verdicts[rel] = v
		}
	}
	dir := filepath.Dir(x.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, filepath.Base(x.path)+".*.tmp")
	if err != nil {
		return err
	}
	// Written as it is encoded: the index of a large cache is tens of
	// megabytes, which a scan's peak memory need not hold at once.
	err = encodeIndexTo(f, x, indexVersion)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), x.path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// verdictOf is what a content check found on a blank record, and whether
// it is clean (no problem): only a clean check is kept, so that a problem
// is always found afresh.
func verdictOf(r *verRec) (verdict, bool) {
	v := verdict{origin: r.origin, declared: r.declared, zipHash: r.ziphashValue}
	clean := len(r.problems) == 0 && len(r.lockBusyProblems) == 0
	if r.infoTime != nil {
		text, err := r.infoTime.MarshalText()
		if err != nil {
			clean = false
		}
		v.infoTime = string(text)
	}
	return v, clean
}

// apply sets what the check found on the version's record. The strings
// are copied: those of a verdict read from the index share the index
// file's bytes, which the snapshot must not keep alive.
func (v *verdict) apply(r *verRec) {
	if o := v.origin; o != nil {
		r.origin = &Origin{VCS: strings.Clone(o.VCS), URL: strings.Clone(o.URL), Subdir: strings.Clone(o.Subdir),
			Hash: strings.Clone(o.Hash), TagPrefix: strings.Clone(o.TagPrefix), TagSum: strings.Clone(o.TagSum),
			Ref: strings.Clone(o.Ref), RepoSum: strings.Clone(o.RepoSum)}
	}
	if v.infoTime != "" {
		var t time.Time
		if t.UnmarshalText([]byte(v.infoTime)) == nil {
			r.infoTime = &t
		}
	}
	if v.declared != "" {
		r.declared = strings.Clone(v.declared)
	}
	if v.zipHash != "" {
		r.ziphashValue = strings.Clone(v.zipHash)
	}
}
