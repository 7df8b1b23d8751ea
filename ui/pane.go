package ui

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
)

// pane is one view of the body, after soft-serve's common.Component: the
// root sizes it, hands it the keys and mouse events while it has the
// focus, and draws it. A pane does not run its own Elm loop: what it
// cannot do alone it returns as an action.
type pane interface {
	SetSize(w, h int)
	Update(msg tea.Msg) action
	View() string
	help.KeyMap
}

// navDelta says how far a navigation key moves a cursor in a list whose
// page is page rows, and whether msg is a navigation key at all.
func navDelta(msg tea.KeyPressMsg, k KeyMap, page int) (int, bool) {
	const far = 1 << 30
	switch {
	case matches(msg, k.Up):
		return -1, true
	case matches(msg, k.Down):
		return 1, true
	case matches(msg, k.PageUp):
		return -max(page-1, 1), true
	case matches(msg, k.PageDown):
		return max(page-1, 1), true
	case matches(msg, k.Top):
		return -far, true
	case matches(msg, k.Bottom):
		return far, true
	}
	return 0, false
}

// wheelDelta is how far a wheel event scrolls, and whether it is one.
func wheelDelta(msg tea.Msg) (int, bool) {
	w, ok := msg.(tea.MouseWheelMsg)
	if !ok {
		return 0, false
	}
	switch w.Button {
	case tea.MouseWheelUp:
		return -3, true
	case tea.MouseWheelDown:
		return 3, true
	}
	return 0, false
}
