package ui

import (
	"sort"
	"strconv"

	tea "charm.land/bubbletea/v2"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// purgeKey is d: the marked rows, else the selection; the Build cache
// view offers its plans and the Problems view fixes the selected problem.
func (m *Model) purgeKey() tea.Cmd {
	if m.refuse() {
		return nil
	}
	switch m.view {
	case viewBuild:
		m.push(newMenuDialog(m.c, m.allProblems(), true))
		return nil
	case viewProject:
		m.status = "nothing to purge here: select a module or version in Modules (1), or press D for the policy plans"
		return nil
	case viewProblems:
		pr := m.probs.selected()
		if pr == nil {
			m.status = "no problem selected"
			return nil
		}
		j := &job{kind: jobPurge, subject: "what fixes " + pr.Kind + " of " + problemSubject(pr),
			targets: actions.Targets{Problems: true, Found: []cachescan.Problem{*pr}},
			empty:   "no purge fixes this problem (R repairs what a download fixes); its fix: " + cachescan.Printable(pr.Fix)}
		return m.planCmd(j, false)
	}
	nodes, fromMarks := m.actionNodes()
	if len(nodes) == 0 {
		m.status = "nothing selected to purge"
		return nil
	}
	var only func(*node) []string
	switch vis := m.mods.b.visible; {
	case fromMarks:
		// What each mark took when it was made, whatever the filter is now.
		only = func(n *node) []string { return m.mods.b.marks[n].versions }
	case vis != nil:
		// A filter is on: a row stands for what the filter shows of it.
		only = func(n *node) []string {
			out := []string{}
			for _, v := range versionsUnder(n) {
				if vis[m.mods.tree.byVersion[v]] {
					out = append(out, v)
				}
			}
			return out
		}
	}
	j, why := purgeJob(nodes, only)
	if j == nil {
		switch {
		case why != "":
		case fromMarks:
			why = "the marks hold nothing to purge now"
		default:
			why = "the filter shows none of its versions"
		}
		m.status = why
		return nil
	}
	j.fromMarks = fromMarks
	switch {
	case fromMarks:
		j.subject = report.Plural(int64(len(nodes)), "marked row")
		filters := map[string]bool{}
		for _, n := range nodes {
			if k := m.mods.b.marks[n]; k.partial() {
				filters[k.filter] = true
			}
		}
		for f := range filters {
			if len(filters) == 1 {
				j.subject += ": only what the filter " + strconv.Quote(f) + " showed when marked"
			} else {
				j.subject += ": some only what a filter showed when marked"
				break
			}
		}
	case only != nil:
		j.subject += ": only what the filter " + strconv.Quote(m.mods.b.filter) + " shows"
	}
	return m.planCmd(j, false)
}

// actionNodes returns the marked rows, in path order, else the selected one.
func (m *Model) actionNodes() ([]*node, bool) {
	if len(m.mods.b.marks) > 0 {
		var nodes []*node
		for n := range m.mods.b.marks {
			nodes = append(nodes, n)
		}
		sort.Slice(nodes, func(i, j int) bool { return nodes[i].path < nodes[j].path })
		return nodes, true
	}
	if n := m.mods.b.selected(); n != nil {
		return []*node{n}, false
	}
	return nil, false
}

// downloadKey is w: re-download the marked versions, else the selected
// version, or choose among a module's versions.
func (m *Model) downloadKey() tea.Cmd {
	if m.refuse() {
		return nil
	}
	var nodes []*node
	fromMarks := false
	switch m.view {
	case viewProject:
		return m.projectDownload()
	case viewModules:
		nodes, fromMarks = m.actionNodes()
	case viewProblems:
		if pr := m.probs.selected(); pr != nil && pr.Module != "" && pr.Version != "" {
			if n := m.mods.tree.byVersion[pr.Module+"@"+pr.Version]; n != nil {
				nodes = []*node{n}
			}
		}
	}
	j := &job{kind: jobDownload, fromMarks: fromMarks}
	seen := map[string]bool{}
	for _, n := range nodes {
		vns := m.mods.b.marked(n)
		if m.view == viewProblems {
			vns = versionNodes(n) // a problem's version, whatever the Modules filter
		}
		for _, vn := range vns {
			key := vn.mod.Path + "@" + vn.ver.Version
			if seen[key] {
				continue
			}
			seen[key] = true
			c := choice{target: key, state: vn.ver.State, size: vn.ver.Size, on: true}
			switch {
			case vn.ver.Active:
				c.refused, c.on = "the active toolchain", false
			case vn.ver.State == cachescan.StateInvalid:
				c.refused, c.on = "not a name the go command wrote", false
			}
			j.choices = append(j.choices, c)
		}
	}
	if len(j.choices) == 0 {
		m.status = "nothing to re-download here: select a module version (or a module) in Modules, or a version's problem"
		return nil
	}
	switch {
	case fromMarks:
		j.subject = report.Plural(int64(len(nodes)), "marked row")
	case len(nodes) == 1:
		j.subject = cachescan.Printable(nodes[0].path)
	}
	m.push(&confirmDialog{job: j})
	return nil
}

// versionNodes lists the version nodes at or under n, or the version n
// is a file of.
func versionNodes(n *node) []*node {
	for x := n; x != nil; x = x.parent {
		if x.kind == kindVersion {
			return []*node{x}
		}
		if x.kind != kindDownload && x.kind != kindFile && x.kind != kindTree {
			break
		}
	}
	var out []*node
	var walk func(*node)
	walk = func(x *node) {
		if x.kind == kindVersion {
			out = append(out, x)
			return
		}
		for _, c := range x.children {
			walk(c)
		}
	}
	walk(n)
	return out
}

// repairKey is R: plan the fix of every problem known.
func (m *Model) repairKey() tea.Cmd {
	if m.refuse() {
		return nil
	}
	found := m.allProblems()
	if len(found) == 0 {
		m.status = "no problems to repair; V verifies every hash first"
		return nil
	}
	return m.planCmd(&job{kind: jobRepair, found: found, subject: "every problem found: " + report.Plural(int64(len(found)), "problem")}, false)
}

// rescanKey is r: read the caches again, as ncdu and gdu do. It changes
// nothing, so read-only mode allows it.
// The status lines of r and ctrl+r, cleared when the rescan is done.
const (
	rescanStatus     = "reading the caches again…"
	fullRescanStatus = "reading everything in the caches again, trusting no scan index…"
)

func (m *Model) rescanKey(full bool) tea.Cmd {
	if why := m.busy.why(); why != "" {
		m.status = why
		return nil
	}
	m.status = rescanStatus
	if full {
		m.status = fullRescanStatus
	}
	return m.rescanCmd(nil, false, full)
}
