package ui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"github.com/charmbracelet/x/ansi"

	"modscope/cachescan"
	"modscope/report"
)

// footerLines is the footer: one line, or a status message wrapped on
// up to two, so that the next step it names is read whole.
func (m *Model) footerLines() []string {
	top := m.top()
	if m.status == "" || top != nil && top.layer() != layerBody || m.err != nil || m.busy.kind == busyTask || m.busy.kind == busyVerify {
		return []string{m.footer()}
	}
	w := m.c.width
	lines := wrapLines([]string{m.status}, w)
	if len(lines) > maxStatusLines {
		lines = lines[:maxStatusLines]
		lines[maxStatusLines-1] = ansi.Truncate(lines[maxStatusLines-1], w-1, "") + "…"
	}
	for i, l := range lines {
		lines[i] = m.c.styles.Label.Render(l)
	}
	return lines
}

// footer is the footer's one line.
func (m *Model) footer() string {
	st, w := m.c.styles, m.c.width
	if top := m.top(); top != nil && top.layer() != layerBody {
		if top.layer() == layerFooter {
			return top.view(m.c, w, 1)
		}
		return hintLine(st, w, top.hints())
	}
	if m.err != nil {
		return truncate(st.StatusError.Render("modscope: "+cachescan.Printable(m.err.Error()))+st.Dim.Render("  q quit"), w)
	}
	if m.busy.kind == busyTask {
		return m.taskLine()
	}
	if m.busy.kind == busyVerify {
		return truncate(st.Dim.Render("verifying "+cachescan.Printable(m.busy.ver.v.Progress().Current)), w)
	}
	if m.status != "" {
		return truncate(st.Label.Render(m.status), w)
	}
	return m.shortHelp()
}

// shortHelp is the help line for the focused pane: its own keys first,
// dropped from the end when the line is too narrow, and "? help · q quit"
// always kept.
func (m *Model) shortHelp() string {
	k := m.c.keys
	var items []key.Binding
	if km, ok := m.top().(help.KeyMap); ok && m.top().layer() == layerBody {
		// The full view of problems answers keys of its own.
		items = km.ShortHelp()
	} else if m.ready() {
		items = m.focused().ShortHelp()
	}
	st := m.c.styles
	render := func(b key.Binding) string {
		return st.Key.Render(b.Help().Key) + " " + st.Help.Render(b.Help().Desc)
	}
	sep := st.Help.Render(" · ")
	tail := render(k.Help) + sep + render(k.Quit)
	for n := len(items); n >= 0; n-- {
		parts := make([]string, 0, n+1)
		for _, b := range items[:n] {
			// A store's browser disables the actions.
			if b.Enabled() {
				parts = append(parts, render(b))
			}
		}
		parts = append(parts, tail)
		line := strings.Join(parts, sep)
		if ansi.StringWidth(line) <= m.c.width {
			return line
		}
	}
	return truncate(tail, m.c.width)
}

// helpKeys is the help screen's key map: the focused pane's groups, then
// the keys that work everywhere.
type helpKeys struct {
	pane   help.KeyMap
	global []key.Binding
}

func (h helpKeys) ShortHelp() []key.Binding { return h.global }
func (h helpKeys) FullHelp() [][]key.Binding {
	return append(append([][]key.Binding(nil), h.pane.FullHelp()...), h.global)
}

func (m *Model) focusedHelp() help.KeyMap {
	k := m.c.keys
	show := func(keys, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
	}
	global := []key.Binding{k.NextView, withHelp(k.PrevView, "previous view"), show("1-4", "go to a view"),
		withHelp(k.Offline, "offline check"), k.Help, k.Quit}
	return helpKeys{pane: m.focused(), global: global}
}

// bar is a ten-cell progress bar (bubbles' progress, without its
// animation: the polls redraw it).
func (m *Model) bar(share float64) string {
	st := m.c.styles
	p := progress.New(progress.WithWidth(10), progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'),
		progress.WithColors(st.Bar.GetForeground()))
	p.EmptyColor = st.BarEmpty.GetForeground()
	return p.ViewAs(min(max(share, 0), 1))
}

func (m *Model) body() string {
	st := m.c.styles
	if top := m.top(); top != nil && top.layer() == layerBody {
		if _, help := top.(*helpOverlay); help || m.ready() {
			return top.view(m.c, m.c.width, m.bodyHeight())
		}
	}
	switch {
	case m.err != nil && m.store != nil:
		return "\n  " + st.StatusError.Render(storeLoadError(m.err)) + "\n\n  q quits."
	case !m.ready() && m.store != nil:
		return st.Dim.Render("\n  Listing the store…\n\n  q quits at any moment.")
	case m.err != nil:
		return "\n  " + st.StatusError.Render(cachescan.Printable(m.err.Error())) + "\n\n  Check the path, or pass --modcache/--gocache. q quits."
	case !m.ready():
		return st.Dim.Render(fmt.Sprintf("\n  Scanning… %s directories, %s files, %s so far.\n\n  q quits at any moment.",
			report.Count(m.progress.Dirs), report.Count(m.progress.Files), report.HumanBytes(m.progress.Bytes)))
	}
	return m.focused().View()
}

// taskLine is the footer while a task runs: a bar, how far it is, what
// it freed, what it is on, and how to stop it.
func (m *Model) taskLine() string {
	st, t := m.c.styles, m.busy.task
	t.mu.Lock()
	done, items, freed, current := t.done, t.items, t.freed, t.current
	downloading, dlDone, dlTotal, dlFailed := t.downloading, t.dlDone, t.dlTotal, t.dlFailed
	// Within the versions being installed, by bytes.
	var partial float64
	for _, bt := range t.installed {
		partial += float64(bt[0]) / float64(bt[1])
	}
	var under []string
	for target, step := range t.under {
		under = append(under, step+" "+target)
	}
	t.mu.Unlock()
	sort.Strings(under)
	var share float64
	var text string
	if downloading {
		if dlTotal > 0 {
			share = min((float64(dlDone)+partial)/float64(dlTotal), 1)
		}
		text = fmt.Sprintf(" re-downloading %d/%d", dlDone, dlTotal)
		if dlFailed > 0 {
			text += fmt.Sprintf(", %d failed", dlFailed)
		}
		if freed.Bytes > 0 {
			text += " · " + report.HumanBytes(m.c.sizeOf(freed)) + " freed"
		}
		if len(under) > 0 {
			text += " · " + cachescan.Printable(under[0])
			if len(under) > 1 {
				text += fmt.Sprintf(" (+%d)", len(under)-1)
			}
		}
	} else {
		if items > 0 {
			share = float64(done) / float64(items)
		}
		text = fmt.Sprintf(" removing %d/%d · %s freed", done, items, report.HumanBytes(m.c.sizeOf(freed)))
		if t.plan != nil {
			// By bytes, within items too: one build-cache item can be
			// 100,000 entries, and one version can outweigh fifty.
			paths, bytes := t.plan.Progress()
			if total := t.plan.Size.Bytes; total > 0 {
				share = float64(bytes) / float64(total)
			}
			if total := t.plan.Paths(); total > 0 && bigItems(t.plan) {
				text = fmt.Sprintf(" removing %s/%s paths · %s freed", report.Count(paths), report.Count(total), report.HumanBytes(bytes))
			}
		}
		if current != "" {
			text += " · " + cachescan.Printable(current)
		}
	}
	bar := m.bar(share)
	stop := "  " + st.Key.Render("esc") + " " + st.Help.Render("stops")
	if t.stopping {
		stop = "  " + st.Severity[1].Render("stopping after the current item…")
		if downloading {
			stop = "  " + st.Severity[1].Render("stopping the downloads…")
		}
	}
	// The stop hint is kept; the text gives way on narrow terminals.
	room := max(m.c.width-ansi.StringWidth(stop)-10, 8)
	return ansi.Truncate(bar+st.Dim.Render(ansi.Truncate(text, room, "…"))+stop, m.c.width, "…")
}
