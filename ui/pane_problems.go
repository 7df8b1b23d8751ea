package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"modscope/cachescan"
	"modscope/report"
)

// problemsPane is the Problems view. Its list keeps a cursor that skips
// the kind headers, which a viewport's offset alone cannot do.
type problemsPane struct {
	c     *common
	list  problemList
	width int
}

func newProblemsPane(c *common) *problemsPane { return &problemsPane{c: c} }

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
}

func (p *problemsPane) SetSize(w, h int) {
	p.width = w
	p.list.height = h
	p.list.clamp()
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
		} else if matches(msg, p.c.keys.Open) {
			return jumpTo{}
		}
	}
	return nil
}

func (p *problemsPane) View() string { return p.list.view(p.c.styles, p.width) }

func (p *problemsPane) ShortHelp() []key.Binding {
	k := p.c.keys
	return []key.Binding{k.Up, k.Down, withHelp(k.Open, "show in Modules"), withHelp(k.Purge, "purge its fix"), k.Repair,
		k.Verify, k.Rescan, k.Details, k.NextView}
}

func (p *problemsPane) FullHelp() [][]key.Binding {
	k := p.c.keys
	return [][]key.Binding{{k.Up, k.Down, withHelp(k.Open, "show in Modules"), k.Details},
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

func (l *problemList) view(st *Styles, width int) string {
	if len(l.lines) == 0 {
		return st.Dim.Render("\n  No problems found. The scan hashes nothing; verify checks every hash.")
	}
	var out []string
	end := min(l.offset+l.height, len(l.lines))
	for i := l.offset; i < end; i++ {
		ln := l.lines[i]
		if ln.prob == nil {
			rank := ln.sev.Rank()
			out = append(out, ansi.Truncate(st.Severity[rank].Render(severitySymbols[rank]+" "+ln.header), width, "…"))
			continue
		}
		pr := ln.prob
		what := problemSubject(pr)
		text := fmt.Sprintf("   %s  %s", report.ShortenMiddle(what, max(width/2, 20)), cachescan.Printable(pr.Detail))
		if i == l.cursor {
			out = append(out, st.Selected.Render(padRight(text, width)))
		} else {
			out = append(out, ansi.Truncate(text, width, "…"))
		}
	}
	return strings.Join(out, "\n")
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
