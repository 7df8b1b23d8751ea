package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/cachescan/cachetest"
	"modscope/report"
)

// drive runs cmd and everything it leads to, feeding each message back to
// the model as the program would. Ticks are dropped: the tests look at
// where things end.
func drive(m *Model, cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case pollMsg:
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// hit presses one key and runs what it starts.
func hit(m *Model, k string) {
	for _, msg := range press(k) {
		_, cmd := m.Update(msg)
		drive(m, cmd)
	}
}

// screen is the frame as a NO_COLOR terminal shows it.
func screen(m *Model) string { return ansi.Strip(m.View().Content) }

// actionModel scans a cache made by fill into a model of size w×h that
// can read it again.
func actionModel(t *testing.T, w, h int, fill func(c *cachetest.Cache)) (*Model, *cachetest.Cache) {
	t.Helper()
	c := cachetest.New(t)
	fill(c)
	opts := cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache,
		Env: cachescan.Env{GOVERSION: "go1.26.0", GOPROXY: "off", GOSUMDB: "off", GOCACHE: t.TempDir()}}
	snap, err := cachescan.NewScanner().Scan(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), opts, snap)
	send(m, tea.WindowSizeMsg{Width: w, Height: h})
	return m, c
}

// threeAndOne is a module with three versions and one with one.
func threeAndOne(es map[string]*cachetest.Entry) func(c *cachetest.Cache) {
	return func(c *cachetest.Cache) {
		for _, v := range []string{"v1.0.0", "v1.1.0", "v1.2.0"} {
			es["a@"+v] = c.Add(cachetest.Mod("example.com/a", v))
		}
		es["b@v1.0.0"] = c.Add(cachetest.Mod("example.com/b", "v1.0.0"))
	}
}

func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Lstat(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

// selectVersion puts the Modules view's cursor on a version.
func selectVersion(t *testing.T, m *Model, pathVersion string) {
	t.Helper()
	n := m.mods.tree.byVersion[pathVersion]
	if n == nil {
		t.Fatalf("%s is not in the tree", pathVersion)
	}
	m.mods.b.reveal(n)
}

func TestPurgeMarkedVersions(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, threeAndOne(es))
	selectVersion(t, m, "example.com/a@v1.0.0")
	hit(m, "space")
	selectVersion(t, m, "example.com/a@v1.1.0")
	hit(m, "space")
	if n, _ := m.mods.b.markedSize(); n != 2 {
		t.Fatalf("%d rows marked, want 2", n)
	}

	// d shows the plan; enter is the default, No: nothing goes.
	hit(m, "d")
	view := screen(m)
	if _, ok := m.top().(*confirmDialog); !ok {
		t.Fatalf("d opened no confirmation dialog; status %q\n%s", m.status, view)
	}
	for _, want := range []string{"Purge", "2 marked rows", "2 versions · frees", "example.com/a@v1.0.0", "example.com/a@v1.1.0", "Remove them? [y/N]"} {
		if !strings.Contains(view, want) {
			t.Errorf("the dialog lacks %q:\n%s", want, view)
		}
	}
	hit(m, "enter")
	if m.top() != nil || m.busy.task != nil || m.status != "nothing changed" {
		t.Fatalf("enter did not cancel: modal %v, task %v, status %q", m.top(), m.busy.task, m.status)
	}
	for _, k := range []string{"a@v1.0.0", "a@v1.1.0"} {
		if !exists(t, es[k].Dir) || !exists(t, es[k].Zip) {
			t.Fatalf("%s lost files although the answer was No", k)
		}
	}

	// n cancels too; then d and y remove both versions.
	hit(m, "d")
	hit(m, "n")
	if m.top() != nil || !exists(t, es["a@v1.0.0"].Dir) {
		t.Fatal("n did not cancel")
	}
	hit(m, "d")
	hit(m, "y")
	if m.busy.task != nil || (m.busy.kind == busyRescan) {
		t.Fatalf("still running: task %v, rescanning %v", m.busy.task, (m.busy.kind == busyRescan))
	}
	// By default .mod and .info stay (as without --metadata): the
	// version is metadata-only now.
	for _, k := range []string{"a@v1.0.0", "a@v1.1.0"} {
		e := es[k]
		for _, path := range []string{e.Dir, e.Zip, e.ZipHash} {
			if exists(t, path) {
				t.Errorf("%s is still there after the purge", path)
			}
		}
		for _, path := range []string{e.Mod, e.Info} {
			if !exists(t, path) {
				t.Errorf("%s went without m", path)
			}
		}
		if n := m.mods.tree.byVersion["example.com/"+k]; n == nil || n.ver.State != "metadata" {
			t.Errorf("after the rescan the tree shows %s as %+v, want metadata-only", k, n)
		}
	}
	for _, k := range []string{"a@v1.2.0", "b@v1.0.0"} {
		if !exists(t, es[k].Dir) || m.mods.tree.byVersion["example.com/"+k] == nil {
			t.Errorf("%s went too", k)
		}
	}
	if !strings.Contains(m.status, "removed 2 versions, freed") {
		t.Errorf("result line: %q", m.status)
	}
	if len(m.mods.b.marks) != 0 {
		t.Errorf("the marks of what went are still there: %d", len(m.mods.b.marks))
	}
	// The place is kept: still in example.com/a, on a row that is there.
	if m.mods.b.cur.path != "example.com/a" || m.mods.b.selected() == nil {
		t.Errorf("after the rescan: in %q on %v", m.mods.b.cur.path, m.mods.b.selected())
	}
	if m.freed.Bytes <= 0 || !strings.Contains(ansi.Strip(m.titleLine()), "freed so far: "+report.HumanBytes(m.freed.Bytes)) {
		t.Errorf("header %q does not show the %d bytes freed", ansi.Strip(m.titleLine()), m.freed.Bytes)
	}
	// Everything went: no dialog, but L shows what went.
	if m.top() != nil {
		t.Errorf("a result dialog opened for a purge where everything went")
	}
	hit(m, "L")
	if view := screen(m); !strings.Contains(view, "Purge: result") || !strings.Contains(view, "✓ example.com/a@v1.1.0") {
		t.Errorf("L does not show the last result:\n%s", view)
	}
	hit(m, "x")
	if m.top() != nil || !strings.Contains(m.status, "removed 2 versions") {
		t.Errorf("closing the result dialog: modal %v, status %q", m.top(), m.status)
	}
}

func TestPurgeModuleRow(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, threeAndOne(es))
	m.mods.b.reveal(m.mods.tree.byKey["example.com/a"])
	hit(m, "d")
	view := screen(m)
	if !strings.Contains(view, "example.com/a (3 versions)") || !strings.Contains(view, "3 versions · frees") {
		t.Fatalf("d on a module row:\n%s", view)
	}
	// m removes .mod and .info too: the plan is made again.
	hit(m, "m")
	d := m.top().(*confirmDialog)
	metadata := 0
	for _, it := range d.job.plan.Items {
		for _, path := range it.Paths {
			if strings.HasSuffix(path, ".mod") || strings.HasSuffix(path, ".info") {
				metadata++
			}
		}
	}
	if metadata != 6 {
		t.Errorf("after m the plan removes %d .mod and .info files, want 6", metadata)
	}
	hit(m, "y")
	for _, v := range []string{"v1.0.0", "v1.1.0", "v1.2.0"} {
		e := es["a@"+v]
		if exists(t, e.Dir) || exists(t, e.Zip) || exists(t, e.Mod) || exists(t, e.Info) || !exists(t, e.Lock) {
			t.Errorf("%s: tree %v zip %v mod %v info %v lock %v; want only the lock left", v,
				exists(t, e.Dir), exists(t, e.Zip), exists(t, e.Mod), exists(t, e.Info), exists(t, e.Lock))
		}
		if m.mods.tree.byVersion["example.com/a@"+v] != nil {
			t.Errorf("the tree still shows a@%s", v)
		}
	}
	if !exists(t, es["b@v1.0.0"].Dir) {
		t.Error("example.com/b went too")
	}
}

func TestPurgeNothingPurgeable(t *testing.T) {
	m := newTestModel(t, 80, 24)
	m.mods.b.reveal(m.mods.tree.byKey["example.com/good files"])
	hit(m, "d")
	if m.top() != nil || !strings.Contains(m.status, "nothing to purge in list and lock files") {
		t.Errorf("d on the list and lock files: modal %v, status %q", m.top(), m.status)
	}
	m.mods.b.reveal(m.mods.tree.byVersion["example.com/good@v1.0.0"].children[0])
	hit(m, "d")
	if m.top() != nil || !strings.Contains(m.status, "select the version") {
		t.Errorf("d on a version's files: modal %v, status %q", m.top(), m.status)
	}
	hit(m, "3")
	hit(m, "d")
	if m.top() != nil || !strings.Contains(m.status, "nothing to purge here") {
		t.Errorf("d in the Project view: modal %v, status %q", m.top(), m.status)
	}
}

func TestPurgePolicyKeepLatest(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, threeAndOne(es))
	hit(m, "D")
	menu, ok := m.top().(*menuDialog)
	if !ok || !strings.Contains(screen(m), "keep the latest [2▏] versions") {
		t.Fatalf("D opened %T:\n%s", m.top(), screen(m))
	}
	// The unused-versions plan needs a project; this model has none.
	hit(m, "j")
	hit(m, "enter")
	if m.top() != menu || !strings.Contains(screen(m), "needs a project") {
		t.Errorf("the unused plan without a project:\n%s", screen(m))
	}
	hit(m, "k")
	hit(m, "1") // replaces the default
	hit(m, "enter")
	d, ok := m.top().(*confirmDialog)
	if !ok {
		t.Fatalf("no plan after enter: status %q", m.status)
	}
	if got := d.job.plan.Versions(); got != 2 || !strings.Contains(screen(m), "keep the latest 1 version of each module") {
		t.Fatalf("keep latest 1 plans %d versions:\n%s", got, screen(m))
	}
	hit(m, "y")
	for k, gone := range map[string]bool{"a@v1.0.0": true, "a@v1.1.0": true, "a@v1.2.0": false, "b@v1.0.0": false} {
		if exists(t, es[k].Dir) == gone || exists(t, es[k].Zip) == gone {
			t.Errorf("%s: tree there %v, want %v", k, exists(t, es[k].Dir), !gone)
		}
	}
	if !strings.Contains(m.status, "removed 2 versions") {
		t.Errorf("result line: %q", m.status)
	}
	// Again: what the first left is metadata-only, which the policy keeps
	// unless m, as the command does: nothing to purge, and the .mod stays.
	hit(m, "D")
	hit(m, "1")
	hit(m, "enter")
	if d, ok := m.top().(*confirmDialog); ok {
		t.Fatalf("keep latest 1 again plans %d versions (only .mod and .info were left):\n%s", d.job.plan.Versions(), screen(m))
	}
	if !exists(t, es["a@v1.0.0"].Mod) {
		t.Error("the .mod of a@v1.0.0 went")
	}
}

func TestPurgeCancelStopsBetweenItems(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, threeAndOne(es))
	m.mods.b.reveal(m.mods.tree.byKey["example.com/a"])
	hit(m, "d")
	_, run := m.Update(press("y")[0])
	if m.busy.task == nil || !strings.Contains(ansi.Strip(m.footer()), "removing 0/3") {
		t.Fatalf("y started no task; footer %q", ansi.Strip(m.footer()))
	}
	// esc before the first item: nothing goes.
	hit(m, "esc")
	if !m.busy.task.stopping || !strings.Contains(ansi.Strip(m.footer()), "stopping") {
		t.Fatalf("esc did not stop the task: footer %q", ansi.Strip(m.footer()))
	}
	drive(m, run)
	if !strings.HasPrefix(m.status, "stopped:") {
		t.Errorf("result line: %q", m.status)
	}
	for _, v := range []string{"v1.0.0", "v1.1.0", "v1.2.0"} {
		if !exists(t, es["a@"+v].Dir) {
			t.Errorf("%s went although the purge was stopped first", v)
		}
	}
}

func TestReadOnlyRefusesActions(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, threeAndOne(es))
	m.c.readOnly = true
	m.mods.b.reveal(m.mods.tree.byKey["example.com/a"])
	hit(m, "space")
	for _, k := range []string{"d", "D", "w", "R"} {
		_, cmd := m.Update(press(k)[0])
		if cmd != nil || m.top() != nil || m.status != "read-only: started with --read-only; nothing is changed" {
			t.Errorf("%s in read-only: cmd %v, modal %T, status %q", k, cmd != nil, m.top(), m.status)
		}
		if !strings.Contains(screen(m), "read-only: started with --read-only") {
			t.Errorf("%s: the footer does not say why", k)
		}
	}
	if !strings.Contains(ansi.Strip(m.titleLine()), "read-only") {
		t.Errorf("the header does not say read-only: %q", ansi.Strip(m.titleLine()))
	}
	if !exists(t, es["a@v1.0.0"].Dir) {
		t.Error("a read-only model removed something")
	}
}

func TestPurgeAProblemsFix(t *testing.T) {
	var partial *cachetest.Entry
	m, _ := actionModel(t, 100, 30, func(c *cachetest.Cache) {
		c.Add(cachetest.Mod("example.com/fine", "v1.0.0"))
		partial = c.Add(cachetest.Mod("example.com/partial", "v1.0.0"))
		if err := os.WriteFile(partial.Partial, nil, 0o666); err != nil {
			t.Fatal(err)
		}
	})
	hit(m, "4")
	if pr := m.probs.selected(); pr == nil || pr.Kind != cachescan.KindDirPartial {
		t.Fatalf("selected problem %+v", pr)
	}
	hit(m, "d")
	view := screen(m)
	if !strings.Contains(view, "what fixes dir-partial of example.com/partial@v1.0.0") || !strings.Contains(view, "dir-partial") {
		t.Fatalf("d on a problem:\n%s", view)
	}
	hit(m, "y")
	if exists(t, partial.Dir) || exists(t, partial.Partial) || !exists(t, partial.Zip) || !exists(t, partial.Mod) {
		t.Errorf("after the fix: tree %v, .partial %v, zip %v, mod %v; want only the tree and .partial gone",
			exists(t, partial.Dir), exists(t, partial.Partial), exists(t, partial.Zip), exists(t, partial.Mod))
	}
	if len(m.allProblems()) != 0 || m.view != viewProblems {
		t.Errorf("after the rescan: view %d, problems %+v", m.view, m.allProblems())
	}
}

func TestRedownloadChoosesVersions(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, threeAndOne(es))
	m.mods.b.reveal(m.mods.tree.byKey["example.com/a"])
	hit(m, "w")
	view := screen(m)
	if _, ok := m.top().(*confirmDialog); !ok || !strings.Contains(view, "3 of 3 versions chosen · needs the network") ||
		!strings.Contains(view, "only once a checked fresh copy is in hand") || !strings.Contains(view, "GOPROXY=off: every fetch will fail") {
		t.Fatalf("r on a module:\n%s", view)
	}
	hit(m, "space")
	if !strings.Contains(screen(m), "2 of 3 versions chosen") {
		t.Errorf("space did not unchoose a version:\n%s", screen(m))
	}
	hit(m, "esc")
	if m.top() != nil || m.busy.task != nil {
		t.Error("esc did not cancel")
	}
	// A file row re-downloads its version.
	m.mods.b.reveal(m.mods.tree.byVersion["example.com/b@v1.0.0"].children[0])
	hit(m, "w")
	if d, ok := m.top().(*confirmDialog); !ok || len(d.job.choices) != 1 || d.job.choices[0].target != "example.com/b@v1.0.0" {
		t.Errorf("r on a version's files: %+v", m.top())
	}
}

// TestRepairWithoutNetwork repairs the damaged fixture with GOPROXY=off:
// what needs no download is fixed, and every download fails cleanly, with
// the go command's error and the knowledge base's explanation.
func TestRepairWithoutNetwork(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "")
	t.Setenv("GONOSUMDB", "")
	t.Setenv("GOPRIVATE", "")
	var want []cachetest.Expect
	m, c := actionModel(t, 100, 30, func(c *cachetest.Cache) { c.Healthy(); want = c.Damage() })
	partial := cachetest.Paths(c.ModCache, cachetest.Module{Path: "example.com/partial", Version: "v1.0.0"})
	truncated := cachetest.Paths(c.ModCache, cachetest.Module{Path: "example.com/truncated", Version: "v1.0.0"})
	zipBefore, err := os.ReadFile(truncated.Zip)
	if err != nil {
		t.Fatal(err)
	}
	hit(m, "R")
	d, ok := m.top().(*confirmDialog)
	if !ok {
		t.Fatalf("R opened no dialog: status %q", m.status)
	}
	rp := d.job.repair
	if len(rp.Downloads) == 0 || len(rp.Purge.Items) == 0 || len(rp.Manual) == 0 {
		t.Fatalf("repair plan: %d removals, %d downloads, %d manual", len(rp.Purge.Items), len(rp.Downloads), len(rp.Manual))
	}
	// Scroll through the whole dialog: every part of the plan is there.
	seen := screen(m)
	for i := 0; i < 60; i++ {
		hit(m, "j")
		seen += screen(m)
	}
	for _, want := range []string{"Repair? [y/N]", "Remove", "Download again", "Left to you", "example.com/truncated@v1.0.0", "path-invalid"} {
		if !strings.Contains(seen, want) {
			t.Errorf("the repair dialog never shows %q", want)
		}
	}
	hit(m, "y")
	if m.busy.task != nil || (m.busy.kind == busyRescan) {
		t.Fatal("the repair did not finish")
	}
	info, ok := m.top().(*infoDialog)
	if !ok {
		t.Fatalf("no result dialog; status %q", m.status)
	}
	result := strings.Join(info.lines, "\n")
	for _, want := range []string{"✗ failed", "example.com/truncated@v1.0.0", "GOPROXY=off forbids it", "cause:", "fix:"} {
		if !strings.Contains(ansi.Strip(result), want) {
			t.Errorf("the result dialog lacks %q:\n%s", want, ansi.Strip(result))
		}
	}
	lists := 0
	for _, it := range rp.Purge.Items {
		if it.Kind == actions.ItemList {
			lists++
		}
	}
	if !strings.Contains(m.status, fmt.Sprintf("downloads: %d failed", len(rp.Downloads))) || !strings.Contains(m.status, "removed "+report.Plural(int64(len(rp.Purge.Items)-lists), "item")) ||
		!strings.Contains(m.status, "rewrote the list of "+report.Plural(int64(lists), "module")) {
		t.Errorf("result line: %q", m.status)
	}
	// What needed no network is fixed, on disk and in the rescanned tree.
	if exists(t, partial.Dir) || exists(t, partial.Partial) {
		t.Error("the dir-partial tree is still there")
	}
	left := map[string]int{}
	for _, pr := range m.allProblems() {
		left[pr.Kind]++
	}
	for _, k := range []string{cachescan.KindDirPartial, cachescan.KindTmpLeftover, cachescan.KindListStale, cachescan.KindVCSBroken,
		cachescan.KindActionInvalid, cachescan.KindOutputMissing, cachescan.KindOutputSizeMismatch, cachescan.KindGoCacheBroken} {
		if left[k] > 0 {
			t.Errorf("%d %s left after the repair", left[k], k)
		}
	}
	// What needed a download is as it was.
	if zipAfter, err := os.ReadFile(truncated.Zip); err != nil || string(zipAfter) != string(zipBefore) {
		t.Errorf("a failed download changed the truncated zip (err %v)", err)
	}
	for _, k := range []string{cachescan.KindZipCorrupt, cachescan.KindPathInvalid} {
		if left[k] == 0 {
			t.Errorf("no %s left: a repair without network cannot fix it", k)
		}
	}
	_ = want
	// The result dialog closes on any other key.
	hit(m, "x")
	if m.top() != nil {
		t.Error("the result dialog did not close")
	}
}

// TestEveryDialogFits opens every dialog at several sizes: each frame has
// the terminal's lines, none wider than it, and the question or the keys
// are always on screen.
func TestEveryDialogFits(t *testing.T) {
	snap := fixtureSnapshot(t)
	for _, size := range [][2]int{{40, 12}, {60, 15}, {80, 24}, {120, 40}} {
		for _, keys := range [][]string{{"1", "enter", "space", "d"}, {"D"}, {"2", "d"}, {"R"}, {"1", "enter", "w"}, {"4", "d"}} {
			m := New(context.Background(), cachescan.Options{Clock: cachetest.Clock()}, snap)
			send(m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			for _, k := range keys {
				hit(m, k)
			}
			if m.top() == nil {
				t.Errorf("%dx%d %v: no dialog; status %q", size[0], size[1], keys, m.status)
				continue
			}
			for _, extra := range []string{"", "j", "G"} {
				if extra != "" {
					hit(m, extra)
				}
				frame := m.View().Content
				lines := strings.Split(frame, "\n")
				if len(lines) != size[1] {
					t.Errorf("%dx%d %v%s: %d lines", size[0], size[1], keys, extra, len(lines))
				}
				for i, l := range lines {
					if w := ansi.StringWidth(l); w > size[0] {
						t.Errorf("%dx%d %v%s: line %d is %d wide: %q", size[0], size[1], keys, extra, i, w, ansi.Strip(l))
					}
				}
				plain := ansi.Strip(frame)
				if _, menu := m.top().(*menuDialog); !menu && !strings.Contains(plain, "[y/N]") {
					t.Errorf("%dx%d %v%s: the question is not on screen:\n%s", size[0], size[1], keys, extra, plain)
				}
				if !strings.Contains(plain, "esc") {
					t.Errorf("%dx%d %v%s: how to leave is not on screen:\n%s", size[0], size[1], keys, extra, plain)
				}
			}
		}
	}
}

// TestGoldenDialogs pins the dialogs' layout at 80x24 and 40x12 (no
// colour: what NO_COLOR shows). The go commands running now are replaced
// by one made-up process, so that the warning is there and stable.
func TestGoldenDialogs(t *testing.T) {
	snap := fixtureSnapshot(t)
	dialogs := []struct {
		name  string
		setup func(m *Model)
		keys  []string
	}{
		{"purge-dialog", func(m *Model) {
			for _, v := range []string{"example.com/good@v1.0.0", "example.com/good@v1.1.0"} {
				m.mods.b.reveal(m.mods.tree.byVersion[v])
				m.mods.b.toggleMark()
			}
		}, []string{"d"}},
		{"policy-menu", nil, []string{"D"}},
		{"repair-dialog", nil, []string{"R"}},
		{"download-dialog", func(m *Model) { m.mods.b.reveal(m.mods.tree.byKey["example.com/good"]) }, []string{"w"}},
	}
	for _, size := range [][2]int{{80, 24}, {40, 12}} {
		for _, d := range dialogs {
			m := New(context.Background(), cachescan.Options{Clock: cachetest.Clock()}, snap)
			send(m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			if d.setup != nil {
				d.setup(m)
			}
			for _, k := range d.keys {
				_, cmd := m.Update(press(k)[0])
				if cmd != nil {
					msg := cmd()
					if pm, ok := msg.(planMsg); ok {
						if pm.job.plan != nil {
							pm.job.plan.Running = []string{"go (pid 4242)"}
						}
						if pm.job.repair != nil {
							pm.job.repair.Purge.Running = []string{"go (pid 4242)"}
						}
					}
					m.Update(msg)
				}
			}
			if m.top() == nil {
				t.Fatalf("%s: no dialog; status %q", d.name, m.status)
			}
			t.Run(d.name+"-"+sizeName(size), func(t *testing.T) { golden.RequireEqual(t, screen(m)) })
		}
	}
}

// TestResultLineCountsWhatWent checks the result line's wording on a
// made-up result: failures name the first error.
func TestResultLineCountsWhatWent(t *testing.T) {
	m := newTestModel(t, 80, 24)
	j := &job{kind: jobPurge}
	line := m.resultLine(j, taskDoneMsg{purge: []actions.PurgeResult{
		{Kind: actions.ItemVersion, Label: "a@v1", Removed: true, Freed: cachescan.Size{Bytes: 2048}},
		{Kind: actions.ItemVersion, Label: "b@v1", Err: "permission denied\nmore"},
	}}, cachescan.Size{Bytes: 2048}, false)
	if line != "removed 1 of 2 items, freed 2.0 KiB; 1 failed: b@v1: permission denied" {
		t.Errorf("result line %q", line)
	}
}

// TestRescanKeepsWhatVerifyFound: after a purge, the caches are read
// again; what verify found about a version the purge did not touch stays,
// and goes with the version when that is purged.
func TestRescanKeepsWhatVerifyFound(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	var edited *cachetest.Entry
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, func(c *cachetest.Cache) {
		threeAndOne(es)(c)
		edited = c.Add(cachetest.Mod("example.com/edited", "v1.0.0"))
		cachetest.Writable(edited.Dir, func() {
			os.WriteFile(filepath.Join(edited.Dir, "added.go"), []byte("package lib\n"), 0o444)
		})
	})
	hit(m, "V")
	if len(m.allProblems()) != 1 || m.allProblems()[0].Kind != cachescan.KindDirModified {
		t.Fatalf("verify found %+v", m.allProblems())
	}
	selectVersion(t, m, "example.com/b@v1.0.0")
	hit(m, "d")
	hit(m, "y")
	if exists(t, es["b@v1.0.0"].Dir) {
		t.Fatal("b was not purged")
	}
	if len(m.allProblems()) != 1 || m.mods.tree.byVersion["example.com/edited@v1.0.0"].sev[0] != 1 {
		t.Fatalf("after purging another version, verify's finding is gone: %+v", m.allProblems())
	}
	selectVersion(t, m, "example.com/edited@v1.0.0")
	hit(m, "d")
	hit(m, "y")
	if len(m.allProblems()) != 0 {
		t.Errorf("the finding outlived its version: %+v", m.allProblems())
	}
}

// TestFlowPurgeInTheProgram purges in the real program: the purge and the
// scan after it run in goroutines while the view polls their progress.
func TestFlowPurgeInTheProgram(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, threeAndOne(es))
	m.mods.b.reveal(m.mods.tree.byKey["example.com/a"])
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	width := 100
	wait := func(what string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		var frame []byte
		for time.Now().Before(deadline) {
			width = 201 - width // a resize forces a full repaint
			tm.Send(tea.WindowSizeMsg{Width: width, Height: 30})
			time.Sleep(80 * time.Millisecond)
			frame, _ = io.ReadAll(tm.Output())
			if strings.Contains(ansi.Strip(string(frame)), what) {
				return
			}
		}
		t.Fatalf("%q never shown; last frame:\n%s", what, ansi.Strip(string(frame)))
	}
	tm.Send(press("d")[0])
	wait("Remove them? [y/N]")
	tm.Send(press("y")[0])
	wait("freed so far:")
	wait("removed 3 versions")
	tm.Send(press("q")[0])
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	for _, v := range []string{"v1.0.0", "v1.1.0", "v1.2.0"} {
		if exists(t, es["a@"+v].Dir) {
			t.Errorf("a@%s is still there", v)
		}
	}
	if final := tm.FinalModel(t).(*Model); final.mods.tree.byKey["example.com/b"] == nil || final.busy.kind == busyRescan {
		t.Errorf("final tree: rescanning %v", final.busy.kind == busyRescan)
	}
}

// TestPurgeUnderAFilter: with a filter on, d on a row purges only what
// the filter shows of it, and the dialog says so.
func TestPurgeUnderAFilter(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, threeAndOne(es))
	m.mods.b.setFilter("example.com/b")
	m.mods.b.reveal(m.mods.tree.byVersion["example.com/b@v1.0.0"].parent.parent) // example.com/
	hit(m, "d")
	if !strings.Contains(screen(m), "only what the filter") {
		t.Fatalf("the dialog does not mention the filter:\n%s", screen(m))
	}
	hit(m, "y")
	if exists(t, es["b@v1.0.0"].Dir) {
		t.Error("the version the filter shows is still there")
	}
	for _, k := range []string{"a@v1.0.0", "a@v1.1.0", "a@v1.2.0"} {
		if !exists(t, es[k].Dir) {
			t.Errorf("%s, hidden by the filter, went", k)
		}
	}
}

// TestRefusedIsKeptNotFailed: the active toolchain in a plan is kept and
// the result line does not call it a failure.
func TestRefusedIsKeptNotFailed(t *testing.T) {
	m, _ := actionModel(t, 100, 30, func(c *cachetest.Cache) {
		c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	})
	j := &job{kind: jobPurge, subject: "test"}
	msg := taskDoneMsg{task: &task{job: j, cancel: func() {}}, purge: []actions.PurgeResult{
		{Kind: actions.ItemVersion, Label: "x@v1", Removed: true},
		{Kind: actions.ItemVersion, Label: "golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64", Kept: "the active toolchain"},
	}}
	line := m.resultLine(j, msg, cachescan.Size{}, false)
	if strings.Contains(line, "failed") || !strings.Contains(line, "1 kept") {
		t.Errorf("result line %q", line)
	}
}

// TestRepairShowsListRewritesApart: a stale list is rewritten, not
// removed; the repair dialog and its result say so, and do not list the
// rewrite among the removals with "frees 0 B".
func TestRepairShowsListRewritesApart(t *testing.T) {
	m := newTestModel(t, 120, 60)
	_, cmd := m.Update(press("R")[0])
	m.Update(cmd())
	d, ok := m.top().(*confirmDialog)
	if !ok {
		t.Fatalf("R opened no plan; status %q", m.status)
	}
	lists := 0
	for _, it := range d.job.repair.Purge.Items {
		if it.Kind == actions.ItemList {
			lists++
		}
	}
	if lists != 2 {
		t.Fatalf("the fixture's repair rewrites %d lists, want 2", lists)
	}
	view := screen(m)
	removals := len(d.job.repair.Purge.Items) - lists
	if !strings.Contains(view, fmt.Sprintf("removes %d items", removals)) || !strings.Contains(view, "rewrites the list of 2 modules") {
		t.Errorf("the summary counts rewrites as removals:\n%s", view)
	}
	remove, _, _ := strings.Cut(view, "Rewrite the list of 2 modules")
	if strings.Contains(remove, "rewrite the list of") || !strings.Contains(view, "  example.com/stale") {
		t.Errorf("rewrites are listed among the removals:\n%s", view)
	}
	line := m.resultLine(d.job, taskDoneMsg{purge: []actions.PurgeResult{
		{Kind: actions.ItemVersion, Label: "a@v1", Removed: true, Freed: cachescan.Size{Bytes: 2048}},
		{Kind: actions.ItemList, Label: "rewrite the list of a", Removed: true},
	}}, cachescan.Size{Bytes: 2048}, false)
	if line != "removed 1 version, freed 2.0 KiB, rewrote the list of 1 module" {
		t.Errorf("result line %q", line)
	}
}

// TestPurgeTitleNamesNestedModules: d on the good/ row takes, as ncdu
// would, everything under it, example.com/good/v2 too; the title says so.
func TestPurgeTitleNamesNestedModules(t *testing.T) {
	m := newTestModel(t, 100, 30)
	m.mods.b.reveal(m.mods.tree.byKey["example.com/good"])
	_, cmd := m.Update(press("d")[0])
	m.Update(cmd())
	d, ok := m.top().(*confirmDialog)
	if !ok {
		t.Fatalf("d opened no plan; status %q", m.status)
	}
	nested := false
	for _, it := range d.job.plan.Items {
		nested = nested || it.Module == "example.com/good/v2"
	}
	if want := "example.com/good and 1 module below it (5 versions)"; !nested || d.job.subject != want {
		t.Errorf("nested module planned: %v; title %q, want %q", nested, d.job.subject, want)
	}
	// A path segment names the modules under it. (github.com's one
	// module is one row now, github.com/BurntSushi/toml: example.com is
	// the fixture's segment with more than one child.)
	m.stack = nil
	m.mods.b.reveal(m.mods.tree.byKey["example.com"])
	_, cmd = m.Update(press("d")[0])
	m.Update(cmd())
	if d, ok := m.top().(*confirmDialog); !ok || !strings.HasSuffix(d.job.subject, " modules under example.com/ (24 versions)") {
		t.Errorf("title of a path segment: %+v", m.top())
	}
}

// TestRowNamesAreNotPatterns: a cache entry named like a glob
// (example.com/*) is purged as itself, never as a pattern taking every
// module beside it.
func TestRowNamesAreNotPatterns(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 120, 40, func(c *cachetest.Cache) {
		es["a"] = c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
		es["b"] = c.Add(cachetest.Mod("example.com/b", "v1.0.0"))
		dir := filepath.Join(c.ModCache, "cache", "download", "example.com", "*", "@v")
		os.MkdirAll(dir, 0o777)
		os.WriteFile(filepath.Join(dir, "v1.0.0.info"), []byte(`{"Version":"v1.0.0"}`), 0o666)
		os.WriteFile(filepath.Join(dir, "v1.0.0.mod"), []byte("module example.com/*\n"), 0o666)
	})
	n := m.mods.tree.byKey["example.com/*"]
	if n == nil {
		t.Fatal("no row for the entry named example.com/*")
	}
	m.mods.b.reveal(n)
	hit(m, "d")
	if d, ok := m.top().(*confirmDialog); ok {
		for _, it := range d.job.plan.Items {
			if it.Module != "example.com/*" {
				t.Errorf("d on example.com/* plans %s", it.Label)
			}
		}
		hit(m, "y")
	}
	for _, k := range []string{"a", "b"} {
		if !exists(t, es[k].Dir) {
			t.Errorf("example.com/%s went with example.com/*", k)
		}
	}
}

// TestPurgeMetadataOnlyVersions: a version that holds only .mod and
// .info (what every purge leaves by default) can be purged from the TUI:
// d plans its .mod and .info; on a module that mixes them with versions
// with code, the dialog says the metadata-only ones stay unless m.
func TestPurgeMetadataOnlyVersions(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, func(c *cachetest.Cache) {
		es["a@v1.0.0"] = c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
		es["a@v1.1.0"] = c.AddMetadata(cachetest.Mod("example.com/a", "v1.1.0"))
		es["b@v1.0.0"] = c.AddMetadata(cachetest.Mod("example.com/b", "v1.0.0"))
	})

	// A module of metadata-only versions: the plan takes .mod and .info.
	m.mods.b.reveal(m.mods.tree.byKey["example.com/b"])
	hit(m, "d")
	d, ok := m.top().(*confirmDialog)
	if !ok {
		t.Fatalf("d on a metadata-only module opened no dialog; status %q", m.status)
	}
	view := screen(m)
	if !d.job.targets.Metadata || d.job.plan.Versions() != 1 || !strings.Contains(view, "Only .mod and .info are left") {
		t.Errorf("metadata %v, %d versions planned:\n%s", d.job.targets.Metadata, d.job.plan.Versions(), view)
	}
	// m cannot keep them: nothing would be left to remove.
	hit(m, "m")
	if !d.job.targets.Metadata || !strings.Contains(screen(m), "keeping them would remove nothing") {
		t.Errorf("m in a metadata-only plan: metadata %v\n%s", d.job.targets.Metadata, screen(m))
	}
	hit(m, "y")
	if e := es["b@v1.0.0"]; exists(t, e.Mod) || exists(t, e.Info) || m.mods.tree.byVersion["example.com/b@v1.0.0"] != nil {
		t.Errorf("b@v1.0.0 is still there: mod %v, info %v", exists(t, e.Mod), exists(t, e.Info))
	}

	// A module that mixes them: by default the metadata-only one stays,
	// and the dialog says so.
	m.mods.b.reveal(m.mods.tree.byKey["example.com/a"])
	hit(m, "d")
	d, ok = m.top().(*confirmDialog)
	if !ok {
		t.Fatalf("d on a module opened no dialog; status %q", m.status)
	}
	view = screen(m)
	if d.job.targets.Metadata || d.job.plan.Versions() != 1 || !strings.Contains(view, "example.com/a (2 versions)") ||
		!strings.Contains(view, "1 metadata-only version stays: m removes its .mod and .info too") {
		t.Errorf("metadata %v, %d versions planned:\n%s", d.job.targets.Metadata, d.job.plan.Versions(), view)
	}
	hit(m, "m")
	if view := screen(m); d.job.plan.Versions() != 2 || strings.Contains(view, "metadata-only version stays") {
		t.Errorf("after m: %d versions planned:\n%s", d.job.plan.Versions(), view)
	}
	hit(m, "esc")

	// d on the metadata-only version itself.
	// Marked, it counts in the header what d then frees.
	selectVersion(t, m, "example.com/a@v1.1.0")
	hit(m, "space")
	_, size := m.mods.b.markedSize()
	hit(m, "d")
	d, ok = m.top().(*confirmDialog)
	if !ok || !d.job.targets.Metadata || d.job.plan.Versions() != 1 {
		t.Fatalf("d on a marked metadata-only version: modal %T, status %q", m.top(), m.status)
	}
	if size == 0 || size != d.job.plan.Size.Bytes {
		t.Errorf("the header says d frees %d bytes, the plan %d", size, d.job.plan.Size.Bytes)
	}
}

// TestMarkUnderAFilterIsFixed: a directory row marked under a filter
// takes the versions the filter shows under it then; clearing or
// changing the filter changes neither the header nor what d plans.
func TestMarkUnderAFilterIsFixed(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, threeAndOne(es))
	m.mods.b.setFilter("example.com/b")
	dir := m.mods.tree.byVersion["example.com/b@v1.0.0"].parent.parent // example.com/
	m.mods.b.reveal(dir)
	hit(m, "space")
	n, size := m.mods.b.markedSize()
	if want := actions.VersionFrees(m.mods.tree.byVersion["example.com/b@v1.0.0"].ver, false).Bytes; n != 1 || size != want {
		t.Fatalf("marked under the filter: %d rows, %d bytes; want 1 row, %d bytes", n, size, want)
	}
	header := ansi.Strip(m.tabLine())
	for _, f := range []string{"", "example.com/a"} {
		m.mods.b.setFilter(f)
		if n2, size2 := m.mods.b.markedSize(); n2 != n || size2 != size || ansi.Strip(m.tabLine()) != header {
			t.Errorf("filter %q: %d rows, %d bytes, %q; want them as marked: %q", f, n2, size2, ansi.Strip(m.tabLine()), header)
		}
	}
	m.mods.b.setFilter("")
	// The row says that its mark takes only part of it.
	m.mods.b.reveal(dir)
	if row := ansi.Strip(m.mods.b.row(m.c.styles, dir, frame{parentSize: m.mods.b.size(dir.parent), barMax: m.mods.b.size(dir.parent), countW: 10}, 100, false)); !strings.HasPrefix(row, "+") {
		t.Errorf("the partly marked row does not show +: %q", row)
	}
	hit(m, "d")
	d, ok := m.top().(*confirmDialog)
	if !ok {
		t.Fatalf("d opened no dialog; status %q", m.status)
	}
	if got := d.job.plan.Versions(); got != 1 || d.job.plan.Size.Bytes != size || !strings.Contains(screen(m), `filter "example.com/b"`) {
		t.Fatalf("d plans %d versions, %d bytes, want 1 and %d:\n%s", got, d.job.plan.Size.Bytes, size, screen(m))
	}
	hit(m, "y")
	if exists(t, es["b@v1.0.0"].Dir) {
		t.Error("the marked version is still there")
	}
	for _, k := range []string{"a@v1.0.0", "a@v1.1.0", "a@v1.2.0"} {
		if !exists(t, es[k].Dir) {
			t.Errorf("%s, hidden when the row was marked, went", k)
		}
	}
}

// TestDialogKeysDegrade: on a narrow terminal a dialog's key line takes
// short forms and leaves out what matters least, instead of cutting a
// key in the middle; y, the way out and m stay.
func TestDialogKeysDegrade(t *testing.T) {
	snap := fixtureSnapshot(t)
	for _, c := range []struct {
		w    int
		keys []string
		want []string
	}{
		{80, []string{"1", "enter", "space", "d"}, []string{"y remove", "n/esc/enter cancel", "j/k scroll", "m also .mod/.info", "a apparent/disk"}},
		{60, []string{"1", "enter", "space", "d"}, []string{"y remove", "n/esc cancel", "j/k scroll", "m also .mod/.info"}},
		{40, []string{"1", "enter", "space", "d"}, []string{"y remove", "n/esc cancel", "m +.mod/.info"}},
		{40, []string{"1", "enter", "space", "d", "m"}, []string{"y remove", "n/esc cancel", "m -.mod/.info"}},
		{40, []string{"1", "enter", "w"}, []string{"y fetch", "n/esc cancel", "space choose"}},
		{60, []string{"D"}, []string{"enter show the plan", "esc close", "j/k move", "0-9 value"}},
		{40, []string{"D"}, []string{"enter plan", "esc close", "0-9 value"}},
	} {
		m := New(context.Background(), cachescan.Options{Clock: cachetest.Clock()}, snap)
		send(m, tea.WindowSizeMsg{Width: c.w, Height: 24})
		for _, k := range c.keys {
			hit(m, k)
		}
		if m.top() == nil {
			t.Fatalf("%d %v: no dialog; status %q", c.w, c.keys, m.status)
		}
		line := ansi.Strip(m.footer())
		if strings.Contains(line, "…") || ansi.StringWidth(line) > c.w {
			t.Errorf("%d %v: the keys are cut: %q", c.w, c.keys, line)
		}
		if got := strings.Split(line, " · "); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%d %v: keys %q, want %q", c.w, c.keys, got, c.want)
		}
	}
}

// TestDialogHelpNamesTheirKeys: ? on the purge menu and on its plan lists
// the keys each answers to, the ones that move among its rows included.
func TestDialogHelpNamesTheirKeys(t *testing.T) {
	es := map[string]*cachetest.Entry{}
	m, _ := actionModel(t, 100, 30, threeAndOne(es))
	hit(m, "D")
	if _, ok := m.top().(*menuDialog); !ok {
		t.Fatalf("D opened %T", m.top())
	}
	hit(m, "?")
	for _, want := range []string{"↑/↓/j/k", "move", "show the plan", "0-9", "change the value"} {
		if !strings.Contains(screen(m), want) {
			t.Errorf("the menu's help lacks %q:\n%s", want, screen(m))
		}
	}
	hit(m, "esc") // closes the help
	hit(m, "1")
	hit(m, "enter")
	if _, ok := m.top().(*confirmDialog); !ok {
		t.Fatalf("no plan: %T, status %q", m.top(), m.status)
	}
	hit(m, "?")
	for _, want := range []string{"↑/↓/j/k", "scroll", "go ahead", "cancel"} {
		if !strings.Contains(screen(m), want) {
			t.Errorf("the plan's help lacks %q:\n%s", want, screen(m))
		}
	}
}
