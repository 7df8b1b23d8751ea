package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"modscope/report"
)

// drawDialog lays out a dialog w columns wide and at most maxH lines:
// head lines on top, body lines that scroll (from *offset; focus, if not
// negative, is a body line kept in sight; body lines are wrapped with
// wrap, else cut), foot lines at the bottom. Head and foot lines are wrapped;
// when the terminal is short, blank lines go first, then the head's last
// lines and the foot's first ones (the foot's last line, the question,
// stays), then long lines are cut short; the body keeps half the room.
func drawDialog(st *Styles, title string, w, maxH int, head, body, foot []string, offset *int, focus int, wrap bool) string {
	iw := max(w-4, 1)
	if wrap {
		body = wrapIndented(body, iw)
	}
	avail := max(maxH-2, 1)
	hg, fg := wrapGroups(head, iw), wrapGroups(foot, iw)
	need := func(extra int) bool { return countLines(hg)+countLines(fg)+extra > avail }
	if need(len(body)) {
		hg, fg = dropBlankGroups(hg), dropBlankGroups(fg)
	}
	// The body keeps half the room, when it has that much to show.
	minBody := min(len(body), max(avail/2, 2))
	for need(minBody) && len(hg) > 1 {
		hg = hg[:len(hg)-1]
	}
	for need(minBody) && len(fg) > 1 {
		fg = fg[1:]
	}
	for need(minBody) {
		// Cut the longest group short.
		var longest *[]string
		for _, g := range [][][]string{hg, fg} {
			for i := range g {
				if longest == nil || len(g[i]) > len(*longest) {
					longest = &g[i]
				}
			}
		}
		if longest == nil || len(*longest) <= 1 {
			break
		}
		*longest = (*longest)[:len(*longest)-1]
		last := len(*longest) - 1
		(*longest)[last] = ansi.Truncate((*longest)[last], iw-1, "") + "…"
	}
	bodyH := min(max(avail-countLines(hg)-countLines(fg), 0), len(body))
	rows := bodyH
	more := bodyH < len(body) && bodyH >= 2
	if more {
		rows-- // the last line says what is not shown
	}
	*offset = min(max(*offset, 0), max(len(body)-rows, 0))
	if focus >= 0 && rows > 0 {
		if focus < *offset {
			*offset = focus
		}
		if focus >= *offset+rows {
			*offset = focus - rows + 1
		}
	}
	var lines []string
	for _, g := range hg {
		lines = append(lines, g...)
	}
	lines = append(lines, body[*offset:*offset+rows]...)
	if more {
		var parts []string
		if *offset > 0 {
			parts = append(parts, fmt.Sprintf("↑ %d more", *offset))
		}
		if below := len(body) - *offset - rows; below > 0 {
			parts = append(parts, fmt.Sprintf("↓ %d more", below))
		}
		lines = append(lines, st.Dim.Render(strings.Join(parts, " · ")+" · j/k scroll"))
	}
	for _, g := range fg {
		lines = append(lines, g...)
	}

	return dialogBox(st, title, w, lines)
}

// dialogBox frames lines in a rounded lipgloss border w columns wide, the
// title in its top edge.
func dialogBox(st *Styles, title string, w int, lines []string) string {
	iw := max(w-4, 1)
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, iw, "…")
	}
	border := lipgloss.RoundedBorder()
	box := lipgloss.NewStyle().Border(border).BorderTop(false).BorderForeground(st.Dialog.GetForeground()).
		Padding(0, 1).Width(w).Render(strings.Join(lines, "\n"))
	title = report.ShortenMiddle(title, max(w-6, 1))
	fill := max(w-5-ansi.StringWidth(title), 0)
	top := st.Dialog.Render(border.TopLeft+border.Top+" ") + st.DialogTitle.Render(title) + st.Dialog.Render(" "+strings.Repeat(border.Top, fill)+border.TopRight)
	return top + "\n" + box
}

// wrapIndented wraps lines to width; an indented line's continuations
// keep its indent, so that a result's details stay under their title.
func wrapIndented(ls []string, width int) []string {
	var out []string
	for _, l := range ls {
		plain := ansi.Strip(l)
		indent := len(plain) - len(strings.TrimLeft(plain, " "))
		if indent == 0 || indent > width/3 || ansi.StringWidth(l) <= width {
			out = append(out, wrapLines([]string{l}, width)...)
			continue
		}
		rest := ansi.TruncateLeft(l, indent, "")
		for _, part := range wrapLines([]string{rest}, width-indent) {
			out = append(out, strings.Repeat(" ", indent)+part)
		}
	}
	return out
}

// wrapGroups wraps each line to width, keeping the lines each made together.
func wrapGroups(ls []string, width int) [][]string {
	var out [][]string
	for _, l := range ls {
		out = append(out, wrapLines([]string{l}, width))
	}
	return out
}

func countLines(gs [][]string) int {
	n := 0
	for _, g := range gs {
		n += len(g)
	}
	return n
}

func dropBlankGroups(gs [][]string) [][]string {
	var out [][]string
	for _, g := range gs {
		if len(dropBlank(g)) > 0 {
			out = append(out, g)
		}
	}
	return out
}

func dropBlank(ls []string) []string {
	var out []string
	for _, l := range ls {
		if strings.TrimSpace(ansi.Strip(l)) != "" {
			out = append(out, l)
		}
	}
	return out
}

// question is the dialog's last line: the default, No, in capitals.
func question(st *Styles, q string) string {
	return st.PaneTitle.Render(q) + " [y/" + st.Key.Render("N") + "]"
}

// hint is a key a dialog offers, as the footer shows it.
type hint struct {
	key, desc string
	// shortKey and shortDesc are the forms a narrow footer uses; ""
	// keeps the long one.
	shortKey, shortDesc string
	// drop orders the hints a footer too narrow for the short forms
	// leaves out: the highest first, the last of equals first; 0 stays.
	drop int
}

// hintLine renders a dialog's keys for the footer. A line too long for
// the terminal takes the short forms, then leaves out the hints that
// matter least until it fits, then gives back the long forms that still
// fit, descriptions before key lists (n/esc says how to cancel as well
// as n/esc/enter); a key is never cut in the middle. Only a line of the
// hints that always stay is cut, with "…".
func hintLine(st *Styles, width int, hints []hint) string {
	short := make([]bool, len(hints))
	left := make([]bool, len(hints))
	line := func() string {
		var parts []string
		for i, h := range hints {
			if left[i] {
				continue
			}
			k, d := h.key, h.desc
			if short[i] && h.shortKey != "" {
				k = h.shortKey
			}
			if short[i] && h.shortDesc != "" {
				d = h.shortDesc
			}
			parts = append(parts, st.Key.Render(k)+" "+st.Help.Render(d))
		}
		return strings.Join(parts, st.Help.Render(" · "))
	}
	fits := func() bool { return ansi.StringWidth(line()) <= width }
	if fits() {
		return line()
	}
	for i := range short {
		short[i] = true
	}
	for !fits() {
		next := -1
		for i, h := range hints {
			if !left[i] && h.drop > 0 && (next < 0 || h.drop >= hints[next].drop) {
				next = i
			}
		}
		if next < 0 {
			return ansi.Truncate(line(), width, "…")
		}
		left[next] = true
	}
	for _, descs := range []bool{true, false} {
		for i, h := range hints {
			if left[i] || !short[i] || (h.shortDesc != "") != descs {
				continue
			}
			short[i] = false
			if !fits() {
				short[i] = true
			}
		}
	}
	return line()
}
