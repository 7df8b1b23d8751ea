package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"modscope/cachescan"
	"modscope/report"
)

// problemsPane is the Problems view. Its list keeps a cursor that skips
// the kind headers and an offset that moves only as far as the cursor
// needs (a viewport's EnsureVisible puts the line on top, and would hide
// the kind header above the first problem of a group); the viewport draws
// the visible lines from that offset, the cursor's line reversed.
type problemsPane struct {
	c     *common
	list  problemList
	width int
	vp    viewport.Model
	// The viewport holds the lines drawn for this list, at drawnW with
	// drawnSt; set and a new size or style draw them again, a key does not.
	drawn   bool
	drawnW  int
	drawnSt *Styles
}

func newProblemsPane(c *common) *problemsPane {
	p := &problemsPane{c: c, vp: viewport.New()}
	p.vp.StyleLineFunc = func(i int) lipgloss.Style {
		if i == p.list.cursor {
			return p.c.styles.Selected.Width(p.width)
		}
		return lipgloss.NewStyle()
	}
	return p
}

func (p *problemsPane) selected() *cachescan.Problem { return p.list.selected() }

// set shows ps; unless fresh, the place is kept and the problem that went
// gives its place to the next one.
func (p *problemsPane) set(ps []cachescan.Problem, fresh bool) {
	l := newProblemList(ps)
	l.height = p.list.height
	if !fresh {
		l.offset = p.list.offset
		if len(l.lines) > 0 {
			l.cursor = min(max(p.list.cursor, 1), len(l.lines)-1)
			l.move(0)
		}
	}
	l.clamp()
	p.list = l
	p.drawn = false
}

func (p *problemsPane) SetSize(w, h int) {
	p.width = w
	p.list.height = h
	p.list.clamp()
	p.vp.SetWidth(w)
	p.vp.SetHeight(h)
}

func (p *problemsPane) Update(msg tea.Msg) action {
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		if d, ok := wheelDelta(msg); ok {
			p.list.move(d)
		}
	case tea.MouseClickMsg:
		p.list.clickLine(p.list.offset + msg.Y)
	case tea.KeyPressMsg:
		if d, ok := navDelta(msg, p.c.keys, p.list.height); ok {
			p.list.move(d)
		} else if msg.String() == "enter" || matches(msg, p.c.keys.Fixes) {
			return openFixes{}
		} else if matches(msg, p.c.keys.Open) {
			return jumpTo{}
		}
	}
	return nil
}

func (p *problemsPane) View() string {
	st := p.c.styles
	if len(p.list.lines) == 0 {
		return st.Dim.Render("\n  No problems found. The scan hashes nothing; verify checks every hash.")
	}
	if !p.drawn || p.drawnW != p.width || p.drawnSt != st {
		p.vp.SetContentLines(p.list.lineTexts(st, p.width))
		p.drawn, p.drawnW, p.drawnSt = true, p.width, st
	}
	p.vp.SetYOffset(p.list.offset)
	return p.vp.View()
}

func (p *problemsPane) ShortHelp() []key.Binding {
	k := p.c.keys
	return []key.Binding{k.Up, k.Down, fixKey(k), revealKey(k), withHelp(k.Purge, "purge its fix"), k.Repair,
		k.Verify, k.Rescan, k.Details, k.NextView}
}

// fixKey is enter (and f) in the Problems view: the problem in full.
func fixKey(k KeyMap) key.Binding {
	return key.NewBinding(key.WithKeys("enter", "f"), key.WithHelp("enter/f", "fix in full"))
}

// revealKey is l or →: the problem's entry in the Modules view.
func revealKey(k KeyMap) key.Binding {
	b := k.Open
	b.SetKeys("l", "right")
	b.SetHelp("l", "show in Modules")
	return b
}

func (p *problemsPane) FullHelp() [][]key.Binding {
	k := p.c.keys
	return [][]key.Binding{{k.Up, k.Down, fixKey(k), revealKey(k), k.Details},
		{withHelp(k.Purge, "purge its fix"), withHelp(k.Download, "re-download its version"), k.Repair, k.PurgePolicy, k.Verify, k.VerifyAll, k.Rescan, k.LastResult}}
}

// problemLine is a kind header or a problem in the Problems view.
type problemLine struct {
	header string // set on group headers
	sev    cachescan.Severity
	prob   *cachescan.Problem
}

// problemList is the Problems view: problems grouped by kind, in severity
// order, with a cursor that moves over problems and skips headers.
type problemList struct {
	lines  []problemLine
	cursor int
	offset int
	height int
}

func newProblemList(ps []cachescan.Problem) problemList {
	l := problemList{}
	// Problems come sorted by severity, then kind: a group is a run of
	// the same kind and severity.
	for i := range ps {
		pr := &ps[i]
		if i == 0 || pr.Kind != ps[i-1].Kind || pr.Severity != ps[i-1].Severity {
			n := 0
			for j := i; j < len(ps) && ps[j].Kind == pr.Kind && ps[j].Severity == pr.Severity; j++ {
				n++
			}
			l.lines = append(l.lines, problemLine{header: fmt.Sprintf("%s (%s) · %d", pr.Kind, pr.Severity, n), sev: pr.Severity})
		}
		l.lines = append(l.lines, problemLine{prob: pr})
	}
	l.cursor = 1
	return l
}

func (l *problemList) selected() *cachescan.Problem {
	if l.cursor >= 0 && l.cursor < len(l.lines) {
		return l.lines[l.cursor].prob
	}
	return nil
}

func (l *problemList) move(delta int) {
	if len(l.lines) == 0 {
		return
	}
	step := 1
	if delta < 0 {
		step = -1
	}
	target := min(max(l.cursor+delta, 0), len(l.lines)-1)
	l.cursor = target
	// Land on a problem, not a header.
	for l.cursor >= 0 && l.cursor < len(l.lines) && l.lines[l.cursor].prob == nil {
		l.cursor += step
	}
	if l.cursor < 0 || l.cursor >= len(l.lines) {
		l.cursor = target
		for l.cursor >= 0 && l.cursor < len(l.lines) && l.lines[l.cursor].prob == nil {
			l.cursor -= step
		}
	}
	l.clamp()
}

func (l *problemList) clickLine(i int) {
	if i >= 0 && i < len(l.lines) && l.lines[i].prob != nil {
		l.cursor = i
		l.clamp()
	}
}

func (l *problemList) clamp() {
	if l.height <= 0 {
		return
	}
	h := l.height
	if l.cursor >= len(l.lines) {
		l.cursor = len(l.lines) - 1
	}
	if l.cursor < 0 {
		l.cursor = 0
	}
	if l.cursor < l.offset {
		l.offset = l.cursor
		// Keep the kind header in sight above the first problem of a group.
		if l.offset > 0 && l.lines[l.offset-1].prob == nil {
			l.offset--
		}
	}
	if l.cursor >= l.offset+h {
		l.offset = l.cursor - h + 1
	}
	// After a resize, no blank rows below the last problem.
	if l.offset > max(len(l.lines)-h, 0) {
		l.offset = max(len(l.lines)-h, 0)
	}
}

// lineTexts draws every line of the list, cut to width; the cursor's
// line is reversed as the viewport draws it.
func (l *problemList) lineTexts(st *Styles, width int) []string {
	out := make([]string, 0, len(l.lines))
	for _, ln := range l.lines {
		if ln.prob == nil {
			rank := ln.sev.Rank()
			out = append(out, ansi.Truncate(st.Severity[rank].Render(severitySymbols[rank]+" "+ln.header), width, "…"))
			continue
		}
		pr := ln.prob
		what := problemSubject(pr)
		out = append(out, ansi.Truncate(fmt.Sprintf("   %s  %s", report.ShortenMiddle(what, max(width/2, 20)), cachescan.Printable(pr.Detail)), width, "…"))
	}
	return out
}

// problemSubject names what a problem is about: module@version, else the
// last elements of its path.
func problemSubject(pr *cachescan.Problem) string {
	if pr.Module != "" {
		if pr.Version != "" {
			return cachescan.Printable(pr.Module + "@" + pr.Version)
		}
		return cachescan.Printable(pr.Module)
	}
	return report.ShortEntry(cachescan.Printable(lastElems(pr.Path, 3)))
}

func lastElems(path string, n int) string {
	parts := strings.Split(strings.ReplaceAll(path, "\\", "/"), "/")
	if len(parts) > n {
		parts = parts[len(parts)-n:]
	}
	return strings.Join(parts, "/")
}
