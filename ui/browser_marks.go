package ui

import (
	"modscope/actions"
	"modscope/cachescan"
)

// mark is what a marked row takes. A directory row marked under a
// filter takes the versions the filter shows under it then, as d on it
// would, and keeps taking just those when the filter changes or goes:
// what the header counts at the moment of marking is what d removes.
type mark struct {
	// versions are the "path@version" the mark takes; nil: everything
	// under the row.
	versions []string
	// filter is the filter the versions were chosen under.
	filter string
}

// partial reports whether the mark takes only some of what is under its
// row.
func (k mark) partial() bool { return k.versions != nil }

// isDir reports whether d on n takes the module versions under it.
func isDir(n *node) bool {
	return n.kind == kindModule || n.kind == kindSegment || (n.kind == kindGroup && n.mod != nil && n.mod.Toolchain)
}

// toggleMark marks or unmarks the selected node and moves down, as gdu does.
func (b *browser) toggleMark() {
	n := b.selected()
	if n == nil {
		return
	}
	if _, ok := b.marks[n]; ok {
		delete(b.marks, n)
	} else {
		b.marks[n] = b.newMark(n)
	}
	b.move(1)
}

// unmarkAll drops every mark and says how many went.
func (b *browser) unmarkAll() int {
	n := len(b.marks)
	clear(b.marks)
	return n
}

// newMark fixes what marking n takes: under a filter that hides some of
// the versions under a directory row, the ones it shows.
func (b *browser) newMark(n *node) mark {
	if b.visible == nil || !isDir(n) {
		return mark{}
	}
	all := versionsUnder(n)
	shown := []string{}
	for _, v := range all {
		if b.visible[b.t.byVersion[v]] {
			shown = append(shown, v)
		}
	}
	if len(shown) == len(all) {
		return mark{}
	}
	return mark{versions: shown, filter: b.filter}
}

// marked returns the version nodes a row takes: a mark's, what it took
// when it was made; an unmarked row's, what the filter shows of it now.
func (b *browser) marked(n *node) []*node {
	k, ok := b.marks[n]
	if !ok {
		return b.shownVersionsOf(n)
	}
	if !k.partial() {
		return versionNodes(n)
	}
	var out []*node
	for _, v := range k.versions {
		if vn := b.t.byVersion[v]; vn != nil {
			out = append(out, vn)
		}
	}
	return out
}

// markedSize counts the marked rows and sums what d on them frees, as
// its plan counts it (.mod and .info stay, d's default, unless they are
// all the marked versions hold), so that the header and the dialog
// agree: a version counts once however many marked rows hold it; list
// and lock files, a version's own file rows and the go command's
// bookkeeping free nothing; a directory row marked under a filter
// counts what the filter showed of it then, whatever the filter is now.
func (b *browser) markedSize() (int, int64) {
	versions := map[*node]bool{}
	clones := map[*node]bool{}
	var total cachescan.Size
	sumdb := false
	for n := range b.marks {
		switch {
		case n.kind == kindVersion:
			versions[n] = true
		case isDir(n):
			for _, vn := range b.marked(n) {
				versions[vn] = true
			}
		case n.kind == kindGroup && n.path == "cache/vcs":
			for _, c := range n.children {
				clones[c] = true
			}
		case n.kind == kindClone:
			clones[n] = true
		case n.kind == kindGroup && n.path == "cache/download/sumdb":
			total.Add(n.size)
			sumdb = true
		}
	}
	var vs cachescan.Size
	for vn := range versions {
		vs.Add(actions.VersionFrees(vn.ver, false))
	}
	if vs.Files == 0 && len(clones) == 0 && !sumdb {
		// As d plans it: when .mod and .info are all the marked versions
		// hold, they go.
		for vn := range versions {
			vs.Add(actions.VersionFrees(vn.ver, true))
		}
	}
	total.Add(vs)
	for c := range clones {
		total.Add(c.size)
	}
	if b.apparent {
		return len(b.marks), total.ApparentBytes
	}
	return len(b.marks), total.Bytes
}
