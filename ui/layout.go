package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Layout: three header lines, the body, one footer line (two for a
// status message too long for one); the details pane sits right of the
// body on wide terminals and below it on tall ones.
const headerLines = 3

// maxStatusLines bounds a status message: a second line costs the body
// one row, a third would cost too much.
const maxStatusLines = 2

// panePlacement says where a details pane fits at this size, whether or
// not it is switched on. The Modules view gives the list the room, as
// ncdu does: the pane goes right only when the list keeps 100 columns,
// below only when the list keeps 24 rows, and else it hides (i shows the
// details over the body).
func (m *Model) panePlacement() (right bool, below bool) {
	if m.view == viewModules {
		if m.c.width >= 100+modulesDetailsWidth {
			return true, false
		}
		return false, m.c.height-headerLines-1-m.detailsHeight() >= 24
	}
	if m.c.width >= 110 {
		return true, false
	}
	return false, m.c.height >= 22
}

// modulesDetailsWidth is the Modules view's details pane beside the list:
// room for an h1: hash, no more.
const modulesDetailsWidth = 56

func (m *Model) detailsPlacement() (right bool, below bool) {
	if !m.showDetails || m.view == viewBuild || m.view == viewProject || m.has(layerBody) || !m.ready() {
		return false, false
	}
	return m.panePlacement()
}

func (m *Model) bodyHeight() int {
	h := m.c.height - headerLines - len(m.footerLines())
	if _, below := m.detailsPlacement(); below {
		h -= m.detailsHeight()
	}
	return max(h, 1)
}

func (m *Model) detailsHeight() int {
	if m.view == viewModules {
		// A node's details are a few lines; the list needs the rows.
		return 8
	}
	return min(max((m.c.height-headerLines-1)*2/5, 8), 18)
}

func (m *Model) bodyWidth() int {
	if right, _ := m.detailsPlacement(); right {
		return m.c.width - m.detailsWidth()
	}
	return m.c.width
}

// detailsWidth leaves the list its bars on a 120-column terminal and gives
// the pane room for a whole h1: hash.
func (m *Model) detailsWidth() int {
	if m.view == viewModules {
		return modulesDetailsWidth
	}
	return min(max(m.c.width*2/5, 52), 90)
}

// layout sizes the panes for this terminal and this footer.
func (m *Model) layout() {
	h, w := m.bodyHeight(), m.bodyWidth()
	for _, p := range []pane{m.mods, m.build, m.project, m.probs} {
		p.SetSize(w, h)
	}
	right, _ := m.detailsPlacement()
	m.details.view, m.details.right = m.view, right
	if right {
		m.details.SetSize(m.detailsWidth(), h)
	} else {
		m.details.SetSize(m.c.width, m.detailsHeight())
	}
	m.help.SetWidth(m.c.width)
}

// View draws the whole screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "modscope"
	return v
}

func (m *Model) render() string {
	var lines []string
	lines = append(lines, m.titleLine(), m.tabLine(), m.contextLine())
	bodyH := m.bodyHeight()
	body := fitBlock(m.body(), m.bodyWidth(), bodyH)
	right, below := m.detailsPlacement()
	if right {
		body = lipgloss.JoinHorizontal(lipgloss.Top, body, m.details.View())
	}
	lines = append(lines, body)
	if below {
		lines = append(lines, m.details.View())
	}
	lines = append(lines, m.footerLines()...)
	screen := strings.Join(lines, "\n")
	if top := m.top(); top != nil && top.layer() == layerBox {
		box := top.view(m.c, dialogWidth(m.c.width), max(m.c.height-1, 3))
		screen = composeBox(screen, box, m.c.width, m.c.height)
	}
	return screen
}
