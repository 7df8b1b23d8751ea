package ui

import (
	"context"
	"maps"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	_ "gocloud.dev/blob/fileblob"

	"modscope/actions/store"
	"modscope/actions/store/storetest"
	"modscope/cachescan"
	"modscope/cachescan/cachetest"
	"modscope/report"
)

// storeFixture is a file:// store with real zips and one damaged version,
// as main would hand it to the TUI: a Store whose Load lists and scans it.
func storeFixture(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	url := storetest.ProxyStore(t, dir)
	return &Store{URL: url, Load: func(ctx context.Context) (StoreListing, error) {
		s, err := store.Open(ctx, url, store.LayoutUnknown)
		if err != nil {
			return StoreListing{}, err
		}
		defer s.Close()
		inv, err := s.List(ctx, cachetest.Now())
		if err != nil {
			return StoreListing{}, err
		}
		rep, err := store.Scan(ctx, s, inv, store.ScanOptions{})
		if err != nil {
			return StoreListing{}, err
		}
		return StoreListing{Snap: store.Snapshot(rep, cachetest.Now()), Layout: s.Layout.String()}, nil
	}}, dir
}

// storeModel starts the TUI on st as Run does and runs its first listing.
func storeModel(t *testing.T, st *Store, w, h int) *Model {
	t.Helper()
	m := New(context.Background(), cachescan.Options{Clock: cachetest.Clock()}, nil)
	m.browseStore(st)
	send(m, tea.WindowSizeMsg{Width: w, Height: h})
	if !strings.Contains(screen(m), "Listing the store") {
		t.Errorf("before the listing the screen does not say it lists:\n%s", screen(m))
	}
	drive(m, m.Init())
	if !m.ready() {
		t.Fatalf("the store's listing did not arrive: err %v\n%s", m.err, screen(m))
	}
	return m
}

func TestStoreModulesAndProblems(t *testing.T) {
	st, _ := storeFixture(t)
	m := storeModel(t, st, 120, 40)
	hit(m, "enter") // into example.com/
	out := screen(m)
	snap := m.c.snap
	for _, mod := range []string{"example.com/good", "example.com/other", "example.com/broken", "example.com/meta"} {
		mm := snap.ModCache.Find(mod)
		if mm == nil {
			t.Fatalf("%s not in the snapshot", mod)
		}
		if !strings.Contains(out, strings.TrimPrefix(mod, "example.com/")) || !strings.Contains(out, report.HumanBytes(mm.Size.Bytes)) {
			t.Errorf("the Modules view lacks %s with %s:\n%s", mod, report.HumanBytes(mm.Size.Bytes), out)
		}
	}
	title := ansi.Strip(m.titleLine())
	if !strings.Contains(title, "store file://") || !strings.Contains(title, "(proxy)") || strings.Contains(title, "GOCACHE") {
		t.Errorf("title %q: want the store's URL and layout, no GOCACHE", title)
	}
	tabs := ansi.Strip(m.tabLine())
	if strings.Contains(tabs, "Build") || strings.Contains(tabs, "Project") || !strings.Contains(tabs, "Problems (1)") {
		t.Errorf("tabs %q: want Modules and Problems (1) only", tabs)
	}
	hit(m, "4")
	out = screen(m)
	if m.view != viewProblems || !strings.Contains(out, cachescan.KindStoreMissingFile) || !strings.Contains(out, "example.com/broken") {
		t.Errorf("the Problems view does not show the damaged version:\n%s", out)
	}
	// The views a store has not are skipped by tab and refused by key.
	hit(m, "tab")
	if m.view != viewModules {
		t.Errorf("tab from Problems went to view %d, want Modules", m.view)
	}
	hit(m, "shift+tab")
	if m.view != viewProblems {
		t.Errorf("shift+tab from Modules went to view %d, want Problems", m.view)
	}
	for _, k := range []string{"2", "3"} {
		hit(m, k)
		if m.view != viewProblems || !strings.Contains(m.status, "no build cache and no project") {
			t.Errorf("%s: view %d, status %q", k, m.view, m.status)
		}
	}
	// The damaged version has the error marker on its row.
	hit(m, "1")
	if n := m.mods.tree.byVersion["example.com/broken@v1.0.0"]; n == nil {
		t.Error("the damaged version has no row")
	} else {
		m.mods.b.reveal(n)
		out := screen(m)
		if !strings.Contains(out, "✗     409 B") || !strings.Contains(out, "state damaged") || !strings.Contains(out, "download example.com/broken/@v") {
			t.Errorf("the damaged version's row has no marker, or its details no state and keys:\n%s", out)
		}
		if strings.Contains(out, "d purge") {
			t.Errorf("the help line offers a purge on a store:\n%s", out)
		}
	}
}

func TestStoreRefusesEveryAction(t *testing.T) {
	st, dir := storeFixture(t)
	before := storetest.Files(t, dir)
	m := storeModel(t, st, 100, 30)
	selectVersion(t, m, "example.com/good@v1.0.0")
	hit(m, "space")
	for _, k := range []string{"d", "D", "w", "R", "v", "V", "o", "A"} {
		_, cmd := m.Update(press(k)[0])
		drive(m, cmd)
		if m.top() != nil || m.status != storeReadOnly || m.busy.kind != idle {
			t.Errorf("%s on a store: modal %T, busy %d, status %q", k, m.top(), m.busy.kind, m.status)
		}
		if !strings.Contains(screen(m), "modscope store gc") {
			t.Errorf("%s: the footer does not say what to run instead:\n%s", k, screen(m))
		}
	}
	hit(m, "4")
	hit(m, "d")
	if m.top() != nil || m.status != storeReadOnly {
		t.Errorf("d on a store's problem: modal %T, status %q", m.top(), m.status)
	}
	// r lists the store again.
	hit(m, "r")
	if !m.ready() || m.busy.kind != idle || m.c.snap.ModCache.Find("example.com/good") == nil {
		t.Errorf("r on a store: busy %d, ready %v", m.busy.kind, m.ready())
	}
	if after := storetest.Files(t, dir); !maps.Equal(before, after) {
		t.Error("browsing the store changed its files")
	}
}

func TestStoreListingFails(t *testing.T) {
	st := &Store{URL: "s3://team-bucket", Load: func(context.Context) (StoreListing, error) {
		return StoreListing{}, context.DeadlineExceeded
	}}
	m := New(context.Background(), cachescan.Options{}, nil)
	m.browseStore(st)
	send(m, tea.WindowSizeMsg{Width: 100, Height: 20})
	drive(m, m.Init())
	if out := screen(m); !strings.Contains(out, "check the URL and the credentials") || strings.Contains(out, "--modcache") {
		t.Errorf("a failed listing:\n%s", out)
	}
}

func TestGoldenStoreView(t *testing.T) {
	st, _ := storeFixture(t)
	load := st.Load
	// The golden shows one URL, wherever the test's temporary
	// directory is.
	st.Load = func(ctx context.Context) (StoreListing, error) {
		l, err := load(ctx)
		if l.Snap != nil {
			l.Snap.ModCache.Root = "file:///srv/goproxy"
		}
		return l, err
	}
	for _, v := range []struct {
		name string
		keys []string
	}{{"modules", []string{"enter"}}, {"problems", []string{"4"}}} {
		t.Run(v.name, func(t *testing.T) {
			m := storeModel(t, st, 100, 24)
			send(m, press(v.keys...)...)
			golden.RequireEqual(t, screen(m))
		})
	}
}

// TestStoreFramesFit: a store's frames, with its longer title, fit every
// size the caches' do.
func TestStoreFramesFit(t *testing.T) {
	st, _ := storeFixture(t)
	for _, size := range [][2]int{{60, 15}, {80, 24}, {120, 40}} {
		m := storeModel(t, st, size[0], size[1])
		for _, keys := range [][]string{{}, {"enter", "j", "enter"}, {"2"}, {"4", "j"}, {"d"}, {"?"}} {
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

// TestStorePartialListing: a listing that stopped at its key limit says so
// in the header, and says it again after r if it still does.
func TestStorePartialListing(t *testing.T) {
	st, _ := storeFixture(t)
	whole := st.Load
	partial := true
	st.Load = func(ctx context.Context) (StoreListing, error) {
		l, err := whole(ctx)
		if partial {
			l.Partial = "the first 5,000,000 objects (give a prefix in the URL)"
		}
		return l, err
	}
	m := storeModel(t, st, 160, 30)
	if head := strings.Split(screen(m), "\n")[0]; !strings.Contains(head, "partial: the first 5,000,000 objects") {
		t.Errorf("the header of a partial listing:\n%s", head)
	}
	partial = false
	hit(m, "r")
	drive(m, nil)
	if head := strings.Split(screen(m), "\n")[0]; strings.Contains(head, "partial") {
		t.Errorf("after a whole listing the header still says partial:\n%s", head)
	}
}
