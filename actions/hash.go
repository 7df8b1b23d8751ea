// Package actions changes or checks the caches that cachescan describes:
// verify hashes every module version and build output; later purge and
// re-download act on what it finds. It never imports a UI package.
package actions

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"compress/flate"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	kflate "github.com/klauspost/compress/flate"
	modzip "golang.org/x/mod/zip"
)

// fileSums maps file names (as the h1 hash names them) to their SHA-256.
type fileSums map[string][32]byte

// h1 computes the go command's "h1:" hash (dirhash.Hash1) from per-file
// sums, so that each file is read once for both the tree's hash and the
// list of files that differ.
func h1(sums fileSums) (string, error) {
	names := make([]string, 0, len(sums))
	for n := range sums {
		if strings.Contains(n, "\n") {
			return "", errors.New("dirhash: filenames with newlines are not supported")
		}
		names = append(names, n)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		s := sums[n]
		fmt.Fprintf(h, "%x  %s\n", s[:], n)
	}
	return "h1:" + base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// counter is told how many bytes were hashed, for progress; an error it
// returns (the verify was cancelled) stops the hashing.
type counter func(n int64) error

// hashReader hashes r, reporting bytes as they are read.
func hashReader(r io.Reader, count counter, buf []byte) ([32]byte, error) {
	h := sha256.New()
	for {
		n, err := r.Read(buf)
		if n > 0 {
			h.Write(buf[:n])
			if cerr := count(int64(n)); cerr != nil {
				return [32]byte{}, cerr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return [32]byte{}, err
		}
	}
	var out [32]byte
	h.Sum(out[:0])
	return out, nil
}

// zipSums hashes every entry of a module zip, as dirhash.HashZip does:
// every name, directories included, with its uncompressed content.
func zipSums(path string, count counter, buf []byte) (fileSums, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	src, err := loadZip(f, fi.Size())
	if err != nil {
		return nil, err
	}
	defer src.release()
	return zipSumsFrom(src.ReaderAt, fi.Size(), nil, count, buf)
}

// zipSumsFrom is zipSums on an open file. It inflates nothing of a zip
// whose structure is wrong (declared sizes past x/mod/zip's MaxZipFile in
// all, entries whose data overlap or lie past the end: a zip bomb), and
// stops an entry that inflates past its declared size; those failures are
// a *zipError. The bytes inflated never pass modzip.MaxZipFile.
//
// tree, when not nil, is the version's extracted tree, listed: each entry
// is compared, as it inflates, with the tree's file of that name, so that
// the tree's files that equal the zip's are read once and never hashed
// (hashTree takes their sums from the zip's). A tree file is read no
// further than its entry's declared size and one read.
func zipSumsFrom(f io.ReaderAt, size int64, tree *treeList, count counter, buf []byte) (fileSums, error) {
	z, err := zip.NewReader(f, size)
	if err != nil {
		return nil, &zipError{err.Error()}
	}
	z.RegisterDecompressor(zip.Deflate, newInflater)
	if err := checkZipLayout(z, size); err != nil {
		return nil, err
	}
	var cmp []byte
	if tree != nil {
		half := len(buf) / 2
		buf, cmp = buf[:half:half], buf[half:]
		tree.same = map[string]int64{}
	}
	sums := make(fileSums, len(z.File))
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			return nil, &zipError{f.Name + ": " + err.Error()}
		}
		// archive/zip refuses data past the declared size too; the limit
		// makes the bound this function's own.
		lr := &io.LimitedReader{R: r, N: int64(f.UncompressedSize64) + 1}
		var twin *treeFile
		if tree != nil {
			if p, ok := tree.regular[f.Name]; ok {
				// A file that cannot be opened now is hashed, or fails,
				// in hashTree, as the two passes would.
				twin, _ = openTreeFile(p)
			}
		}
		s, same, err := hashCompare(lr, twin, count, buf, cmp)
		r.Close()
		switch {
		case err != nil && (errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) || corruptDeflate(err)):
			return nil, &zipError{f.Name + ": " + err.Error()}
		case err != nil:
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		case lr.N == 0:
			return nil, &zipError{fmt.Sprintf("%s: inflates past its declared %d bytes", f.Name, f.UncompressedSize64)}
		}
		if same {
			tree.same[f.Name] = int64(f.UncompressedSize64)
		} else if tree != nil {
			delete(tree.same, f.Name) // names twice: the last entry counts
		}
		sums[f.Name] = s
	}
	return sums, nil
}

// hashCompare hashes r, and compares it with twin as it goes (twin may be
// nil): same reports that twin held exactly r's bytes. twin is closed. buf
// and cmp are as long as each other; twin is read in reads of cmp's
// length, whatever the lengths r returns, and the bytes read from it are
// counted. It reads twin no further than r's length and one read.
func hashCompare(r io.Reader, twin *treeFile, count counter, buf, cmp []byte) (sum [32]byte, same bool, err error) {
	if twin == nil {
		sum, err = hashReader(r, count, buf)
		return sum, false, err
	}
	defer func() {
		if twin != nil {
			twin.Close()
		}
	}()
	differ := func() { twin.Close(); twin = nil }
	var have []byte // read from twin, not compared yet
	fill := func() error {
		m, terr := twin.Read(cmp)
		have = cmp[:m]
		if cerr := count(int64(m)); cerr != nil {
			return cerr
		}
		if m == 0 || (terr != nil && terr != io.EOF) {
			differ() // shorter, or unreadable: hashTree says which
		}
		return nil
	}
	h := sha256.New()
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			h.Write(buf[:n])
			if cerr := count(int64(n)); cerr != nil {
				return sum, false, cerr
			}
			for b := buf[:n]; twin != nil && len(b) > 0; {
				if len(have) == 0 {
					if cerr := fill(); cerr != nil {
						return sum, false, cerr
					}
					if twin == nil {
						break
					}
				}
				m := min(len(b), len(have))
				if !bytes.Equal(b[:m], have[:m]) {
					differ()
					break
				}
				b, have = b[m:], have[m:]
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return sum, false, rerr
		}
	}
	h.Sum(sum[:0])
	if twin == nil || len(have) > 0 {
		return sum, false, nil // differs, or longer
	}
	// The twin must end where r did.
	m, terr := twin.Read(cmp)
	count(int64(m))
	return sum, m == 0 && terr == io.EOF, nil
}

// corruptDeflate reports an entry whose compressed data does not inflate
// (flate's CorruptInputError, or data that ends too soon): the zip is
// corrupt, as go mod verify says ("unexpected EOF"), not a failure to read.
func corruptDeflate(err error) bool {
	var ce flate.CorruptInputError
	var kce kflate.CorruptInputError
	return errors.As(err, &ce) || errors.As(err, &kce) || errors.Is(err, io.ErrUnexpectedEOF)
}

// zipError is a zip whose structure or content is wrong: zip-corrupt.
type zipError struct{ detail string }

func (e *zipError) Error() string { return e.detail }

// checkZipLayout checks, before anything is inflated, what bounds the
// inflating: the declared sizes add up to no more than x/mod/zip's
// MaxZipFile (so, with each entry held to its declared size, nothing
// inflates past it), and every entry's compressed data lies inside the
// file and overlaps no other entry's (many entries sharing one stream is
// how a small zip inflates to gigabytes).
func checkZipLayout(z *zip.Reader, size int64) error {
	var total uint64
	type span struct {
		start, end int64
		name       string
	}
	spans := make([]span, 0, len(z.File))
	for _, f := range z.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > modzip.MaxZipFile || total > modzip.MaxZipFile {
			return &zipError{fmt.Sprintf("declares more than %d bytes uncompressed (x/mod/zip's limit)", int64(modzip.MaxZipFile))}
		}
		off, err := f.DataOffset()
		if err != nil {
			return &zipError{f.Name + ": " + err.Error()}
		}
		if off < 0 || f.CompressedSize64 > uint64(size) || off > size-int64(f.CompressedSize64) {
			return &zipError{f.Name + ": its data lies past the end of the file"}
		}
		spans = append(spans, span{off, off + int64(f.CompressedSize64), f.Name})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	// Sorted by start, a span overlaps an earlier one when it starts before
	// the furthest end so far.
	var last span
	for i, sp := range spans {
		if i > 0 && (sp.start < last.end || sp.start == last.start) {
			return &zipError{fmt.Sprintf("entries %s and %s share compressed data (a zip bomb)", last.name, sp.name)}
		}
		if sp.end > last.end || i == 0 {
			last = sp
		}
	}
	return nil
}

// dirSums hashes every non-directory under dir, named prefix + "/" + its
// slash path, as dirhash.HashDir does. It never follows a symlink: a link
// is hashed as its target's name (a module zip cannot hold links, so any
// link already makes the tree differ). skip leaves files out by name. It
// reads no more than x/mod/zip's MaxZipFile, all the content a module zip
// may hold: a bigger tree (a sparse file of gigabytes) is errTreeTooLarge.
func dirSums(dir, prefix string, skip func(name string) bool, count counter, buf []byte) (fileSums, error) {
	t, err := listTree(dir, prefix, skip)
	if err != nil {
		return fileSums{}, err
	}
	return hashTree(t, nil, count, buf)
}

// treeList is a tree listed for hashing: every non-directory, in the order
// of the walk, under its h1 name.
type treeList struct {
	entries []treeEntry
	// regular maps the names of the regular files to their paths, for
	// zipSumsFrom to compare with the zip's entries.
	regular map[string]string
	// same holds the names whose file zipSumsFrom found equal to the
	// zip's entry of that name, with their length.
	same map[string]int64
}

type treeEntry struct {
	name, path string
	typ        fs.FileMode
}

// listTree walks dir as dirSums does, never following a link, and lists
// what it will hash.
func listTree(dir, prefix string, skip func(name string) bool) (*treeList, error) {
	t := &treeList{regular: map[string]string{}}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		name := prefix + "/" + filepath.ToSlash(rel)
		if skip != nil && skip(name) {
			return nil
		}
		typ := d.Type()
		t.entries = append(t.entries, treeEntry{name, path, typ})
		if typ.IsRegular() {
			t.regular[name] = path
		}
		return nil
	})
	return t, err
}

// hashTree hashes a listed tree, as dirSums. The files zipSumsFrom found
// equal to the zip's entries (t.same) take their sums from zip, unread.
func hashTree(t *treeList, zip fileSums, count counter, buf []byte) (fileSums, error) {
	sums := make(fileSums, len(t.entries))
	var total int64
	for _, e := range t.entries {
		if e.typ&fs.ModeSymlink != 0 {
			target, err := os.Readlink(e.path)
			if err != nil {
				return sums, err
			}
			sums[e.name] = sha256.Sum256([]byte("symlink to " + target))
			continue
		}
		if !e.typ.IsRegular() {
			sums[e.name] = sha256.Sum256([]byte("special file"))
			continue
		}
		if n, ok := t.same[e.name]; ok && zip != nil {
			// Read and compared already: its bytes count as if hashed
			// here.
			if total += n; total > modzip.MaxZipFile {
				return sums, errTreeTooLarge
			}
			sums[e.name] = zip[e.name]
			continue
		}
		// Not os.Open: a FIFO swapped in since the walk saw a file
		// would block it.
		f, err := openTreeFile(e.path)
		if err != nil {
			return sums, err
		}
		left := int64(modzip.MaxZipFile) - total
		lr := &io.LimitedReader{R: f, N: left + 1}
		s, err := hashReader(lr, count, buf)
		f.Close()
		if err != nil {
			return sums, err
		}
		if total += left + 1 - lr.N; total > modzip.MaxZipFile {
			return sums, errTreeTooLarge
		}
		sums[e.name] = s
	}
	return sums, nil
}

// errTreeTooLarge: a tree holds more than any module zip can.
var errTreeTooLarge = fmt.Errorf("it holds more than %d bytes, more than a module zip may (x/mod/zip's MaxZipFile)", int64(modzip.MaxZipFile))

// diffSums lists what a tree has that the zip has not, what it lacks, and
// what differs, with the module prefix taken off the names.
func diffSums(tree, zip fileSums, prefix string) (added, missing, changed []string) {
	for n, s := range tree {
		z, ok := zip[n]
		switch {
		case !ok:
			added = append(added, strings.TrimPrefix(n, prefix+"/"))
		case z != s:
			changed = append(changed, strings.TrimPrefix(n, prefix+"/"))
		}
	}
	for n := range zip {
		if strings.HasSuffix(n, "/") {
			continue // a directory entry: trees have no such files
		}
		if _, ok := tree[n]; !ok {
			missing = append(missing, strings.TrimPrefix(n, prefix+"/"))
		}
	}
	slices.Sort(added)
	slices.Sort(missing)
	slices.Sort(changed)
	return
}

// goModSum is the go.sum hash of a go.mod's content: h1 over one file
// named "go.mod".
func goModSum(data []byte) string {
	s, _ := h1(fileSums{"go.mod": sha256.Sum256(data)})
	return s
}

// The zips being hashed are read into memory whole, when they fit, so
// that the central directory and the entries are parsed from memory
// rather than by thousands of small reads. zipMemCap bounds the bytes so
// held by all workers at once, zipMemOne a single zip; a zip past either
// is read from its file.
const (
	zipMemCap = 64 << 20
	zipMemOne = 16 << 20
)

var zipMem struct {
	mu   sync.Mutex
	used int64
	bufs sync.Pool // *[]byte
}

// zipSource is a zip's bytes to parse: in memory, or its open file.
type zipSource struct {
	io.ReaderAt
	mem  *memZip // nil when read from the file
	size int64
}

// loadZip reads an open zip of this size into memory when the budget
// allows, else leaves it to be read from f; release gives the memory back.
func loadZip(f *os.File, size int64) (*zipSource, error) {
	src := &zipSource{ReaderAt: f, size: size}
	if size <= 0 || size > zipMemOne {
		return src, nil
	}
	zipMem.mu.Lock()
	ok := zipMem.used+size <= zipMemCap
	if ok {
		zipMem.used += size
	}
	zipMem.mu.Unlock()
	if !ok {
		return src, nil
	}
	bp, _ := zipMem.bufs.Get().(*[]byte)
	if bp == nil || int64(cap(*bp)) < size {
		b := make([]byte, (size+(1<<20)-1)&^(1<<20-1))
		bp = &b
	}
	b := (*bp)[:size]
	if _, err := f.ReadAt(b, 0); err != nil {
		src.mem = &memZip{b: b, pool: bp, size: size}
		src.release()
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // it shrank since its size was read
		}
		return nil, err
	}
	src.mem = &memZip{b: b, pool: bp, size: size}
	src.ReaderAt = src.mem
	return src, nil
}

// release returns a zip's memory to the budget; src is not used after.
func (src *zipSource) release() {
	if src.mem == nil {
		return
	}
	zipMem.bufs.Put(src.mem.pool)
	zipMem.mu.Lock()
	zipMem.used -= src.mem.size
	zipMem.mu.Unlock()
	src.mem = nil
}

// memZip is a zip in memory, as an io.ReaderAt.
type memZip struct {
	b    []byte
	pool *[]byte
	size int64
}

func (m *memZip) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(m.b)) {
		return 0, io.EOF
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// inflaters are klauspost/compress's deflate decoders, reused: it inflates
// these zips faster than compress/flate (see bench/verify.sh), and
// archive/zip around it still checks each entry's size and CRC-32.
var inflaters sync.Pool // *inflater

type inflater struct {
	dec io.ReadCloser // a kflate reader, also a kflate.Resetter
	br  *bufio.Reader // for an entry read from a file
}

// newInflater is archive/zip's decompressor for Deflate: an entry of a zip
// in memory is inflated straight from its bytes (the decoder's fast path
// for a *bytes.Reader); one read from a file through a large buffer.
func newInflater(r io.Reader) io.ReadCloser {
	inf, _ := inflaters.Get().(*inflater)
	if inf == nil {
		inf = &inflater{}
	}
	var src io.Reader = r
	if sr, ok := r.(*io.SectionReader); ok {
		if ra, off, n := sr.Outer(); ra != nil {
			if m, ok := ra.(*memZip); ok && off >= 0 && n >= 0 && off <= int64(len(m.b)) && n <= int64(len(m.b))-off {
				src = bytes.NewReader(m.b[off : off+n])
			}
		}
	}
	if _, ok := src.(*bytes.Reader); !ok {
		if inf.br == nil {
			inf.br = bufio.NewReaderSize(src, 64<<10)
		} else {
			inf.br.Reset(src)
		}
		src = inf.br
	}
	if inf.dec == nil {
		inf.dec = kflate.NewReader(src)
	} else if err := inf.dec.(kflate.Resetter).Reset(src, nil); err != nil {
		inf.dec = kflate.NewReader(src)
	}
	return &inflating{inf: inf}
}

// inflating is one entry being inflated; Close gives the decoder back.
type inflating struct{ inf *inflater }

func (r *inflating) Read(p []byte) (int, error) {
	if r.inf == nil {
		return 0, errors.New("read after close")
	}
	return r.inf.dec.Read(p)
}

func (r *inflating) Close() error {
	if r.inf != nil {
		if r.inf.br != nil {
			r.inf.br.Reset(nil)
		}
		inflaters.Put(r.inf)
		r.inf = nil
	}
	return nil
}
