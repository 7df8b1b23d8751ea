package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap is every key the TUI answers to.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Back                              key.Binding
	Filter, ClearFilter                     key.Binding
	SortSize, SortName, SortCount, SortTime key.Binding
	Apparent, Mark, Details                 key.Binding
	UnmarkAll, Bars                         key.Binding
	NextView, PrevView, View1, View2        key.Binding
	View3, View4                            key.Binding
	Verify, VerifyAll, Offline              key.Binding
	// The actions that change the disk: each shows its plan and asks
	// first, and --read-only refuses them.
	Purge, PurgePolicy, Download, Repair key.Binding
	// Rescan reads the caches again, as r does in ncdu and gdu.
	Rescan     key.Binding
	LastResult key.Binding
	Help, Quit key.Binding
	// Dialog is what the dialogs answer to.
	Dialog DialogKeyMap
}

// DefaultKeyMap returns the keys ncdu and gdu users already know.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:          b("↑/k", "up", "up", "k"),
		Down:        b("↓/j", "down", "down", "j"),
		PageUp:      b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown:    b("pgdn", "page down", "pgdown", "ctrl+f"),
		Top:         b("g", "top", "g", "home"),
		Bottom:      b("G", "bottom", "G", "end"),
		Open:        b("enter/l", "open", "enter", "l", "right"),
		Back:        b("h/⌫", "up a level", "h", "left", "backspace"),
		Filter:      b("/", "filter", "/"),
		ClearFilter: b("esc", "clear filter", "esc"),
		SortSize:    b("s", "sort by size", "s"),
		SortName:    b("n", "sort by name", "n"),
		SortCount:   b("c", "sort by count", "c"),
		SortTime:    b("m", "sort by time", "m"),
		Apparent:    b("a", "apparent/disk size", "a"),
		Mark:        b("space", "mark", "space"),
		UnmarkAll:   b("U", "unmark all", "U"),
		Bars:        b("b", "bars: largest row/parent", "b"),
		Details:     b("i", "details pane", "i"),
		NextView:    b("tab", "next view", "tab"),
		PrevView:    b("shift+tab", "previous view", "shift+tab"),
		View1:       b("1", "modules", "1"),
		View2:       b("2", "build cache", "2"),
		View3:       b("3", "project", "3"),
		View4:       b("4", "problems", "4"),
		Verify:      b("v", "verify selection", "v"),
		VerifyAll:   b("V", "verify everything", "V"),
		Offline:     b("o", "check offline readiness", "o"),
		Purge:       b("d", "purge selection/marked", "d"),
		PurgePolicy: b("D", "purge by policy", "D"),
		Download:    b("w", "re-download", "w"),
		Rescan:      b("r", "rescan", "r"),
		Repair:      b("R", "repair all problems", "R"),
		LastResult:  b("L", "last action's result", "L"),
		Help:        b("?", "help", "?"),
		Quit:        b("q", "quit", "q", "ctrl+c"),
		Dialog:      defaultDialogKeys(),
	}
}

// ShortHelp is the help line that is always visible.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Back, k.Filter, k.SortSize, k.Apparent, k.Mark, k.Purge, k.NextView, k.Help, k.Quit}
}

// FullHelp is the help screen, one column per group: moving, ordering,
// acting on the caches, switching views. Keys that go together share a
// line, so that the columns fit side by side on common terminals.
func (k KeyMap) FullHelp() [][]key.Binding {
	show := func(keys, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, desc))
	}
	return [][]key.Binding{
		{k.Up, k.Down, show("pgup/pgdn", "page"), show("g/G", "top/bottom"), k.Open, k.Back},
		{k.Filter, k.ClearFilter, k.SortSize, k.SortName, k.SortCount, k.SortTime, k.Apparent, k.Details},
		{k.Mark, withHelp(k.Purge, "purge marked/selected"), k.PurgePolicy, k.Download, k.Repair, k.Verify, k.VerifyAll, withHelp(k.Offline, "offline check"), k.Rescan, k.LastResult},
		{k.NextView, withHelp(k.PrevView, "previous view"), show("1-4", "go to a view"), k.Help, k.Quit},
	}
}

func matches(msg tea.KeyPressMsg, bs ...key.Binding) bool { return key.Matches(msg, bs...) }

func withHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}
