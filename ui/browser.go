package ui

import (
	"sort"
	"time"
)

// sortKey is the order of the browser's rows.
type sortKey uint8

const (
	sortSize sortKey = iota
	sortName
	sortCount
	sortTime
)

func (k sortKey) String() string {
	return [...]string{"size", "name", "count", "time"}[k]
}

// descByDefault says which way a key sorts first: biggest, most and
// newest first; names a to z.
func (k sortKey) descByDefault() bool { return k != sortName }

// browser is the drill-down list of the Modules view: it shows the children
// of one node, sorted and filtered, ncdu style. Moving the cursor is O(1);
// sorting and filtering happen only when the directory, the order or the
// filter change, and View draws only the rows that fit. It does not
// scroll with bubbles' viewport: a viewport scrolls a rendered string and
// has no cursor, so every move would render every row of the directory
// (thousands in a real cache) to move the highlight, and the offset that
// follows the cursor would still be kept here.
type browser struct {
	t      *tree
	cur    *node
	rows   []*node
	cursor int
	offset int
	height int
	sortBy sortKey
	// reverse flips the key's first order (descByDefault).
	reverse  bool
	apparent bool
	// parentBars scales the bars to the parent's size; by default they
	// are scaled to the largest row shown, as ncdu draws them.
	parentBars bool
	// scanned is when the snapshot was taken: the time column shows the
	// hour for rows of that day.
	scanned time.Time
	filterState
	marks map[*node]mark
	// remember where the cursor was in each directory, for going back up.
	positions map[*node]int
}

func newBrowser(t *tree) browser {
	b := browser{t: t, cur: t.root, marks: map[*node]mark{}, positions: map[*node]int{}}
	b.refresh()
	return b
}

// descending says whether the rows are in the key's descending order:
// the header shows it as ↓, the same for every key.
func (b *browser) descending() bool { return b.sortBy.descByDefault() != b.reverse }

// selected returns the node under the cursor, or nil.
func (b *browser) selected() *node {
	if b.cursor < 0 || b.cursor >= len(b.rows) {
		return nil
	}
	return b.rows[b.cursor]
}

// refresh recomputes the rows of the current node.
func (b *browser) refresh() {
	b.rows = b.rows[:0]
	for _, c := range b.cur.children {
		if b.visible == nil || b.inListing() || b.visible[c] {
			b.rows = append(b.rows, c)
		}
	}
	less := b.less()
	desc := b.descending()
	sort.SliceStable(b.rows, func(i, j int) bool {
		x, y := b.rows[i], b.rows[j]
		if c := less(x, y); c != 0 {
			if desc {
				return c > 0
			}
			return c < 0
		}
		// Ties: by name, a to z, whichever way the key goes.
		return x.name < y.name
	})
	b.clamp()
}

func (b *browser) size(n *node) int64 {
	if b.apparent {
		return b.totals(n).size.ApparentBytes
	}
	return b.totals(n).size.Bytes
}

// less compares two rows by the sort key: negative when x's value is the
// smaller (a name earlier in the alphabet, an older time), 0 on a tie.
func (b *browser) less() func(x, y *node) int {
	cmp := func(a, c int64) int {
		switch {
		case a < c:
			return -1
		case a > c:
			return 1
		}
		return 0
	}
	switch b.sortBy {
	case sortName:
		return func(x, y *node) int {
			switch {
			case x.name < y.name:
				return -1
			case x.name > y.name:
				return 1
			}
			return 0
		}
	case sortCount:
		return func(x, y *node) int { return cmp(b.totals(x).size.Files, b.totals(y).size.Files) }
	case sortTime:
		return func(x, y *node) int { return x.mtime.Compare(y.mtime) }
	}
	return func(x, y *node) int { return cmp(b.size(x), b.size(y)) }
}

// setSort applies a sort key; the same key again reverses the order.
func (b *browser) setSort(k sortKey) {
	if b.sortBy == k {
		b.reverse = !b.reverse
	} else {
		b.sortBy, b.reverse = k, false
	}
	keep := b.selected()
	b.refresh()
	b.selectNode(keep)
}

func (b *browser) clamp() {
	if b.cursor >= len(b.rows) {
		b.cursor = len(b.rows) - 1
	}
	if b.cursor < 0 {
		b.cursor = 0
	}
	h := max(b.height, 1)
	if b.cursor < b.offset {
		b.offset = b.cursor
	}
	if b.cursor >= b.offset+h {
		b.offset = b.cursor - h + 1
	}
	if b.offset > max(len(b.rows)-h, 0) {
		b.offset = max(len(b.rows)-h, 0)
	}
}

func (b *browser) move(delta int) {
	b.cursor = min(max(b.cursor+delta, 0), len(b.rows)-1)
	b.clamp()
}

// open descends into the selected node if it has children.
func (b *browser) open() bool {
	n := b.selected()
	if n == nil || len(n.children) == 0 {
		return false
	}
	b.enter(n)
	return true
}

// enter makes n the current node, the cursor on its first row.
func (b *browser) enter(n *node) {
	b.positions[b.cur] = b.cursor
	b.cur, b.cursor, b.offset = n, 0, 0
	b.refresh()
}

// back goes up one level and puts the cursor on the node it came from.
func (b *browser) back() bool {
	if b.cur.parent == nil {
		return false
	}
	from := b.cur
	b.cur = b.cur.parent
	b.refresh()
	if !b.selectNode(from) {
		b.cursor = b.positions[b.cur]
		b.clamp()
	}
	return true
}

// selectNode puts the cursor on n if it is one of the rows.
func (b *browser) selectNode(n *node) bool {
	for i, r := range b.rows {
		if r == n {
			b.cursor = i
			b.clamp()
			return true
		}
	}
	return false
}

// reveal makes n's parent the current node and selects n, clearing a filter
// that would hide it.
func (b *browser) reveal(n *node) {
	if b.visible != nil && !b.visible[n] {
		b.setFilter("")
	}
	if n.parent == nil {
		return
	}
	b.cur = n.parent
	b.refresh()
	b.selectNode(n)
}

// inListing reports whether the current directory is inside an
// extracted tree's listing, where nothing is acted on.
func (b *browser) inListing() bool {
	return b.cur.kind == kindTree || b.cur.kind == kindEntry
}
