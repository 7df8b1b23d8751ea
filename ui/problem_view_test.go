package ui

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

func TestFixCommand(t *testing.T) {
	for _, c := range []struct {
		fix, want string
		command   bool
	}{
		{"rm /a/b  (the go command rebuilds it)", "rm /a/b", true},
		{"rm '/a  (b)'", "rm '/a  (b)'", true},
		{"rm '/a  (b)'  (while no go command runs)", "rm '/a  (b)'", true},
		{"touch /m/x.partial && rm -rf /m/x; (cd / && GOFLAGS= GOTOOLCHAIN=local go mod download x@v1.0.0)",
			"touch /m/x.partial && rm -rf /m/x; (cd / && GOFLAGS= GOTOOLCHAIN=local go mod download x@v1.0.0)", true},
		{"look at it, then chmod -R u+w /x && rm -r /x  (by hand)", "chmod -R u+w /x && rm -r /x", true},
		{"any go build that needs x@v1 re-extracts it from the zip, offline; or (cd / && go mod download x@v1)", "(cd / && go mod download x@v1)", true},
		{"first remove '/x' by hand (a link), then run modscope scan again: the fix goes through it",
			"first remove '/x' by hand (a link), then run modscope scan again: the fix goes through it", false},
		// Unprintable bytes inside quotes and out.
		{"rm '/a\x1b[31mb'  (note)", `rm '/a'$'\x1b''[31mb'`, true},
		{"rm '/a\u202eb' /c\x07", `rm '/a'$'\xe2\x80\xae''b' /c$'\x07'`, true},
		{"rm '/it'\\''s\x00'", `rm '/it'\''s'$'\x00'''`, true},
	} {
		got, command := fixCommand(c.fix)
		if got != c.want || command != c.command {
			t.Errorf("fixCommand(%q) = %q, %v; want %q, %v", c.fix, got, command, c.want, c.command)
		}
		if cachescan.Printable(got) != got {
			t.Errorf("fixCommand(%q) = %q: not printable", c.fix, got)
		}
	}
}

// clipboard returns what a command sets the clipboard to, if it does.
func clipboard(t *testing.T, cmd tea.Cmd) (string, bool) {
	t.Helper()
	if cmd == nil {
		return "", false
	}
	msg := cmd()
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.String || !strings.HasSuffix(reflect.TypeOf(msg).Name(), "setClipboardMsg") {
		return "", false
	}
	return v.String(), true
}

// keyCmd presses one key and returns its command.
func keyCmd(m *Model, k string) tea.Cmd {
	_, cmd := m.Update(press(k)[0])
	return cmd
}

func TestProblemInFullAndCopy(t *testing.T) {
	m := newTestModel(t, 80, 24)
	send(m, press("4", "j")...)
	pr := m.probs.selected()
	if pr == nil || pr.Kind != cachescan.KindZipHashInvalid {
		t.Fatalf("selected %+v", pr)
	}
	send(m, press("enter")...)
	v, ok := m.top().(*problemView)
	if !ok {
		t.Fatalf("enter on a problem opened %T", m.top())
	}
	s := screen(m)
	// The fix is on one line, cut with "…" on screen.
	var fixLines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "  fix  ") {
			fixLines = append(fixLines, l)
		}
	}
	if len(fixLines) != 1 || !strings.HasPrefix(fixLines[0], "  fix  touch /cache/mod/cache/download/example.com/badhash/@v/v1.1.0.partial") ||
		!strings.HasSuffix(fixLines[0], "…") || strings.Contains(s, "\n/cache/mod") {
		t.Fatalf("the fix is not one cut line:\n%s", s)
	}
	if !strings.Contains(s, "c copy the fix") {
		t.Errorf("the footer does not offer c:\n%s", s)
	}
	want, _ := fixCommand(pr.Fix)
	got, ok := clipboard(t, keyCmd(m, "c"))
	if !ok || got != want {
		t.Fatalf("c set the clipboard to %q (%v), want %q", got, ok, want)
	}
	if !strings.HasPrefix(m.status, "copied: touch /cache/mod/") || !strings.Contains(screen(m), "copied: touch") {
		t.Errorf("status %q", m.status)
	}
	// → scrolls the long lines; the start is then cut with "…" too.
	send(m, press("l")...)
	if v.x == 0 || !strings.Contains(screen(m), "  fix  …") {
		t.Errorf("l did not scroll sideways (x %d):\n%s", v.x, screen(m))
	}
	send(m, press("?")...)
	if !showsHelp(m) || !strings.Contains(screen(m), "copy every fix") {
		t.Errorf("? in the full view:\n%s", screen(m))
	}
	send(m, press("x", "esc")...)
	if m.top() != nil || m.view != viewProblems {
		t.Errorf("esc did not go back to the list: %T, view %d", m.top(), m.view)
	}
	// l and → still show the entry in Modules.
	send(m, press("l")...)
	if m.view != viewModules {
		t.Errorf("l in Problems: view %d", m.view)
	}
}

func TestFixesOfAModulesRow(t *testing.T) {
	m := newTestModel(t, 160, 50) // the details pane beside the list
	selectVersion(t, m, "example.com/badhash@v1.1.0")
	probs := nodeProblems(m.mods.b.selected())
	if len(probs) < 2 {
		t.Fatalf("the fixture's badhash@v1.1.0 has %d problems", len(probs))
	}
	if !strings.Contains(screen(m), "f: the fix in full") {
		t.Errorf("the details pane does not say where the whole fix is:\n%s", screen(m))
	}
	send(m, press("f")...)
	if _, ok := m.top().(*problemView); !ok {
		t.Fatalf("f on a row with problems opened %T", m.top())
	}
	var want []string
	for _, pr := range probs {
		c, _ := fixCommand(pr.Fix)
		want = append(want, c)
	}
	got, ok := clipboard(t, keyCmd(m, "C"))
	if !ok || got != strings.Join(want, "\n") {
		t.Fatalf("C copied %q, want %q", got, strings.Join(want, "\n"))
	}
	if !strings.HasPrefix(m.status, "copied all 2 fixes, one a line") {
		t.Errorf("status after C: %q", m.status)
	}
	send(m, press("j")...)
	got, _ = clipboard(t, keyCmd(m, "c"))
	if got != want[1] || !strings.HasPrefix(m.status, "copied the fix of problem 2 of 2") {
		t.Errorf("c on the second problem copied %q, status %q", got, m.status)
	}
	// A row without problems says where f works.
	send(m, press("esc")...)
	for key, n := range m.mods.tree.byVersion {
		if len(nodeProblems(n)) == 0 && n.sev == [3]int{} {
			selectVersion(t, m, key)
			break
		}
	}
	send(m, press("f")...)
	if m.top() != nil || !strings.Contains(m.status, "no problem here") {
		t.Errorf("f on a healthy row: %T, %q", m.top(), m.status)
	}
}

// TestCopiedFixOfAnUntrustedPath: a cache under a directory whose name
// holds a space, an escape sequence and a bidi override. The copied
// command holds none of them raw, and a shell reads the very path back.
func TestCopiedFixOfAnUntrustedPath(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to read the command back")
	}
	root := filepath.Join(t.TempDir(), "my cache\x1b]52;c;ZXZpbA==\a\u202e")
	c := cachetest.NewAt(t, root)
	// A zip without its ziphash: the fix removes the version by path.
	e := c.Add(cachetest.Mod("example.com/nohash", "v1.0.0"))
	cachetest.Writable(e.DL, func() {
		if err := os.Remove(e.ZipHash); err != nil {
			t.Fatal(err)
		}
	})
	opts := cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache}
	snap, err := cachescan.NewScanner().Scan(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m := New(t.Context(), opts, snap)
	send(m, tea.WindowSizeMsg{Width: 100, Height: 30})
	send(m, press("4", "enter")...)
	got, ok := clipboard(t, keyCmd(m, "c"))
	if !ok {
		t.Fatal("c copied nothing")
	}
	if cachescan.Printable(got) != got || cachescan.Printable(m.status) != m.status {
		t.Fatalf("the copied command holds unprintable characters: %q", got)
	}
	// touch 'PATH' && …: the first word after touch is the .partial.
	first, _, _ := strings.Cut(strings.TrimPrefix(got, "touch "), " && ")
	out, err := exec.Command(bash, "-c", "printf '%s' "+first).Output()
	if err != nil {
		t.Fatalf("bash could not read %q (of %q): %v", first, got, err)
	}
	if string(out) != e.Partial {
		t.Errorf("bash reads %q, want %q", out, e.Partial)
	}
}
