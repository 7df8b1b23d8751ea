package ui

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// jobKind is what an action does to the caches.
type jobKind uint8

const (
	jobPurge jobKind = iota
	jobDownload
	jobRepair
)

// job is an action from the moment it is asked for: its plan while the
// confirmation dialog shows it, then the task that runs it.
type job struct {
	kind jobKind
	// subject names what the action is about in the dialog ("2 marked
	// rows", "keep the latest 2 versions of each module").
	subject string

	// A purge: its targets (planned again when m toggles metadata).
	targets  actions.Targets
	metaable bool // the dialog offers m: also .mod and .info
	plan     *actions.PurgePlan
	// skipped counts marked rows that cannot be purged on their own.
	skipped int
	// empty is what to say when the targets select nothing.
	empty string
	// metaOnly counts the versions the targets choose that hold nothing
	// but .mod and .info: a plan that keeps those leaves them as they are.
	metaOnly int
	// onlyMeta: .mod and .info are all the targets have to remove, so
	// the plan takes them and m cannot keep them.
	onlyMeta bool
	// rows: the targets are rows the user chose, not a policy; only then
	// does a plan with nothing but .mod and .info take them (a policy
	// plans as the command does).
	rows bool

	// A re-download: the versions offered, each chosen or not.
	choices []choice

	// A repair: its plan, over these problems.
	repair *actions.RepairPlan
	found  []cachescan.Problem

	// fromMarks: the action is on the marked rows, whose marks go once
	// it succeeded.
	fromMarks bool
}

// choice is one version a re-download offers.
type choice struct {
	target  string // path@version
	state   cachescan.VersionState
	size    cachescan.Size
	on      bool
	refused string
}

// chosen lists the versions a re-download fetches.
func (j *job) chosen() []string {
	var out []string
	for _, c := range j.choices {
		if c.on && c.refused == "" {
			out = append(out, c.target)
		}
	}
	return out
}

// Messages of the actions.
type (
	planMsg struct {
		job *job
		err error
	}
	taskDoneMsg struct {
		task      *task
		purge     []actions.PurgeResult
		downloads []actions.DownloadResult
		err       error
	}
	rescanDoneMsg struct {
		snap *cachescan.Snapshot
		err  error
	}
)

// task is a job running in a command. Its progress is written by the
// command's goroutine and read by View under the mutex, like the scan's
// atomic counters: no message per item.
type task struct {
	job      *job
	cancel   context.CancelFunc
	stopping bool

	// plan is the purge running, for its counters within items, when an
	// item is big enough to need them.
	plan *actions.PurgePlan

	mu sync.Mutex
	// The purge part.
	items, done, failed int
	freed               cachescan.Size
	current             string
	// The download part.
	downloading     bool
	dlTotal, dlDone int
	dlFailed        int
	under           map[string]string // target -> step, for those under way
}

func (t *task) purged(r actions.PurgeResult, next string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done++
	t.freed.Add(r.Freed)
	if r.Err != "" {
		t.failed++
	}
	t.current = next
}

func (t *task) event(e actions.DownloadEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.downloading = true
	switch e.Step {
	case actions.StepDone, actions.StepFailed:
		delete(t.under, e.Target)
		t.dlDone++
		if e.Step == actions.StepFailed {
			t.dlFailed++
		}
	default:
		t.under[e.Target] = string(e.Step)
	}
}

// busy says why no other action can start now, or "".
func (m *Model) busy() string {
	switch {
	case m.task != nil:
		return "wait: " + m.task.what() + " is running (esc stops it)"
	case m.planning:
		return "wait: the plan is being made"
	case m.rescanning:
		return "wait: the caches are being read again"
	case m.verifying:
		return "wait: a verify is running"
	}
	return ""
}

func (t *task) what() string {
	switch t.job.kind {
	case jobDownload:
		return "a re-download"
	case jobRepair:
		return "a repair"
	}
	return "a purge"
}

// refuse returns true, with the reason in the status line, when an action
// cannot start: --read-only, or something else under way.
func (m *Model) refuse() bool {
	if m.readOnly {
		m.status = "read-only: started with --read-only; nothing is changed"
		return true
	}
	if m.state != stateReady {
		m.status = "wait for the scan to finish"
		return true
	}
	if why := m.busy(); why != "" {
		m.status = why
		return true
	}
	return false
}

// found is what repair and the problem plans act on: the scan's problems
// and what verify found in this session.
func (m *Model) found() []cachescan.Problem {
	return append([]cachescan.Problem(nil), m.snap.Problems...)
}

// purgeKey is d: the marked rows, else the selection; the Build cache
// view offers its plans and the Problems view fixes the selected problem.
func (m *Model) purgeKey() tea.Cmd {
	if m.refuse() {
		return nil
	}
	switch m.view {
	case viewBuild:
		m.openMenu(true)
		return nil
	case viewProject:
		m.status = "nothing to purge here: select a module or version in Modules (1), or press D for the policy plans"
		return nil
	case viewProblems:
		pr := m.problems.selected()
		if pr == nil {
			m.status = "no problem selected"
			return nil
		}
		j := &job{kind: jobPurge, subject: "what fixes " + pr.Kind + " of " + problemSubject(pr),
			targets: actions.Targets{Problems: true, Found: []cachescan.Problem{*pr}},
			empty:   "no purge fixes this problem (R repairs what a download fixes); its fix: " + cachescan.Printable(pr.Fix)}
		return m.planCmd(j)
	}
	nodes, fromMarks := m.actionNodes()
	if len(nodes) == 0 {
		m.status = "nothing selected to purge"
		return nil
	}
	var only func(*node) []string
	switch vis := m.browser.visible; {
	case fromMarks:
		// What each mark took when it was made, whatever the filter is now.
		only = func(n *node) []string { return m.browser.marks[n].versions }
	case vis != nil:
		// A filter is on: a row stands for what the filter shows of it.
		only = func(n *node) []string {
			out := []string{}
			for _, v := range versionsUnder(n) {
				if vis[m.tree.byVersion[v]] {
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
			if k := m.browser.marks[n]; k.partial() {
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
		j.subject += ": only what the filter " + strconv.Quote(m.browser.filter) + " shows"
	}
	return m.planCmd(j)
}

// actionNodes returns the marked rows, in path order, else the selected one.
func (m *Model) actionNodes() ([]*node, bool) {
	if len(m.browser.marks) > 0 {
		var nodes []*node
		for n := range m.browser.marks {
			nodes = append(nodes, n)
		}
		sort.Slice(nodes, func(i, j int) bool { return nodes[i].path < nodes[j].path })
		return nodes, true
	}
	if n := m.browser.selected(); n != nil {
		return []*node{n}, false
	}
	return nil, false
}

// purgeJob turns rows into purge targets: a version is path@version, a
// module or a path segment every version of the modules under it, the
// cache/vcs group or a clone the clones, the sumdb group the checksum
// database cache. A version's own files and the list and lock files go
// with their versions only; when nothing can be purged, why says so.
// When only is not nil and gives a directory row a list (what a filter
// shows of it, or what its mark took), only those of its versions go.
func purgeJob(nodes []*node, only func(*node) []string) (j *job, why string) {
	j = &job{kind: jobPurge, metaable: true, rows: true, targets: actions.Targets{}}
	seen := map[string]bool{}
	// Exact patterns ("="): names from the cache may hold * or "...".
	pattern := func(s string) {
		if !seen[s] {
			seen[s] = true
			j.targets.Patterns = append(j.targets.Patterns, "="+s)
		}
	}
	// What the rows take, for a title that says it: a directory row
	// takes everything under it (as in ncdu and gdu), nested modules too.
	taken, takenMods := 0, map[string]bool{}
	for _, n := range nodes {
		switch {
		case n.kind == kindVersion:
			pattern(n.mod.Path + "@" + n.ver.Version)
		case isDir(n):
			// Module paths, not path/...: the tree shows toolchains in a
			// group of their own, so golang.org/... would take more than
			// the row shows.
			var shown map[string]bool
			if only != nil {
				if vs := only(n); vs != nil {
					shown = map[string]bool{}
					for _, v := range vs {
						shown[v] = true
					}
				}
			}
			// Versions listed but gone since are not in the tree.
			for _, v := range versionsUnder(n) {
				path := v[:strings.LastIndexByte(v, '@')]
				if shown != nil && !shown[v] {
					continue
				}
				taken++
				takenMods[path] = true
				if shown != nil {
					pattern(v)
				} else {
					pattern(path)
				}
			}
		case n.kind == kindGroup && n.path == "cache/vcs":
			j.targets.VCS = true
		case n.kind == kindClone:
			j.targets.Clones = append(j.targets.Clones, n.clone.Hash)
		case n.kind == kindGroup && n.path == "cache/download/sumdb":
			j.targets.SumDBCache = true
		case n.kind == kindDownload || n.kind == kindFile || n.kind == kindTree:
			j.skipped++
			why = "a version's files go together: select the version (h goes up) to purge it"
		default:
			j.skipped++
			why = "nothing to purge in " + cachescan.Printable(n.name) + ": the go command keeps these (strays show in Problems)"
		}
	}
	if len(j.targets.Patterns) == 0 && !j.targets.VCS && len(j.targets.Clones) == 0 && !j.targets.SumDBCache {
		return nil, why
	}
	j.metaable = len(j.targets.Patterns) > 0
	if len(nodes) == 1 {
		j.subject = cachescan.Printable(nodes[0].path)
		if n := nodes[0]; n.kind != kindVersion && taken > 0 {
			j.subject = rowSubject(n, takenMods, taken)
		}
	}
	j.empty = "nothing to purge there"
	return j, ""
}

// rowSubject names what d on one directory row takes: the row's module
// and the modules nested below it, or the modules under a path segment,
// with the versions they have.
func rowSubject(n *node, mods map[string]bool, versions int) string {
	vs := " (" + report.Plural(int64(versions), "version") + ")"
	own := n.mod != nil && mods[n.mod.Path]
	switch {
	case n.kind == kindGroup:
		return cachescan.Printable(n.path) + vs
	case own && len(mods) == 1:
		return cachescan.Printable(n.path) + vs
	case own:
		return cachescan.Printable(n.path) + " and " + report.Plural(int64(len(mods)-1), "module") + " below it" + vs
	}
	return report.Plural(int64(len(mods)), "module") + " under " + cachescan.Printable(n.path) + "/" + vs
}

// planCmd makes a job's plan in a command: a build-cache plan reads every
// entry's time.
func (m *Model) planCmd(j *job) tea.Cmd {
	m.planning = true
	m.status = "making the plan…"
	snap := m.snap
	return func() tea.Msg {
		err := makePlan(snap, j)
		if err == nil && j.kind == jobPurge && j.metaable && !j.targets.Metadata {
			err = weighMetadata(snap, j)
		}
		return planMsg{j, err}
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

// planned opens the confirmation dialog of a job whose plan is made.
func (m *Model) planned(msg planMsg) {
	m.planning = false
	m.status = ""
	j := msg.job
	if msg.err != nil {
		if errors.Is(msg.err, actions.ErrNoMatch) && j.empty != "" {
			m.status = j.empty
		} else {
			m.status = "cannot plan it: " + cachescan.Printable(msg.err.Error())
		}
		return
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
			return
		}
	case jobRepair:
		if j.repair.Empty() {
			if len(j.repair.Manual) > 0 {
				m.modal = newInfo("Repair", manualInfo(m, j.repair.Manual))
				return
			}
			m.status = "nothing to repair"
			return
		}
	}
	m.modal = &confirmDialog{job: j}
}

// downloadKey is r: re-download the marked versions, else the selected
// version, or choose among a module's versions.
func (m *Model) downloadKey() tea.Cmd {
	if m.refuse() {
		return nil
	}
	var nodes []*node
	fromMarks := false
	switch m.view {
	case viewModules:
		nodes, fromMarks = m.actionNodes()
	case viewProblems:
		if pr := m.problems.selected(); pr != nil && pr.Module != "" && pr.Version != "" {
			if n := m.tree.byVersion[pr.Module+"@"+pr.Version]; n != nil {
				nodes = []*node{n}
			}
		}
	}
	j := &job{kind: jobDownload, fromMarks: fromMarks}
	seen := map[string]bool{}
	for _, n := range nodes {
		for _, vn := range m.browser.marked(n) {
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
	m.modal = &confirmDialog{job: j}
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
	if len(m.snap.Problems) == 0 {
		m.status = "no problems to repair; V verifies every hash first"
		return nil
	}
	found := m.found()
	return m.planCmd(&job{kind: jobRepair, found: found, subject: "every problem found: " + report.Plural(int64(len(found)), "problem")})
}

// start runs a confirmed job.
func (m *Model) start(j *job) tea.Cmd {
	ctx, cancel := context.WithCancel(m.ctx)
	t := &task{job: j, cancel: cancel, under: map[string]string{}}
	m.task = t
	m.status = ""
	snap := m.snap
	var run tea.Cmd
	switch j.kind {
	case jobPurge:
		plan := j.plan
		t.items, t.plan = len(plan.Items), bigItems(plan)
		t.current = plan.Items[0].Label
		run = func() tea.Msg {
			res := plan.Run(ctx, purgeProgress(t, plan))
			return taskDoneMsg{task: t, purge: res}
		}
	case jobDownload:
		targets := j.chosen()
		t.dlTotal, t.downloading = len(targets), true
		found := m.found()
		run = func() tea.Msg {
			res := actions.Download(ctx, snap, targets, actions.DownloadOptions{Found: found, Progress: t.event, Timeout: m.timeout})
			return taskDoneMsg{task: t, downloads: res}
		}
	case jobRepair:
		rp := j.repair
		t.items, t.dlTotal, t.plan = len(rp.Purge.Items), len(rp.Downloads), bigItems(rp.Purge)
		if t.items > 0 {
			t.current = rp.Purge.Items[0].Label
		} else {
			t.downloading = true
		}
		found := j.found
		run = func() tea.Msg {
			res, err := rp.Run(ctx, snap, purgeProgress(t, rp.Purge), actions.DownloadOptions{Found: found, Progress: t.event, Timeout: m.timeout})
			if res == nil {
				return taskDoneMsg{task: t, err: err}
			}
			return taskDoneMsg{task: t, purge: res.Purge, downloads: res.Downloads, err: err}
		}
	}
	return tea.Batch(run, poll())
}

// purgeProgress counts the items a plan has removed and names the next.
// bigItems returns the plan if one of its items has many paths (build-cache
// entries), so that progress is shown per path; else nil.
func bigItems(plan *actions.PurgePlan) *actions.PurgePlan {
	for _, it := range plan.Items {
		if len(it.Paths) > 100 {
			return plan
		}
	}
	return nil
}

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
	if m.task == nil || m.task.stopping {
		return
	}
	m.task.stopping = true
	m.task.cancel()
}

// finishTask takes a task's results: the freed counter, the result line,
// the result dialog when there is more to see; then the caches are read
// again.
func (m *Model) finishTask(msg taskDoneMsg) tea.Cmd {
	t := msg.task
	t.cancel()
	m.task = nil
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
	m.lastResult = newInfo(resultTitle(j, t.stopping), m.resultLines(j, msg))
	if j.kind != jobPurge || failed > 0 || msg.err != nil {
		m.modal = m.lastResult
	}
	// The marks the job used go once it did all it was asked.
	dropMarks := j.fromMarks && failed == 0 && !t.stopping
	return m.rescanCmd(touched, dropMarks)
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
		s := "removed " + what + ", freed " + report.HumanBytes(m.sizeOf(freed))
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

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
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

// rescanCmd reads the caches again after an action so that the tree shows
// what is there now. What verify found about entries the action did not
// touch, and that are still there, is kept: only hashing finds it again.
func (m *Model) rescanCmd(touched map[string]bool, dropMarks bool) tea.Cmd {
	m.rescanning = true
	m.dropMarks = dropMarks
	m.scanner = cachescan.NewScanner()
	opts := m.opts
	if opts.ModCache == "" && opts.BuildCache == "" {
		// A model made from a snapshot (a replay, a test): read the same
		// roots again.
		opts.ModCache, opts.BuildCache, opts.Env = m.snap.ModCache.Root, m.snap.BuildCache.Root, m.snap.Env
		if m.snap.Project != nil {
			opts.ProjectDir = m.snap.Project.Dir
		}
	}
	var verified []cachescan.Problem
	for _, pr := range m.snap.Problems {
		if k := cachescan.LookupKind(pr.Kind); k != nil && k.Verify {
			verified = append(verified, pr)
		}
	}
	s, ctx := m.scanner, m.ctx
	return func() tea.Msg {
		snap, err := s.Scan(ctx, opts)
		if err != nil {
			return rescanDoneMsg{nil, err}
		}
		snap.Problems = append(snap.Problems, actions.Carry(verified, snap, touched)...)
		cachescan.SortProblems(snap.Problems)
		return rescanDoneMsg{snap, nil}
	}
}

// rescanned shows the caches as they are after an action.
func (m *Model) rescanned(msg rescanDoneMsg) tea.Cmd {
	m.rescanning = false
	if msg.err != nil {
		if !errors.Is(msg.err, context.Canceled) {
			m.status = "reading the caches again failed: " + cachescan.Printable(msg.err.Error()) + "; the tree shows them as they were"
		}
		return nil
	}
	m.replaceSnapshot(msg.snap, m.dropMarks)
	m.dropMarks = false
	// What changed may change the offline verdict.
	m.offline, m.offlineErr = nil, nil
	if m.view == viewProject {
		return m.startOffline()
	}
	return nil
}

// manualInfo lists problems no action fixes, with their fixes.
func manualInfo(m *Model, ps []cachescan.Problem) []string {
	st := m.styles
	out := []string{"No automatic fix for " + report.Plural(int64(len(ps)), "problem") + "; each needs a person:", ""}
	for i := range ps {
		pr := &ps[i]
		rank := pr.Severity.Rank()
		out = append(out, st.Severity[rank].Render(severitySymbols[rank])+" "+pr.Kind+"  "+problemSubject(pr))
		out = append(out, st.Dim.Render("  fix: ")+cachescan.Printable(pr.Fix))
	}
	return out
}

// taskLine is the footer while a task runs: a bar, how far it is, what
// it freed, what it is on, and how to stop it.
func (m *Model) taskLine() string {
	st, t := m.styles, m.task
	t.mu.Lock()
	done, items, freed, current := t.done, t.items, t.freed, t.current
	downloading, dlDone, dlTotal, dlFailed := t.downloading, t.dlDone, t.dlTotal, t.dlFailed
	var under []string
	for target, step := range t.under {
		under = append(under, step+" "+target)
	}
	t.mu.Unlock()
	sort.Strings(under)
	var share float64
	var text string
	if downloading {
		if dlTotal > 0 {
			share = float64(dlDone) / float64(dlTotal)
		}
		text = fmt.Sprintf(" re-downloading %d/%d", dlDone, dlTotal)
		if dlFailed > 0 {
			text += fmt.Sprintf(", %d failed", dlFailed)
		}
		if freed.Bytes > 0 {
			text += " · " + report.HumanBytes(m.sizeOf(freed)) + " freed"
		}
		if len(under) > 0 {
			text += " · " + cachescan.Printable(under[0])
			if len(under) > 1 {
				text += fmt.Sprintf(" (+%d)", len(under)-1)
			}
		}
	} else {
		if items > 0 {
			share = float64(done) / float64(items)
		}
		text = fmt.Sprintf(" removing %d/%d · %s freed", done, items, report.HumanBytes(m.sizeOf(freed)))
		if t.plan != nil {
			// Within items too: one build-cache item can be 100,000 entries.
			if total := t.plan.Paths(); total > 0 {
				paths, bytes := t.plan.Progress()
				share = float64(paths) / float64(total)
				text = fmt.Sprintf(" removing %s/%s paths · %s freed", report.Count(paths), report.Count(total), report.HumanBytes(bytes))
			}
		}
		if current != "" {
			text += " · " + cachescan.Printable(current)
		}
	}
	filled := int(min(max(share, 0), 1)*10 + 0.5)
	bar := st.Bar.Render(strings.Repeat("█", filled)) + st.BarEmpty.Render(strings.Repeat("░", 10-filled))
	stop := "  " + st.Key.Render("esc") + " " + st.Help.Render("stops")
	if t.stopping {
		stop = "  " + st.Severity[1].Render("stopping after the current item…")
		if downloading {
			stop = "  " + st.Severity[1].Render("stopping the downloads…")
		}
	}
	// The stop hint is kept; the text gives way on narrow terminals.
	room := max(m.width-ansi.StringWidth(stop)-10, 8)
	return ansi.Truncate(bar+st.Dim.Render(ansi.Truncate(text, room, "…"))+stop, m.width, "…")
}
