package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// layer is where an overlay draws: over the body, in the footer, or as a
// box over everything.
type layer uint8

const (
	layerBody layer = iota
	layerFooter
	layerBox
)

// overlay is what the stack holds. It gets the keys while it is on top;
// it reads common but changes nothing outside itself: what it wants done
// it returns.
type overlay interface {
	layer() layer
	update(c *common, msg tea.Msg) action
	// view draws it in at most w columns and h lines.
	view(c *common, w, h int) string
	// hints are the keys the footer shows while a box is open.
	hints() []hint
}

// dialogWidth is a dialog's width on this terminal: most of it, within
// reason, and all of it when it is narrow.
func dialogWidth(width int) int {
	return min(width, max(60, min(90, width*4/5)))
}

// composeBox draws box over screen with lipgloss's compositor: centred on
// the body when it fits there, else on everything but the footer.
func composeBox(screen, box string, width, height int) string {
	bw, bh := lipgloss.Width(box), lipgloss.Height(box)
	x := max((width-bw)/2, 0)
	y := max((height-1-bh)/2, 0)
	if bodyH := height - headerLines - 1; bh <= bodyH {
		y = headerLines + (bodyH-bh)/2
	}
	comp := lipgloss.NewCompositor(lipgloss.NewLayer(screen), lipgloss.NewLayer(box).X(x).Y(y).Z(1))
	return lipgloss.NewCanvas(width, lipgloss.Height(screen)).Compose(comp).Render()
}

// helpOverlay is the help screen: the focused pane's keys and the global
// ones. Any key closes it, q too (as in ncdu).
type helpOverlay struct {
	groups [][]key.Binding
	h      *help.Model
}

func newHelpOverlay(km help.KeyMap, h *help.Model) *helpOverlay {
	return &helpOverlay{groups: km.FullHelp(), h: h}
}

func (*helpOverlay) layer() layer  { return layerBody }
func (*helpOverlay) hints() []hint { return nil }

func (o *helpOverlay) update(_ *common, msg tea.Msg) action {
	if _, ok := msg.(tea.KeyPressMsg); ok {
		return closeTop{}
	}
	return nil
}

func (o *helpOverlay) view(c *common, w, _ int) string {
	st := c.styles
	note := "d, D, w and R show their plan and ask first: y goes ahead; n, esc or enter (the default, No) cancel. " +
		"A mark on a module stands for all its versions. --read-only refuses all four; r only reads the caches again."
	if c.store {
		note = "A store is browsed read-only: r lists it again. " + storeReadOnly + "."
	}
	notes := wrapLines([]string{st.Dim.Render(note)}, w)
	return o.columns(w) + "\n\n" + strings.Join(notes, "\n") + "\n\n" + st.Dim.Render("any key closes this help")
}

// columns lays the groups side by side, as many on a row as fit.
func (o *helpOverlay) columns(width int) string {
	h := *o.h
	h.SetWidth(0)
	for perRow := len(o.groups); perRow >= 1; perRow-- {
		var rows []string
		widest := 0
		for i := 0; i < len(o.groups); i += perRow {
			row := h.FullHelpView(o.groups[i:min(i+perRow, len(o.groups))])
			widest = max(widest, lipgloss.Width(row))
			rows = append(rows, row)
		}
		if widest <= width || perRow == 1 {
			return strings.Join(rows, "\n\n")
		}
	}
	return ""
}

// filterOverlay is the filter's input in the footer: typing narrows at
// once, enter keeps the filter and returns to the list, esc clears it.
type filterOverlay struct {
	in   textinput.Model
	mods *modulesPane
}

func newFilterOverlay(mods *modulesPane) *filterOverlay {
	in := textinput.New()
	in.Prompt = "/"
	// The footer draws its own cursor: a blinking one would make every
	// frame differ.
	in.SetVirtualCursor(false)
	in.SetValue(mods.b.filter)
	in.CursorEnd()
	in.Focus()
	return &filterOverlay{in: in, mods: mods}
}

func (*filterOverlay) layer() layer  { return layerFooter }
func (*filterOverlay) hints() []hint { return nil }

func (o *filterOverlay) update(_ *common, msg tea.Msg) action {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch k.String() {
	case "esc":
		o.mods.b.setFilter("")
		return closeTop{}
	case "enter", "down", "up":
		return closeTop{}
	case "backspace":
		if o.in.Value() == "" {
			return nil // nothing to erase; esc closes the filter
		}
	}
	var cmd tea.Cmd
	o.in, cmd = o.in.Update(msg)
	if o.in.Value() != o.mods.b.filter {
		o.mods.b.setFilter(o.in.Value())
	}
	return cmdAction{cmd}
}

func (o *filterOverlay) view(c *common, w, _ int) string {
	st := c.styles
	return truncate(st.Input.Render("/"+withCursor(o.in))+st.Dim.Render("  enter keep · esc clear"), w)
}

// withCursor is an input's value with a thin bar at its cursor: drawn
// here rather than by textinput, whose cursor blinks and takes a cell.
func withCursor(in textinput.Model) string {
	r := []rune(in.Value())
	pos := min(max(in.Position(), 0), len(r))
	return string(r[:pos]) + "▏" + string(r[pos:])
}

// detailsOverlay shows the details of the selection over the whole body;
// j/k scroll them, any other key closes them (q quits as well).
type detailsOverlay struct {
	d  *detailsPane
	vp viewport.Model
}

func newDetailsOverlay(d *detailsPane) *detailsOverlay {
	return &detailsOverlay{d: d, vp: viewport.New()}
}

func (*detailsOverlay) layer() layer  { return layerBody }
func (*detailsOverlay) hints() []hint { return nil }

func (o *detailsOverlay) update(c *common, msg tea.Msg) action {
	if d, ok := wheelDelta(msg); ok {
		scrollBy(&o.vp, d)
		return nil
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if d, ok := navDelta(k, c.keys, o.vp.Height()); ok {
		scrollBy(&o.vp, d)
		return nil
	}
	return closeTop{quit: matches(k, c.keys.Quit)}
}

func (o *detailsOverlay) view(c *common, w, h int) string {
	lines := cutLines(detailLines(o.d.lines(), w), w)
	lines = append(lines, "", c.styles.Dim.Render("j/k scroll · any other key closes"))
	o.vp.SetWidth(w)
	o.vp.SetHeight(h)
	o.vp.SetContentLines(lines)
	return o.vp.View()
}

// scrollBy scrolls a viewport by delta lines, either way.
func scrollBy(vp *viewport.Model, delta int) {
	if delta < 0 {
		vp.ScrollUp(-delta)
	} else {
		vp.ScrollDown(delta)
	}
}
