package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// The snapshot is read-only after the scan: verify's findings live in
// their own layer, and a rescan does not append carried findings to the
// new snapshot either.
func TestSnapshotIsNotWrittenAfterTheScan(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, func(c *cachetest.Cache) {
		threeAndOne(es)(c)
		e := c.Add(cachetest.Mod("example.com/edited", "v1.0.0"))
		cachetest.Writable(e.Dir, func() {
			os.WriteFile(filepath.Join(e.Dir, "added.go"), []byte("package lib\n"), 0o444)
		})
	})
	first := m.c.snap
	before := len(first.Problems)
	hit(m, "V")
	if len(m.allProblems()) != before+1 || len(first.Problems) != before {
		t.Fatalf("verify: %d problems shown, the snapshot holds %d (was %d)", len(m.allProblems()), len(first.Problems), before)
	}
	// r reads the caches again; the finding is carried in the layer.
	hit(m, "r")
	if m.c.snap == first {
		t.Fatal("r did not read the caches again")
	}
	if len(m.c.snap.Problems) != before || len(m.allProblems()) != before+1 {
		t.Errorf("after r: the new snapshot holds %d problems, %d shown; want %d and %d", len(m.c.snap.Problems), len(m.allProblems()), before, before+1)
	}
	if n := m.mods.tree.byVersion["example.com/edited@v1.0.0"]; n == nil || n.sev[0] != 1 {
		t.Errorf("the carried finding is not on its row after r")
	}
}

// r rescans: a version added behind modscope's back shows up, the place
// in the tree is kept, and read-only mode allows it (it changes nothing).
func TestRescanKey(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	var cache *cachetest.Cache
	m, cache := actionModel(t, 100, 30, threeAndOne(es))
	m.c.readOnly = true
	selectVersion(t, m, "example.com/a@v1.1.0")
	cache.Add(cachetest.Mod("example.com/c", "v1.0.0"))
	_, cmd := m.Update(press("r")[0])
	if m.busy.kind != busyRescan || cmd == nil {
		t.Fatalf("r did not start a rescan: busy %d", m.busy.kind)
	}
	if _, again := m.Update(press("r")[0]); again != nil || !strings.Contains(m.status, "being read again") {
		t.Errorf("a second r while reading: status %q", m.status)
	}
	drive(m, cmd)
	if m.mods.tree.byVersion["example.com/c@v1.0.0"] == nil {
		t.Error("the version added on disk is not in the tree after r")
	}
	if s := m.mods.b.selected(); s == nil || s.path != "example.com/a@v1.1.0" {
		t.Errorf("the selection moved: %+v", s)
	}
	hit(m, "?")
	if v := screen(m); !regexp.MustCompile(`\br +rescan`).MatchString(v) || !regexp.MustCompile(`\bw +re-download`).MatchString(v) {
		t.Errorf("the help screen does not offer r:\n%s", v)
	}
}

// m in the purge dialog plans again in a command, not in Update: the
// dialog shows the old plan until the command's result comes back.
func TestReplanRunsInACommand(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, threeAndOne(es))
	selectVersion(t, m, "example.com/a@v1.0.0")
	hit(m, "d")
	d, ok := m.top().(*confirmDialog)
	if !ok || d.job.targets.Metadata {
		t.Fatalf("no purge dialog keeping .mod/.info: %T", m.top())
	}
	old := d.job
	_, cmd := m.Update(press("m")[0])
	if cmd == nil || d.job != old || d.job.targets.Metadata || m.busy.kind != busyPlan {
		t.Fatalf("m changed the plan in Update (or started nothing): metadata %v, busy %d", d.job.targets.Metadata, m.busy.kind)
	}
	drive(m, cmd)
	// ? lists the dialog's keys over it; any key gives the dialog back.
	hit(m, "?")
	if v := screen(m); !strings.Contains(v, "also .mod/.info") || !strings.Contains(v, "go ahead") {
		t.Errorf("? in the purge dialog does not list its keys:\n%s", v)
	}
	hit(m, "x")
	if m.top() != d || !d.job.targets.Metadata || d.job.plan == nil || m.busy.kind != idle {
		t.Errorf("after the plan came back: dialog %T, metadata %v", m.top(), d.job.targets.Metadata)
	}
	if !strings.Contains(screen(m), ".mod and .info go too") && !strings.Contains(screen(m), "Trees, zips, ziphashes, .mod and .info go") {
		t.Errorf("the dialog does not show the new plan:\n%s", screen(m))
	}
}

// A click on a tab switches view; a click on a Problems row selects it.
func TestMouseTabsAndRows(t *testing.T) {
	m := newTestModel(t, 80, 24)
	m.View()
	for v := viewProblems; ; v-- {
		r := m.tabs[v]
		send(m, tea.MouseClickMsg{X: r[0] + 1, Y: 1, Button: tea.MouseLeft})
		if m.view != v {
			t.Errorf("click on tab %d at x=%d: view %d", v+1, r[0]+1, m.view)
		}
		m.View()
		if v == viewModules {
			break
		}
	}
	send(m, press("4")...)
	m.View()
	send(m, tea.MouseClickMsg{X: 5, Y: headerLines + 3, Button: tea.MouseLeft})
	if m.probs.list.cursor != 3 || m.probs.selected() == nil {
		t.Errorf("click on the fourth row of Problems: cursor %d", m.probs.list.cursor)
	}
	send(m, tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if m.probs.list.cursor <= 3 {
		t.Errorf("wheel down in Problems: cursor %d", m.probs.list.cursor)
	}
}

// The four tabs fit whole where "Build cache" did not: 50 columns.
func TestTabsFitNarrowTerminals(t *testing.T) {
	m := newTestModel(t, 50, 20)
	line := ansi.Strip(m.tabLine())
	for i, name := range viewNames {
		if !strings.Contains(line, name) {
			t.Errorf("tab %d %q is cut at 50 columns: %q", i+1, name, line)
		}
	}
}

// Dialogs get common, never the model: a dialog's update can be called on
// its own and says what to do as a value.
func TestDialogsReturnActions(t *testing.T) {
	c := &common{styles: newStyles(true), keys: DefaultKeyMap(), width: 80, height: 24, snap: fixtureSnapshot(t)}
	menu := newMenuDialog(c, c.snap.Problems, false)
	if a, ok := menu.update(c, press("enter")[0]).(planJob); !ok || a.job == nil || a.replan {
		t.Errorf("enter on the first policy: %#v", a)
	}
	if _, ok := menu.update(c, press("esc")[0]).(closeTop); !ok {
		t.Error("esc does not close the menu")
	}
	info := newInfo("t", []string{"x"})
	if _, ok := info.update(c, press("x")[0]).(closeTop); !ok {
		t.Error("a key does not close the info dialog")
	}
	d := &confirmDialog{job: &job{kind: jobDownload, choices: []choice{{target: "a@v1", on: true}}}}
	if a, ok := d.update(c, press("y")[0]).(startJob); !ok || a.job != d.job {
		t.Errorf("y: %#v", a)
	}
	if a, ok := d.update(c, press("n")[0]).(closeTop); !ok || a.status != "nothing changed" {
		t.Errorf("n: %#v", a)
	}
	_ = cachescan.Problem{}
}

// q while a task runs stops it and quits once it stopped, not before.
func TestQuitWhileATaskRuns(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, threeAndOne(es))
	m.mods.b.reveal(m.mods.tree.byKey["example.com/a"])
	hit(m, "d")
	_, run := m.Update(press("y")[0])
	if m.busy.kind != busyTask {
		t.Fatalf("y started no task: busy %d", m.busy.kind)
	}
	if _, cmd := m.Update(press("q")[0]); cmd != nil || !m.quitting || !m.busy.task.stopping || m.ctx.Err() != nil {
		t.Fatalf("q during the task: quitting %v, cmd %v, ctx %v", m.quitting, cmd != nil, m.ctx.Err())
	}
	msg := run()
	for {
		b, ok := msg.(tea.BatchMsg)
		if !ok {
			break
		}
		msg = b[0]()
	}
	_, cmd := m.Update(msg)
	if cmd == nil || m.ctx.Err() == nil {
		t.Fatal("the task stopped but the program does not quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("the command after the stopped task is not tea.Quit")
	}
}

// The bars are bubbles' progress, drawn without animation: a share shows
// at once, in ten cells.
func TestBarShowsTheShare(t *testing.T) {
	m := newTestModel(t, 80, 24)
	for share, want := range map[float64]string{0: "░░░░░░░░░░", 0.5: "█████░░░░░", 1: "██████████", 2: "██████████"} {
		if got := ansi.Strip(m.bar(share)); got != want {
			t.Errorf("bar(%v) = %q, want %q", share, got, want)
		}
	}
}
