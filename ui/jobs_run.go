package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// start runs a confirmed job.
func (m *Model) start(j *job) tea.Cmd {
	if m.busy.kind != idle {
		m.status = m.busy.why()
		return nil
	}
	ctx, cancel := context.WithCancel(m.ctx)
	t := &task{job: j, cancel: cancel, under: map[string]string{}}
	m.busy = busy{kind: busyTask, task: t}
	m.status = ""
	snap, timeout := m.c.snap, m.timeout
	var run tea.Cmd
	switch j.kind {
	case jobPurge:
		plan := j.plan
		t.items, t.plan = len(plan.Items), plan
		t.current = plan.Items[0].Label
		run = func() tea.Msg {
			res := plan.Run(ctx, purgeProgress(t, plan))
			return taskDoneMsg{task: t, purge: res}
		}
	case jobDownload:
		targets := j.chosen()
		t.dlTotal, t.downloading = len(targets), true
		found := m.allProblems()
		run = func() tea.Msg {
			res := actions.Download(ctx, snap, targets, actions.DownloadOptions{Found: found, Progress: t.event, Timeout: timeout})
			return taskDoneMsg{task: t, downloads: res}
		}
	case jobRepair:
		rp := j.repair
		t.items, t.dlTotal, t.plan = len(rp.Purge.Items), len(rp.Downloads), rp.Purge
		if t.items > 0 {
			t.current = rp.Purge.Items[0].Label
		} else {
			t.downloading = true
		}
		found := j.found
		run = func() tea.Msg {
			res, err := rp.Run(ctx, snap, purgeProgress(t, rp.Purge), actions.DownloadOptions{Found: found, Progress: t.event, Timeout: timeout})
			if res == nil {
				return taskDoneMsg{task: t, err: err}
			}
			return taskDoneMsg{task: t, purge: res.Purge, downloads: res.Downloads, err: err}
		}
	}
	return tea.Batch(run, poll())
}

// bigItems says whether one of a plan's items has many paths (build-cache
// entries), so that progress is told per path.
func bigItems(plan *actions.PurgePlan) bool {
	for _, it := range plan.Items {
		if len(it.Paths) > 100 {
			return true
		}
	}
	return false
}

// purgeProgress counts the items a plan has removed and names the next.

func purgeProgress(t *task, plan *actions.PurgePlan) func(actions.PurgeResult) {
	i := 0
	return func(r actions.PurgeResult) {
		i++
		next := ""
		if i < len(plan.Items) {
			next = plan.Items[i].Label
		}
		t.purged(r, next)
	}
}

// stopTask asks the running task to stop: a purge between two items, a
// download at once (its go commands are killed with the context).
func (m *Model) stopTask() {
	t := m.busy.task
	if t == nil || t.stopping {
		return
	}
	t.stopping = true
	t.cancel()
}

// finishTask takes a task's results: the freed counter, the result line,
// the result dialog when there is more to see; then the caches are read
// again.
func (m *Model) finishTask(msg taskDoneMsg) tea.Cmd {
	t := msg.task
	t.cancel()
	m.busy = busy{}
	j := t.job
	var freed cachescan.Size
	failed := 0
	touched := map[string]bool{}
	for _, r := range msg.purge {
		freed.Add(r.Freed)
		if r.Err != "" {
			failed++
		}
		if r.Module != "" {
			touched[r.Module+"@"+r.Version] = true
		}
	}
	for _, r := range msg.downloads {
		if r.NeedsAction() {
			failed++
		}
		if r.Replaced || r.Verdict == actions.VerdictUpstream {
			touched[r.Target] = true
			if r.Module != "" {
				touched[r.Module+"@"+r.Version] = true
			}
		}
	}
	m.freed.Add(freed)
	m.status = m.resultLine(j, msg, freed, t.stopping)
	// The result dialog opens when there is more to read than the result
	// line says; L opens it again later.
	m.lastResult = newInfo(resultTitle(j, t.stopping), resultLines(m.c, j, msg))
	if j.kind != jobPurge || failed > 0 || msg.err != nil {
		m.push(m.lastResult)
	}
	// The marks the job used go once it did all it was asked.
	dropMarks := j.fromMarks && failed == 0 && !t.stopping
	return m.rescanCmd(touched, dropMarks, false)
}

// resultLine sums up what a task did in one line.
func (m *Model) resultLine(j *job, msg taskDoneMsg, freed cachescan.Size, stopped bool) string {
	var parts []string
	if msg.err != nil {
		parts = append(parts, cachescan.Printable(msg.err.Error()))
	}
	if len(msg.purge) > 0 || j.kind == jobPurge {
		removed, versions, all, kept, failed, lists, rewrote := 0, 0, true, 0, 0, 0, 0
		var firstErr string
		for _, r := range msg.purge {
			if r.Kind == actions.ItemList {
				// A rewrite, not a removal: counted apart.
				lists++
				if r.Removed {
					rewrote++
					continue
				}
			}
			switch {
			case r.Removed:
				removed++
				if r.Kind == actions.ItemVersion {
					versions++
				}
			case r.Kept != "":
				kept++
			case r.Err != "":
				failed++
				if firstErr == "" {
					firstErr = cachescan.Printable(r.Label) + ": " + cachescan.Printable(firstLine(r.Err))
				}
			}
			all = all && (r.Kind == actions.ItemVersion || r.Kind == actions.ItemList)
		}
		what := report.Plural(int64(removed), "item")
		switch {
		case all:
			what = report.Plural(int64(removed), "version")
		case versions > 0:
			what += " (" + report.Plural(int64(versions), "version") + ")"
		}
		asked := len(msg.purge) - kept - lists
		if removed < asked {
			what = fmt.Sprintf("%d of %s", removed, report.Plural(int64(asked), "item"))
		}
		s := "removed " + what + ", freed " + report.HumanBytes(m.c.sizeOf(freed))
		if asked == 0 && lists > 0 {
			s = ""
		}
		if lists > 0 {
			if s != "" {
				s += ", "
			}
			if rewrote == lists {
				s += "rewrote the list of " + report.Plural(int64(lists), "module")
			} else {
				s += fmt.Sprintf("rewrote the list of %d of %s", rewrote, report.Plural(int64(lists), "module"))
			}
		}
		if kept > 0 {
			s += fmt.Sprintf(" (%d kept)", kept)
		}
		if failed > 0 {
			s += fmt.Sprintf("; %d failed: %s", failed, firstErr)
		}
		parts = append(parts, s)
	}
	if len(msg.downloads) > 0 {
		counts := map[actions.Verdict]int{}
		for _, r := range msg.downloads {
			if cancelled(r) {
				counts["cancelled"]++
			} else {
				counts[r.Verdict]++
			}
		}
		var vs []string
		for _, v := range append(append([]actions.Verdict(nil), actions.Verdicts...), "cancelled") {
			if counts[v] > 0 {
				vs = append(vs, fmt.Sprintf("%d %s", counts[v], v))
			}
		}
		parts = append(parts, "downloads: "+strings.Join(vs, ", "))
	}
	s := strings.Join(parts, "; ")
	if stopped {
		s = "stopped: " + s + "; the rest is as it was"
	}
	return s
}

func resultTitle(j *job, stopped bool) string {
	what := "result"
	if stopped {
		what = "stopped"
	}
	switch j.kind {
	case jobDownload:
		return "Re-download: " + what
	case jobRepair:
		return "Repair: " + what
	}
	return "Purge: " + what
}

// rescanCmd reads the caches again so that the tree shows what is there
// now. What verify found about entries the action did not touch, and that
// are still there, is carried over: only hashing finds it again. The new
// snapshot is not changed: what is carried stays in the findings layer.
func (m *Model) rescanCmd(touched map[string]bool, dropMarks, full bool) tea.Cmd {
	m.busy = busy{kind: busyRescan, dropMarks: dropMarks, full: full}
	if m.store != nil {
		return m.loadStore(true)
	}
	m.scanner = cachescan.NewScanner()
	opts := m.opts
	// ctrl+r: the index is written again from a full walk.
	opts.NoIndex = full
	snap := m.c.snap
	if opts.ModCache == "" && opts.BuildCache == "" {
		// A model made from a snapshot (a replay, a test): read the same
		// roots again.
		opts.ModCache, opts.BuildCache, opts.Env = snap.ModCache.Root, snap.BuildCache.Root, snap.Env
		if snap.Project != nil {
			opts.ProjectDir = snap.Project.Dir
		}
	}
	var verified []cachescan.Problem
	for _, pr := range m.allProblems() {
		if hashing(pr) {
			verified = append(verified, pr)
		}
	}
	s, ctx := m.scanner, m.ctx
	return tea.Batch(func() tea.Msg {
		snap, err := s.Scan(ctx, opts)
		if err != nil {
			return rescanDoneMsg{err: err}
		}
		return rescanDoneMsg{snap: snap, carried: actions.Carry(verified, snap, touched)}
	}, poll())
}

// rescanned shows the caches as they are after an action.
func (m *Model) rescanned(msg rescanDoneMsg) tea.Cmd {
	dropMarks := m.busy.dropMarks
	m.busy = busy{}
	if msg.err != nil {
		if !errors.Is(msg.err, context.Canceled) {
			m.status = "reading the caches again failed: " + cachescan.Printable(msg.err.Error()) + "; the tree shows them as they were"
		}
		return nil
	}
	if m.status == rescanStatus || m.status == fullRescanStatus {
		m.status = ""
	}
	// The scan hashes nothing: its hashing results, if any, are as
	// fresh as verify's, and verify's that still hold are carried.
	m.found = findings{list: msg.carried, audit: keepAudit(m.found.audit, msg.snap), auditing: m.found.auditing}
	m.setSnapshot(msg.snap, dropMarks)
	save := m.saveLastState(msg.snap)
	// What changed may change the offline verdict.
	m.project.resetOffline()
	if m.view == viewProject && !m.c.readOnly {
		return tea.Batch(save, m.startOffline(false))
	}
	return save
}
