package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"modscope/cachescan"
	"modscope/report"
)

// readOnlyListing is why nothing acts on a row of a tree's listing.
const readOnlyListing = "inside an extracted tree nothing is marked, purged, verified or re-downloaded: a version's files go together; h goes back up to its version"

// modulesPane is the Modules view: the browser over the module cache's
// tree.
type modulesPane struct {
	c     *common
	tree  *tree
	b     browser
	width int
	// uniform counts the listings' sizes as the scan's UniformSizes.
	uniform bool
	lists   listings
}

func newModulesPane(c *common) *modulesPane { return &modulesPane{c: c} }

// setTree shows a first tree, keeping the order the user chose.
func (p *modulesPane) setTree(t *tree) {
	old := p.b
	p.tree = t
	p.b = newBrowser(t)
	p.b.apparent, p.b.sortBy, p.b.reverse, p.b.height = p.c.apparent, old.sortBy, old.reverse, old.height
	p.b.parentBars, p.b.scanned = old.parentBars, p.c.snap.ScannedAt
	p.b.refresh()
}

// replace shows t in place of the current tree (after an action, or a
// verify) so that it updates in place: the order, the filter and the marks
// whose rows still exist are kept (all marks go with dropMarks); the
// selected row stays selected, or the row after it takes its place; a
// directory that went gives way to its nearest ancestor that is still there.
func (p *modulesPane) replace(t *tree, dropMarks bool) {
	old := p.b
	var selPath string
	if s := old.selected(); s != nil {
		selPath = s.path
	}
	p.tree = t
	b := newBrowser(t)
	b.apparent, b.sortBy, b.reverse, b.height = old.apparent, old.sortBy, old.reverse, old.height
	b.parentBars, b.scanned = old.parentBars, p.c.snap.ScannedAt
	if !dropMarks {
		for n, k := range old.marks {
			nn := t.byKey[n.path]
			if nn == nil {
				continue
			}
			if k.partial() {
				// The versions it took that are still there; a mark
				// left with none goes, as a row that went does.
				var vs []string
				for _, v := range k.versions {
					if t.byVersion[v] != nil {
						vs = append(vs, v)
					}
				}
				if len(vs) == 0 {
					continue
				}
				k.versions = vs
			}
			b.marks[nn] = k
		}
	}
	// The nearest ancestor of the old directory that is still there.
	cur, from := old.cur, (*node)(nil)
	for cur.kind != kindRoot && t.byKey[cur.path] == nil {
		cur, from = cur.parent, cur
	}
	if cur.kind != kindRoot {
		b.cur = t.byKey[cur.path]
		if b.cur.kind == kindTree {
			// Inside a tree's listing: the same directory again, from
			// the listings kept.
			b.cur = p.relist(old.cur, b.cur)
			from = nil
		}
	}
	b.refresh()
	if old.filter != "" {
		b.setFilter(old.filter)
	}
	switch sel := t.byKey[selPath]; {
	case sel != nil && b.selectNode(sel):
	case from == nil:
		b.cursor = old.cursor // the next row takes the place of the one that went
	default:
		b.cursor = old.positions[cur] // where the directory that went was
	}
	b.offset = old.offset
	b.clamp()
	p.b = b
}

func (p *modulesPane) setApparent(on bool) {
	p.b.apparent = on
	if p.b.sortBy == sortSize {
		keep := p.b.selected()
		p.b.refresh()
		p.b.selectNode(keep)
	}
}

// reveal selects the row of a problem's entry, if it has one.
func (p *modulesPane) reveal(pr cachescan.Problem) bool {
	n := p.tree.nodeFor(pr)
	if n == nil {
		return false
	}
	p.b.reveal(n)
	return true
}

func (p *modulesPane) SetSize(w, h int) {
	p.width = w
	p.b.height = h
	p.b.clamp()
}

func (p *modulesPane) Update(msg tea.Msg) action {
	b, k := &p.b, p.c.keys
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		if d, ok := wheelDelta(msg); ok {
			b.move(d)
		}
		return nil
	case tea.MouseClickMsg:
		if i := b.offset + msg.Y; i < len(b.rows) {
			b.cursor = i
			b.clamp()
		}
		return nil
	case tea.KeyPressMsg:
		if d, ok := navDelta(msg, k, b.height); ok {
			b.move(d)
			return nil
		}
		switch {
		case matches(msg, k.Open):
			if n := b.selected(); n != nil && dirOf(n) != "" {
				return p.openListing(n)
			}
			if !b.open() && b.selected() != nil && b.selected().kind != kindListing {
				return openDetails{} // a leaf: show all there is to know about it
			}
		case matches(msg, k.Back):
			b.back()
		case matches(msg, k.Filter):
			return openFilter{}
		case matches(msg, k.ClearFilter):
			b.setFilter("")
		case matches(msg, k.SortSize):
			b.setSort(sortSize)
		case matches(msg, k.SortName):
			b.setSort(sortName)
		case matches(msg, k.SortCount):
			b.setSort(sortCount)
		case matches(msg, k.SortTime):
			b.setSort(sortTime)
		case matches(msg, k.Mark):
			if b.inListing() {
				return showStatus{readOnlyListing}
			}
			b.toggleMark()
		case matches(msg, k.UnmarkAll):
			if n := b.unmarkAll(); n > 0 {
				return showStatus{report.Plural(int64(n), "mark") + " dropped"}
			}
			return showStatus{"nothing is marked"}
		case matches(msg, k.Bars):
			b.parentBars = !b.parentBars
			if b.parentBars {
				return showStatus{"bars: the share of the parent directory"}
			}
			return showStatus{"bars: scaled to the largest row, as ncdu draws them"}
		}
	}
	return nil
}

func (p *modulesPane) View() string {
	st := p.c.styles
	if len(p.b.rows) == 0 && p.b.filter == "" && !p.c.snap.ModCache.Exists {
		return st.Dim.Render("\n  " + cachescan.Printable(p.c.snap.ModCache.Root) + " does not exist yet: the go command creates it on the first download.")
	}
	return p.b.view(st, p.width)
}

func (p *modulesPane) ShortHelp() []key.Binding {
	k := p.c.keys
	return []key.Binding{k.Open, k.Back, k.Mark, withHelp(k.Purge, "purge"), k.Filter, k.SortSize, k.UnmarkAll, k.Apparent,
		withHelp(k.PurgePolicy, "policies"), withHelp(k.Download, "re-download"), k.Verify, k.Rescan, k.Details, k.NextView}
}

func (p *modulesPane) FullHelp() [][]key.Binding {
	k := p.c.keys
	show := func(keys, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
	}
	return [][]key.Binding{
		{k.Up, k.Down, show("pgup/pgdn", "page"), show("g/G", "top/bottom"), k.Open, k.Back},
		{k.Filter, k.ClearFilter, k.SortSize, k.SortName, k.SortCount, k.SortTime, show("↓/↑", "largest/smallest first; again: reverse"), k.Apparent, k.Bars, k.Details},
		{show("space/U", "mark / unmark all"), withHelp(k.Purge, "purge marked/selected"), k.PurgePolicy, k.Download, k.Repair, k.Verify, k.VerifyAll, k.Rescan, k.LastResult},
	}
}
