package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// What an earlier verify (modscope verify on the command line) found and
// still holds shows in the TUI after its scan, as repair would act on it;
// a finding that no longer holds does not; the TUI's own verify saves its
// findings by the same scope rule (actions.SaveVerify), so the CLI's
// repair sees them.
func TestEarlierFindingsAreShown(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	var edited, fixed *cachetest.Entry
	m, _ := actionModel(t, 100, 30, func(c *cachetest.Cache) {
		c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
		edited = c.Add(cachetest.Mod("example.com/edited", "v1.0.0"))
		fixed = c.Add(cachetest.Mod("example.com/fixed", "v1.0.0"))
		for _, e := range []*cachetest.Entry{edited, fixed} {
			cachetest.Writable(e.Dir, func() {
				os.WriteFile(filepath.Join(e.Dir, "added.go"), []byte("package lib\n"), 0o444)
			})
		}
	})
	snap := m.c.snap
	before := len(snap.Problems)
	path := filepath.Join(t.TempDir(), "findings.json")
	rep, err := actions.NewVerifier().Verify(context.Background(), snap, actions.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 2 {
		t.Fatalf("verify found %d problems; want the two edited trees", len(rep.Problems))
	}
	if err := actions.SaveVerify(path, snap, rep, nil); err != nil {
		t.Fatal(err)
	}
	// One of them is put right before the TUI starts.
	cachetest.Writable(fixed.Dir, func() { os.Remove(filepath.Join(fixed.Dir, "added.go")) })

	m.findingsPath = path
	drive(m, m.update(scanDoneMsg{snap: snap}))
	all := m.allProblems()
	if len(all) != before+1 {
		t.Fatalf("%d problems shown; want the scan's %d and the earlier finding that still holds", len(all), before)
	}
	if n := m.mods.tree.byVersion["example.com/edited@v1.0.0"]; n == nil || n.sev[0] != 1 {
		t.Error("the earlier finding is not on its row")
	}
	if n := m.mods.tree.byVersion["example.com/fixed@v1.0.0"]; n == nil || n.sev[0] != 0 {
		t.Error("a finding that no longer holds is shown")
	}
	if !strings.Contains(m.status, "1 problem an earlier verify found") {
		t.Errorf("status %q does not say where the problem comes from", m.status)
	}
	if len(snap.Problems) != before {
		t.Error("the snapshot was written")
	}

	// The TUI's verify of one version keeps the other findings in the file.
	hit(m, "V")
	last := actions.LoadFindings(path, snap.ModCache.Root, snap.BuildCache.Root)
	if last == nil || len(last.Problems) != 1 || last.Problems[0].Module != "example.com/edited" {
		t.Fatalf("findings after the TUI's verify = %+v; want the edited tree's", last)
	}
}

// A purge of a version a replace directive builds with says so in the
// dialog, as the CLI's plan does.
func TestPurgeDialogWarnsOfReplaceTargets(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/fork", "v1.0.0"))
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/proj\n\ngo 1.22\n\nrequire example.com/up v1.0.0\n\nreplace example.com/up v1.0.0 => example.com/fork v1.0.0\n"), 0o666)
	opts := cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache, ProjectDir: proj,
		Env: cachescan.Env{GOVERSION: "go1.26.0", GOPROXY: "https://proxy.golang.org", GOSUMDB: "off", GOCACHE: t.TempDir()}}
	snap, err := cachescan.NewScanner().Scan(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), opts, snap)
	send(m, tea.WindowSizeMsg{Width: 120, Height: 30})
	selectVersion(t, m, "example.com/fork@v1.0.0")
	hit(m, "d")
	if _, ok := m.top().(*confirmDialog); !ok {
		t.Fatalf("d opened no purge dialog: %q", screen(m))
	}
	if s := ansi.Strip(screen(m)); !strings.Contains(strings.Join(strings.Fields(s), " "), "example.com/fork v1.0.0 is the target of a replace directive in go.mod") {
		t.Errorf("the purge dialog does not warn of the replace target:\n%s", s)
	}
}

// ctrl+r rescans trusting nothing of the scan index; r uses it.
func TestFullRescanIgnoresTheIndex(t *testing.T) {
	m, _ := actionModel(t, 100, 30, func(c *cachetest.Cache) { c.Add(cachetest.Mod("example.com/a", "v1.0.0")) })
	m.opts.Index = filepath.Join(t.TempDir(), "index")
	for _, tc := range []struct {
		key  string
		full bool
	}{{"r", false}, {"ctrl+r", true}, {"r", false}} {
		var msg tea.KeyPressMsg
		if tc.key == "ctrl+r" {
			msg = tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl}
		} else {
			msg = press(tc.key)[0].(tea.KeyPressMsg)
		}
		_, cmd := m.Update(msg)
		if m.busy.kind != busyRescan {
			t.Fatalf("%s: no rescan started", tc.key)
		}
		if got := m.busy.full; got != tc.full {
			t.Errorf("%s: rescan with NoIndex %v; want %v", tc.key, got, tc.full)
		}
		drive(m, cmd)
		if m.status != "" {
			t.Errorf("%s: status %q after the rescan; want it cleared", tc.key, m.status)
		}
	}
	if _, err := os.Stat(m.opts.Index); err != nil {
		t.Errorf("the rescans kept no index: %v", err)
	}
}

// A download's bar moves by bytes while a version is installed, and the
// line says how far the install is: a 295 MiB toolchain is one version.
func TestDownloadProgressByBytes(t *testing.T) {
	m := newTestModel(t, 120, 30)
	tk := &task{under: map[string]string{}, dlTotal: 2}
	m.busy = busy{kind: busyTask, task: tk}
	target := "golang.org/toolchain@v0.0.1-go1.26.0.linux-amd64"
	tk.event(actions.DownloadEvent{Target: target, Step: actions.StepFetching})
	before := ansi.Strip(m.taskLine())
	tk.event(actions.DownloadEvent{Target: target, Step: actions.StepInstalling, Bytes: 150 << 20, Total: 300 << 20})
	line := ansi.Strip(m.taskLine())
	if !strings.Contains(line, "installing 150 MiB/300 MiB") {
		t.Errorf("task line %q does not say how far the install is", line)
	}
	if want := ansi.Strip(m.bar(0.25)); !strings.Contains(line, want) || strings.Contains(before, want) {
		t.Errorf("bar before %q, during %q; want it at a quarter during the install (%q)", before, line, want)
	}
	tk.event(actions.DownloadEvent{Target: target, Step: actions.StepDone})
	if tk.installed[target] != [2]int64{} {
		t.Error("a finished version still counts as installing")
	}
}
