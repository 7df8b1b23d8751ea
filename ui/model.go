package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// viewKind is one of the four views.
type viewKind uint8

const (
	viewModules viewKind = iota
	viewBuild
	viewProject
	viewProblems
)

var viewNames = [...]string{"Modules", "Build cache", "Project", "Problems"}

// state is where the scan is.
type state uint8

const (
	stateScanning state = iota
	stateReady
	stateFailed
)

// Messages.
type (
	scanDoneMsg struct {
		snap *cachescan.Snapshot
		err  error
	}
	pollMsg       struct{}
	verifyDoneMsg struct {
		rep *actions.VerifyReport
		err error
	}
	offlineDoneMsg struct {
		rep *actions.OfflineReport
		err error
	}
)

// pollInterval is how often the header's scan counters are refreshed.
const pollInterval = 100 * time.Millisecond

// Model is the root of the TUI: it owns the layout, focus, styles and keys,
// and routes messages to the views. It never touches the disk: the scan runs
// in a command, and its progress is read from the scanner's atomic counters.
type Model struct {
	ctx     context.Context
	cancel  context.CancelFunc
	scanner *cachescan.Scanner
	opts    cachescan.Options

	state    state
	err      error
	snap     *cachescan.Snapshot
	tree     *tree
	browser  browser
	progress cachescan.Progress

	view          viewKind
	width, height int
	isDark        bool
	styles        *Styles
	keys          KeyMap
	help          help.Model
	showHelp      bool
	showDetails   bool
	filtering     bool

	problems problemList
	project  scroller
	build    scroller
	// status is a one-line message shown instead of the help line until
	// the next key.
	status string
	// fullDetails shows the details pane over the whole body: on
	// terminals too small for a pane, or on a leaf's enter.
	fullDetails bool
	details     scroller

	// A verify in the background: progress polled like the scan's, its
	// problems attached to the tree as they are found.
	verifier   *actions.Verifier
	verifying  bool
	seen       int
	verifyWhat string
	// verifyPatterns is what the running verify covers (nil: everything),
	// so that its findings replace only those kept from earlier.
	verifyPatterns []string

	// readOnly disables every action that changes the disk (--read-only).
	readOnly bool
	// timeout bounds each go command of a download (0: the default).
	timeout time.Duration
	// findingsPath is where a verify's findings are kept for a later
	// modscope repair; "" keeps nothing (tests).
	findingsPath string
	// modal is the dialog over the body, if one is open.
	modal modal
	// The actions: a plan being made, the task running a confirmed one,
	// the scan that follows it, and what they freed in this session.
	planning   bool
	task       *task
	rescanning bool
	dropMarks  bool
	freed      cachescan.Size
	lastResult *infoDialog
	// quitting: q was pressed while a task ran; quit once it stopped.
	quitting bool
	// The offline-readiness check the Project view shows.
	offline        *actions.OfflineReport
	offlineErr     error
	offlineRunning bool
}

// New returns a model that scans with opts when it starts. A nil snap
// means scan; a snapshot given here is shown at once (tests, replays).
func New(ctx context.Context, opts cachescan.Options, snap *cachescan.Snapshot) *Model {
	ctx, cancel := context.WithCancel(ctx)
	m := &Model{
		ctx: ctx, cancel: cancel, scanner: cachescan.NewScanner(), opts: opts,
		isDark: true, keys: DefaultKeyMap(), help: help.New(), showDetails: true,
		width: 80, height: 24,
	}
	m.styles = newStyles(m.isDark)
	m.help.Styles = help.DefaultStyles(m.isDark)
	if snap != nil {
		m.setSnapshot(snap)
	}
	return m
}

// Init starts the scan and asks the terminal for its background colour.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if m.state == stateScanning {
		cmds = append(cmds, m.scanCmd(), poll())
	}
	return tea.Batch(cmds...)
}

func (m *Model) scanCmd() tea.Cmd {
	s, ctx, opts := m.scanner, m.ctx, m.opts
	return func() tea.Msg {
		snap, err := s.Scan(ctx, opts)
		return scanDoneMsg{snap, err}
	}
}

func poll() tea.Cmd {
	return tea.Tick(pollInterval, func(time.Time) tea.Msg { return pollMsg{} })
}

func (m *Model) setSnapshot(snap *cachescan.Snapshot) {
	m.snap = snap
	m.state = stateReady
	m.tree = buildTree(snap)
	old := m.browser
	m.browser = newBrowser(m.tree)
	m.browser.apparent, m.browser.sortBy, m.browser.reverse = old.apparent, old.sortBy, old.reverse
	m.problems = newProblemList(snap.Problems)
	m.project = scroller{}
	m.build = scroller{}
	m.layout()
}

// Update handles a message: the help screen and the filter input first,
// then sizes, then results and progress whatever the focus, then keys.
// The layout follows, as a message can change the footer's height.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	model, cmd := m.update(msg)
	if m.browser.height != m.bodyHeight() {
		m.layout()
	}
	return model, cmd
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.BackgroundColorMsg:
		m.isDark = msg.IsDark()
		m.styles = newStyles(m.isDark)
		m.help.Styles = help.DefaultStyles(m.isDark)
		return m, nil
	case pollMsg:
		if m.verifying {
			m.takeFound()
			return m, poll()
		}
		if m.task != nil || m.rescanning {
			// The view reads the task's counters; the tick redraws it.
			m.progress = m.scanner.Progress()
			return m, poll()
		}
		if m.state != stateScanning {
			return m, nil
		}
		m.progress = m.scanner.Progress()
		return m, poll()
	case planMsg:
		m.planned(msg)
		return m, nil
	case taskDoneMsg:
		cmd := m.finishTask(msg)
		if m.quitting {
			return m.quit()
		}
		return m, cmd
	case rescanDoneMsg:
		return m, m.rescanned(msg)
	case verifyDoneMsg:
		return m, m.finishVerify(msg.rep, msg.err)
	case offlineDoneMsg:
		m.offlineRunning = false
		m.offline, m.offlineErr = msg.rep, msg.err
		return m, nil
	case scanDoneMsg:
		if msg.err != nil {
			m.state, m.err = stateFailed, msg.err
			return m, nil
		}
		m.progress = m.scanner.Progress()
		m.setSnapshot(msg.snap)
		return m, nil
	case tea.MouseWheelMsg:
		delta := 3
		if msg.Button == tea.MouseWheelUp {
			delta = -3
		} else if msg.Button != tea.MouseWheelDown {
			return m, nil
		}
		if m.modal != nil {
			m.modal.scroll(delta)
			return m, nil
		}
		m.scroll(delta)
		return m, nil
	case tea.MouseClickMsg:
		if m.modal == nil && msg.Button == tea.MouseLeft && msg.X < m.bodyWidth() {
			m.click(msg.Y)
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m *Model) quit() (tea.Model, tea.Cmd) {
	m.cancel()
	return m, tea.Quit
}

func (m *Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if msg.String() == "ctrl+c" {
		return m.quit()
	}
	if m.modal != nil {
		// The status line stays: it is the result a result dialog
		// details, and it shows again when the dialog closes.
		return m, m.modal.key(m, msg)
	}
	prevStatus := m.status
	m.status = ""
	if m.task != nil && !m.filtering {
		// esc stops the task; q stops it and quits once it stopped.
		switch {
		case msg.String() == "esc":
			m.stopTask()
			return m, nil
		case key.Matches(msg, k.Quit):
			m.stopTask()
			m.quitting = true
			return m, nil
		}
	}
	if m.fullDetails {
		// The full-screen details scroll; any other key closes them.
		if d, ok := navDelta(msg, k, m.bodyHeight()); ok {
			m.details.scroll(d)
			return m, nil
		}
		m.fullDetails = false
		if key.Matches(msg, k.Quit) {
			return m.quit()
		}
		return m, nil
	}
	if m.filtering {
		m.filterKey(msg)
		return m, nil
	}
	if m.showHelp {
		// Any key closes the help, q too (as in ncdu); ctrl+c still quits.
		if msg.String() == "ctrl+c" {
			return m.quit()
		}
		m.showHelp = false
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp = true
		return m, nil
	case key.Matches(msg, k.NextView):
		return m, m.setViewCmd((m.view + 1) % 4)
	case key.Matches(msg, k.PrevView):
		return m, m.setViewCmd((m.view + 3) % 4)
	case key.Matches(msg, k.View1):
		return m, m.setViewCmd(viewModules)
	case key.Matches(msg, k.View2):
		return m, m.setViewCmd(viewBuild)
	case key.Matches(msg, k.View3):
		return m, m.setViewCmd(viewProject)
	case key.Matches(msg, k.View4):
		return m, m.setViewCmd(viewProblems)
	case key.Matches(msg, k.Details):
		if right, below := m.panePlacement(); !right && !below && m.state == stateReady {
			// No room for a pane: show the details over the body.
			m.openDetails()
			return m, nil
		}
		m.showDetails = !m.showDetails
		m.layout()
		return m, nil
	case key.Matches(msg, k.Purge):
		return m, m.purgeKey()
	case key.Matches(msg, k.PurgePolicy):
		if !m.refuse() {
			m.openMenu(false)
		}
		return m, nil
	case key.Matches(msg, k.Download):
		return m, m.downloadKey()
	case key.Matches(msg, k.Repair):
		return m, m.repairKey()
	case key.Matches(msg, k.LastResult):
		if m.lastResult == nil {
			m.status = "no action has run yet: its result shows here"
		} else {
			// The result line goes on showing under the dialog's result.
			m.status = prevStatus
			m.lastResult.offset = 0
			m.modal = m.lastResult
		}
		return m, nil
	case key.Matches(msg, k.VerifyAll, k.Verify) && m.state == stateReady && (m.task != nil || m.planning || m.rescanning):
		m.status = m.busy()
		return m, nil
	case key.Matches(msg, k.VerifyAll) && m.state == stateReady:
		return m, m.startVerify(nil, "everything")
	case key.Matches(msg, k.Verify) && m.state == stateReady:
		return m, m.verifySelection()
	case key.Matches(msg, k.Offline) && m.state == stateReady && m.readOnly:
		m.status = "read-only: the offline check runs the go command, which may extract zips and add build-cache entries; modscope offline does it"
		return m, nil
	case key.Matches(msg, k.Offline) && m.state == stateReady:
		return m, m.startOffline()
	case key.Matches(msg, k.Apparent):
		m.toggleApparent()
		return m, nil
	}
	if m.state != stateReady {
		return m, nil
	}
	switch m.view {
	case viewModules:
		m.modulesKey(msg)
	case viewProblems:
		m.problemsKey(msg)
	case viewProject:
		if d, ok := navDelta(msg, k, m.bodyHeight()); ok {
			m.project.scroll(d)
		}
	case viewBuild:
		if d, ok := navDelta(msg, k, m.bodyHeight()); ok {
			m.build.scroll(d)
		}
	}
	return m, nil
}

// toggleApparent switches between disk usage and apparent sizes.
func (m *Model) toggleApparent() {
	m.browser.apparent = !m.browser.apparent
	if m.state == stateReady && m.browser.sortBy == sortSize {
		keep := m.browser.selected()
		m.browser.refresh()
		m.browser.selectNode(keep)
	}
}

func (m *Model) setView(v viewKind) {
	m.view = v
	m.layout()
}

// setViewCmd switches view and starts what the view needs: the Project
// view checks offline readiness the first time it is shown.
func (m *Model) setViewCmd(v viewKind) tea.Cmd {
	m.setView(v)
	if v == viewProject && m.state == stateReady && m.offline == nil && m.offlineErr == nil && !m.offlineRunning && !m.readOnly {
		return m.startOffline()
	}
	return nil
}

// verifySelection verifies the marked nodes, else the selected one.
func (m *Model) verifySelection() tea.Cmd {
	var nodes []*node
	for n := range m.browser.marks {
		nodes = append(nodes, n)
	}
	what := report.Plural(int64(len(nodes)), "marked node")
	if len(nodes) == 0 {
		if m.view == viewModules {
			if n := m.browser.selected(); n != nil {
				nodes, what = []*node{n}, n.path
			}
		} else if pr := m.problems.selected(); m.view == viewProblems && pr != nil && pr.Module != "" {
			if n := m.tree.byVersion[pr.Module+"@"+pr.Version]; n != nil {
				nodes, what = []*node{n}, n.path
			}
		}
	}
	var patterns []string
	for _, n := range nodes {
		vs := versionsUnder(n)
		if m.browser.marks[n].partial() {
			// What the mark took under its filter.
			vs = nil
			for _, vn := range m.browser.marked(n) {
				vs = append(vs, vn.mod.Path+"@"+vn.ver.Version)
			}
		}
		for _, v := range vs {
			// Exact: names from the cache may hold * or "...".
			patterns = append(patterns, "="+v)
		}
	}
	if len(patterns) == 0 {
		m.status = "nothing to verify here: select a module or version, or press V for everything"
		return nil
	}
	return m.startVerify(patterns, what)
}

// startVerify hashes what the patterns select (nil: everything) in a
// command; the tree's problems for those versions are replaced as the
// results arrive.
func (m *Model) startVerify(patterns []string, what string) tea.Cmd {
	if m.verifying {
		m.status = "a verify is already running"
		return nil
	}
	// Old hashing results for what is verified again go away first.
	var kept []cachescan.Problem
	for _, p := range m.snap.Problems {
		k := cachescan.LookupKind(p.Kind)
		if k != nil && k.Verify && (patterns == nil || (p.Module != "" && actions.Match(patterns, p.Module, p.Version))) {
			continue
		}
		kept = append(kept, p)
	}
	m.snap.Problems = kept
	m.rebuild()
	m.verifier, m.verifying, m.seen, m.verifyWhat, m.verifyPatterns = actions.NewVerifier(), true, 0, what, patterns
	m.status = ""
	v, ctx, snap := m.verifier, m.ctx, m.snap
	return tea.Batch(func() tea.Msg {
		rep, err := v.Verify(ctx, snap, actions.VerifyOptions{Patterns: patterns, ZipCache: actions.DefaultZipCache()})
		return verifyDoneMsg{rep, err}
	}, poll())
}

// takeFound attaches the problems verify found since the last poll.
func (m *Model) takeFound() {
	found := m.verifier.FoundSince(m.seen)
	for _, p := range found {
		m.seen++
		m.snap.Problems = append(m.snap.Problems, p)
		m.tree.attach(p)
	}
	if len(found) > 0 && m.browser.filter != "" {
		// The rows' markers count what the filter shows: count again.
		m.browser.setFilter(m.browser.filter)
	}
}

func (m *Model) finishVerify(rep *actions.VerifyReport, err error) tea.Cmd {
	m.takeFound()
	m.verifying = false
	if err != nil {
		m.status = "verify stopped: " + cachescan.Printable(err.Error())
		return nil
	}
	cachescan.SortProblems(m.snap.Problems)
	m.problems = newProblemList(m.snap.Problems)
	m.layout()
	m.status = fmt.Sprintf("verified %s: %s and %s (%s), %s", cachescan.Printable(m.verifyWhat), report.Plural(rep.Versions, "version"),
		report.Plural(rep.Outputs, "build output"), report.HumanBytes(rep.Bytes), report.Plural(int64(len(rep.Problems)), "problem"))
	if rep.SumDBCacheUnchecked > 0 {
		m.status += "; " + report.Plural(rep.SumDBCacheUnchecked, "cached checksum-database lookup") + " could not be checked offline (normal: the cached tiles do not reach the newest tree seen)"
	}
	// What was damaged may have changed the offline verdict.
	m.offline, m.offlineErr = nil, nil
	if m.findingsPath == "" {
		return nil
	}
	// Kept for a later modscope repair, as the verify command keeps them.
	path, f, patterns := m.findingsPath, actions.Findings{ModCache: m.snap.ModCache.Root, GoCache: m.snap.BuildCache.Root,
		At: m.snap.Clock.Now(), Problems: append([]cachescan.Problem(nil), rep.Problems...)}, m.verifyPatterns
	return func() tea.Msg {
		actions.SaveFindings(path, f, patterns) // only saves a later repair some hashing
		return nil
	}
}

// startOffline asks the go command, offline, what the project needs.
func (m *Model) startOffline() tea.Cmd {
	if m.snap.Project == nil || m.offlineRunning {
		return nil
	}
	m.offlineRunning = true
	// A copy of the problem list: a verify may change it meanwhile.
	snapCopy := *m.snap
	snapCopy.Problems = append([]cachescan.Problem(nil), m.snap.Problems...)
	ctx, snap := m.ctx, &snapCopy
	return func() tea.Msg {
		rep, err := actions.Offline(ctx, snap)
		return offlineDoneMsg{rep, err}
	}
}

// rebuild makes the tree again from the snapshot, keeping the place, the
// order, the filter and the marks.
func (m *Model) rebuild() { m.replaceSnapshot(m.snap, false) }

// replaceSnapshot shows snap in place of the current snapshot (after an
// action, the caches read again) so that the tree updates in place: the
// order, the filter, the view and the marks whose rows still exist are
// kept (all marks go with dropMarks); the selected row stays selected, or
// the row after it takes its place; a directory that went gives way to its
// nearest ancestor that is still there.
func (m *Model) replaceSnapshot(snap *cachescan.Snapshot, dropMarks bool) {
	old := m.browser
	var selPath string
	if s := old.selected(); s != nil {
		selPath = s.path
	}
	m.snap = snap
	m.tree = buildTree(snap)
	b := newBrowser(m.tree)
	b.apparent, b.sortBy, b.reverse, b.height = old.apparent, old.sortBy, old.reverse, old.height
	if !dropMarks {
		for n, k := range old.marks {
			nn := m.tree.byKey[n.path]
			if nn == nil {
				continue
			}
			if k.partial() {
				// The versions it took that are still there; a mark
				// left with none goes, as a row that went does.
				var vs []string
				for _, v := range k.versions {
					if m.tree.byVersion[v] != nil {
						vs = append(vs, v)
					}
				}
				if len(vs) == 0 {
					continue
				}
				k.versions = vs
			}
			b.marks[nn] = k
		}
	}
	// The nearest ancestor of the old directory that is still there.
	cur, from := old.cur, (*node)(nil)
	for cur.kind != kindRoot && m.tree.byKey[cur.path] == nil {
		cur, from = cur.parent, cur
	}
	if cur.kind != kindRoot {
		b.cur = m.tree.byKey[cur.path]
	}
	b.refresh()
	if old.filter != "" {
		b.setFilter(old.filter)
	}
	switch sel := m.tree.byKey[selPath]; {
	case sel != nil && b.selectNode(sel):
	case from == nil:
		b.cursor = old.cursor // the next row takes the place of the one that went
	default:
		b.cursor = old.positions[cur] // where the directory that went was
	}
	b.offset = old.offset
	b.clamp()
	m.browser = b
	pl := newProblemList(m.snap.Problems)
	pl.height, pl.offset = m.problems.height, m.problems.offset
	if len(pl.lines) > 0 {
		// The problem that went gives its place to the next one.
		pl.cursor = min(max(m.problems.cursor, 1), len(pl.lines)-1)
		pl.move(0)
	}
	m.problems = pl
	m.layout()
}

// navDelta says how far a navigation key moves a cursor in a list whose
// page is page rows, and whether msg is a navigation key at all.
func navDelta(msg tea.KeyPressMsg, k KeyMap, page int) (int, bool) {
	const far = 1 << 30
	switch {
	case key.Matches(msg, k.Up):
		return -1, true
	case key.Matches(msg, k.Down):
		return 1, true
	case key.Matches(msg, k.PageUp):
		return -max(page-1, 1), true
	case key.Matches(msg, k.PageDown):
		return max(page-1, 1), true
	case key.Matches(msg, k.Top):
		return -far, true
	case key.Matches(msg, k.Bottom):
		return far, true
	}
	return 0, false
}

func (m *Model) modulesKey(msg tea.KeyPressMsg) {
	b, k := &m.browser, m.keys
	if d, ok := navDelta(msg, k, b.height); ok {
		b.move(d)
		return
	}
	switch {
	case key.Matches(msg, k.Open):
		if !b.open() && b.selected() != nil {
			m.openDetails() // a leaf: show all there is to know about it
		}
	case key.Matches(msg, k.Back):
		b.back()
	case key.Matches(msg, k.Filter):
		m.filtering = true
	case key.Matches(msg, k.ClearFilter):
		b.setFilter("")
	case key.Matches(msg, k.SortSize):
		b.setSort(sortSize)
	case key.Matches(msg, k.SortName):
		b.setSort(sortName)
	case key.Matches(msg, k.SortCount):
		b.setSort(sortCount)
	case key.Matches(msg, k.SortTime):
		b.setSort(sortTime)
	case key.Matches(msg, k.Mark):
		b.toggleMark()
	}
}

// filterKey edits the filter: typing narrows at once, enter keeps the
// filter and returns to the list, esc clears it.
func (m *Model) filterKey(msg tea.KeyPressMsg) {
	b := &m.browser
	switch msg.String() {
	case "esc":
		m.filtering = false
		b.setFilter("")
	case "enter", "down", "up":
		m.filtering = false
	case "backspace":
		if r := []rune(b.filter); len(r) > 0 {
			b.setFilter(string(r[:len(r)-1]))
		} else {
			m.filtering = false
		}
	default:
		if msg.Text != "" {
			b.setFilter(b.filter + msg.Text)
		}
	}
}

func (m *Model) problemsKey(msg tea.KeyPressMsg) {
	if d, ok := navDelta(msg, m.keys, m.problems.height); ok {
		m.problems.move(d)
	} else if key.Matches(msg, m.keys.Open) {
		m.jump()
	}
}

// jump shows the selected problem's entry in the Modules view, or the
// Build cache view for a build-cache problem.
func (m *Model) jump() {
	pr := m.problems.selected()
	if pr == nil {
		return
	}
	if n := m.tree.nodeFor(*pr); n != nil {
		m.browser.reveal(n)
		m.setView(viewModules)
		return
	}
	if bc := m.snap.BuildCache.Root; bc != "" && strings.HasPrefix(pr.Path, bc) {
		m.setView(viewBuild)
		m.status = "a build-cache entry: its path and fix are in the Problems view's details"
		return
	}
	m.status = "this problem has no row in the Modules view; its path and fix are in the details"
}

// openDetails shows the details of the selection over the whole body.
func (m *Model) openDetails() {
	m.fullDetails = true
	m.details = scroller{}
}

func (m *Model) scroll(delta int) {
	if m.state != stateReady {
		return
	}
	switch m.view {
	case viewModules:
		m.browser.move(delta)
	case viewProblems:
		m.problems.move(delta)
	case viewProject:
		m.project.scroll(delta)
	case viewBuild:
		m.build.scroll(delta)
	}
}

// click selects the row under the pointer.
func (m *Model) click(y int) {
	if m.state != stateReady {
		return
	}
	row := y - headerLines
	if row < 0 || row >= m.bodyHeight() {
		return
	}
	switch m.view {
	case viewModules:
		if i := m.browser.offset + row; i < len(m.browser.rows) {
			m.browser.cursor = i
			m.browser.clamp()
		}
	case viewProblems:
		m.problems.clickLine(m.problems.offset + row)
	}
}

// Layout: three header lines, the body, one footer line (two for a
// status message too long for one); the details pane sits right of the
// body on wide terminals and below it on tall ones.
const headerLines = 3

// maxStatusLines bounds a status message: a second line costs the body
// one row, a third would cost too much.
const maxStatusLines = 2

// panePlacement says where a details pane fits at this size, whether or
// not it is switched on.
func (m *Model) panePlacement() (right bool, below bool) {
	if m.width >= 110 {
		return true, false
	}
	return false, m.height >= 22
}

func (m *Model) detailsPlacement() (right bool, below bool) {
	if !m.showDetails || m.view == viewBuild || m.view == viewProject || m.showHelp || m.fullDetails || m.state != stateReady {
		return false, false
	}
	return m.panePlacement()
}

func (m *Model) bodyHeight() int {
	h := m.height - headerLines - len(m.footerLines())
	if _, below := m.detailsPlacement(); below {
		h -= m.detailsHeight()
	}
	return max(h, 1)
}

func (m *Model) detailsHeight() int {
	return min(max((m.height-headerLines-1)*2/5, 8), 18)
}

func (m *Model) bodyWidth() int {
	if right, _ := m.detailsPlacement(); right {
		return m.width - m.detailsWidth()
	}
	return m.width
}

// detailsWidth leaves the list its bars on a 120-column terminal and gives
// the pane room for a whole h1: hash.
func (m *Model) detailsWidth() int {
	return min(max(m.width*2/5, 52), 90)
}

func (m *Model) layout() {
	h := m.bodyHeight()
	m.browser.height = h
	m.browser.clamp()
	m.problems.height = h
	m.problems.clamp()
	m.help.SetWidth(m.width)
}

// View draws the whole screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "modscope"
	return v
}

func (m *Model) render() string {
	st := m.styles
	var lines []string
	lines = append(lines, m.titleLine(), m.tabLine(), m.contextLine())
	bodyH := m.bodyHeight()
	body := m.body()
	body = fitBlock(body, m.bodyWidth(), bodyH)
	right, below := m.detailsPlacement()
	if right {
		pane := m.detailsPane(m.detailsWidth(), bodyH)
		body = lipgloss.JoinHorizontal(lipgloss.Top, body, pane)
	}
	lines = append(lines, body)
	if below {
		lines = append(lines, m.detailsPane(m.width, m.detailsHeight()))
	}
	lines = append(lines, m.footerLines()...)
	_ = st
	screen := strings.Join(lines, "\n")
	if m.modal != nil {
		screen = m.overlayModal(screen)
	}
	return screen
}

// fitBlock cuts or pads s to exactly w columns and h lines; a line cut
// short ends in "…", so that it does not read as whole.
func fitBlock(s string, w, h int) string {
	ls := strings.Split(s, "\n")
	if len(ls) > h {
		ls = ls[:h]
	}
	for len(ls) < h {
		ls = append(ls, "")
	}
	for i, l := range ls {
		ls[i] = padRight(ansi.Truncate(l, w, "…"), w)
	}
	return strings.Join(ls, "\n")
}

// titleLine shows both roots with their totals. When the line is too
// long it gives way by priority, and never cuts a number: the paths lose
// their leading elements (the last one stays), then "freed so far" becomes
// "freed", then the GOMODCACHE and GOCACHE labels go, then the GOCACHE
// part (the Build cache view shows it), then the GOMODCACHE part; the
// read-only badge goes last.
func (m *Model) titleLine() string {
	st := m.styles
	modRoot, buildRoot := m.opts.ModCache, m.opts.BuildCache
	modSize, buildSize := "", ""
	if m.snap != nil {
		modRoot, buildRoot = m.snap.ModCache.Root, m.snap.BuildCache.Root
		modSize = " " + report.HumanBytes(m.sizeOf(m.snap.ModCache.Size))
		buildSize = " " + report.HumanBytes(m.sizeOf(m.snap.BuildCache.Size))
	}
	modPaths, buildPaths := leftShortenings(cachescan.Printable(modRoot)), leftShortenings(cachescan.Printable(buildRoot))
	title := st.Title.Render("modscope")
	if m.readOnly {
		title += " " + st.ReadOnly.Render("read-only")
	}
	freed := m.freed.Bytes > 0 || m.freed.Files > 0
	line := func(freedLong, labels, mod, build bool, mi, bi int) string {
		l := title
		if freed {
			label := "freed "
			if freedLong {
				label = "freed so far: "
			}
			l += "  " + st.Freed.Render(label+report.HumanBytes(m.sizeOf(m.freed)))
		}
		if mod {
			l += "  "
			if labels {
				l += "GOMODCACHE "
			}
			l += modPaths[mi] + modSize
		}
		switch {
		case !build:
		case buildRoot == "" && labels:
			l += "  GOCACHE off"
		case buildRoot == "":
			l += "  GOCACHE=off"
		default:
			l += "  "
			if labels {
				l += "GOCACHE "
			}
			l += buildPaths[bi] + buildSize
		}
		return l
	}
	fits := func(l string) bool { return ansi.StringWidth(l) <= m.width }
	for _, lv := range []struct{ freedLong, labels, mod, build bool }{
		{true, true, true, true},
		{false, true, true, true},
		{false, false, true, true},
		{false, true, true, false},
		{false, false, true, false},
		{false, false, false, false},
	} {
		// The longer path loses an element first, until both fit or
		// neither can lose more.
		mi, bi := 0, 0
		for {
			l := line(lv.freedLong, lv.labels, lv.mod, lv.build, mi, bi)
			if fits(l) {
				return l
			}
			canMod := lv.mod && mi+1 < len(modPaths)
			canBuild := lv.build && bi+1 < len(buildPaths)
			if !canMod && !canBuild {
				break
			}
			if canMod && (!canBuild || len(modPaths[mi]) >= len(buildPaths[bi])) {
				mi++
			} else {
				bi++
			}
		}
	}
	if fits(title) {
		return title
	}
	return ansi.Truncate(st.Title.Render("modscope"), m.width, "…")
}

// leftShortenings lists path and its shorter forms, each without one more
// leading element: /root/go/pkg/mod, …/go/pkg/mod, …/pkg/mod, …/mod. The
// last element, which tells the caches apart, always stays.
func leftShortenings(path string) []string {
	out := []string{path}
	sep := "/"
	if !strings.Contains(path, "/") && strings.Contains(path, `\`) {
		sep = `\`
	}
	parts := strings.Split(strings.TrimRight(path, sep), sep)
	for i := 1; i < len(parts); i++ {
		if short := "…" + sep + strings.Join(parts[i:], sep); ansi.StringWidth(short) < ansi.StringWidth(out[len(out)-1]) {
			out = append(out, short)
		}
	}
	return out
}

func (m *Model) sizeOf(s cachescan.Size) int64 {
	if m.browser.apparent {
		return s.ApparentBytes
	}
	return s.Bytes
}

func (m *Model) tabLine() string {
	st := m.styles
	// short names the other tabs by their key only, when the marks' note
	// would not fit beside the full names.
	tabs := func(short bool) string {
		var parts []string
		for i, name := range viewNames {
			label := fmt.Sprintf("%d %s", i+1, name)
			if short && viewKind(i) != m.view {
				label = fmt.Sprint(i + 1)
			}
			if viewKind(i) == viewProblems && m.snap != nil {
				label += fmt.Sprintf(" (%d)", len(m.snap.Problems))
			}
			if viewKind(i) == m.view {
				parts = append(parts, st.TabActive.Render(label))
			} else {
				parts = append(parts, st.Tab.Render(label))
			}
		}
		return strings.Join(parts, "  ")
	}
	line := tabs(false)
	switch m.state {
	case stateScanning:
		line += "  " + st.Dim.Render(fmt.Sprintf("%s files, %s", report.Count(m.progress.Files), report.HumanBytes(m.progress.Bytes)))
	case stateReady:
		if m.rescanning {
			line += "  " + st.Dim.Render(fmt.Sprintf("reading the caches again: %s files", report.Count(m.progress.Files)))
		} else if m.verifying {
			// By items: sizes on disk are only an estimate of what is
			// hashed (zips are hashed uncompressed).
			pr := m.verifier.Progress()
			share := 0.0
			if pr.Items > 0 {
				share = min(max(float64(pr.ItemsDone)/float64(pr.Items), 0), 1)
			}
			filled := int(share*10 + 0.5)
			line += "  " + st.Bar.Render(strings.Repeat("█", filled)) + st.BarEmpty.Render(strings.Repeat("░", 10-filled)) +
				st.Dim.Render(fmt.Sprintf(" verifying %s/%s, %s hashed", report.Count(pr.ItemsDone), report.Count(pr.Items), report.HumanBytes(pr.BytesDone)))
		} else if n, size := m.browser.markedSize(); n > 0 {
			// The longest form that fits; never a number cut in half.
			notes := []string{fmt.Sprintf("%d marked, d frees %s", n, report.HumanBytes(size)), fmt.Sprintf("%d marked, %s", n, report.HumanBytes(size))}
			fitted := false
			for _, t := range []string{tabs(false), tabs(true), st.TabActive.Render(viewNames[m.view])} {
				for _, note := range notes {
					if l := t + "   " + st.Marked.Render(note); ansi.StringWidth(l) <= m.width {
						line, fitted = l, true
						break
					}
				}
				if fitted {
					break
				}
			}
			if !fitted {
				line = st.Marked.Render(notes[1])
			}
		}
	}
	return ansi.Truncate(line, m.width, "…")
}

func (m *Model) contextLine() string {
	st := m.styles
	var s string
	switch {
	case m.state == stateFailed:
		s = st.StatusError.Render("scan failed")
	case m.state == stateScanning:
		s = st.Dim.Render("reading " + cachescan.Printable(m.opts.ModCache) + " and " + cachescan.Printable(m.opts.BuildCache))
	case m.view == viewModules:
		b := &m.browser
		crumb := "/" + strings.Join(b.cur.crumbs(), "/")
		dir := "↓"
		if b.reverse {
			dir = "↑"
		}
		size := "disk usage"
		if b.apparent {
			size = "apparent size"
		}
		info := fmt.Sprintf("  %s · by %s %s · %s", report.HumanBytes(b.size(b.cur)), b.sortBy, dir, size)
		if b.filter != "" {
			info += fmt.Sprintf(" · filter %q: %s", b.filter, report.Plural(int64(b.matches), "match"))
		}
		s = st.PaneTitle.Render(report.ShortenMiddle(crumb, max(m.width-lipgloss.Width(info)-1, 10))) + st.Dim.Render(info)
	case m.view == viewProblems:
		s = st.Dim.Render("enter: show the entry in Modules · d: purge its fix · R: repair them all")
	case m.view == viewProject:
		if pr := m.snap.Project; pr != nil {
			s = st.PaneTitle.Render(report.ShortenMiddle(cachescan.Printable(pr.Dir), m.width))
		} else {
			s = st.Dim.Render("no go.mod or go.work here or above")
		}
	case m.view == viewBuild:
		s = st.PaneTitle.Render(report.ShortenMiddle(cachescan.Printable(m.snap.BuildCache.Root), m.width))
	}
	return ansi.Truncate(s, m.width, "…")
}

// footerLines is the footer: one line, or a status message wrapped on
// up to two, so that the next step it names is read whole.
func (m *Model) footerLines() []string {
	if m.status == "" || m.filtering || m.state == stateFailed || m.modal != nil || m.task != nil || m.verifying {
		return []string{m.footer()}
	}
	lines := wrapLines([]string{m.status}, m.width)
	if len(lines) > maxStatusLines {
		lines = lines[:maxStatusLines]
		lines[maxStatusLines-1] = ansi.Truncate(lines[maxStatusLines-1], m.width-1, "") + "…"
	}
	for i, l := range lines {
		lines[i] = m.styles.Label.Render(l)
	}
	return lines
}

// footer is the footer's one line.
func (m *Model) footer() string {
	st := m.styles
	if m.filtering {
		return ansi.Truncate(st.Input.Render("/"+m.browser.filter+"▏")+st.Dim.Render("  enter keep · esc clear"), m.width, "…")
	}
	if m.state == stateFailed {
		return ansi.Truncate(st.StatusError.Render("modscope: "+cachescan.Printable(m.err.Error()))+st.Dim.Render("  q quit"), m.width, "…")
	}
	if m.modal != nil {
		return m.hintLine(m.modal.hints())
	}
	if m.task != nil {
		return m.taskLine()
	}
	if m.verifying {
		return ansi.Truncate(st.Dim.Render("verifying "+cachescan.Printable(m.verifier.Progress().Current)), m.width, "…")
	}
	if m.status != "" {
		return ansi.Truncate(st.Label.Render(m.status), m.width, "…")
	}
	return m.shortHelp()
}

// shortHelp is the help line for the current view: its own keys first,
// dropped from the end when the line is too narrow, and "? help · q quit"
// always kept.
func (m *Model) shortHelp() string {
	k := m.keys
	var items []key.Binding
	switch {
	case m.state != stateReady:
	case m.view == viewModules:
		items = []key.Binding{k.Open, k.Back, k.Mark, withHelp(k.Purge, "purge"), k.Filter, k.SortSize, k.Apparent,
			withHelp(k.PurgePolicy, "policies"), withHelp(k.Download, "re-download"), k.Verify, k.Details, k.NextView}
	case m.view == viewProblems:
		items = []key.Binding{k.Up, k.Down, withHelp(k.Open, "show in Modules"), withHelp(k.Purge, "purge its fix"), k.Repair,
			k.Verify, k.Details, k.NextView}
	case m.view == viewProject:
		items = []key.Binding{k.Up, k.Down, k.Offline, k.NextView}
	default:
		items = []key.Binding{k.Up, k.Down, withHelp(k.Purge, "purge plans"), k.Apparent, k.NextView}
	}
	st := m.styles
	render := func(b key.Binding) string {
		return st.Key.Render(b.Help().Key) + " " + st.Help.Render(b.Help().Desc)
	}
	sep := st.Help.Render(" · ")
	tail := render(k.Help) + sep + render(k.Quit)
	for n := len(items); n >= 0; n-- {
		parts := make([]string, 0, n+1)
		for _, b := range items[:n] {
			parts = append(parts, render(b))
		}
		parts = append(parts, tail)
		line := strings.Join(parts, sep)
		if ansi.StringWidth(line) <= m.width {
			return line
		}
	}
	return ansi.Truncate(tail, m.width, "…")
}

func withHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// helpColumns lays the full help's groups side by side, as many on a
// row as fit the terminal.
func (m *Model) helpColumns() string {
	groups := m.keys.FullHelp()
	h := m.help
	h.SetWidth(0)
	for perRow := len(groups); perRow >= 1; perRow-- {
		var rows []string
		widest := 0
		for i := 0; i < len(groups); i += perRow {
			row := h.FullHelpView(groups[i:min(i+perRow, len(groups))])
			widest = max(widest, lipgloss.Width(row))
			rows = append(rows, row)
		}
		if widest <= m.width || perRow == 1 {
			return strings.Join(rows, "\n\n")
		}
	}
	return ""
}

func (m *Model) body() string {
	st := m.styles
	if m.showHelp {
		notes := wrapLines([]string{st.Dim.Render("d, D, r and R show their plan and ask first: y goes ahead; n, esc or enter (the default, No) cancel. " +
			"A mark on a module stands for all its versions. --read-only refuses all four.")}, m.width)
		return m.helpColumns() + "\n\n" + strings.Join(notes, "\n") + "\n\n" + st.Dim.Render("any key closes this help")
	}
	switch m.state {
	case stateScanning:
		return st.Dim.Render(fmt.Sprintf("\n  Scanning… %s directories, %s files, %s so far.\n\n  q quits at any moment.",
			report.Count(m.progress.Dirs), report.Count(m.progress.Files), report.HumanBytes(m.progress.Bytes)))
	case stateFailed:
		return "\n  " + st.StatusError.Render(cachescan.Printable(m.err.Error())) + "\n\n  Check the path, or pass --modcache/--gocache. q quits."
	}
	if m.fullDetails {
		lines := wrapLines(m.detailLines(), m.width)
		lines = append(lines, "", st.Dim.Render("j/k scroll · any other key closes"))
		return m.details.view(lines, m.bodyHeight())
	}
	switch m.view {
	case viewModules:
		if len(m.browser.rows) == 0 && m.browser.filter == "" && !m.snap.ModCache.Exists {
			return st.Dim.Render("\n  " + cachescan.Printable(m.snap.ModCache.Root) + " does not exist yet: the go command creates it on the first download.")
		}
		return m.browser.view(st, m.bodyWidth())
	case viewBuild:
		return m.build.view(buildLines(m.snap, st, m.browser.apparent, m.bodyWidth()), m.bodyHeight())
	case viewProject:
		lines := m.offlineLines(m.bodyWidth())
		lines = append(lines, projectLines(m.snap, st, m.bodyWidth())...)
		return m.project.view(lines, m.bodyHeight())
	case viewProblems:
		return m.problems.view(st, m.bodyWidth())
	}
	return ""
}
