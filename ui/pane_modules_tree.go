package ui

import (
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"modscope/cachescan"
)

// treeListedMsg is a directory of an extracted tree, listed in a command.
type treeListedMsg struct {
	dir     string
	snap    *cachescan.Snapshot
	listing *cachescan.TreeListing
	err     error
}

// maxListEntries bounds one listing's walk: a key press stays a key press
// on a tree of a million files (the sizes below are then lower bounds,
// and the listing says so).
const maxListEntries = 200_000

// listings are the extracted trees' directories listed since the last
// scan, by directory, with the rows waiting for one.
type listings struct {
	snap    *cachescan.Snapshot
	done    map[string]*treeListedMsg
	waiting map[string]*node
}

// dirOf is the directory a row of a tree lists, or "".
func dirOf(n *node) string {
	switch {
	case n.kind == kindTree && n.ver != nil:
		return n.ver.Dir
	case n.kind == kindEntry:
		return n.entryDir
	}
	return ""
}

// openListing goes into an extracted tree's directory: at once when it
// was listed since the last scan, else with a "listing…" row while a
// command lists it (never the disk in Update). The listing is read-only.
func (p *modulesPane) openListing(n *node) action {
	dir := dirOf(n)
	if dir == "" {
		return nil
	}
	if p.lists.snap != p.c.snap {
		p.lists = listings{snap: p.c.snap, done: map[string]*treeListedMsg{}, waiting: map[string]*node{}}
	}
	if msg := p.lists.done[dir]; msg != nil {
		fillListing(n, msg)
		p.b.enter(n)
		return nil
	}
	_, pending := p.lists.waiting[dir]
	p.lists.waiting[dir] = n
	n.children = []*node{noteRow(n, "listing…")}
	p.b.enter(n)
	if pending {
		return nil
	}
	snap, uniform := p.c.snap, p.uniform
	return cmdAction{func() tea.Msg {
		l, err := cachescan.ListTree(dir, maxListEntries, uniform)
		return treeListedMsg{dir: dir, snap: snap, listing: l, err: err}
	}}
}

// listed takes a listing made in a command: it is kept until the next
// scan, and shown if its row is still waiting for it.
func (p *modulesPane) listed(msg treeListedMsg) {
	if msg.snap != p.lists.snap {
		return // listed for a snapshot that is gone
	}
	p.lists.done[msg.dir] = &msg
	n := p.lists.waiting[msg.dir]
	delete(p.lists.waiting, msg.dir)
	if n == nil {
		return
	}
	fillListing(n, &msg)
	if p.b.cur == n {
		keep := p.b.cursor
		p.b.refresh()
		p.b.cursor = keep
		p.b.clamp()
	}
}

// fillListing makes n's rows from a listing: its directories and files,
// biggest first, or one row saying why it could not be listed.
func fillListing(n *node, msg *treeListedMsg) {
	n.children = nil
	if msg.err != nil {
		n.children = []*node{noteRow(n, "cannot list it: "+cachescan.Printable(msg.err.Error())+" (r reads the caches again)")}
		return
	}
	for _, e := range msg.listing.Entries {
		c := &node{name: cachescan.Printable(e.Name), kind: kindEntry, parent: n, own: e.Size, size: e.Size}
		// As the file's path under the module cache reads:
		// example.com/m@v1.0.0/testdata.
		c.path = strings.TrimSuffix(n.path, " tree") + "/" + c.name
		c.lower = c.path
		if e.Dir {
			c.entryDir = filepath.Join(msg.dir, e.Name)
		}
		if e.Odd {
			c.note = "not a file: never followed"
		}
		n.children = append(n.children, c)
	}
	if msg.listing.Truncated {
		n.children = append(n.children, noteRow(n, "(too many files: listed in part; sizes are lower bounds)"))
	}
	if len(n.children) == 0 {
		n.children = []*node{noteRow(n, "(empty directory)")}
	}
}

// relist puts a rebuilt tree's row back where old was, inside a listing:
// the tree's row of the new tree, then the same directories down, from
// the listings kept. It returns the deepest row it got to.
func (p *modulesPane) relist(old, treeRow *node) *node {
	var names []string
	for x := old; x != nil && x.kind == kindEntry; x = x.parent {
		names = append(names, x.name)
	}
	if p.lists.snap != p.c.snap {
		return treeRow.parent
	}
	cur := treeRow
	for i := len(names); ; i-- {
		dir := dirOf(cur)
		msg := p.lists.done[dir]
		if msg == nil {
			if _, ok := p.lists.waiting[dir]; ok {
				p.lists.waiting[dir] = cur
				cur.children = []*node{noteRow(cur, "listing…")}
				return cur
			}
			if cur == treeRow {
				return treeRow.parent
			}
			return cur.parent
		}
		fillListing(cur, msg)
		if i == 0 {
			return cur
		}
		var next *node
		for _, c := range cur.children {
			if c.name == names[i-1] && c.entryDir != "" {
				next = c
			}
		}
		if next == nil {
			return cur
		}
		cur = next
	}
}

// noteRow is a row of a listing that is no entry: "listing…", or why
// there are none. The details show its text.
func noteRow(parent *node, text string) *node {
	return &node{name: text, path: text, kind: kindListing, parent: parent}
}
