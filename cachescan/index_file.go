package cachescan

// The scan index's file: its encoding, the build it is keyed on, and the
// reading of a file modscope keeps for itself.

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"unsafe"
)

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

// spent flushes what enc holds when it is enough, and reports whether the
// encoding must stop: a write failed (e.err), or the file with its CRC
// would pass maxIndexSize, as readIndexFile counts it (e.err is errIndex;
// what was encoded is written).
func (e *enc) spent() bool {
	e.flush(false)
	if e.err == nil && e.out+len(e.b)+4 <= maxIndexSize {
		return false
	}
	e.flush(true)
	if e.err == nil {
		e.err = errIndex
	}
	return true
}

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
		if e.spent() {
			return e.err
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
		if e.spent() {
			return e.err
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
		if e.spent() {
			return e.err
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
