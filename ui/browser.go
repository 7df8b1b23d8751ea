package ui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
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

// browser is the drill-down list of the Modules view: it shows the children
// of one node, sorted and filtered, ncdu style. Moving the cursor is O(1);
// sorting and filtering happen only when the directory, the order or the
// filter change, and View draws only the rows that fit.
type browser struct {
	t        *tree
	cur      *node
	rows     []*node
	cursor   int
	offset   int
	height   int
	sortBy   sortKey
	reverse  bool
	apparent bool
	filter   string
	visible  map[*node]bool // nil when no filter is set
	matches  int            // nodes that match the filter themselves
	// shown holds, under a filter, what it shows of the rows that do not
	// match whole (neither they nor an ancestor match): their figures
	// count the matches only, not what the filter hides.
	shown map[*node]totals
	marks map[*node]mark
	// remember where the cursor was in each directory, for going back up.
	positions map[*node]int
}

func newBrowser(t *tree) browser {
	b := browser{t: t, cur: t.root, marks: map[*node]mark{}, positions: map[*node]int{}}
	b.refresh()
	return b
}

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
		if b.visible == nil || b.visible[c] {
			b.rows = append(b.rows, c)
		}
	}
	less := b.less()
	sort.SliceStable(b.rows, func(i, j int) bool {
		if b.reverse {
			return less(b.rows[j], b.rows[i])
		}
		return less(b.rows[i], b.rows[j])
	})
	b.clamp()
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

func (b *browser) size(n *node) int64 {
	if b.apparent {
		return b.totals(n).size.ApparentBytes
	}
	return b.totals(n).size.Bytes
}

// less orders rows by the sort key; ties fall back to the name so the order
// is stable across refreshes.
func (b *browser) less() func(x, y *node) bool {
	byName := func(x, y *node) bool { return x.name < y.name }
	switch b.sortBy {
	case sortName:
		return byName
	case sortCount:
		return func(x, y *node) bool {
			if fx, fy := b.totals(x).size.Files, b.totals(y).size.Files; fx != fy {
				return fx > fy
			}
			return byName(x, y)
		}
	case sortTime:
		return func(x, y *node) bool {
			if !x.mtime.Equal(y.mtime) {
				return x.mtime.After(y.mtime)
			}
			return byName(x, y)
		}
	}
	return func(x, y *node) bool {
		if sx, sy := b.size(x), b.size(y); sx != sy {
			return sx > sy
		}
		return byName(x, y)
	}
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
	b.positions[b.cur] = b.cursor
	b.cur, b.cursor, b.offset = n, 0, 0
	b.refresh()
	return true
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

// setFilter keeps the rows whose path, an ancestor's or a descendant's,
// contains f (case-insensitive), so that matches deep in the tree stay
// reachable. The empty filter shows everything.
func (b *browser) setFilter(f string) {
	keep := b.selected()
	b.filter = f
	if f == "" {
		b.visible, b.shown = nil, nil
	} else {
		b.visible, b.shown = map[*node]bool{}, map[*node]totals{}
		b.matches = 0
		markVisible(b.t.root, strings.ToLower(f), false, b.visible, b.shown, &b.matches)
	}
	b.refresh()
	if keep != nil {
		b.selectNode(keep)
	}
}

// markVisible returns whether n's subtree matches, marking the nodes to
// show. A node matches on its full path or its shown name; only name
// matches are counted, so that a module's own versions do not count as
// matches of its path. A node shown only for matches below it gets, in
// shown, the sum of what is shown of its children.
func markVisible(n *node, f string, ancestor bool, vis map[*node]bool, shown map[*node]totals, matches *int) bool {
	named := strings.Contains(strings.ToLower(n.name), f)
	own := named || strings.Contains(n.lower, f)
	if named && n.kind != kindRoot {
		*matches++
	}
	self := ancestor || own
	any := self
	var sum totals
	for _, c := range n.children {
		if markVisible(c, f, self, vis, shown, matches) {
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

// marked returns the version nodes a directory row's mark takes.
func (b *browser) marked(n *node) []*node {
	k := b.marks[n]
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

// view draws the visible rows in width columns.
func (b *browser) view(st *Styles, width int) string {
	var sb strings.Builder
	parentSize := b.size(b.cur)
	end := min(b.offset+b.height, len(b.rows))
	// The count column is as wide as the widest count on screen.
	countW := 0
	for i := b.offset; i < end; i++ {
		countW = max(countW, len(b.count(b.rows[i])))
	}
	for i := b.offset; i < end; i++ {
		if i > b.offset {
			sb.WriteByte('\n')
		}
		sb.WriteString(b.row(st, b.rows[i], parentSize, width, countW, i == b.cursor))
	}
	if len(b.rows) == 0 {
		msg := "(empty)"
		if b.filter != "" {
			msg = fmt.Sprintf("nothing here matches %q", b.filter)
		}
		sb.WriteString(st.Dim.Render("  " + msg))
	}
	return sb.String()
}

// count is the row's count column: what the order is by (files for c,
// the time for m), versions otherwise.
func (b *browser) count(n *node) string {
	t := b.totals(n)
	switch {
	case b.sortBy == sortCount:
		return report.Plural(t.size.Files, "file")
	case b.sortBy == sortTime:
		if !n.mtime.IsZero() {
			return n.mtime.Local().Format("2006-01-02")
		}
		return ""
	case t.versions > 0 && n.kind != kindVersion:
		return report.Plural(int64(t.versions), "version")
	case n.kind == kindTree || n.kind == kindDownload:
		return report.Plural(t.size.Files, "file")
	}
	return ""
}

// row lays out one row: mark, problem marker, size, bar, share, versions,
// name. Narrow terminals drop the bar, then the share and the count.
func (b *browser) row(st *Styles, n *node, parentSize int64, width, countW int, selected bool) string {
	size := b.size(n)
	mark := " "
	if k, ok := b.marks[n]; ok {
		// + : the mark takes only what a filter showed of the row.
		mark = "*"
		if k.partial() {
			mark = "+"
		}
	}
	sym := " "
	if w := b.worst(n); w >= 0 {
		sym = severitySymbols[w]
	}
	share := 0.0
	if parentSize > 0 {
		share = float64(size) / float64(parentSize)
	}
	barW := 10
	switch {
	case width < 64:
		barW = 0
	case width >= 160:
		barW = 20
	}
	count := b.count(n)
	showCount := width >= 60 && countW > 0
	name := n.name
	if len(n.children) > 0 {
		name += "/"
	}
	if n.label != "" {
		name += " [" + n.label + "]"
	}
	// Fixed part: mark(1) sym(1) space size(9) space [bar] share(7) count(14)
	fixed := 1 + 1 + 1 + 9 + 1
	if barW > 0 {
		fixed += barW + 3
	}
	fixed += 7
	if showCount {
		fixed += countW + 1
	}
	nameW := max(width-fixed, 4)
	if n.note != "" && ansi.StringWidth(name)+3+ansi.StringWidth(n.note) <= nameW {
		// Whole or not at all: "other (dire…ks, strays)" says nothing.
		name += " (" + n.note + ")"
	}
	name = report.ShortenMiddle(name, nameW)

	sizeStr := fmt.Sprintf(" %9s ", report.HumanBytes(size))
	filled := int(share*float64(barW) + 0.5)
	pct := fmt.Sprintf("%5.1f%% ", share*100)
	countStr := ""
	if showCount {
		countStr = fmt.Sprintf("%*s ", countW, count)
	}
	if selected {
		plain := mark + sym + sizeStr
		if barW > 0 {
			plain += "[" + strings.Repeat("█", filled) + strings.Repeat("░", barW-filled) + "] "
		}
		return st.Selected.Render(padRight(plain+pct+countStr+name, width))
	}
	// The same text, coloured: the marker, the bar, the dim columns.
	var line strings.Builder
	if _, ok := b.marks[n]; ok {
		line.WriteString(st.Marked.Render(mark))
	} else {
		line.WriteString(mark)
	}
	if w := b.worst(n); w >= 0 {
		line.WriteString(st.Severity[w].Render(sym))
	} else {
		line.WriteString(sym)
	}
	line.WriteString(sizeStr)
	if barW > 0 {
		line.WriteString("[" + st.Bar.Render(strings.Repeat("█", filled)) + st.BarEmpty.Render(strings.Repeat("░", barW-filled)) + "] ")
	}
	line.WriteString(st.Dim.Render(pct + countStr))
	line.WriteString(name)
	return ansi.Truncate(line.String(), width, "…")
}

func padRight(s string, width int) string {
	if w := ansi.StringWidth(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return ansi.Truncate(s, width, "")
}
