package ui

import (
	"strings"

	"modscope/cachescan"
)

// filterState is what a filter shows of the tree.
type filterState struct {
	filter  string
	visible map[*node]bool // nil when no filter is set
	// shownVersions is how many module versions the filter shows: the
	// count the context line gives.
	shownVersions int
	// shown holds, under a filter, what it shows of the rows that do not
	// match whole (neither they nor an ancestor match): their figures
	// count the matches only, not what the filter hides.
	shown map[*node]totals
}

// totals is a row's size, version count and problems by severity.
type totals struct {
	size     cachescan.Size
	versions int
	sev      [3]int
}

// totals is what a row counts: under a filter, what the filter shows of it.
func (b *browser) totals(n *node) totals {
	if t, ok := b.shown[n]; ok {
		return t
	}
	return totals{n.size, n.versions, n.sev}
}

// worst is the rank of the most serious problem a row counts, or -1.
func (b *browser) worst(n *node) int {
	return worstOf(b.totals(n).sev)
}

// setFilter keeps the rows that match f (case-insensitive), with their
// ancestors, so that matches deep in the tree stay reachable, and
// everything below a match. Module paths and versions match, as
// "path@version": a query with a slash matches across path elements;
// clones match by their remote. Download files, list and lock files and
// the other groups do not match by their own names: /mod is the modules
// whose path holds "mod", not every .mod file. The empty filter shows
// everything.
func (b *browser) setFilter(f string) {
	keep := b.selected()
	b.filter = f
	if f == "" {
		b.visible, b.shown = nil, nil
		b.shownVersions = 0
	} else {
		b.visible, b.shown = map[*node]bool{}, map[*node]totals{}
		markVisible(b.t.root, strings.ToLower(f), false, b.visible, b.shown)
		if !b.visible[b.t.root] {
			b.shown[b.t.root] = totals{} // nothing matches: nothing is shown
		}
		b.shownVersions = b.totals(b.t.root).versions
	}
	b.refresh()
	if keep != nil {
		b.selectNode(keep)
	}
}

// matchesFilter says whether n matches the lower-cased query f itself.
func matchesFilter(n *node, f string) bool {
	switch n.kind {
	case kindSegment, kindModule, kindVersion:
		// path, or path@version
		return strings.Contains(n.lower, f)
	case kindGroup:
		// The toolchains' group stands for the golang.org/toolchain module.
		return n.mod != nil && n.mod.Toolchain && n.path == n.mod.Path && strings.Contains(n.lower, f)
	case kindClone:
		return strings.Contains(strings.ToLower(n.name), f)
	}
	return false
}

// markVisible returns whether n's subtree matches, marking the nodes to
// show. A node shown only for matches below it gets, in shown, the sum
// of what is shown of its children: its counts and sizes are what the
// filter shows, and what d, v and w take.
func markVisible(n *node, f string, ancestor bool, vis map[*node]bool, shown map[*node]totals) bool {
	self := ancestor || (n.kind != kindRoot && matchesFilter(n, f))
	any := self
	var sum totals
	for _, c := range n.children {
		if c.kind == kindEntry || c.kind == kindListing {
			continue // a tree's listing shows whole under a shown tree
		}
		if markVisible(c, f, self, vis, shown) {
			any = true
			t, ok := shown[c]
			if !ok {
				t = totals{c.size, c.versions, c.sev}
			}
			sum.size.Add(t.size)
			sum.versions += t.versions
			for i := range sum.sev {
				sum.sev[i] += t.sev[i]
			}
		}
	}
	if any {
		vis[n] = true
	}
	if any && !self {
		shown[n] = sum
	}
	return any
}

// shownVersionsOf lists the version nodes at or under n that the filter
// shows (all of them without a filter): what d, v and w on the row take.
func (b *browser) shownVersionsOf(n *node) []*node {
	vs := versionNodes(n)
	if b.visible == nil {
		return vs
	}
	out := vs[:0:0]
	for _, v := range vs {
		if b.visible[v] {
			out = append(out, v)
		}
	}
	return out
}
