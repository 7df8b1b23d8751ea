package actions

// Hashing a module zip's entries and checking its layout.

import (
	"archive/zip"
	"bytes"
	"cmp"
	"compress/flate"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	kflate "github.com/klauspost/compress/flate"
	modzip "golang.org/x/mod/zip"
)

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
