package ui

import (
	"context"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/cachescan/cachetest"
	"modscope/report"
)

func TestMain(m *testing.M) {
	// Golden views show local times; make them the same everywhere.
	time.Local = time.UTC
	os.Exit(m.Run())
}

// fixtureSnapshot is the kit's golden scene, shared with the report tests.
func fixtureSnapshot(t testing.TB) *cachescan.Snapshot { return cachetest.GoldenSnapshot(t) }

func press(keys ...string) []tea.Msg {
	var msgs []tea.Msg
	for _, k := range keys {
		switch k {
		case "enter":
			msgs = append(msgs, tea.KeyPressMsg{Code: tea.KeyEnter})
		case "esc":
			msgs = append(msgs, tea.KeyPressMsg{Code: tea.KeyEscape})
		case "tab":
			msgs = append(msgs, tea.KeyPressMsg{Code: tea.KeyTab})
		case "shift+tab":
			msgs = append(msgs, tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
		case "backspace":
			msgs = append(msgs, tea.KeyPressMsg{Code: tea.KeyBackspace})
		case "space":
			msgs = append(msgs, tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
		case "pgdown":
			msgs = append(msgs, tea.KeyPressMsg{Code: tea.KeyPgDown})
		default:
			for _, r := range k {
				msgs = append(msgs, tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		}
	}
	return msgs
}

func send(m *Model, msgs ...tea.Msg) {
	for _, msg := range msgs {
		m.Update(msg)
	}
}

func newTestModel(t testing.TB, w, h int) *Model {
	t.Helper()
	m := New(context.Background(), cachescan.Options{Clock: cachetest.Clock()}, fixtureSnapshot(t))
	send(m, tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

func names(rows []*node) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.name)
	}
	return out
}

func TestNavigation(t *testing.T) {
	m := newTestModel(t, 80, 24)
	b := &m.mods.b
	if b.cur != m.mods.tree.root || b.rows[0].name != "example.com" {
		t.Fatalf("root rows = %v", names(b.rows))
	}
	send(m, press("j", "j", "k")...)
	if b.cursor != 1 {
		t.Errorf("cursor = %d after j j k", b.cursor)
	}
	send(m, press("g", "enter")...)
	if b.cur.name != "example.com" {
		t.Fatalf("enter did not open example.com: at %q", b.cur.name)
	}
	send(m, press("G")...)
	if b.cursor != len(b.rows)-1 {
		t.Errorf("G: cursor %d of %d", b.cursor, len(b.rows))
	}
	last := b.selected()
	send(m, press("l")...)
	if b.cur != last {
		t.Errorf("l opened %q, want %q", b.cur.name, last.name)
	}
	send(m, press("h")...)
	if b.cur.name != "example.com" || b.selected() != last {
		t.Errorf("h: at %q on %v, want example.com on %q", b.cur.name, b.selected(), last.name)
	}
	send(m, press("backspace")...)
	if b.cur != m.mods.tree.root || b.selected().name != "example.com" {
		t.Errorf("backspace: at %q on %q", b.cur.name, b.selected().name)
	}
	// Leaves do not open.
	send(m, press("enter", "enter", "enter", "enter", "enter", "enter")...)
	if len(b.cur.children) == 0 {
		t.Errorf("opened a leaf: %q", b.cur.name)
	}
}

func TestSorting(t *testing.T) {
	m := newTestModel(t, 80, 24)
	b := &m.mods.b
	send(m, press("enter")...) // example.com
	bySize := func() bool {
		for i := 1; i < len(b.rows); i++ {
			if b.size(b.rows[i-1]) < b.size(b.rows[i]) {
				return false
			}
		}
		return true
	}
	if !bySize() {
		t.Errorf("default order is not by size: %v", names(b.rows))
	}
	send(m, press("n")...)
	if got := names(b.rows); got[0] != "Upper" || got[1] != "badhash" {
		t.Errorf("by name: %v", got)
	}
	send(m, press("n")...)
	if got := names(b.rows); got[len(got)-1] != "Upper" {
		t.Errorf("n twice does not reverse: %v", got)
	}
	send(m, press("c")...)
	for i := 1; i < len(b.rows); i++ {
		if b.rows[i-1].size.Files < b.rows[i].size.Files {
			t.Fatalf("by count: %v", names(b.rows))
		}
	}
	send(m, press("m")...)
	if b.sortBy != sortTime || b.reverse {
		t.Errorf("m: sort %v reverse %v", b.sortBy, b.reverse)
	}
	send(m, press("s", "a")...)
	if !b.apparent || !bySize() {
		t.Errorf("a: apparent %v, by size %v", b.apparent, bySize())
	}
	if !strings.Contains(m.contextLine(), "apparent size") {
		t.Errorf("context line does not say apparent size: %q", m.contextLine())
	}
}

func TestFilter(t *testing.T) {
	m := newTestModel(t, 80, 24)
	b := &m.mods.b
	send(m, press("/", "B", "u", "r", "n", "t")...)
	if !m.has(layerFooter) || b.filter != "Burnt" {
		t.Fatalf("filtering %v, filter %q", m.has(layerFooter), b.filter)
	}
	// github.com > BurntSushi > toml is one chain: one row.
	if got := names(b.rows); len(got) != 1 || got[0] != "github.com/BurntSushi/toml" {
		t.Fatalf("filter Burnt at the root: %v", got)
	}
	send(m, press("enter")...)
	if m.has(layerFooter) {
		t.Error("enter did not leave the filter input")
	}
	send(m, press("enter")...)
	if got := names(b.rows); len(got) != 2 || got[0] != "v1.3.2" || got[1] != "list and lock files" {
		t.Errorf("descendants of a match stay visible: %v", got)
	}
	if !strings.Contains(m.contextLine(), "filter \"Burnt\": 1 version") {
		t.Errorf("context line does not count the versions shown: %q", ansi.Strip(m.contextLine()))
	}
	send(m, press("/", "backspace", "backspace", "backspace", "backspace", "backspace", "x", "y", "z", "z", "y")...)
	if len(b.rows) != 0 || !strings.Contains(b.view(m.c.styles, 80), "nothing here matches") {
		t.Errorf("a filter matching nothing: %v", names(b.rows))
	}
	send(m, press("backspace", "backspace", "backspace", "backspace", "backspace", "backspace")...)
	if !m.has(layerFooter) || b.filter != "" {
		t.Errorf("backspace on an empty filter: filtering %v filter %q (it must stay open)", m.has(layerFooter), b.filter)
	}
	send(m, press("esc")...)
	if m.has(layerFooter) || b.filter != "" || len(b.rows) == 0 {
		t.Errorf("esc: filtering %v filter %q rows %d", m.has(layerFooter), b.filter, len(b.rows))
	}
}

func TestViewSwitchingAndJump(t *testing.T) {
	m := newTestModel(t, 120, 40)
	send(m, press("tab")...)
	if m.view != viewBuild {
		t.Errorf("tab: view %d", m.view)
	}
	send(m, press("shift+tab", "shift+tab")...)
	if m.view != viewProblems {
		t.Errorf("shift+tab twice: view %d", m.view)
	}
	send(m, press("3")...)
	if m.view != viewProject || !strings.Contains(ansi.Strip(m.render()), "example.com/lib") {
		t.Errorf("3: view %d", m.view)
	}
	send(m, press("4")...)
	pr := m.probs.selected()
	if pr == nil || pr.Kind != "dir-partial" {
		t.Fatalf("first problem = %+v", pr)
	}
	// Walk to the corrupt zip and jump to it.
	for pr.Kind != "zip-corrupt" {
		send(m, press("j")...)
		pr = m.probs.selected()
	}
	// l (or →) jumps; enter shows the problem in full.
	send(m, press("l")...)
	if m.view != viewModules {
		t.Fatalf("l did not jump: view %d", m.view)
	}
	n := m.mods.b.selected()
	if n == nil || n.kind != kindFile || n.ver == nil || n.ver.Version != pr.Version || n.mod.Path != pr.Module {
		t.Fatalf("jumped to %+v, want the zip of %s@%s", n, pr.Module, pr.Version)
	}
	if !strings.Contains(ansi.Strip(m.render()), "zip-corrupt") {
		t.Error("the details pane does not show the problem after the jump")
	}
	send(m, press("1", "space")...)
	if c, _ := m.mods.b.markedSize(); c != 1 {
		t.Errorf("space marked %d nodes", c)
	}
	if !strings.Contains(ansi.Strip(m.tabLine()), "1 marked") {
		t.Errorf("tab line: %q", ansi.Strip(m.tabLine()))
	}
}

func TestMouse(t *testing.T) {
	m := newTestModel(t, 80, 24)
	send(m, tea.MouseClickMsg{X: 10, Y: headerLines + 2, Button: tea.MouseLeft})
	if m.mods.b.cursor != 2 {
		t.Errorf("click on the third row: cursor %d", m.mods.b.cursor)
	}
	send(m, tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if m.mods.b.cursor != min(5, len(m.mods.b.rows)-1) {
		t.Errorf("wheel down: cursor %d", m.mods.b.cursor)
	}
}

func TestQuitAndHelp(t *testing.T) {
	m := newTestModel(t, 80, 24)
	send(m, press("?")...)
	if !showsHelp(m) || !strings.Contains(ansi.Strip(m.render()), "sort by count") {
		t.Fatal("? does not show the full help")
	}
	send(m, press("j")...)
	if showsHelp(m) {
		t.Error("a key does not close the help")
	}
	_, cmd := m.Update(press("q")[0])
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("q does not quit")
	}
	if m.ctx.Err() == nil {
		t.Error("quitting does not cancel the scan's context")
	}
}

// TestEveryFrameFits checks that at every size, in every view, the frame
// has exactly the terminal's lines, none wider than the terminal.
func TestEveryFrameFits(t *testing.T) {
	snap := fixtureSnapshot(t)
	for _, size := range [][2]int{{60, 15}, {80, 24}, {100, 30}, {120, 40}, {250, 80}} {
		m := New(context.Background(), cachescan.Options{Clock: cachetest.Clock()}, snap)
		send(m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		for _, keys := range [][]string{{}, {"enter", "j", "enter"}, {"2"}, {"3"}, {"4", "j"}, {"?"}} {
			send(m, press(keys...)...)
			lines := strings.Split(m.View().Content, "\n")
			if len(lines) != size[1] {
				t.Errorf("%dx%d after %v: %d lines", size[0], size[1], keys, len(lines))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("%dx%d after %v: line %d is %d wide: %q", size[0], size[1], keys, i, w, ansi.Strip(l))
				}
			}
			send(m, press("esc", "1")...)
		}
	}
}

func TestGoldenViews(t *testing.T) {
	snap := fixtureSnapshot(t)
	views := []struct {
		name string
		keys []string
	}{
		{"modules", []string{"n"}},
		{"modules-open", []string{"n", "enter", "j", "j", "enter"}},
		{"modules-filter", []string{"/", "g", "o", "o", "d", "enter", "enter"}},
		{"build", []string{"2"}},
		{"project", []string{"3"}},
		{"problems", []string{"4", "j"}},
		{"problem-full", []string{"4", "j", "enter"}},
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, v := range views {
			t.Run(v.name+"-"+sizeName(size), func(t *testing.T) {
				m := New(context.Background(), cachescan.Options{Clock: cachetest.Clock()}, snap)
				send(m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				send(m, press(v.keys...)...)
				golden.RequireEqual(t, ansi.Strip(m.View().Content))
			})
		}
	}
}

// TestGoldensAtAnotherDate runs the golden tests again with the tests'
// clock years away: the same golden files must come out, since the
// fixtures are dated from that clock and the scan measures from it.
func TestGoldensAtAnotherDate(t *testing.T) {
	cachetest.RerunAt(t, cachetest.Elsewhen(), "^(TestGoldenViews|TestGoldenDialogs|TestEveryFrameFits)$")
}

func sizeName(s [2]int) string {
	return strings.ReplaceAll(strings.TrimSpace(strings.Join([]string{itoa(s[0]), itoa(s[1])}, "x")), " ", "")
}

func itoa(n int) string { return report.Count(int64(n)) }

func TestMarkedSizeCountsNestedMarksOnce(t *testing.T) {
	m := newTestModel(t, 80, 24)
	b := &m.mods.b
	send(m, press("n", "enter")...) // example.com, by name
	for b.selected().name != "good" {
		send(m, press("j")...)
	}
	send(m, press("space", "k")...)
	_, alone := b.markedSize()
	send(m, press("enter", "space", "space", "h")...)
	n, size := b.markedSize()
	if n != 3 || size != alone || size == 0 {
		t.Errorf("marked %d nodes, %d bytes; want 3 nodes and the %d bytes good alone frees", n, size, alone)
	}
}

// TestMarkedNoteFitsNarrowTerminals: the marks' note takes a shorter
// form, then the other tabs go to their keys, rather than a cut number.
func TestMarkedNoteFitsNarrowTerminals(t *testing.T) {
	for _, w := range []int{40, 60, 80, 120} {
		m := newTestModel(t, w, 24)
		m.mods.b.reveal(m.mods.tree.byKey["example.com/good@v1.1.0"])
		m.mods.b.toggleMark()
		_, size := m.mods.b.markedSize()
		line := ansi.Strip(m.tabLine())
		if ansi.StringWidth(line) > w || !strings.Contains(line, "1 marked, ") || !strings.Contains(line, report.HumanBytes(size)) {
			t.Errorf("width %d: tab line %q", w, line)
		}
	}
}

// TestMarkedSizeIsWhatThePurgeFrees: the header's marked size is what
// the purge dialog then says it frees; list and lock files stay.
func TestMarkedSizeIsWhatThePurgeFrees(t *testing.T) {
	m := newTestModel(t, 100, 30)
	for _, k := range []string{"example.com/good/v2", "example.com/good@v1.1.0"} {
		m.mods.b.reveal(m.mods.tree.byKey[k])
		m.mods.b.toggleMark()
	}
	_, size := m.mods.b.markedSize()
	if !strings.Contains(ansi.Strip(m.tabLine()), "2 marked, d frees "+report.HumanBytes(size)) {
		t.Errorf("tab line: %q", ansi.Strip(m.tabLine()))
	}
	_, cmd := m.Update(press("d")[0])
	m.Update(cmd())
	d, ok := m.top().(*confirmDialog)
	if !ok {
		t.Fatalf("d opened no plan; status %q", m.status)
	}
	if d.job.plan.Size.Bytes != size {
		t.Errorf("the header says %s marked, the dialog frees %s", report.HumanBytes(size), report.HumanBytes(d.job.plan.Size.Bytes))
	}
	m.mods.b.apparent = true
	if _, size := m.mods.b.markedSize(); size != d.job.plan.Size.ApparentBytes {
		t.Errorf("apparent sizes: header %d, dialog %d", size, d.job.plan.Size.ApparentBytes)
	}
}

func TestJumpToABuildCacheProblem(t *testing.T) {
	m := newTestModel(t, 80, 24)
	send(m, press("4")...)
	for pr := m.probs.selected(); pr.Module != "" || !strings.Contains(pr.Path, "gocache"); pr = m.probs.selected() {
		send(m, press("j")...)
	}
	send(m, press("l")...)
	if m.view != viewBuild || m.status == "" || !strings.Contains(ansi.Strip(m.render()), "build-cache entry") {
		t.Errorf("l on a build-cache problem: view %d, status %q", m.view, m.status)
	}
}

func TestFullDetailsOnSmallTerminals(t *testing.T) {
	m := newTestModel(t, 60, 15)
	send(m, press("4", "i")...)
	if !showsDetails(m) || !strings.Contains(ansi.Strip(m.render()), "fix:") {
		t.Fatalf("i at 60x15 does not show the problem's fix:\n%s", ansi.Strip(m.render()))
	}
	send(m, press("x")...)
	if showsDetails(m) {
		t.Error("a key does not close the full details")
	}
	// A leaf's enter shows its details too.
	send(m, press("1")...)
	m.mods.b.reveal(m.mods.tree.byVersion["example.com/good@v1.0.0"].children[0].children[0])
	send(m, press("enter")...)
	if !showsDetails(m) || !strings.Contains(ansi.Strip(m.render()), "modified") {
		t.Errorf("enter on a leaf (%q) does not show its details:\n%s", m.mods.b.selected().name, ansi.Strip(m.render()))
	}
}

func TestHelpLineKeepsHelpAndQuit(t *testing.T) {
	for _, w := range []int{60, 80, 120} {
		m := newTestModel(t, w, 24)
		for _, v := range []string{"1", "2", "3", "4"} {
			send(m, press(v)...)
			line := ansi.Strip(m.footer())
			if !strings.HasSuffix(line, "? help · q quit") || ansi.StringWidth(line) > w {
				t.Errorf("width %d view %s: help line %q", w, v, line)
			}
		}
	}
}

func TestProblemsScrollAfterResize(t *testing.T) {
	m := newTestModel(t, 80, 15)
	send(m, press("4", "G")...)
	send(m, tea.WindowSizeMsg{Width: 120, Height: 60})
	if m.probs.list.offset != 0 {
		t.Errorf("after growing the terminal the list starts at %d, not at the top", m.probs.list.offset)
	}
}

// runCmd runs a command and everything it batches, feeding the messages
// back to the model, except ticks (which would wait).
func runCmd(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	msg := cmd()
	if batch, ok := msg.(tea.BatchMsg); ok {
		for _, c := range batch {
			runCmd(m, c)
		}
		return
	}
	if _, ok := msg.(pollMsg); ok {
		return
	}
	m.Update(msg)
}

func TestVerifyFromTheTUI(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/edited", "v1.0.0"))
	c.Add(cachetest.Mod("example.com/fine", "v1.0.0"))
	cachetest.Writable(e.Dir, func() {
		os.WriteFile(filepath.Join(e.Dir, "added.go"), []byte("package lib\n"), 0o444)
	})
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache})
	if err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), cachescan.Options{Clock: cachetest.Clock()}, snap)
	send(m, tea.WindowSizeMsg{Width: 100, Height: 30})
	// v on example.com/fine verifies just it: nothing found.
	send(m, press("n", "enter")...)
	for m.mods.b.selected().name != "fine" {
		send(m, press("j")...)
	}
	_, cmd := m.Update(press("v")[0])
	if !(m.busy.kind == busyVerify) {
		t.Fatal("v did not start a verify")
	}
	runCmd(m, cmd)
	if (m.busy.kind == busyVerify) || len(m.allProblems()) != 0 || !strings.Contains(m.status, "verified example.com/fine: 1 version") {
		t.Fatalf("verify of fine: verifying %v, problems %+v, status %q", (m.busy.kind == busyVerify), m.allProblems(), m.status)
	}
	// V verifies everything: the added file shows up in the tree and the
	// Problems view, and the place in the tree is kept.
	_, cmd = m.Update(press("V")[0])
	runCmd(m, cmd)
	if m.mods.b.cur.path != "example.com" || m.mods.b.selected().name != "fine" {
		t.Errorf("the place in the tree was lost: at %q on %q", m.mods.b.cur.path, m.mods.b.selected().name)
	}
	edited := m.mods.tree.byKey["example.com/edited"]
	if edited == nil || edited.sev[0] != 1 {
		t.Fatalf("the edited module carries no error marker: %+v", edited)
	}
	send(m, press("4")...)
	if pr := m.probs.selected(); pr == nil || pr.Kind != cachescan.KindDirModified || !strings.Contains(pr.Detail, "added: added.go") {
		t.Errorf("Problems view after V: %+v", pr)
	}
	// Verifying again replaces the results rather than adding to them.
	_, cmd = m.Update(press("V")[0])
	runCmd(m, cmd)
	if len(m.allProblems()) != 1 {
		t.Errorf("after a second verify: %+v", m.allProblems())
	}
}

func TestProjectViewShowsOfflineVerdict(t *testing.T) {
	m := newTestModel(t, 100, 30)
	_, cmd := m.Update(press("3")[0])
	if cmd == nil || !(m.project.offline.state == offlineRunning) || !strings.Contains(ansi.Strip(m.render()), "asking the go command") {
		t.Fatal("the Project view does not start the offline check")
	}
	m.Update(offlineDoneMsg{rep: &actions.OfflineReport{Ready: false, Modules: []actions.OfflineModule{
		{Path: "example.com/good", Version: "v1.1.0", State: actions.StateReady},
		{Path: "example.com/absent", Version: "v0.1.0", State: actions.StateMissing},
	}}})
	view := ansi.Strip(m.render())
	if !strings.Contains(view, "Offline: not ready") || !strings.Contains(view, "missing    example.com/absent@v0.1.0") || strings.Contains(view, "ready      example.com/good") {
		t.Errorf("Project view:\n%s", view)
	}
}

// TestProjectViewExplainsOfflineDamage: a damaged version comes with
// why, the go command's error with its fix, and a vendored build with
// what differs from the cache; a cache problem is never "cannot tell".
func TestProjectViewExplainsOfflineDamage(t *testing.T) {
	m := newTestModel(t, 100, 30)
	_, cmd := m.Update(press("3")[0])
	if cmd == nil {
		t.Fatal("the Project view does not start the offline check")
	}
	m.Update(offlineDoneMsg{rep: &actions.OfflineReport{Ready: false, Mode: actions.ModeModule, Modules: []actions.OfflineModule{
		{Path: "example.com/lib", Version: "v1.2.0", State: actions.StateDamaged, Reason: "mod-modified: the .mod's hash differs from go.sum"},
	}, Errors: []actions.OfflineError{{Text: "verifying example.com/lib@v1.2.0/go.mod: checksum mismatch", Module: "example.com/lib", Version: "v1.2.0",
		Explanations: []actions.Explanation{{ID: "gosum-mismatch", Fix: "modscope verify example.com/lib@v1.2.0 tells local damage"}}}}}})
	view := ansi.Strip(m.render())
	for _, want := range []string{"damaged    example.com/lib@v1.2.0", "mod-modified: the .mod's hash differs from go.sum",
		"go: verifying example.com/lib@v1.2.0/go.mod: checksum mismatch", "fix: modscope verify example.com/lib@v1.2.0"} {
		if !strings.Contains(view, want) {
			t.Errorf("no %q in the Project view:\n%s", want, view)
		}
	}
	if strings.Contains(view, "cannot tell") {
		t.Errorf("a cache problem shown as cannot tell:\n%s", view)
	}
	m.Update(offlineDoneMsg{rep: &actions.OfflineReport{Ready: true, Mode: actions.ModeVendor, Modules: []actions.OfflineModule{
		{Path: "example.com/lib", Version: "v1.2.0", State: actions.StateReady, Vendored: true},
	}, Vendor: &actions.OfflineVendor{Consistent: true, Differs: []actions.VendorDiff{{Package: "example.com/lib", Module: "example.com/lib", Version: "v1.2.0", Detail: "differs from the cached example.com/lib@v1.2.0 (changed: lib.go)"}}}}})
	view = ansi.Strip(m.render())
	for _, want := range []string{"Offline: ready", "vendor/ is consistent with go.mod", "vendor mode", "differs    example.com/lib: differs from the cached example.com/lib@v1.2.0 (changed: lib.go)"} {
		if !strings.Contains(view, want) {
			t.Errorf("no %q in the Project view:\n%s", want, view)
		}
	}
}

// TestBuildViewClaimsNoDirectoryCount: the fixture's build cache has a
// few of the 00 to ff directories, not 256; the view must not say 256.
func TestBuildViewClaimsNoDirectoryCount(t *testing.T) {
	m := newTestModel(t, 100, 30)
	send(m, press("2")...)
	for _, l := range strings.Split(ansi.Strip(m.render()), "\n") {
		if strings.Contains(l, "Other") && strings.Contains(l, "256") {
			t.Errorf("the Build cache view counts directories it does not have: %q", l)
		}
	}
}

// TestFilterCountsWhatItShows: under a filter, a row shown for matches
// below it counts only them: example.com/ under /good is good's size and
// 5 versions, not the 24 of example.com.
func TestFilterCountsWhatItShows(t *testing.T) {
	m := newTestModel(t, 120, 40)
	good, com := m.mods.tree.byKey["example.com/good"], m.mods.tree.byKey["example.com"]
	send(m, press("/", "g", "o", "o", "d", "enter")...)
	if !m.mods.b.selectNode(com) {
		t.Fatal("example.com/ is not shown under /good")
	}
	if got, want := m.mods.b.size(com), m.mods.b.size(good); got != want {
		t.Errorf("example.com/ counts %d bytes under /good, want good's %d", got, want)
	}
	view := ansi.Strip(m.render())
	var row string
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, "example.com/") && strings.Contains(l, "version") {
			row = l
		}
	}
	if !strings.Contains(row, "5 versions") || !strings.Contains(row, report.HumanBytes(good.size.Bytes)) {
		t.Errorf("example.com/ row under /good: %q", row)
	}
	// example.com has errors, good none: the row's marker is good's.
	if worstOf(com.sev) != 0 || worstOf(good.sev) != -1 || m.mods.b.worst(com) != -1 || strings.Contains(row, severitySymbols[0]) {
		t.Errorf("the marker of example.com/ under /good counts hidden problems: %q", row)
	}
	if !strings.Contains(view, `the filter "good" shows`) || !strings.Contains(view, "24 versions") {
		t.Errorf("the details pane does not give both the shown and the whole figures:\n%s", view)
	}
	send(m, press("esc")...)
	if m.mods.b.size(com) != com.size.Bytes {
		t.Error("without the filter, example.com/ does not count everything again")
	}
}

// TestHeaderGivesWayByPriority: the header never cuts a number or a
// path's last element; at 80 and 60 columns both caches' sizes and
// names stay, after a purge too; narrower, parts go whole.
func TestHeaderGivesWayByPriority(t *testing.T) {
	m := newTestModel(t, 80, 24)
	sizes := regexp.MustCompile(`\d+(\.\d)? (B|KiB|MiB|GiB)`)
	for _, roots := range [][2]string{{"/tmp/tuifix/mod", "/tmp/tuifix/gocache"}, {"/home/someone/go/pkg/mod", "/home/someone/.cache/go-build"}} {
		m.c.snap.ModCache.Root, m.c.snap.BuildCache.Root = roots[0], roots[1]
		modSize, buildSize := report.HumanBytes(m.c.snap.ModCache.Bytes), report.HumanBytes(m.c.snap.BuildCache.Bytes)
		for _, freed := range []int64{0, 504 << 10} {
			m.freed = cachescan.Size{Bytes: freed, Files: 1}
			for w := 20; w <= 140; w++ {
				send(m, tea.WindowSizeMsg{Width: w, Height: 24})
				line := ansi.Strip(m.titleLine())
				if ansi.StringWidth(line) > w {
					t.Errorf("%d columns: %q is %d wide", w, line, ansi.StringWidth(line))
				}
				for _, n := range sizes.FindAllString(line, -1) {
					if n != modSize && n != buildSize && n != report.HumanBytes(freed) {
						t.Errorf("%d columns: a cut number %q in %q", w, n, line)
					}
				}
				if i := strings.Index(line, "…"); i >= 0 && !strings.HasPrefix(line[i:], "…/") {
					t.Errorf("%d columns: cut in the middle: %q", w, line)
				}
				if w < 60 {
					continue
				}
				for _, want := range []string{modSize, buildSize, path.Base(roots[0]) + " ", path.Base(roots[1]) + " "} {
					if !strings.Contains(line, want) {
						t.Errorf("%d columns: %q lacks %q", w, line, want)
					}
				}
				if freed > 0 && !strings.Contains(line, "freed") {
					t.Errorf("%d columns: %q does not say what was freed", w, line)
				}
			}
		}
	}
}

// TestRowNotesShowWholeOrNotAtAll: the "other" row's explanation shows
// whole where it fits and goes where it does not (beside the details
// pane at 120 columns), never "other (dire…ks, strays)".
func TestRowNotesShowWholeOrNotAtAll(t *testing.T) {
	for w := 60; w <= 200; w += 5 {
		m := newTestModel(t, w, 40)
		var row string
		for _, l := range strings.Split(ansi.Strip(m.render()), "\n") {
			if i := strings.Index(l, " other"); i >= 0 && !strings.Contains(l, "│ other") {
				row = l[i+1:]
			}
		}
		row, _, _ = strings.Cut(row, "│")
		row = strings.TrimSpace(row)
		if row != "other" && row != "other (directories, locks, strays)" {
			t.Errorf("%d columns: the other row reads %q", w, row)
		}
		if w == 80 && row != "other (directories, locks, strays)" {
			t.Errorf("80 columns has room for the whole note: %q", row)
		}
	}
}

// TestLongStatusWraps: a status message too long for the footer wraps
// onto a second line, taken from the body, so that its end (the next
// step) is read; the frame keeps the terminal's height.
func TestLongStatusWraps(t *testing.T) {
	for _, c := range []struct {
		w        int
		readOnly bool
	}{{60, false}, {80, false}, {120, false}, {80, true}} {
		w := c.w
		m := newTestModel(t, w, 24)
		m.mods.b.reveal(m.mods.tree.other)
		if c.readOnly {
			// A refusal that names what to run instead, at its end.
			m.c.readOnly = true
			hit(m, "o")
		} else {
			hit(m, "d")
		}
		frame := ansi.Strip(m.View().Content)
		lines := strings.Split(frame, "\n")
		if len(lines) != 24 {
			t.Errorf("%d columns: %d lines", w, len(lines))
		}
		var tail []string
		// The footer's lines only: above them, the details pane's fix
		// line ends in "…" when cut.
		for _, l := range lines[len(lines)-len(m.footerLines()):] {
			tail = append(tail, strings.TrimSpace(l))
		}
		if got := strings.Join(tail, " "); !strings.HasSuffix(got, m.status) || strings.Contains(got, "…") {
			t.Errorf("%d columns: the footer reads %q, want all of %q", w, got, m.status)
		}
		for i, l := range lines {
			if ansi.StringWidth(l) > w {
				t.Errorf("%d columns: line %d is %d wide", w, i, ansi.StringWidth(l))
			}
		}
		// The next key clears it, and the body has its row back.
		h := m.bodyHeight()
		send(m, press("j")...)
		if m.status != "" || m.bodyHeight() < h || m.mods.b.height != m.bodyHeight() {
			t.Errorf("%d columns: after a key, status %q, body %d rows (was %d), browser %d", w, m.status, m.bodyHeight(), h, m.mods.b.height)
		}
	}
}

// TestViewLinesCutWithEllipsis: a Build cache or Project line too long
// for the terminal ends in "…", not in the middle of a word.
func TestViewLinesCutWithEllipsis(t *testing.T) {
	m := newTestModel(t, 60, 24)
	for _, v := range []string{"2", "3"} {
		send(m, press(v)...)
		var lines []string
		if v == "2" {
			lines = buildLines(m.c.snap, m.allProblems(), m.c.styles, false, m.bodyWidth())
		} else {
			lines = projectLines(m.c.snap, m.c.styles, m.bodyWidth())
		}
		frame := ansi.Strip(m.render())
		cut := 0
		for _, l := range lines {
			l = ansi.Strip(l)
			if ansi.StringWidth(l) <= m.bodyWidth() {
				continue
			}
			cut++
			if want := ansi.Truncate(l, m.bodyWidth(), "…"); !strings.Contains(frame, want) {
				t.Errorf("view %s: %q is not cut as %q:\n%s", v, l, want, frame)
			}
		}
		if v == "2" && cut == 0 {
			t.Errorf("no Build cache line is too long at 60 columns: the test tests nothing")
		}
	}
}

// TestVerifyChecksumDBCacheInTheTUI: V authenticates the cached
// checksum-database files with the verify command's rules and shows what
// it finds: nothing when latest is only newer than the cached tiles (the
// status says what could not be checked offline), the damage when tiles
// are corrupt.
func TestVerifyChecksumDBCacheInTheTUI(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	db, gopath, behind, ahead := cachetest.LatestAhead(t)
	verifyV := func(mc *cachetest.Cache) *Model {
		t.Helper()
		snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{ModCache: mc.ModCache, BuildCache: mc.BuildCache,
			Env: cachescan.Env{GOSUMDB: db.GOSUMDB(), GOPROXY: "off", GOPATH: gopath}})
		if err != nil {
			t.Fatal(err)
		}
		m := New(context.Background(), cachescan.Options{}, snap)
		send(m, tea.WindowSizeMsg{Width: 200, Height: 30})
		_, cmd := m.Update(press("V")[0])
		runCmd(m, cmd)
		return m
	}
	m := verifyV(behind)
	if len(m.allProblems()) != 0 || !strings.Contains(m.status, "0 problems") || !strings.Contains(m.status, "2 cached checksum-database lookups could not be checked offline") {
		t.Errorf("latest newer than the tiles: problems %+v, status %q", m.allProblems(), m.status)
	}
	filepath.WalkDir(filepath.Join(ahead.ModCache, "cache", "download", "sumdb", "sum.example", "tile"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			data, _ := os.ReadFile(p)
			data[0] ^= 1
			os.WriteFile(p, data, 0o666)
		}
		return nil
	})
	m = verifyV(ahead)
	if len(m.allProblems()) != 1 || m.allProblems()[0].Kind != cachescan.KindSumDBCache || !strings.Contains(m.status, "1 problem") {
		t.Errorf("corrupt tiles: problems %+v, status %q", m.allProblems(), m.status)
	}
}

// TestCloneDetailsNameTheVCS: a clone's details say git or hg, not the
// go command's key types git3 and vcs1.hg.
func TestCloneDetailsNameTheVCS(t *testing.T) {
	m, _ := actionModel(t, 120, 40, func(c *cachetest.Cache) {
		vcs := filepath.Join(c.ModCache, "cache", "vcs")
		for hash, key := range map[string]string{
			strings.Repeat("a", 64): "git3:https://example.com/g",
			strings.Repeat("b", 64): "vcs1.hg:https://example.com/h",
		} {
			os.MkdirAll(filepath.Join(vcs, hash), 0o777)
			os.WriteFile(filepath.Join(vcs, hash+".info"), []byte(key), 0o666)
		}
	})
	for hash, want := range map[string]string{
		strings.Repeat("a", 64): "remote https://example.com/g (git)",
		strings.Repeat("b", 64): "remote https://example.com/h (hg)",
	} {
		n := m.mods.tree.byKey["cache/vcs/"+hash]
		if n == nil {
			t.Fatalf("no row for clone %s", hash[:4])
		}
		m.mods.b.reveal(n)
		if got := strings.Join(m.details.lines(), "\n"); !strings.Contains(got, want) {
			t.Errorf("details of %s lack %q:\n%s", hash[:4], want, got)
		}
	}
}

func showsDetails(m *Model) bool { _, ok := m.top().(*detailsOverlay); return ok }
func showsHelp(m *Model) bool    { _, ok := m.top().(*helpOverlay); return ok }
