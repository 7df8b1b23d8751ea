package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

type (
	verifyDoneMsg struct {
		rep *actions.VerifyReport
		err error
	}
	offlineDoneMsg struct {
		rep *actions.OfflineReport
		err error
	}
)

// verifySelection verifies the marked nodes, else the selected one.
func (m *Model) verifySelection() tea.Cmd {
	b := &m.mods.b
	var nodes []*node
	for n := range b.marks {
		nodes = append(nodes, n)
	}
	what := report.Plural(int64(len(nodes)), "marked node")
	if len(nodes) == 0 {
		if m.view == viewModules {
			if n := b.selected(); n != nil {
				nodes, what = []*node{n}, n.path
			}
		} else if pr := m.probs.selected(); m.view == viewProblems && pr != nil && pr.Module != "" {
			if n := m.mods.tree.byVersion[pr.Module+"@"+pr.Version]; n != nil {
				nodes, what = []*node{n}, n.path
			}
		}
	}
	var patterns []string
	for _, n := range nodes {
		// What a mark took, or what the filter shows of the row.
		vns := b.marked(n)
		if m.view == viewProblems {
			vns = versionNodes(n) // a problem's version, whatever the Modules filter
		}
		for _, vn := range vns {
			// Exact: names from the cache may hold * or "...".
			patterns = append(patterns, "="+vn.mod.Path+"@"+vn.ver.Version)
		}
	}
	if len(patterns) == 0 {
		m.status = "nothing to verify here: select a module or version, or press V for everything"
		return nil
	}
	return m.startVerify(patterns, what)
}

// startVerify hashes what the patterns select (nil: everything) in a
// command; its findings replace, in the findings layer, the earlier
// hashing results for those versions as they arrive.
func (m *Model) startVerify(patterns []string, what string) tea.Cmd {
	if m.busy.kind == busyVerify {
		m.status = "a verify is already running"
		return nil
	}
	m.found.begin(patterns)
	m.refreshProblems(false, false)
	run := &verifyRun{v: actions.NewVerifier(), what: what, patterns: patterns}
	m.busy = busy{kind: busyVerify, ver: run}
	m.status = ""
	v, ctx, snap := run.v, m.ctx, m.c.snap
	return tea.Batch(func() tea.Msg {
		rep, err := v.Verify(ctx, snap, actions.VerifyOptions{Patterns: patterns, ZipCache: actions.DefaultZipCache()})
		return verifyDoneMsg{rep, err}
	}, poll())
}

// takeFound attaches the problems verify found since the last poll.
func (m *Model) takeFound() {
	run := m.busy.ver
	found := run.v.FoundSince(run.seen)
	for _, p := range found {
		run.seen++
		m.found.list = append(m.found.list, p)
		m.mods.tree.attach(p)
	}
	if len(found) > 0 && m.mods.b.filter != "" {
		// The rows' markers count what the filter shows: count again.
		m.mods.b.setFilter(m.mods.b.filter)
	}
}

func (m *Model) finishVerify(msg verifyDoneMsg) tea.Cmd {
	run := m.busy.ver
	if run == nil {
		return nil
	}
	m.takeFound()
	m.busy = busy{}
	if msg.err != nil {
		m.status = "verify stopped: " + cachescan.Printable(msg.err.Error())
		return nil
	}
	rep := msg.rep
	all := m.allProblems()
	m.probs.set(all, false)
	m.build.problems = all
	// The count is the hashing's: the scan's problems (a .mod that does
	// not parse) stay in the Problems view and are not found again.
	m.status = fmt.Sprintf("verified %s: %s and %s (%s), %s by hashing", cachescan.Printable(run.what), report.Plural(rep.Versions, "version"),
		report.Plural(rep.Outputs, "build output"), report.HumanBytes(rep.Bytes), report.Plural(int64(len(rep.Problems)), "problem"))
	if n := len(all); n > len(rep.Problems) {
		m.status += fmt.Sprintf(" (%d in all: 4 lists them)", n)
	}
	if rep.SumDBCacheUnchecked > 0 {
		m.status += "; " + report.Plural(rep.SumDBCacheUnchecked, "cached checksum-database lookup") + " could not be checked offline (normal: the cached tiles do not reach the newest tree seen)"
	}
	// Build outputs written in the last minutes are left alone, and
	// said so: here, in the Build view, and in the result L shows.
	recent := report.SkippedRecentLine(rep)
	if recent != "" {
		m.status += "; " + recent
	}
	if rep.Outputs > 0 || rep.SkippedRecent > 0 {
		m.build.verifyNote = recent
	}
	m.lastResult = newInfo("verify: "+cachescan.Printable(run.what), verifyResultLines(rep, recent))
	// What was damaged may have changed the offline verdict.
	m.project.resetOffline()
	if m.findingsPath == "" {
		return nil
	}
	// Kept for a later modscope repair, as the verify command keeps them.
	path, snap, scope := m.findingsPath, m.c.snap, run.patterns
	return func() tea.Msg {
		actions.SaveVerify(path, snap, rep, scope) // only saves a later repair some hashing
		return nil
	}
}

// startOffline asks the go command, offline, what the project needs;
// again says to ask even if it was answered already (o).
func (m *Model) startOffline(again bool) tea.Cmd {
	p := m.project
	if m.showingLast() {
		// The go command may extract zips: not from a state that is gone.
		m.status = lastStateWhy
		return nil
	}
	if m.c.snap.Project == nil || p.offline.state == offlineRunning || (!again && p.offline.state != offlineUnknown) {
		return nil
	}
	p.offline = offlineCheck{state: offlineRunning}
	// The check reads the problems known now, verify's too, in a
	// snapshot of its own: this one stays as the scan left it.
	snapCopy := *m.c.snap
	snapCopy.Problems = m.allProblems()
	ctx, snap := m.ctx, &snapCopy
	return func() tea.Msg {
		rep, err := actions.Offline(ctx, snap)
		return offlineDoneMsg{rep, err}
	}
}

// verifyResultLines is what L shows after a verify: the status line's
// parts, one a line.
func verifyResultLines(rep *actions.VerifyReport, recent string) []string {
	out := []string{fmt.Sprintf("%s and %s hashed (%s), %s found", report.Plural(rep.Versions, "version"),
		report.Plural(rep.Outputs, "build output"), report.HumanBytes(rep.Bytes), report.Plural(int64(len(rep.Problems)), "problem"))}
	if recent != "" {
		out = append(out, "", recent)
	}
	if rep.SumDBCacheUnchecked > 0 {
		out = append(out, "", report.Plural(rep.SumDBCacheUnchecked, "cached checksum-database lookup")+" could not be checked offline (normal: the cached tiles do not reach the newest tree seen)")
	}
	if len(rep.Problems) > 0 {
		out = append(out, "", "the Problems view (4) lists them; enter shows one in full")
	}
	return out
}
