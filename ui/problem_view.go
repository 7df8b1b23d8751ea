package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"modscope/cachescan"
	"modscope/report"
)

type (
	// openFixes shows the selection's problems full width (f, or enter
	// in the Problems view).
	openFixes struct{}
	// copyText puts text on the clipboard (OSC 52) and says so.
	copyText struct{ text, status string }
)

func (openFixes) isAction() {}
func (copyText) isAction()  {}

// problemView shows problems over the whole body, each fix and path on
// one line, never wrapped: a line wider than the terminal is cut with "…"
// on screen only, and ←/→ scroll it. c copies the selected fix, C all of
// them. The viewport draws the visible lines; the selection and the
// sideways scroll are kept here.
type problemView struct {
	probs []cachescan.Problem
	about string
	sel   int
	x     int
	vp    viewport.Model
	// starts[i] is the first line of problem i, starts[len] the end.
	starts []int
	// room is how many columns the long lines had on the last frame.
	room, widest int
}

func newProblemView(about string, probs []cachescan.Problem) *problemView {
	return &problemView{probs: probs, about: about, vp: viewport.New()}
}

func (*problemView) layer() layer  { return layerBody }
func (*problemView) hints() []hint { return nil }

func (o *problemView) ShortHelp() []key.Binding {
	k := defaultKeys
	out := []key.Binding{withHelp(k.Copy, "copy the fix")}
	if len(o.probs) > 1 {
		out = append(out, withHelp(k.CopyAll, fmt.Sprintf("copy all %d", len(o.probs))), withHelp(k.Down, "next problem"))
	}
	return append(out, withHelp(k.Right, "scroll"), withHelp(k.Left, "scroll back"), withHelp(k.ClearFilter, "back"))
}

func (o *problemView) FullHelp() [][]key.Binding {
	k := defaultKeys
	return [][]key.Binding{{withHelp(k.Copy, "copy the selected fix"), withHelp(k.CopyAll, "copy every fix, one a line")},
		{withHelp(k.Up, "previous problem"), withHelp(k.Down, "next problem"), k.PageUp, k.PageDown, k.Left, k.Right},
		{withHelp(k.ClearFilter, "back to the list"), k.Quit}}
}

// defaultKeys names the keys in the view's help; the view matches the
// user's KeyMap.
var defaultKeys = DefaultKeyMap()

func (o *problemView) update(c *common, msg tea.Msg) action {
	if d, ok := wheelDelta(msg); ok {
		scrollBy(&o.vp, d)
		return nil
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	keys := c.keys
	step := max(o.room/3, 8)
	switch {
	case matches(k, keys.Copy):
		return o.copy(false)
	case matches(k, keys.CopyAll):
		return o.copy(true)
	case matches(k, keys.Left):
		o.x = max(o.x-step, 0)
	case matches(k, keys.Right):
		o.x = min(o.x+step, max(o.widest-o.room, 0))
	case matches(k, keys.Up, keys.Down) && len(o.probs) > 1:
		d := 1
		if matches(k, keys.Up) {
			d = -1
		}
		o.sel = min(max(o.sel+d, 0), len(o.probs)-1)
		o.reveal()
	case matches(k, keys.Quit):
		return closeTop{quit: true}
	case k.String() == "esc" || matches(k, keys.Back) || matches(k, keys.Fixes):
		return closeTop{}
	default:
		if d, ok := navDelta(k, keys, o.vp.Height()); ok {
			scrollBy(&o.vp, d)
		}
	}
	return nil
}

// copy puts the selected fix, or all of them one a line, on the clipboard.
func (o *problemView) copy(all bool) action {
	if len(o.probs) == 0 {
		return showStatus{"no problem here: nothing to copy"}
	}
	picked := o.probs[o.sel : o.sel+1]
	if all {
		picked = o.probs
	}
	var cmds []string
	advice := 0
	for _, pr := range picked {
		cmd, ok := fixCommand(pr.Fix)
		if !ok {
			advice++
		}
		cmds = append(cmds, cmd)
	}
	text := strings.Join(cmds, "\n")
	var status string
	switch {
	case all && len(picked) > 1:
		status = fmt.Sprintf("copied all %d fixes, one a line: %s", len(picked), cmds[0])
		if advice > 0 {
			status += fmt.Sprintf(" (%d of them advice, not a command)", advice)
		}
	case advice > 0:
		status = "copied the advice (not a command): " + text
	case len(o.probs) > 1:
		status = fmt.Sprintf("copied the fix of problem %d of %d: %s", o.sel+1, len(o.probs), text)
	default:
		status = "copied: " + text
	}
	// fixCommand left no control or bidi character; Printable says so.
	return copyText{text: text, status: cachescan.Printable(status)}
}

// reveal scrolls the viewport to the selected problem, only as far as it
// must: the viewport's own EnsureVisible would put it on top.
func (o *problemView) reveal() {
	if len(o.starts) <= o.sel+1 {
		return
	}
	start, end, h, y := o.starts[o.sel], o.starts[o.sel+1], o.vp.Height(), o.vp.YOffset()
	switch {
	case start < y:
		y = start
	case end > y+h:
		y = min(start, end-h)
	}
	o.vp.SetYOffset(y)
}

func (o *problemView) view(c *common, w, h int) string {
	st := c.styles
	var lines []string
	o.starts = o.starts[:0]
	o.widest = 0
	const label = 7 // "  fix  ", "  copy " and "  at   "
	o.room = max(w-label, 1)
	long := func(name, text string) string {
		o.widest = max(o.widest, ansi.StringWidth(text))
		return st.Label.Render(name) + sideways(text, o.x, o.room)
	}
	head := fmt.Sprintf("%s: %s", cachescan.Printable(o.about), report.Plural(int64(len(o.probs)), "problem"))
	lines = append(lines, st.PaneTitle.Render(truncate(head, w)), "")
	for i := range o.probs {
		pr := &o.probs[i]
		o.starts = append(o.starts, len(lines))
		rank := pr.Severity.Rank()
		mark := "  "
		if len(o.probs) > 1 && i == o.sel {
			mark = st.Key.Render("▸ ")
		}
		title := mark + st.Severity[rank].Render(severitySymbols[rank]+" "+pr.Kind) + " (" + string(pr.Severity) + ") " + problemSubject(pr)
		lines = append(lines, truncate(title, w))
		for _, l := range wrapLines([]string{cachescan.Printable(pr.Detail)}, max(w-2, 1)) {
			lines = append(lines, "  "+l)
		}
		lines = append(lines, long("  fix  ", cachescan.Printable(pr.Fix)))
		if cmd, ok := fixCommand(pr.Fix); ok && cmd != cachescan.Printable(pr.Fix) {
			lines = append(lines, long("  copy ", cmd))
		}
		lines = append(lines, long("  at   ", cachescan.Printable(pr.Path)))
		if k := cachescan.LookupKind(pr.Kind); k != nil {
			for _, l := range wrapLines([]string{k.Meaning}, max(w-2, 1)) {
				lines = append(lines, "  "+st.Dim.Render(l))
			}
		}
		lines = append(lines, "")
	}
	o.starts = append(o.starts, len(lines))
	o.x = min(o.x, max(o.widest-o.room, 0))
	o.vp.SetWidth(w)
	o.vp.SetHeight(h)
	o.vp.SetContentLines(lines)
	return o.vp.View()
}

// sideways is the part of text from column x that fits width, with "…"
// where it goes on, left or right.
func sideways(text string, x, width int) string {
	tw := ansi.StringWidth(text)
	if tw <= width && x == 0 {
		return text
	}
	x = min(max(x, 0), max(tw-width, 0))
	left, right := x > 0, x+width < tw
	from, to := x, x+width
	if left {
		from++
	}
	if right {
		to--
	}
	out := ansi.Cut(text, from, to)
	if left {
		out = "…" + out
	}
	if right {
		out += "…"
	}
	return out
}

// openFixes shows the selection's problems full width: the Problems
// view's selected problem, or those the details pane lists for the Modules
// view's row.
func (m *Model) openFixes() tea.Cmd {
	var probs []cachescan.Problem
	about := ""
	switch m.view {
	case viewProblems:
		if pr := m.probs.selected(); pr != nil {
			probs, about = []cachescan.Problem{*pr}, problemSubject(pr)
		}
	case viewModules:
		if n := m.mods.b.selected(); n != nil {
			for _, pr := range nodeProblems(n) {
				probs = append(probs, *pr)
			}
			about = n.path
		}
	}
	if len(probs) == 0 {
		m.status = "no problem here: f shows a problem and its fix in full, for a row with problems (Modules) or in Problems (4)"
		return nil
	}
	m.push(newProblemView(about, probs))
	return nil
}
