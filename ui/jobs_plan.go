package ui

import (
	"errors"

	tea "charm.land/bubbletea/v2"

	"modscope/actions"
	"modscope/cachescan"
)

// Messages of the jobs.
type (
	planMsg struct {
		job    *job
		err    error
		replan bool
	}
	taskDoneMsg struct {
		task      *task
		purge     []actions.PurgeResult
		downloads []actions.DownloadResult
		err       error
	}
	rescanDoneMsg struct {
		snap *cachescan.Snapshot
		// carried is what verify found that is still true of snap.
		carried []cachescan.Problem
		err     error
	}
)

// planCmd makes a job's plan in a command: a build-cache plan reads every
// entry's time.
// A replan (m in the dialog) only plans again: the dialog stays open.
func (m *Model) planCmd(j *job, replan bool) tea.Cmd {
	if m.busy.kind != idle {
		m.status = m.busy.why()
		return nil
	}
	m.busy = busy{kind: busyPlan}
	if !replan {
		m.status = "making the plan…"
	}
	snap := m.c.snap
	return func() tea.Msg {
		err := makePlan(snap, j)
		if err == nil && !replan && j.kind == jobPurge && j.metaable && !j.targets.Metadata {
			err = weighMetadata(snap, j)
		}
		return planMsg{j, err, replan}
	}
}

// weighMetadata plans j again with .mod and .info, to count the versions
// that hold nothing else: the plan that keeps them leaves those as they
// are, which the dialog says. When those are all there is to remove, j
// takes them: every version a default purge leaves is metadata-only, and
// d must be able to remove it too.
func weighMetadata(snap *cachescan.Snapshot, j *job) error {
	t := j.targets
	t.Metadata = true
	full, err := actions.Plan(snap, t)
	if err != nil {
		return err
	}
	planned := map[string]bool{}
	for _, it := range j.plan.Items {
		if it.Kind == actions.ItemVersion && it.Refused == "" {
			planned[it.Module+"@"+it.Version] = true
		}
	}
	j.metaOnly = 0
	for _, it := range full.Items {
		if it.Kind == actions.ItemVersion && it.Refused == "" && !planned[it.Module+"@"+it.Version] {
			j.metaOnly++
		}
	}
	if j.rows && j.metaOnly > 0 && usable(j.plan) == 0 {
		j.targets.Metadata, j.plan, j.onlyMeta = true, full, true
	}
	return nil
}

// usable counts a plan's items that are not refused.
func usable(plan *actions.PurgePlan) int {
	n := 0
	for _, it := range plan.Items {
		if it.Refused == "" {
			n++
		}
	}
	return n
}

// makePlan plans a purge or a repair.
func makePlan(snap *cachescan.Snapshot, j *job) error {
	if j.kind == jobRepair {
		j.repair = actions.PlanRepair(snap, j.found)
		return nil
	}
	plan, err := actions.Plan(snap, j.targets)
	if err != nil {
		return err
	}
	j.plan = plan
	return nil
}

// planned opens the confirmation dialog of a job whose plan is made, or
// gives the open one its new plan.
func (m *Model) planned(msg planMsg) tea.Cmd {
	m.busy = busy{}
	j := msg.job
	if msg.replan {
		if d, ok := m.top().(*confirmDialog); ok {
			d.replanned(j, msg.err)
		}
		return nil
	}
	m.status = ""
	if msg.err != nil {
		if errors.Is(msg.err, actions.ErrNoMatch) && j.empty != "" {
			m.status = j.empty
		} else {
			m.status = "cannot plan it: " + cachescan.Printable(msg.err.Error())
		}
		return nil
	}
	switch j.kind {
	case jobPurge:
		if usable(j.plan) == 0 {
			if len(j.plan.Items) > 0 {
				m.status = "cannot purge " + cachescan.Printable(j.plan.Items[0].Label) + ": " + cachescan.Printable(j.plan.Items[0].Refused)
			} else if len(j.plan.Manual) > 0 {
				m.status = "no purge fixes this: " + cachescan.Printable(j.plan.Manual[0].Fix)
			} else {
				m.status = j.empty
			}
			return nil
		}
	case jobRepair:
		if j.repair.Empty() {
			if len(j.repair.Manual) > 0 {
				m.push(newInfo("Repair", manualInfo(m.c, j.repair.Manual)))
				return nil
			}
			m.status = "nothing to repair"
			return nil
		}
	}
	m.push(&confirmDialog{job: j})
	return nil
}
