package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestVerifySaysWhatItSkipped: a build output written half a minute
// before the (injected) clock is left unhashed, and the status line, the
// Build view and the result L shows say so; an older one is hashed.
func TestVerifySaysWhatItSkipped(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/fine", "v1.0.0"))
	c.AddBuildEntry("old", []byte("built two days ago\n"), cachetest.Written())
	c.AddBuildEntry("new", []byte("built just now\n"), cachetest.Now().Add(-30*time.Second))
	opts := cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache}
	snap, err := cachescan.NewScanner().Scan(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m := New(t.Context(), opts, snap)
	send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	_, cmd := m.Update(press("V")[0])
	runCmd(m, cmd)
	const want = "skipped 1 build output written in the last 2 minutes (a build may still be writing it); run verify again later to check it"
	if !strings.Contains(m.status, "1 build output (") || !strings.Contains(m.status, want) {
		t.Errorf("status after V: %q", m.status)
	}
	send(m, press("2")...)
	if s := strings.Join(strings.Fields(screen(m)), " "); !strings.Contains(s, "Last verify: "+want) {
		t.Errorf("the Build view does not say what verify skipped:\n%s", screen(m))
	}
	send(m, press("L")...)
	if d, ok := m.top().(*infoDialog); !ok || !strings.Contains(strings.Join(d.lines, "\n"), want) {
		t.Errorf("the verify's result does not say what it skipped:\n%s", screen(m))
	}
	// A verify that skips nothing says nothing of it, there either.
	send(m, press("esc")...)
	opts.Clock = cachescan.Fixed(cachetest.Now().Add(time.Hour))
	later, err := cachescan.NewScanner().Scan(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m2 := New(t.Context(), opts, later)
	send(m2, tea.WindowSizeMsg{Width: 120, Height: 40})
	_, cmd = m2.Update(press("V")[0])
	runCmd(m2, cmd)
	send(m2, press("2")...)
	if strings.Contains(m2.status, "skipped") || strings.Contains(screen(m2), "Last verify") {
		t.Errorf("an hour later, verify still says it skipped: %q\n%s", m2.status, screen(m2))
	}
}
