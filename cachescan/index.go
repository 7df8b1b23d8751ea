package cachescan

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
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

// checksID names the checks whose clean verdicts an index keeps: this
// build of modscope, which links them (x/mod's zip check among them). An
// index another build wrote is ignored, not trusted: a newer check may
// find what an older one passed. It is the executable's Go build ID, a
// hash of its contents that every build of other code changes (and that
// `go run` keeps while the code is the same); where that cannot be read,
// the module version or VCS revision and the x/mod version. Worked out
// when an index is first read or written, not at start-up: most commands
// never open one.
var checksID = sync.OnceValue(func() string {
	if id := selfBuildID(); id != "" {
		return id
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	h := sha256.New()
	fmt.Fprintln(h, bi.Main.Path, bi.Main.Version, bi.Main.Sum)
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
			fmt.Fprintln(h, s.Key, s.Value)
		}
	}
	for _, d := range bi.Deps {
		if d.Path == "golang.org/x/mod" {
			fmt.Fprintln(h, d.Path, d.Version, d.Sum)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
})

// selfBuildID reads the Go build ID of the running executable from its
// first 64 KiB, where the linker puts it: an ELF note named "Go" of type
// 4, or elsewhere the text `\xff Go build ID: "..."`. "" if not found.
func selfBuildID() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, buf)
	return findBuildID(buf[:n])
}

// findBuildID finds a Go build ID in the start of an executable.
func findBuildID(data []byte) string {
	// The ELF note: namesz 4, descsz, type 4, "Go\x00\x00", desc.
	note := []byte("\x04\x00\x00\x00")
	for i := 0; ; {
		j := bytes.Index(data[i:], note)
		if j < 0 {
			break
		}
		at := i + j
		if at+16 <= len(data) && string(data[at+8:at+16]) == "\x04\x00\x00\x00Go\x00\x00" {
			size := int(binary.LittleEndian.Uint32(data[at+4:]))
			if size > 0 && size <= 256 && at+16+size <= len(data) {
				return string(data[at+16 : at+16+size])
			}
		}
		i = at + 1
	}
	const mark = "\xff Go build ID: \""
	if i := bytes.Index(data, []byte(mark)); i >= 0 {
		rest := data[i+len(mark):]
		if j := bytes.IndexByte(rest, '"'); j > 0 && j <= 256 {
			return string(rest[:j])
		}
	}
	return ""
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

// readIndexFile reads the index file if it is a regular file of the
// current user's, no larger than MaxIndexSize.
func readIndexFile(path string) ([]byte, error) {
	data, err := readOwnFile(path, int64(maxIndexSize))
	if err == errNotOwn {
		err = errIndex
	}
	return data, err
}

// errNotOwn: a file readOwnFile does not read.
var errNotOwn = errors.New("not a regular file of the current user's, or too large")

// readOwnFile reads a file modscope keeps for itself (the scan index, the
// last state) when it is a regular file of the current user's, at most
// max bytes: the scan's own no-follow, non-blocking, regular-only open,
// so that a link or a FIFO planted at the path is never read, and one
// buffer of the size the file has.
func readOwnFile(path string, max int64) ([]byte, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > max || !ownedByMe(fi) {
		return nil, errNotOwn
	}
	// One byte more, to see that it has not grown since.
	data := make([]byte, fi.Size()+1)
	n, err := io.ReadFull(f, data)
	if err != io.ErrUnexpectedEOF {
		if err == nil {
			err = errNotOwn
		}
		return nil, err
	}
	return data[:n], nil
}

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

// The file: indexMagic, then uvarints, varints and length-prefixed
// strings, then the CRC-32C of everything before it (little-endian).
//
//	version modRoot buildRoot uniform checksID
//	ntrees  { rel bytes apparent files ndirs len { rel dev ino size mtime ctime } }
//	nverdicts { rel dev ino size mtime ctime hasOrigin [8 strings] infoTime declared zipHash }
//	nlistings { rel dev ino size mtime ctime nents len { name mode size blocks mtime ctime dev ino nlink } }
//
// len is the byte length of the run of records after it, decoded only
// when the tree or listing is looked at.

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// enc appends the encoding to b; with w set, flush hands what b holds to w
// (keeping the CRC-32C of all of it) so that b stays small.
type enc struct {
	b   []byte
	w   io.Writer
	crc uint32
	out int // bytes handed to w
	err error
}

// flushAt is how much enc holds before flush writes it.
const flushAt = 1 << 20

func (e *enc) flush(all bool) {
	if e.w == nil || e.err != nil || len(e.b) < flushAt && !all {
		return
	}
	e.crc = crc32.Update(e.crc, crcTable, e.b)
	_, e.err = e.w.Write(e.b)
	e.out += len(e.b)
	e.b = e.b[:0]
}

// size is the length of the encoding so far.
func (e *enc) size() int { return e.out + len(e.b) }

func (e *enc) u(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) i(v int64)  { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) s(v string) { e.u(uint64(len(v))); e.b = append(e.b, v...) }
func (e *enc) key(k statKey) {
	e.u(k.dev)
	e.u(k.ino)
	e.i(k.size)
	e.i(k.mtime)
	e.i(k.ctime)
}

func encodeIndex(x *scanIndex) []byte { return encodeIndexVersion(x, indexVersion) }

// encodeIndexVersion is the index file's bytes; past maxIndexSize, those
// written until then.
func encodeIndexVersion(x *scanIndex, version uint64) []byte {
	var buf bytes.Buffer
	encodeIndexTo(&buf, x, version)
	return buf.Bytes()
}

// encodeIndexTo writes the index file to w; errIndex once it passes
// maxIndexSize.
func encodeIndexTo(w io.Writer, x *scanIndex, version uint64) error {
	e := &enc{b: make([]byte, 0, flushAt+64<<10), w: w}
	e.b = append(e.b, indexMagic...)
	e.u(version)
	e.s(x.modRoot)
	e.s(x.buildRoot)
	e.u(b2u(x.uniform))
	e.s(checksID())
	e.u(uint64(len(x.trees)))
	for rel, t := range x.trees {
		e.s(rel)
		e.i(t.size.Bytes)
		e.i(t.size.ApparentBytes)
		e.i(t.size.Files)
		e.u(uint64(t.count()))
		raw := t.raw
		if raw == nil {
			sub := &enc{}
			for _, d := range t.dirs {
				sub.s(d.rel)
				sub.key(d.key)
			}
			raw = sub.b
		}
		e.u(uint64(len(raw)))
		e.b = append(e.b, raw...)
		if e.flush(false); e.err != nil || e.size() > maxIndexSize {
			e.flush(true)
			return cmp.Or(e.err, errIndex)
		}
	}
	e.u(uint64(len(x.verdicts)))
	for rel, v := range x.verdicts {
		e.s(rel)
		e.key(v.key)
		if o := v.origin; o != nil {
			e.u(1)
			for _, s := range []string{o.VCS, o.URL, o.Subdir, o.Hash, o.TagPrefix, o.TagSum, o.Ref, o.RepoSum} {
				e.s(s)
			}
		} else {
			e.u(0)
		}
		e.s(v.infoTime)
		e.s(v.declared)
		e.s(v.zipHash)
		if e.flush(false); e.err != nil || e.size() > maxIndexSize {
			e.flush(true)
			return cmp.Or(e.err, errIndex)
		}
	}
	e.u(uint64(len(x.listings)))
	for rel, l := range x.listings {
		e.s(rel)
		e.key(l.key)
		raw, n := l.raw, l.n
		if raw == nil {
			sub := &enc{}
			for i := range l.ents {
				f := &l.ents[i]
				sub.s(f.name)
				sub.u(uint64(f.mode))
				sub.i(f.size)
				sub.i(f.blocks)
				sub.i(f.mtime)
				sub.i(f.ctime)
				sub.u(f.dev)
				sub.u(f.ino)
				sub.u(f.nlink)
			}
			raw, n = sub.b, len(l.ents)
		}
		e.u(uint64(n))
		e.u(uint64(len(raw)))
		e.b = append(e.b, raw...)
		if e.flush(false); e.err != nil || e.size() > maxIndexSize {
			e.flush(true)
			return cmp.Or(e.err, errIndex)
		}
	}
	e.flush(true)
	if e.err != nil {
		return e.err
	}
	_, err := w.Write(binary.LittleEndian.AppendUint32(nil, e.crc))
	return err
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// dec reads what enc wrote; any malformed input sets bad and yields zeros.
type dec struct {
	b   []byte
	bad bool
}

func (d *dec) u() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) i() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

// s returns a string that shares the index file's bytes: a scan decodes
// some 60,000 of them from an index of 100,000 files, and copying each was
// a fifth of the decoding. The bytes are never written after the read.
func (d *dec) s() string {
	n := d.u()
	if n > uint64(len(d.b)) {
		d.bad, d.b = true, nil
		return ""
	}
	if n == 0 {
		return ""
	}
	v := unsafe.String(&d.b[0], n)
	d.b = d.b[n:]
	return v
}

// count reads a number of records, each at least min bytes long: no more
// than the rest of the input can hold.
func (d *dec) count(min int) int {
	n := d.u()
	if n > uint64(len(d.b)/min) {
		d.bad, d.b = true, nil
		return 0
	}
	return int(n)
}

// bytes returns a length-prefixed run of bytes, at least one long (an
// empty run is no record: a nil raw means a record made by this scan).
func (d *dec) bytes() []byte {
	n := d.u()
	if n == 0 || n > uint64(len(d.b)) {
		d.bad, d.b = true, nil
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) key() statKey {
	return statKey{dev: d.u(), ino: d.u(), size: d.i(), mtime: d.i(), ctime: d.i()}
}

// records are an index file's records.
type records struct {
	trees    map[string]*treeRec
	verdicts map[string]*verdict
	listings map[string]*listRec
}

// decodeIndex checks an index file and returns its records.
func decodeIndex(data []byte, modRoot, buildRoot string, uniform bool) (*records, error) {
	if len(data) < len(indexMagic)+4 || string(data[:len(indexMagic)]) != indexMagic {
		return nil, errIndex
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, crcTable) != sum {
		return nil, errIndex
	}
	d := &dec{b: body[len(indexMagic):]}
	if d.u() != indexVersion || d.s() != modRoot || d.s() != buildRoot || d.u() != b2u(uniform) || d.s() != checksID() || d.bad {
		return nil, errIndex
	}
	n := d.count(6)
	trees := make(map[string]*treeRec, n)
	for ; n > 0 && !d.bad; n-- {
		rel := d.s()
		t := &treeRec{size: Size{Bytes: d.i(), ApparentBytes: d.i(), Files: d.i()}}
		t.ndirs = d.count(6)
		t.raw = d.bytes()
		trees[rel] = t
	}
	n = d.count(10)
	verdicts := make(map[string]*verdict, n)
	for ; n > 0 && !d.bad; n-- {
		rel := d.s()
		v := &verdict{key: d.key()}
		if d.u() == 1 {
			v.origin = &Origin{VCS: d.s(), URL: d.s(), Subdir: d.s(), Hash: d.s(), TagPrefix: d.s(), TagSum: d.s(), Ref: d.s(), RepoSum: d.s()}
		}
		v.infoTime, v.declared, v.zipHash = d.s(), d.s(), d.s()
		verdicts[rel] = v
	}
	n = d.count(6)
	listings := make(map[string]*listRec, n)
	for ; n > 0 && !d.bad; n-- {
		rel := d.s()
		l := &listRec{key: d.key()}
		l.n = d.count(9)
		l.raw = d.bytes()
		if l.n > len(l.raw)/9 {
			// More entries than the run can hold (each is 9 fields).
			d.bad = true
		}
		listings[rel] = l
	}
	if d.bad || len(d.b) != 0 {
		return nil, errIndex
	}
	return &records{trees: trees, verdicts: verdicts, listings: listings}, nil
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
