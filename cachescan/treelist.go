package cachescan

import (
	"errors"
	"io/fs"
	"path/filepath"
	"sort"
)

// TreeEntry is one file or directory inside an extracted module tree, with
// everything below it when it is a directory: what a person browsing the
// tree wants to know is which of testdata, vendor or docs is big.
type TreeEntry struct {
	Name string `json:"name"`
	Dir  bool   `json:"dir,omitempty"`
	// Odd: neither a regular file nor a directory (a link, a FIFO). The go
	// command writes none in a tree; it is never followed.
	Odd  bool `json:"odd,omitempty"`
	Size Size `json:"size"`
}

// TreeListing is one directory of a tree with its children, biggest first.
type TreeListing struct {
	Dir     string      `json:"dir"`
	Entries []TreeEntry `json:"entries"`
	// Total is the directory's own size plus everything below it.
	Total Size `json:"total"`
	// Truncated: the walk stopped at the entry or depth bound, so the
	// sizes below are lower bounds.
	Truncated bool `json:"truncated,omitempty"`
}

// Bounds of ListTree: a tree of a few million files (or a hostile one) is
// summed only this far, so that a key press in the TUI stays a key press.
const (
	MaxTreeEntries = 500_000
	maxTreeDepth   = 512
)

// errTreeBound stops a walk at the bounds.
var errTreeBound = errors.New("tree too large")

// ListTree lists dir and sums each child directory, without following a
// link anywhere (a directory swapped for a link while it is listed is not
// entered: readDir opens with O_NOFOLLOW). maxEntries <= 0 means
// MaxTreeEntries. uniform counts sizes as Options.UniformSizes does.
func ListTree(dir string, maxEntries int, uniform bool) (*TreeListing, error) {
	if maxEntries <= 0 || maxEntries > MaxTreeEntries {
		maxEntries = MaxTreeEntries
	}
	top, err := lstatEntry(dir)
	if err != nil {
		return nil, err
	}
	if !top.isDir() {
		return nil, &fs.PathError{Op: "list", Path: dir, Err: errors.New("not a directory")}
	}
	ents, err := readDir(dir)
	if err != nil {
		return nil, err
	}
	l := &TreeListing{Dir: dir, Entries: make([]TreeEntry, 0, len(ents))}
	t := treeSum{uniform: uniform, left: maxEntries - len(ents), seen: map[[2]uint64]bool{}}
	l.Total = t.size(&top)
	for i := range ents {
		e := &ents[i]
		te := TreeEntry{Name: e.name, Dir: e.isDir(), Odd: !e.isDir() && !e.isRegular(), Size: t.size(e)}
		if te.Dir && !l.Truncated {
			sub, err := t.sum(filepath.Join(dir, e.name), 1)
			te.Size.Add(sub)
			if errors.Is(err, errTreeBound) {
				l.Truncated = true
			}
		}
		l.Total.Add(te.Size)
		l.Entries = append(l.Entries, te)
	}
	if t.left < 0 {
		l.Truncated = true
	}
	sort.SliceStable(l.Entries, func(i, j int) bool {
		a, b := l.Entries[i], l.Entries[j]
		if a.Size.Bytes != b.Size.Bytes {
			return a.Size.Bytes > b.Size.Bytes
		}
		return a.Name < b.Name
	})
	return l, nil
}

// treeSum sums directories within ListTree's bounds; a hard-linked file
// counts once, as in the scan.
type treeSum struct {
	uniform bool
	left    int
	seen    map[[2]uint64]bool
}

func (t *treeSum) size(e *dirEntry) Size {
	s := Size{Bytes: e.blocks, ApparentBytes: e.size}
	if t.uniform {
		s.Bytes = (e.size + uniformBlock - 1) / uniformBlock * uniformBlock
		if e.isDir() {
			s.Bytes, s.ApparentBytes = uniformBlock, uniformBlock
		}
	}
	if e.isDir() {
		return s
	}
	s.Files = 1
	if e.nlink > 1 {
		key := [2]uint64{e.dev, e.ino}
		if t.seen[key] {
			return Size{Files: 1}
		}
		t.seen[key] = true
	}
	return s
}

// sum adds up everything below dir. An unreadable directory adds nothing:
// the listing is for finding what is big, and verify reports damage.
func (t *treeSum) sum(dir string, depth int) (Size, error) {
	var total Size
	if depth > maxTreeDepth {
		return total, errTreeBound
	}
	ents, err := readDir(dir)
	if err != nil {
		return total, nil
	}
	t.left -= len(ents)
	if t.left < 0 {
		return total, errTreeBound
	}
	for i := range ents {
		e := &ents[i]
		total.Add(t.size(e))
		if e.isDir() {
			sub, err := t.sum(filepath.Join(dir, e.name), depth+1)
			total.Add(sub)
			if err != nil {
				return total, err
			}
		}
	}
	return total, nil
}
