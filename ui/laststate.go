package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"modscope/cachescan"
)

// The last known state: when the TUI starts on local caches that keep a
// scan index, the snapshot of the last scan of the same roots
// (cachescan.LoadLastState) is shown at once while the real scan runs
// behind it, and the fresh snapshot replaces it in place when it is in
// (setSnapshot keeps the place, the order, the filter and the marks).
// While it shows, the scan is what is busy: no plan, purge, download,
// repair, verify, audit or offline check starts, so nothing is ever
// planned from it; the header says whose state it is.

// useLastState shows the last known state of the caches m scans, if one
// is kept and can be trusted, and keeps the state of every later scan.
// It is for local caches only: it needs the scan index's path.
func (m *Model) useLastState() {
	if m.opts.Index == "" {
		return
	}
	m.keepLast = true
	if m.c.snap != nil || m.busy.kind != busyScan {
		return
	}
	snap, err := cachescan.LoadLastState(m.opts)
	if err != nil {
		return // none, or none to trust: the scan's frame as before
	}
	m.lastAt = snap.ScannedAt
	m.busy.lastKnown = true
	m.c.snap = snap
	m.refreshProblems(true, false)
	m.layout()
}

// showingLast: what shows is the last known state, not this scan's.
func (m *Model) showingLast() bool { return !m.lastAt.IsZero() }

// lastStateWhy is why an action waits while the last known state shows.
const lastStateWhy = "wait: this is the last known state; the scan refreshing it is under way"

// scanned ends the wait on the last known state: with the fresh snapshot
// (ok) it is replaced by the caller; without one, it is dropped, so that
// nothing is ever done from it.
func (m *Model) scanned(ok bool) {
	if !m.showingLast() {
		return
	}
	m.lastAt = time.Time{}
	if m.status == lastStateWhy {
		m.status = ""
	}
	if !ok {
		m.c.snap = nil
	}
}

// saveLastState keeps snap for the next start, in a command: failing to
// costs that start its first frame, nothing else.
func (m *Model) saveLastState(snap *cachescan.Snapshot) tea.Cmd {
	if !m.keepLast || snap == nil {
		return nil
	}
	opts := m.opts
	return func() tea.Msg {
		cachescan.SaveLastState(opts, snap)
		return nil
	}
}
