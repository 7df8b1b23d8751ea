package ui

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"modscope/cachescan"
	"modscope/report"
)

// Store is a team module store the TUI browses in place of the caches
// (modscope --store URL). The TUI only draws the snapshot Load returns; it
// never opens the store itself, so that ui links no cloud driver.
type Store struct {
	// URL is the store's URL with its credentials removed: all the TUI
	// shows of it.
	URL string
	// Load lists and scans the store. It runs in a command, for the
	// first listing and for r.
	Load func(ctx context.Context) (StoreListing, error)
}

// StoreListing is what Load found.
type StoreListing struct {
	Snap *cachescan.Snapshot
	// Layout is the one found or asked for ("proxy", "athens").
	Layout string
	// Partial says, when the listing stopped before the end of the
	// store, how far it went ("the first 5,000,000 objects"); the
	// header shows it, so that nothing looks whole that is not.
	Partial string
}

// storeLoadedMsg is a listing of the store done: the first (as scanDoneMsg)
// or r's (as rescanDoneMsg).
type storeLoadedMsg struct {
	StoreListing
	err    error
	rescan bool
}

// storeReadOnly is the answer to every key that would change something:
// a store is shared by a team and changed only by the store commands,
// which plan and ask first.
const storeReadOnly = "the store is browsed read-only: modscope store gc --damaged deletes damaged versions, modscope store verify hashes them"

// browseStore makes m show st: read-only, with no findings of the local
// cache's verifies mixed in.
func (m *Model) browseStore(st *Store) {
	m.store = st
	m.c.readOnly, m.c.store = true, true
	m.findingsPath = ""
	// The help offers none of them; storeRefuses still answers them.
	k := &m.c.keys
	// 1-4 stays in the help: 2 and 3 say why they show nothing.
	for _, b := range []*key.Binding{&k.Purge, &k.PurgePolicy, &k.Download, &k.Repair, &k.Verify, &k.VerifyAll, &k.Offline, &k.Audit, &k.View2, &k.View3} {
		b.SetEnabled(false)
	}
}

// loadStore lists the store in a command.
func (m *Model) loadStore(rescan bool) tea.Cmd {
	load, ctx := m.store.Load, m.ctx
	return func() tea.Msg {
		l, err := load(ctx)
		return storeLoadedMsg{StoreListing: l, err: err, rescan: rescan}
	}
}

// storeLoaded shows a listing of the store.
func (m *Model) storeLoaded(msg storeLoadedMsg) tea.Cmd {
	if msg.err == nil {
		m.storePartial = msg.Partial
	}
	if msg.rescan {
		return m.rescanned(rescanDoneMsg{snap: msg.Snap, err: msg.err})
	}
	m.busy = busy{}
	if msg.err != nil {
		m.err = msg.err
		return nil
	}
	m.storeLayout = msg.Layout
	m.setSnapshot(msg.Snap, false)
	return nil
}

// storeRefuses answers, in the status line, the keys a store does not
// take: every action (they change the disk, or hash and run the go
// command against a local cache) and the views of what a store has not.
func (m *Model) storeRefuses(msg tea.KeyPressMsg) bool {
	if m.store == nil {
		return false
	}
	k := DefaultKeyMap()
	switch {
	case matches(msg, k.Purge, k.PurgePolicy, k.Download, k.Repair, k.Verify, k.VerifyAll, k.Offline, k.Audit):
		m.status = storeReadOnly
		return true
	case matches(msg, k.View2, k.View3):
		m.setView(viewBuild)
		return true
	}
	return false
}

// hiddenView: a store has no build cache and no project, so their views
// are not offered.
func (m *Model) hiddenView(v viewKind) bool {
	return m.store != nil && (v == viewBuild || v == viewProject)
}

// stepView is the next view shown, forwards (+1) or back (-1).
func (m *Model) stepView(dir int) viewKind {
	v := m.view
	for range viewNames {
		v = viewKind((int(v) + dir + len(viewNames)) % len(viewNames))
		if !m.hiddenView(v) {
			break
		}
	}
	return v
}

// storeTitle is the title line of a store: its URL, layout and size. The
// URL is shortened in the middle when the line is too long; the numbers
// never are.
func (m *Model) storeTitle() string {
	st := m.c.styles
	title := st.Title.Render("modscope") + " " + st.ReadOnly.Render("read-only")
	url := cachescan.Printable(m.store.URL)
	tail := ""
	if snap := m.c.snap; snap != nil {
		url = cachescan.Printable(snap.ModCache.Root)
		if m.storeLayout != "" {
			tail += " (" + m.storeLayout + ")"
		}
		tail += " " + report.HumanBytes(m.c.sizeOf(snap.ModCache.Size))
		if m.storePartial != "" {
			tail += " " + st.StatusError.Render("partial: "+cachescan.Printable(m.storePartial))
		}
	}
	head := title + "  store "
	room := m.c.width - ansi.StringWidth(head+tail)
	if room < 10 {
		return truncate(head+url+tail, m.c.width)
	}
	return head + report.ShortenMiddle(url, room) + tail
}

// storeContext is the context line of the Problems view of a store.
const storeProblemsContext = "enter: the fix in full · l: show in Modules · modscope store gc --damaged deletes them"

// storeLoadError is the first listing's failure, with what to do.
func storeLoadError(err error) string {
	msg := cachescan.Printable(err.Error())
	if !strings.Contains(msg, ";") {
		msg += "; check the URL and the credentials"
	}
	return msg
}
