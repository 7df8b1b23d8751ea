package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"modscope/report"
)

// frame is what every row of one drawing shares.
type frame struct {
	parentSize int64
	// barMax is the size a full bar stands for: the largest row's, or
	// the parent's with parentBars.
	barMax int64
	countW int
	// allToday: every row's time is of the scan's day, so the time
	// column gives the hour only.
	allToday bool
}

// view draws the visible rows in width columns.
func (b *browser) view(st *Styles, width int) string {
	var sb strings.Builder
	f := frame{parentSize: b.size(b.cur), allToday: true}
	f.barMax = f.parentSize
	if !b.parentBars {
		f.barMax = 0
		for _, r := range b.rows {
			f.barMax = max(f.barMax, b.size(r))
		}
	}
	if b.sortBy == sortTime {
		for _, r := range b.rows {
			if !r.mtime.IsZero() && !b.today(r.mtime) {
				f.allToday = false
				break
			}
		}
	}
	end := min(b.offset+b.height, len(b.rows))
	// The count column is as wide as the widest count on screen.
	for i := b.offset; i < end; i++ {
		f.countW = max(f.countW, len(b.count(b.rows[i], f.allToday)))
	}
	for i := b.offset; i < end; i++ {
		if i > b.offset {
			sb.WriteByte('\n')
		}
		sb.WriteString(b.row(st, b.rows[i], f, width, i == b.cursor))
	}
	if len(b.rows) == 0 {
		msg := "(empty)"
		if b.filter != "" {
			msg = fmt.Sprintf("nothing here matches %q (module paths and versions match)", b.filter)
		}
		sb.WriteString(st.Dim.Render("  " + msg))
	}
	return sb.String()
}

// today reports whether t is on the day the snapshot was taken.
func (b *browser) today(t time.Time) bool {
	if b.scanned.IsZero() {
		return false
	}
	y, m, d := t.Local().Date()
	sy, sm, sd := b.scanned.Local().Date()
	return y == sy && m == sm && d == sd
}

// timeText is the time column: the hour when every row is of the scan's
// day; else the date, and "today" with the hour for that day's rows.
func (b *browser) timeText(t time.Time, allToday bool) string {
	switch {
	case t.IsZero():
		return ""
	case allToday:
		return t.Local().Format("15:04")
	case b.today(t):
		return t.Local().Format("today 15:04")
	}
	return t.Local().Format("2006-01-02")
}

// count is the row's count column: what the order is by (files for c,
// the time for m), versions otherwise.
func (b *browser) count(n *node, allToday bool) string {
	t := b.totals(n)
	switch {
	case n.kind == kindListing:
		return ""
	case b.sortBy == sortCount:
		return report.Plural(t.size.Files, "file")
	case b.sortBy == sortTime:
		return b.timeText(n.mtime, allToday)
	case t.versions > 0 && n.kind != kindVersion:
		return report.Plural(int64(t.versions), "version")
	case n.kind == kindTree || n.kind == kindDownload || n.kind == kindEntry && n.entryDir != "":
		return report.Plural(t.size.Files, "file")
	}
	return ""
}

// row lays out one row: mark, problem marker, size, bar, share, versions,
// name. Narrow terminals drop the bar, then the share and the count.
func (b *browser) row(st *Styles, n *node, f frame, width int, selected bool) string {
	if n.kind == kindListing {
		line := "   " + n.name
		if selected {
			return st.Selected.Render(padRight(line, width))
		}
		return st.Dim.Render(truncate(line, width))
	}
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
	share, fill := 0.0, 0.0
	if f.parentSize > 0 {
		share = float64(size) / float64(f.parentSize)
	}
	if f.barMax > 0 {
		fill = min(float64(size)/float64(f.barMax), 1)
	}
	barW := 10
	switch {
	case width < 64:
		barW = 0
	case width >= 160:
		barW = 20
	}
	count := b.count(n, f.allToday)
	showCount := width >= 60 && f.countW > 0
	name := n.name
	if len(n.children) > 0 || n.kind == kindTree || n.entryDir != "" {
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
		fixed += f.countW + 1
	}
	nameW := max(width-fixed, 4)
	if n.note != "" && ansi.StringWidth(name)+3+ansi.StringWidth(n.note) <= nameW {
		// Whole or not at all: "other (dire…ks, strays)" says nothing.
		name += " (" + n.note + ")"
	}
	name = report.ShortenMiddle(name, nameW)

	sizeStr := fmt.Sprintf(" %9s ", report.HumanBytes(size))
	filled := int(fill*float64(barW) + 0.5)
	pct := fmt.Sprintf("%5.1f%% ", share*100)
	countStr := ""
	if showCount {
		countStr = fmt.Sprintf("%*s ", f.countW, count)
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
