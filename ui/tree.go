package ui

import (
	"path/filepath"
	"strings"
	"time"

	"modscope/cachescan"
)

// nodeKind says what a row of the Modules view stands for.
type nodeKind uint8

const (
	kindRoot     nodeKind = iota
	kindGroup             // toolchains, vcs clones, checksum db, other
	kindSegment           // a path element with no module of its own
	kindModule            // a module path (it may also hold nested modules)
	kindVersion           // one module version
	kindDownload          // the version's files in cache/download/<E>/@v
	kindFile              // one download file
	kindTree              // the version's extracted tree
	kindClone             // one cache/vcs clone
	kindEntry             // a file or directory inside an extracted tree's listing
	kindListing           // "listing…", or why a listing failed: a row that is no entry
)

// node is one row of the Modules tree. The tree is built once per scan; the
// browser only reorders and filters views of it.
type node struct {
	name     string // shown; control characters already replaced
	path     string // full module-path-like key, for the breadcrumb and filter
	lower    string // strings.ToLower(path), for the filter
	kind     nodeKind
	parent   *node
	children []*node

	own      cachescan.Size // what the node holds itself, beyond its children
	size     cachescan.Size // own plus children
	versions int            // module versions in the subtree
	mtime    time.Time      // newest in the subtree
	label    string         // e.g. "active" for the running toolchain
	// note explains the name where the row has room for all of it, and
	// in the details pane.
	note string

	problems []cachescan.Problem // attached to this node itself
	sev      [3]int              // problems in the subtree by severity rank

	mod   *cachescan.Module
	ver   *cachescan.Version
	file  *cachescan.File
	clone *cachescan.VCSClone
	// entryDir is the directory a kindEntry row lists when opened ("" for
	// a file).
	entryDir string
}

// worstOf returns the rank of the most serious problem counted, or -1.
func worstOf(sev [3]int) int {
	for i, c := range sev {
		if c > 0 {
			return i
		}
	}
	return -1
}

// crumbs returns the names from the root to n.
func (n *node) crumbs() []string {
	var out []string
	for x := n; x != nil && x.kind != kindRoot; x = x.parent {
		out = append(out, x.name)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// tree is the Modules view's data, with indexes to find nodes again.
type tree struct {
	root      *node
	byVersion map[string]*node // "path@version"
	byPath    map[string]*node // file-system paths of trees, files, clones
	byKey     map[string]*node // node paths, to find a node again after a rebuild
	count     int
	// other holds what belongs to no module; problems under the module
	// cache that name no module attach to it.
	other   *node
	modRoot string
	// segments finds a path segment's node by its full module-path prefix
	// while the tree is built.
	segments map[string]*node
}

// buildTree turns a snapshot into the Modules tree, with problems (the
// scan's and verify's, which the snapshot does not hold) attached to their
// nodes. It does no I/O.
func buildTree(snap *cachescan.Snapshot, problems []cachescan.Problem) *tree {
	t := &tree{root: &node{kind: kindRoot, name: "/"}, byVersion: map[string]*node{}, byPath: map[string]*node{},
		byKey: map[string]*node{}, segments: map[string]*node{}}
	mc := &snap.ModCache
	var toolchains *node
	var leftLocks cachescan.Size // modules of which only lock files are left
	for _, m := range mc.Modules {
		if !m.Toolchain && len(m.Versions) > 0 && allLockOnly(m) {
			// A purged module: its lock files (kept, as the go command
			// wants) count with the other locks, and the row goes.
			leftLocks.Add(m.Size)
			continue
		}
		var parent *node
		if m.Toolchain {
			if toolchains == nil {
				toolchains = t.add(t.root, &node{name: "Go toolchains", path: "golang.org/toolchain", kind: kindGroup})
			}
			parent = toolchains
			parent.mod = m
		} else {
			parent = t.modulePath(m.Path)
			parent.kind = kindModule
			parent.mod = m
		}
		var vsum cachescan.Size
		for _, v := range m.Versions {
			if lockOnly(v) {
				// Nothing of the version is left but the go command's
				// lock (a purge keeps it): the lock shows with the list.
				continue
			}
			vn := t.version(parent, m, v)
			if m.Toolchain && v.Active {
				vn.label = "active"
			}
			vsum.Add(v.Size)
		}
		extra := m.Size
		extra.Bytes -= vsum.Bytes
		extra.ApparentBytes -= vsum.ApparentBytes
		extra.Files -= vsum.Files
		listNode := parent
		if extra.Files > 0 || extra.Bytes > 0 {
			// list, list.lock, strays: a row of their own, so that the
			// shares of a module's rows add up.
			listNode = t.add(parent, &node{name: "list and lock files", path: m.Path + " files", kind: kindGroup, mod: m, own: extra})
		}
		if m.List != nil && len(m.Versions) > 0 {
			t.byPath[filepath.Join(m.Versions[0].DownloadDir, "list")] = listNode
		}
	}
	if len(mc.VCS.Clones) > 0 || mc.VCS.Files > 0 {
		vcs := t.add(t.root, &node{name: "cache/vcs", path: "cache/vcs", kind: kindGroup})
		vcs.own = mc.VCS.Size
		for i := range mc.VCS.Clones {
			c := &mc.VCS.Clones[i]
			name := c.Remote
			if name == "" {
				name = c.Hash
			}
			cn := t.add(vcs, &node{name: cachescan.Printable(name), path: "cache/vcs/" + c.Hash, kind: kindClone, clone: c, own: c.Size})
			vcs.own.Bytes -= c.Bytes
			vcs.own.ApparentBytes -= c.ApparentBytes
			vcs.own.Files -= c.Files
			dir := filepath.Join(mc.VCS.Root, c.Hash)
			t.byPath[dir] = cn
			t.byPath[dir+".info"] = cn
		}
	}
	if mc.SumDB.Files > 0 {
		t.add(t.root, &node{name: "cache/download/sumdb", path: "cache/download/sumdb", kind: kindGroup, own: mc.SumDB.Size})
	}
	t.modRoot = mc.Root
	other := mc.Other
	other.Add(leftLocks)
	if other.Files > 0 || other.Bytes > 0 {
		t.other = t.add(t.root, &node{name: "other", note: "directories, locks, strays", path: "other", kind: kindGroup, own: other})
	}
	for _, p := range problems {
		if n := t.nodeFor(p); n != nil {
			n.problems = append(n.problems, p)
		}
	}
	collapseChains(t, t.root)
	t.sum(t.root)
	t.segments = nil
	return t
}

// collapseChains makes a path element with no module of its own and one
// child, itself a path element or a module, one row with that child:
// github.com > foo > bar shows as github.com/foo/bar, as gdu and dua draw
// long chains. The child keeps its path and kind; open and back move over
// the whole chain at once, and the breadcrumb shows every element.
func collapseChains(t *tree, n *node) {
	for i, c := range n.children {
		for c.kind == kindSegment && len(c.children) == 1 && (c.children[0].kind == kindSegment || c.children[0].kind == kindModule) {
			only := c.children[0]
			only.name = c.name + "/" + only.name
			only.parent = n
			delete(t.byKey, c.path)
			t.count--
			c = only
		}
		n.children[i] = c
		collapseChains(t, c)
	}
}

func (t *tree) add(parent, n *node) *node {
	n.parent = parent
	if n.path == "" {
		n.path = n.name
	}
	n.lower = strings.ToLower(n.path)
	t.byKey[n.path] = n
	parent.children = append(parent.children, n)
	t.count++
	return n
}

// modulePath returns the node for a module path, making the path segments
// on the way: github.com > owner > repo > v2.
func (t *tree) modulePath(path string) *node {
	if n := t.segments[path]; n != nil {
		return n
	}
	parent, seg := t.root, path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		parent, seg = t.modulePath(path[:i]), path[i+1:]
	}
	n := t.add(parent, &node{name: cachescan.Printable(seg), path: path, kind: kindSegment})
	t.segments[path] = n
	return n
}

func (t *tree) version(parent *node, m *cachescan.Module, v *cachescan.Version) *node {
	vn := t.add(parent, &node{name: cachescan.Printable(v.Version), path: m.Path + "@" + v.Version, kind: kindVersion, mod: m, ver: v})
	t.byVersion[m.Path+"@"+v.Version] = vn
	if len(v.Files) > 0 {
		dl := t.add(vn, &node{name: "download files", path: vn.path + " download", kind: kindDownload, mod: m, ver: v})
		for i := range v.Files {
			f := &v.Files[i]
			fn := t.add(dl, &node{name: cachescan.Printable(f.Name), path: vn.path + " " + f.Name, kind: kindFile, mod: m, ver: v, file: f,
				own: cachescan.Size{Bytes: f.Bytes, ApparentBytes: f.ApparentBytes, Files: 1}, mtime: f.ModTime})
			t.byPath[filepath.Join(v.DownloadDir, f.Name)] = fn
		}
	}
	if v.HasDir {
		tn := t.add(vn, &node{name: "extracted tree", path: vn.path + " tree", kind: kindTree, mod: m, ver: v, own: v.Tree})
		t.byPath[v.Dir] = tn
	}
	if v.InfoTime != nil {
		vn.mtime = *v.InfoTime
	}
	return vn
}

// nodeFor finds where a problem belongs: the file or tree it names, else
// its module version, else its module.
func (t *tree) nodeFor(p cachescan.Problem) *node {
	if n := t.byPath[p.Path]; n != nil {
		return n
	}
	if p.Module != "" && p.Version != "" {
		if n := t.byVersion[p.Module+"@"+p.Version]; n != nil {
			return n
		}
	}
	for dir := p.Path; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if n := t.byPath[dir]; n != nil {
			return n
		}
	}
	if t.other != nil && t.modRoot != "" && strings.HasPrefix(p.Path, t.modRoot+string(filepath.Separator)) {
		return t.other
	}
	return nil
}

// sum fills in subtree sizes, version counts, newest times and problem
// counts, bottom-up.
func (t *tree) sum(n *node) {
	n.size = n.own
	if n.kind == kindVersion {
		n.versions = 1
	}
	for _, p := range n.problems {
		n.sev[p.Severity.Rank()]++
	}
	for _, c := range n.children {
		t.sum(c)
		n.size.Add(c.size)
		n.versions += c.versions
		if c.mtime.After(n.mtime) {
			n.mtime = c.mtime
		}
		for i := range n.sev {
			n.sev[i] += c.sev[i]
		}
	}
}

// attach adds a problem found after the tree was built (by verify) to its
// node and to the counts of every node above it.
func (t *tree) attach(p cachescan.Problem) bool {
	n := t.nodeFor(p)
	if n == nil {
		return false
	}
	n.problems = append(n.problems, p)
	for x := n; x != nil; x = x.parent {
		x.sev[p.Severity.Rank()]++
	}
	return true
}

// allLockOnly reports whether every version of a module is lock-only.
func allLockOnly(m *cachescan.Module) bool {
	for _, v := range m.Versions {
		if !lockOnly(v) {
			return false
		}
	}
	return true
}

// lockOnly reports whether all that is left of a version is its .lock.
func lockOnly(v *cachescan.Version) bool {
	if v.HasDir || len(v.Files) == 0 {
		return false
	}
	for _, f := range v.Files {
		if !strings.HasSuffix(f.Name, ".lock") {
			return false
		}
	}
	return true
}

// versionsUnder lists "path@version" of every version in n's subtree.
func versionsUnder(n *node) []string {
	if n.kind == kindVersion || (n.ver != nil && n.mod != nil) {
		return []string{n.mod.Path + "@" + n.ver.Version}
	}
	var out []string
	for _, c := range n.children {
		out = append(out, versionsUnder(c)...)
	}
	return out
}
