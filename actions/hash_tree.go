package actions

// Hashing an extracted tree (listing it without following links) and
// comparing its hashes with a zip's.

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	modzip "golang.org/x/mod/zip"
)

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
