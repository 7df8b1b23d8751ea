// Package actions changes or checks the caches that cachescan describes:
// verify hashes every module version and build output; later purge and
// re-download act on what it finds. It never imports a UI package.
package actions

import (
	"archive/zip"
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

	modzip "golang.org/x/mod/zip"

	"modscope/cachescan"
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
	return zipSumsFrom(f, fi.Size(), count, buf)
}

// zipSumsFrom is zipSums on an open file. It inflates nothing of a zip
// whose structure is wrong (declared sizes past x/mod/zip's MaxZipFile in
// all, entries whose data overlap or lie past the end: a zip bomb), and
// stops an entry that inflates past its declared size; those failures are
// a *zipError. The bytes inflated never pass modzip.MaxZipFile.
func zipSumsFrom(f io.ReaderAt, size int64, count counter, buf []byte) (fileSums, error) {
	z, err := zip.NewReader(f, size)
	if err != nil {
		return nil, &zipError{err.Error()}
	}
	if err := checkZipLayout(z, size); err != nil {
		return nil, err
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
		s, err := hashReader(lr, count, buf)
		r.Close()
		switch {
		case err != nil && (errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) || corruptDeflate(err)):
			return nil, &zipError{f.Name + ": " + err.Error()}
		case err != nil:
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		case lr.N == 0:
			return nil, &zipError{fmt.Sprintf("%s: inflates past its declared %d bytes", f.Name, f.UncompressedSize64)}
		}
		sums[f.Name] = s
	}
	return sums, nil
}

// corruptDeflate reports an entry whose compressed data does not inflate
// (flate's CorruptInputError, or data that ends too soon): the zip is
// corrupt, as go mod verify says ("unexpected EOF"), not a failure to read.
func corruptDeflate(err error) bool {
	var ce flate.CorruptInputError
	return errors.As(err, &ce) || errors.Is(err, io.ErrUnexpectedEOF)
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
	sums := fileSums{}
	var total int64
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
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			sums[name] = sha256.Sum256([]byte("symlink to " + target))
			return nil
		}
		if !d.Type().IsRegular() {
			sums[name] = sha256.Sum256([]byte("special file"))
			return nil
		}
		// Not os.Open: a FIFO swapped in since the walk saw a file
		// would block it.
		f, err := cachescan.OpenRegular(path)
		if err != nil {
			return err
		}
		left := int64(modzip.MaxZipFile) - total
		lr := &io.LimitedReader{R: f, N: left + 1}
		s, err := hashReader(lr, count, buf)
		f.Close()
		if err != nil {
			return err
		}
		if total += left + 1 - lr.N; total > modzip.MaxZipFile {
			return errTreeTooLarge
		}
		sums[name] = s
		return nil
	})
	return sums, err
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
