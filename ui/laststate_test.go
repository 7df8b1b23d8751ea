package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// lastStateOpts makes a cache, scans it and keeps the scan as the last
// known state; then a version is added behind its back.
func lastStateOpts(t *testing.T) (cachescan.Options, *cachetest.Cache) {
	t.Helper()
	c := cachetest.New(t)
	threeAndOne(map[string]*cachetest.Entry{})(c)
	opts := cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache,
		Env:   cachescan.Env{GOVERSION: "go1.26.0", GOPROXY: "off", GOSUMDB: "off", GOCACHE: t.TempDir()},
		Index: filepath.Join(t.TempDir(), "modscope", "scan-index")}
	snap, err := cachescan.NewScanner().Scan(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := cachescan.SaveLastState(opts, snap); err != nil {
		t.Fatal(err)
	}
	c.Add(cachetest.Mod("example.com/c", "v1.0.0"))
	return opts, c
}

// The first frame shows the last known state, marked as such, before the
// scan is in; d plans nothing from it; the scan's snapshot then replaces
// it in place and is kept for the next start.
func TestLastKnownStateFirst(t *testing.T) {
	opts, _ := lastStateOpts(t)
	m := New(context.Background(), opts, nil)
	m.useLastState()
	send(m, tea.WindowSizeMsg{Width: 100, Height: 30})
	if !m.ready() || m.mods.tree.byVersion["example.com/a@v1.0.0"] == nil {
		t.Fatal("the first frame does not show the last known modules")
	}
	if m.mods.tree.byVersion["example.com/c@v1.0.0"] != nil {
		t.Fatal("the last known state shows a version added after it")
	}
	if v := screen(m); !strings.Contains(v, "last known state from") || !strings.Contains(v, "refreshing") {
		t.Errorf("the first frame does not say it is the last known state:\n%s", v)
	}
	selectVersion(t, m, "example.com/a@v1.0.0")
	hit(m, "space")
	hit(m, "d")
	if _, ok := m.top().(*confirmDialog); ok || m.busy.kind != busyScan || m.status != lastStateWhy {
		t.Fatalf("d from the last known state: dialog %T, busy %d, status %q", m.top(), m.busy.kind, m.status)
	}
	for _, k := range []string{"V", "A", "w"} {
		m.status = ""
		hit(m, k)
		if m.busy.kind != busyScan || m.found.auditing {
			t.Errorf("%s started something from the last known state: busy %d", k, m.busy.kind)
		}
	}

	at := m.mods.b.selected().path
	drive(m, m.Init())
	if m.busy.kind != idle || m.showingLast() {
		t.Fatalf("the scan's snapshot did not replace the last known state: busy %d", m.busy.kind)
	}
	if m.mods.tree.byVersion["example.com/c@v1.0.0"] == nil {
		t.Error("the fresh snapshot is not shown")
	}
	if s := m.mods.b.selected(); s == nil || s.path != at {
		t.Errorf("the selection moved: %+v", s)
	}
	if v := screen(m); strings.Contains(v, "last known state") {
		t.Errorf("the fresh frame still says last known state:\n%s", v)
	}
	hit(m, "d")
	if _, ok := m.top().(*confirmDialog); !ok {
		t.Fatalf("d from the fresh snapshot planned nothing: status %q", m.status)
	}
	kept, err := cachescan.LoadLastState(opts)
	if err != nil || kept.ModCache.Find("example.com/c") == nil {
		t.Errorf("the fresh snapshot was not kept as the last state: %v", err)
	}
}

// A corrupt last state is ignored: the scan's own frame shows.
func TestLastKnownStateCorruptIgnored(t *testing.T) {
	opts, _ := lastStateOpts(t)
	path := cachescan.LastStatePath(opts.Index)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/3] ^= 1
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), opts, nil)
	m.useLastState()
	send(m, tea.WindowSizeMsg{Width: 100, Height: 30})
	if m.ready() || m.showingLast() || !strings.Contains(screen(m), "Scanning") {
		t.Errorf("a corrupt last state was shown:\n%s", screen(m))
	}
}

// A failed scan drops the last known state: nothing is done from it.
func TestLastKnownStateDroppedOnScanError(t *testing.T) {
	opts, _ := lastStateOpts(t)
	m := New(context.Background(), opts, nil)
	m.useLastState()
	m.Update(scanDoneMsg{err: os.ErrPermission})
	if m.ready() || m.showingLast() {
		t.Error("the last known state stayed after the scan failed")
	}
}
