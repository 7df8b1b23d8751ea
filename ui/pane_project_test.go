package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// replaceModel is a project with `replace example.com/a => example.com/b
// v1.0.0`, b cached metadata-only, c whole, and a local directory with
// its go.mod.
func replaceModel(t *testing.T, w, h int) *Model {
	t.Helper()
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	c.AddMetadata(cachetest.Mod("example.com/b", "v1.0.0"))
	c.Add(cachetest.Mod("example.com/c", "v1.0.0"))
	proj := t.TempDir()
	local := filepath.Join(proj, "local")
	for path, text := range map[string]string{
		filepath.Join(proj, "go.mod"): "module example.com/proj\n\ngo 1.22\n\nrequire (\n\texample.com/a v1.0.0\n\texample.com/c v1.0.0\n\texample.com/d v1.0.0\n)\n\n" +
			"replace example.com/a => example.com/b v1.0.0\n\nreplace example.com/d => ./local\n",
		filepath.Join(local, "go.mod"): "module example.com/d\n",
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	opts := cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache, ProjectDir: proj}
	snap, err := cachescan.NewScanner().Scan(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	// The tests look at the view; the offline check is not theirs.
	m := New(t.Context(), opts, snap)
	m.c.readOnly = false
	send(m, tea.WindowSizeMsg{Width: w, Height: h})
	m.view = viewProject
	m.layout()
	return m
}

func TestProjectWarnsOfAMetadataOnlyReplaceTarget(t *testing.T) {
	m := replaceModel(t, 100, 40)
	s := screen(m)
	var targetMark, localMark string
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.Contains(l, "example.com/a") && strings.Contains(l, "─ ") && i+1 < len(lines) {
			targetMark = strings.TrimSpace(strings.TrimLeft(lines[i+1], " │"))
		}
		if strings.Contains(l, "example.com/d") && strings.Contains(l, "─ ") && i+1 < len(lines) {
			localMark = strings.TrimSpace(strings.TrimLeft(lines[i+1], " │"))
		}
	}
	if !strings.HasPrefix(targetMark, "! only .mod cached: an offline build that needs its packages fails;") ||
		!strings.Contains(s, "w re-downloads its code") {
		t.Errorf("the metadata-only target's row is %q:\n%s", targetMark, s)
	}
	if strings.Contains(targetMark, "✓") {
		t.Errorf("a metadata-only replace target has a tick:\n%s", s)
	}
	if !strings.HasPrefix(localMark, "✓ local directory") {
		t.Errorf("a local directory with its go.mod lost its tick: %q", localMark)
	}
}

func TestProjectRedownloadsAReplaceTarget(t *testing.T) {
	m := replaceModel(t, 100, 40)
	// Down to the replace directive of example.com/a: the three requires
	// come first.
	for i := 0; i < 10 && (m.project.selected() == nil || m.project.selected().target != "example.com/b@v1.0.0"); i++ {
		send(m, press("j")...)
	}
	if it := m.project.selected(); it == nil || it.target != "example.com/b@v1.0.0" {
		t.Fatalf("no row selects the replace target: %+v", m.project.items)
	}
	if !strings.Contains(screen(m), "re-download") {
		t.Errorf("the help line does not offer w:\n%s", screen(m))
	}
	send(m, press("w")...)
	d, ok := m.top().(*confirmDialog)
	if !ok {
		t.Fatalf("w on the replace target opened %T (status %q)", m.top(), m.status)
	}
	if got := d.job.chosen(); len(got) != 1 || got[0] != "example.com/b@v1.0.0" || d.job.choices[0].state != cachescan.StateMetadata {
		t.Errorf("the download offers %v (%+v)", got, d.job.choices)
	}
	send(m, press("n")...)
	// The local directory's row says there is nothing to download.
	send(m, press("j")...)
	send(m, press("w")...)
	if m.top() != nil || !strings.Contains(m.status, "a local directory") {
		t.Errorf("w on a local replacement: %T, %q", m.top(), m.status)
	}
}
