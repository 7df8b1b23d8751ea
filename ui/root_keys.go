package ui

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
)

// key routes a key press: a dialog takes every key (but ctrl+c); a running
// task answers esc and q; then the other overlays, the global keys, and the
// focused pane.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.keys
	if msg.String() == "ctrl+c" {
		return m.quit()
	}
	top := m.top()
	if km, ok := top.(help.KeyMap); ok && top.layer() == layerBody && matches(msg, k.Help) {
		// The full view of problems lists its own keys too.
		m.status = ""
		m.push(newHelpOverlay(km, &m.help))
		return nil
	}
	if top != nil && top.layer() == layerBox {
		if km, ok := top.(help.KeyMap); ok && matches(msg, k.Help) {
			// The dialog's own keys; it shows again when the help closes.
			m.push(newHelpOverlay(km, &m.help))
			return nil
		}
		// The status line stays: it is the result a result dialog
		// details, and it shows again when the dialog closes.
		return m.apply(top.update(m.c, msg))
	}
	prevStatus := m.status
	m.status = ""
	if m.busy.kind == busyTask && (top == nil || top.layer() != layerFooter) {
		switch {
		case msg.String() == "esc":
			m.stopTask()
			return nil
		case matches(msg, k.Quit):
			m.stopTask()
			m.quitting = true
			return nil
		}
	}
	if top != nil {
		return m.apply(top.update(m.c, msg))
	}
	switch {
	case matches(msg, k.Quit):
		return m.quit()
	case m.view == viewModules && m.ready() && m.mods.b.inListing() && matches(msg, k.Purge, k.Download, k.Verify):
		m.status = readOnlyListing
		return nil
	case matches(msg, k.Help):
		m.push(newHelpOverlay(m.focusedHelp(), &m.help))
		return nil
	case m.storeRefuses(msg):
		return nil
	case matches(msg, k.NextView):
		return m.setView(m.stepView(1))
	case matches(msg, k.PrevView):
		return m.setView(m.stepView(-1))
	case matches(msg, k.View1):
		return m.setView(viewModules)
	case matches(msg, k.View2):
		return m.setView(viewBuild)
	case matches(msg, k.View3):
		return m.setView(viewProject)
	case matches(msg, k.View4):
		return m.setView(viewProblems)
	case matches(msg, k.Details):
		if right, below := m.panePlacement(); !right && !below && m.ready() {
			// No room for a pane: show the details over the body.
			return m.apply(openDetails{})
		}
		m.showDetails = !m.showDetails
		return nil
	case matches(msg, k.Purge):
		return m.purgeKey()
	case matches(msg, k.PurgePolicy):
		if !m.refuse() {
			m.push(newMenuDialog(m.c, m.allProblems(), false))
		}
		return nil
	case matches(msg, k.Download):
		return m.downloadKey()
	case matches(msg, k.Repair):
		return m.repairKey()
	case matches(msg, k.Rescan):
		return m.rescanKey(false)
	case matches(msg, k.FullRescan):
		return m.rescanKey(true)
	case matches(msg, k.LastResult):
		if m.lastResult == nil {
			m.status = "no action has run yet: its result shows here"
		} else {
			// The result line goes on showing under the dialog's result.
			m.status = prevStatus
			m.lastResult.reset()
			m.push(m.lastResult)
		}
		return nil
	case matches(msg, k.VerifyAll, k.Verify) && m.ready() && m.busy.kind != idle && m.busy.kind != busyVerify:
		m.status = m.busy.why()
		return nil
	case matches(msg, k.VerifyAll) && m.ready():
		return m.startVerify(nil, "everything")
	case matches(msg, k.Verify) && m.ready():
		return m.verifySelection()
	case matches(msg, k.Offline) && m.ready() && m.c.readOnly:
		m.status = "read-only: the offline check runs the go command, which may extract zips and add build-cache entries; modscope offline does it"
		return nil
	case matches(msg, k.Audit):
		return m.auditKey()
	case matches(msg, k.Offline) && m.ready() && m.c.snap.Project == nil:
		m.status = "no project to check: run modscope in a module, or pass --project DIR"
		return nil
	case matches(msg, k.Offline) && m.ready():
		return m.startOffline(true)
	case matches(msg, k.Apparent):
		return m.apply(toggleApparent{})
	case matches(msg, k.Fixes) && m.ready():
		return m.openFixes()
	}
	if !m.ready() {
		return nil
	}
	return m.apply(m.focused().Update(msg))
}

// apply does what a pane or a dialog asked for.
func (m *Model) apply(a action) tea.Cmd {
	switch a := a.(type) {
	case nil:
	case closeTop:
		m.pop()
		if a.setStatus {
			m.status = a.status
		}
		if a.quit {
			return m.quit()
		}
	case showStatus:
		m.status = a.text
	case openOverlay:
		m.push(a.o)
	case planJob:
		if !a.replan {
			m.pop()
		}
		return m.planCmd(a.job, a.replan)
	case startJob:
		if why := m.busy.why(); why != "" {
			// A plan asked by m is still being made: the dialog stays,
			// and says why y waits.
			if d, ok := m.top().(*confirmDialog); ok {
				d.msg = why
			}
			return nil
		}
		m.pop()
		return m.start(a.job)
	case toggleApparent:
		m.c.apparent = !m.c.apparent
		if m.ready() {
			m.mods.setApparent(m.c.apparent)
		}
	case openDetails:
		m.push(newDetailsOverlay(m.details))
	case openFilter:
		m.push(newFilterOverlay(m.mods))
	case jumpTo:
		m.jump()
	case cmdAction:
		return a.cmd
	case openFixes:
		return m.openFixes()
	case copyText:
		m.status = a.status
		return tea.SetClipboard(a.text)
	}
	return nil
}

func (m *Model) top() overlay {
	if len(m.stack) == 0 {
		return nil
	}
	return m.stack[len(m.stack)-1]
}

func (m *Model) push(o overlay) { m.stack = append(m.stack, o) }

func (m *Model) pop() {
	if len(m.stack) > 0 {
		m.stack = m.stack[:len(m.stack)-1]
	}
}

// has says whether an overlay drawn on l is open.
func (m *Model) has(l layer) bool {
	for _, o := range m.stack {
		if o.layer() == l {
			return true
		}
	}
	return false
}

// jump shows the selected problem's entry in the Modules view, or the
// Build cache view for a build-cache problem.
func (m *Model) jump() {
	pr := m.probs.selected()
	if pr == nil {
		return
	}
	if m.mods.reveal(*pr) {
		m.view = viewModules
		return
	}
	if bc := m.c.snap.BuildCache.Root; bc != "" && len(pr.Path) >= len(bc) && pr.Path[:len(bc)] == bc {
		m.view = viewBuild
		m.status = "a build-cache entry: its path and fix are in the Problems view's details"
		return
	}
	m.status = "this problem has no row in the Modules view; its path and fix are in the details"
}

// refuse returns true, with the reason in the status line, when an action
// cannot start: --read-only, or something else under way.
func (m *Model) refuse() bool {
	if m.store != nil {
		m.status = storeReadOnly
		return true
	}
	if m.c.readOnly {
		m.status = "read-only: started with --read-only; nothing is changed"
		return true
	}
	if why := m.busy.why(); why != "" {
		m.status = why
		return true
	}
	return false
}
