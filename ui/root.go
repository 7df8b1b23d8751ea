package ui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"modscope/cachescan"
)

// viewKind is one of the four views.
type viewKind uint8

const (
	viewModules viewKind = iota
	viewBuild
	viewProject
	viewProblems
)

// viewNames are short enough for the four tabs to fit 60 columns.
var viewNames = [...]string{"Modules", "Build", "Project", "Problems"}

// Messages.
type (
	scanDoneMsg struct {
		snap *cachescan.Snapshot
		err  error
	}
	pollMsg struct{}
)

// pollInterval is how often the scan's and the jobs' counters are redrawn.
const pollInterval = 100 * time.Millisecond

// Model is the root of the TUI. It routes messages and applies the actions
// its panes and dialogs return; it never touches the disk itself: scans,
// plans, verifies and jobs run in commands.
type Model struct {
	ctx     context.Context
	cancel  context.CancelFunc
	c       *common
	scanner *cachescan.Scanner
	opts    cachescan.Options
	// err is why the first scan failed.
	err      error
	progress cachescan.Progress
	busy     busy
	found    findings

	view        viewKind
	mods        *modulesPane
	build       *buildPane
	project     *projectPane
	probs       *problemsPane
	details     *detailsPane
	showDetails bool
	// stack is what is over the body, the top last: help, the filter
	// input, the full details, dialogs.
	stack []overlay
	help  help.Model
	// status is a one-line message shown instead of the help line until
	// the next key.
	status     string
	freed      cachescan.Size
	lastResult *infoDialog
	// quitting: q was pressed while a task ran; quit once it stopped.
	quitting bool
	// timeout bounds each go command of a download (0: the default).
	timeout time.Duration
	// findingsPath is where a verify's findings are kept for a later
	// modscope repair; "" keeps nothing (tests).
	findingsPath string
	// tabs is where each tab was drawn, for the mouse.
	tabs [4][2]int
	// keepLast: every scan's snapshot is kept as the last known state;
	// lastAt, when not zero, is when the one shown was scanned
	// (laststate.go).
	keepLast bool
	lastAt   time.Time
	// store is the team store browsed in place of the caches (nil: the
	// caches); storeLayout is its layout once listed.
	store       *Store
	storeLayout string
	// storePartial is the last listing's StoreListing.Partial.
	storePartial string
}

// New returns a model that scans with opts when it starts. A nil snap
// means scan; a snapshot given here is shown at once (tests, replays).
func New(ctx context.Context, opts cachescan.Options, snap *cachescan.Snapshot) *Model {
	ctx, cancel := context.WithCancel(ctx)
	c := &common{styles: newStyles(true), keys: DefaultKeyMap(), width: 80, height: 24}
	m := &Model{ctx: ctx, cancel: cancel, c: c, scanner: cachescan.NewScanner(), opts: opts, help: help.New(), showDetails: true}
	m.help.Styles = help.DefaultStyles(true)
	m.mods = newModulesPane(c)
	m.mods.uniform = opts.UniformSizes
	m.build, m.project, m.probs = newBuildPane(c), newProjectPane(c), newProblemsPane(c)
	m.details = newDetailsPane(c, m.mods, m.probs)
	if snap != nil {
		m.setSnapshot(snap, false)
	} else {
		m.busy = busy{kind: busyScan}
	}
	return m
}

// Init starts the scan and asks the terminal for its background colour.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if m.busy.kind == busyScan && m.store != nil {
		cmds = append(cmds, m.loadStore(false))
	} else if m.busy.kind == busyScan {
		s, ctx, opts := m.scanner, m.ctx, m.opts
		cmds = append(cmds, func() tea.Msg {
			snap, err := s.Scan(ctx, opts)
			return scanDoneMsg{snap, err}
		}, poll())
	}
	return tea.Batch(cmds...)
}

func poll() tea.Cmd {
	return tea.Tick(pollInterval, func(time.Time) tea.Msg { return pollMsg{} })
}

func (m *Model) ready() bool { return m.c.snap != nil }

// allProblems is the scan's problems with verify's findings.
func (m *Model) allProblems() []cachescan.Problem { return m.found.all(m.c.snap) }

// setSnapshot shows snap: the first scan's, or the caches read again, in
// place of the old one (the place, the order, the filter and the marks are
// kept; dropMarks drops the marks).
func (m *Model) setSnapshot(snap *cachescan.Snapshot, dropMarks bool) {
	first := m.c.snap == nil
	m.c.snap = snap
	m.refreshProblems(first, dropMarks)
	m.layout()
}

// refreshProblems rebuilds what shows the problems after they changed.
func (m *Model) refreshProblems(fresh, dropMarks bool) {
	all := m.allProblems()
	if fresh {
		m.mods.setTree(buildTree(m.c.snap, all))
	} else {
		m.mods.replace(buildTree(m.c.snap, all), dropMarks)
	}
	m.probs.set(all, fresh)
	m.build.problems = all
}

// Update routes a message; the layout follows, as a message can change
// the footer's height.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	m.layout()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.width, m.c.height = msg.Width, msg.Height
		return nil
	case tea.BackgroundColorMsg:
		m.c.styles = newStyles(msg.IsDark())
		m.help.Styles = help.DefaultStyles(msg.IsDark())
		return nil
	case scanDoneMsg:
		m.busy = busy{}
		m.scanned(msg.err == nil)
		if msg.err != nil {
			m.err = msg.err
			return nil
		}
		m.progress = m.scanner.Progress()
		m.setSnapshot(msg.snap, false)
		cmds := []tea.Cmd{m.loadEarlier(), m.saveLastState(msg.snap)}
		if m.view == viewProject && !m.c.readOnly {
			cmds = append(cmds, m.startOffline(false))
		}
		return tea.Batch(cmds...)
	case storeLoadedMsg:
		return m.storeLoaded(msg)
	case earlierMsg:
		m.earlier(msg)
		return nil
	case auditDoneMsg:
		m.audited(msg)
		return nil
	case pollMsg:
		return m.polled()
	case planMsg:
		return m.planned(msg)
	case taskDoneMsg:
		cmd := m.finishTask(msg)
		if m.quitting {
			return m.quit()
		}
		return cmd
	case rescanDoneMsg:
		return m.rescanned(msg)
	case verifyDoneMsg:
		return m.finishVerify(msg)
	case treeListedMsg:
		m.mods.listed(msg)
		return nil
	case offlineDoneMsg:
		m.project.offlineDone(msg)
		return nil
	case tea.MouseWheelMsg:
		// The filter's input leaves the wheel to the list it narrows.
		if o := m.top(); o != nil && o.layer() != layerFooter {
			return m.apply(o.update(m.c, msg))
		}
		if m.ready() {
			return m.apply(m.focused().Update(msg))
		}
	case tea.MouseClickMsg:
		return m.click(msg)
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return nil
}

// polled redraws the counters of what runs, and polls again while it does.
func (m *Model) polled() tea.Cmd {
	switch m.busy.kind {
	case busyVerify:
		m.takeFound()
	case busyScan, busyTask, busyRescan:
		m.progress = m.scanner.Progress()
	default:
		return nil
	}
	return poll()
}

func (m *Model) quit() tea.Cmd {
	m.cancel()
	return tea.Quit
}

func (m *Model) focused() pane {
	switch m.view {
	case viewBuild:
		return m.build
	case viewProject:
		return m.project
	case viewProblems:
		return m.probs
	}
	return m.mods
}

// click: a tab switches view, a row of the list is selected.
func (m *Model) click(msg tea.MouseClickMsg) tea.Cmd {
	if o := m.top(); o != nil && o.layer() != layerFooter || msg.Button != tea.MouseLeft || !m.ready() {
		return nil
	}
	if msg.Y == 1 {
		for v, r := range m.tabs {
			if msg.X >= r[0] && msg.X < r[1] {
				return m.setView(viewKind(v))
			}
		}
		return nil
	}
	if msg.X >= m.bodyWidth() {
		return nil
	}
	// Panes get the click in their own coordinates.
	msg.Y -= headerLines
	if msg.Y < 0 || msg.Y >= m.bodyHeight() {
		return nil
	}
	return m.apply(m.focused().Update(msg))
}

// setView switches view and starts what the view needs: the Project view
// checks offline readiness the first time it is shown.
func (m *Model) setView(v viewKind) tea.Cmd {
	if m.hiddenView(v) {
		m.status = "a store has no build cache and no project: its views are Modules (1) and Problems (4)"
		return nil
	}
	m.view = v
	m.layout()
	if v == viewProject && m.ready() && !m.c.readOnly && !m.showingLast() {
		return m.startOffline(false)
	}
	return nil
}
