package ui

import "charm.land/bubbles/v2/key"

// DialogKeyMap is what the dialogs answer to, a group of its own as in
// crush's KeyMap: the dialogs take every key, so these may reuse letters
// the views give other meanings.
type DialogKeyMap struct {
	Yes, No, Choose, Metadata, Apparent key.Binding
	Close, Plan, Erase                  key.Binding
	// Move names, for the help, the view keys a dialog scrolls or moves
	// its cursor with (KeyMap's Up, Down, PageUp...).
	Move, Value key.Binding
}

func defaultDialogKeys() DialogKeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return DialogKeyMap{
		Yes: b("y", "go ahead", "y", "Y"),
		// enter is No: the default answer is the one that changes nothing.
		No:       b("n/esc/enter", "cancel", "n", "N", "esc", "enter", "q"),
		Choose:   b("space", "choose", "space"),
		Metadata: b("m", "also .mod/.info", "m"),
		Apparent: b("a", "apparent/disk", "a"),
		Close:    b("esc", "close", "esc", "q"),
		Plan:     b("enter", "show the plan", "enter", "l", "right"),
		Erase:    b("⌫", "erase", "backspace"),
		Move:     b("↑/↓/j/k", "move", "up", "down", "j", "k"),
		Value:    b("0-9", "change the value", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
	}
}

// ShortHelp and FullHelp make each dialog a help.KeyMap of the keys it
// takes; the footer draws them with hintLine, which degrades on narrow
// terminals in an order help.Model cannot express.
func (d *confirmDialog) ShortHelp() []key.Binding {
	k := defaultDialogKeys()
	out := []key.Binding{k.Yes, k.No}
	switch {
	case d.job.kind == jobDownload:
		out = append(out, withHelp(k.Move, "move"), k.Choose)
	case d.job.kind == jobPurge && d.job.metaable && !d.job.onlyMeta:
		out = append(out, withHelp(k.Move, "scroll"), k.Metadata, k.Apparent)
	default:
		out = append(out, withHelp(k.Move, "scroll"), k.Apparent)
	}
	return out
}

func (d *confirmDialog) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

func (d *menuDialog) ShortHelp() []key.Binding {
	k := defaultDialogKeys()
	out := []key.Binding{k.Plan, k.Close, k.Move}
	if d.items[d.cursor].input != inputNone {
		out = append(out, k.Value, k.Erase)
	}
	return out
}

func (d *menuDialog) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
