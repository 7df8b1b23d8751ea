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
	pollMsg struct{}
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
	started  time.Time

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
}

// New returns a model that scans with opts when it starts. A nil snap
// means scan; a snapshot given here is shown at once (tests, replays).
func New(ctx context.Context, opts cachescan.Options, snap *cachescan.Snapshot) *Model {
	ctx, cancel := context.WithCancel(ctx)
	m := &Model{
		ctx: ctx, cancel: cancel, scanner: cachescan.NewScanner(), opts: opts,
		isDark: true, keys: DefaultKeyMap(), help: help.New(), showDetails: true,
		width: 80, height: 24, started: time.Now(),
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
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
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
		if m.state != stateScanning {
			return m, nil
		}
		m.progress = m.scanner.Progress()
		return m, poll()
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
		m.scroll(delta)
		return m, nil
	case tea.MouseClickMsg:
		if msg.Button == tea.MouseLeft {
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
	if m.filtering {
		m.filterKey(msg)
		return m, nil
	}
	if m.showHelp {
		if key.Matches(msg, k.Quit) {
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
		m.setView((m.view + 1) % 4)
		return m, nil
	case key.Matches(msg, k.PrevView):
		m.setView((m.view + 3) % 4)
		return m, nil
	case key.Matches(msg, k.View1):
		m.setView(viewModules)
		return m, nil
	case key.Matches(msg, k.View2):
		m.setView(viewBuild)
		return m, nil
	case key.Matches(msg, k.View3):
		m.setView(viewProject)
		return m, nil
	case key.Matches(msg, k.View4):
		m.setView(viewProblems)
		return m, nil
	case key.Matches(msg, k.Details):
		m.showDetails = !m.showDetails
		m.layout()
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

func (m *Model) setView(v viewKind) {
	m.view = v
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
		b.open()
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
	case key.Matches(msg, k.Apparent):
		b.apparent = !b.apparent
		if b.sortBy == sortSize {
			keep := b.selected()
			b.refresh()
			b.selectNode(keep)
		}
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

// jump shows the selected problem's entry in the Modules view.
func (m *Model) jump() {
	pr := m.problems.selected()
	if pr == nil {
		return
	}
	if n := m.tree.nodeFor(*pr); n != nil {
		m.browser.reveal(n)
		m.setView(viewModules)
	}
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

// Layout: three header lines, the body, one footer line; the details pane
// sits right of the body on wide terminals and below it on tall ones.
const headerLines = 3

func (m *Model) detailsPlacement() (right bool, below bool) {
	if !m.showDetails || m.view == viewBuild || m.view == viewProject || m.showHelp {
		return false, false
	}
	if m.width >= 110 {
		return true, false
	}
	return false, m.height >= 22
}

func (m *Model) bodyHeight() int {
	h := m.height - headerLines - 1
	if _, below := m.detailsPlacement(); below {
		h -= m.detailsHeight()
	}
	return max(h, 1)
}

func (m *Model) detailsHeight() int {
	return min(max((m.height-headerLines-1)/3, 6), 14)
}

func (m *Model) bodyWidth() int {
	if right, _ := m.detailsPlacement(); right {
		return m.width - m.detailsWidth()
	}
	return m.width
}

func (m *Model) detailsWidth() int {
	return min(max(m.width*2/5, 40), 80)
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
	lines = append(lines, m.footer())
	_ = st
	return strings.Join(lines, "\n")
}

// fitBlock cuts or pads s to exactly w columns and h lines.
func fitBlock(s string, w, h int) string {
	ls := strings.Split(s, "\n")
	if len(ls) > h {
		ls = ls[:h]
	}
	for len(ls) < h {
		ls = append(ls, "")
	}
	for i, l := range ls {
		ls[i] = padRight(l, w)
	}
	return strings.Join(ls, "\n")
}

func (m *Model) titleLine() string {
	st := m.styles
	parts := []string{st.Title.Render("modscope")}
	if m.snap != nil {
		mc, bc := m.snap.ModCache, m.snap.BuildCache
		parts = append(parts,
			"GOMODCACHE "+ShortenMiddle(p(mc.Root), 30)+" "+HumanBytes(m.sizeOf(mc.Size)),
			"GOCACHE "+ShortenMiddle(p(bc.Root), 30)+" "+HumanBytes(m.sizeOf(bc.Size)))
	} else {
		parts = append(parts, "GOMODCACHE "+ShortenMiddle(p(m.opts.ModCache), 30), "GOCACHE "+ShortenMiddle(p(m.opts.BuildCache), 30))
	}
	return ansi.Truncate(strings.Join(parts, "  "), m.width, "…")
}

func (m *Model) sizeOf(s cachescan.Size) int64 {
	if m.browser.apparent {
		return s.ApparentBytes
	}
	return s.Bytes
}

func (m *Model) tabLine() string {
	st := m.styles
	var parts []string
	for i, name := range viewNames {
		label := fmt.Sprintf("%d %s", i+1, name)
		if viewKind(i) == viewProblems && m.snap != nil {
			label += fmt.Sprintf(" (%d)", len(m.snap.Problems))
		}
		if viewKind(i) == m.view {
			parts = append(parts, st.TabActive.Render(label))
		} else {
			parts = append(parts, st.Tab.Render(label))
		}
	}
	line := strings.Join(parts, "  ")
	switch m.state {
	case stateScanning:
		line += "   " + st.Dim.Render(fmt.Sprintf("scanning… %s files, %s", Count(m.progress.Files), HumanBytes(m.progress.Bytes)))
	case stateReady:
		if n, size := m.browser.markedSize(); n > 0 {
			line += "   " + st.Marked.Render(fmt.Sprintf("%d marked, %s", n, HumanBytes(size)))
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
		s = st.Dim.Render("reading " + p(m.opts.ModCache) + " and " + p(m.opts.BuildCache))
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
		info := fmt.Sprintf("  %s · by %s %s · %s", HumanBytes(b.size(b.cur)), b.sortBy, dir, size)
		if b.filter != "" {
			info += " · filter " + fmt.Sprintf("%q", b.filter)
		}
		s = st.PaneTitle.Render(ShortenMiddle(crumb, max(m.width-lipgloss.Width(info)-1, 10))) + st.Dim.Render(info)
	case m.view == viewProblems:
		s = st.Dim.Render("enter: show the entry in Modules")
	case m.view == viewProject:
		if pr := m.snap.Project; pr != nil {
			s = st.PaneTitle.Render(ShortenMiddle(p(pr.Dir), m.width))
		} else {
			s = st.Dim.Render("no go.mod or go.work here or above")
		}
	case m.view == viewBuild:
		s = st.PaneTitle.Render(ShortenMiddle(p(m.snap.BuildCache.Root), m.width))
	}
	return ansi.Truncate(s, m.width, "…")
}

func (m *Model) footer() string {
	st := m.styles
	if m.filtering {
		return ansi.Truncate(st.Input.Render("/"+m.browser.filter+"▏")+st.Dim.Render("  enter keep · esc clear"), m.width, "…")
	}
	if m.state == stateFailed {
		return ansi.Truncate(st.StatusError.Render("modscope: "+p(m.err.Error()))+st.Dim.Render("  q quit"), m.width, "…")
	}
	// help.Model can overflow its width when the ellipsis does not fit.
	return ansi.Truncate(m.help.View(m.keys), m.width, "…")
}

func (m *Model) body() string {
	st := m.styles
	if m.showHelp {
		m.help.ShowAll = true
		defer func() { m.help.ShowAll = false }()
		return "\n" + m.help.View(m.keys) + "\n\n" + st.Dim.Render("any key closes this help")
	}
	switch m.state {
	case stateScanning:
		return st.Dim.Render(fmt.Sprintf("\n  Scanning… %s directories, %s files, %s so far.\n\n  q quits at any moment.",
			Count(m.progress.Dirs), Count(m.progress.Files), HumanBytes(m.progress.Bytes)))
	case stateFailed:
		return "\n  " + st.StatusError.Render(p(m.err.Error())) + "\n\n  Check the path, or pass --modcache/--gocache. q quits."
	}
	switch m.view {
	case viewModules:
		return m.browser.view(st, m.bodyWidth())
	case viewBuild:
		return m.build.view(buildLines(m.snap, st, m.browser.apparent), m.bodyHeight())
	case viewProject:
		return m.project.view(projectLines(m.snap, st), m.bodyHeight())
	case viewProblems:
		return m.problems.view(st, m.bodyWidth())
	}
	return ""
}
