package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// modulesFixture is a cache laid out as a real one is: k8s.io/api and
// k8s.io/apimachinery, golang.org/x/mod, a single-child chain
// github.com/foo/bar, a chain that forks (example.org/x/{a,b}) and a
// toolchain; every version has its .mod, .info, .zip and .lock files.
func modulesFixture(c *cachetest.Cache) {
	for _, m := range []cachetest.Module{
		cachetest.Mod("k8s.io/api", "v0.29.0"),
		cachetest.Mod("k8s.io/api", "v0.29.1"),
		cachetest.Mod("k8s.io/apimachinery", "v0.29.0"),
		cachetest.Mod("golang.org/x/mod", "v0.14.0"),
		cachetest.Mod("github.com/foo/bar", "v1.0.0"),
		cachetest.Mod("example.org/x/a", "v1.0.0"),
		cachetest.Mod("example.org/x/b", "v1.0.0"),
	} {
		c.Add(m)
	}
	c.AddToolchain("go1.22.0", "linux", "amd64")
}

// browseModel scans what fill made, with uniform sizes, into a model.
func browseModel(t *testing.T, w, h int, fill func(c *cachetest.Cache)) *Model {
	t.Helper()
	c := cachetest.New(t)
	fill(c)
	opts := cachescan.Options{Clock: cachetest.Clock(), UniformSizes: true, ModCache: c.ModCache, BuildCache: c.BuildCache,
		Env: cachescan.Env{GOVERSION: "go1.26.0", GOPROXY: "off", GOSUMDB: "off", GOCACHE: t.TempDir()}}
	snap, err := cachescan.NewScanner().Scan(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), opts, snap)
	send(m, tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// shownVersionNodes lists the version nodes the filter shows.
func shownVersionNodes(b *browser) []string {
	var out []string
	for n := range b.visible {
		if n.kind == kindVersion {
			out = append(out, n.path)
		}
	}
	return out
}

// TestFilterMatchesPathsAndVersions: the filter matches module paths and
// path@version, case-insensitively, across path elements; never the
// names of download files (.mod, .zip, .lock); the context line counts
// the versions shown, and so do the rows.
func TestFilterMatchesPathsAndVersions(t *testing.T) {
	m := browseModel(t, 120, 40, modulesFixture)
	b := &m.mods.b
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"mod", 1},         // golang.org/x/mod, not every .mod file
		{"zip", 0},         // no module path holds zip; every .zip did
		{"k", 3},           // the k8s.io modules, not every .lock
		{"k8s.io/api", 3},  // across path elements: api and apimachinery
		{"k8s.io/api@", 2}, // k8s.io/api's versions only
		{"k8s.io/api@v0.29.1", 1},
		{"K8S.IO/API@V0.29.1", 1}, // case-insensitive
		{"go1.22", 1},             // the toolchain's version
		{"lock", 0},
		{"info", 0},
	} {
		b.setFilter(tc.query)
		if b.shownVersions != tc.want || len(shownVersionNodes(b)) != tc.want {
			t.Errorf("/%s: counts %d versions, shows %v; want %d", tc.query, b.shownVersions, shownVersionNodes(b), tc.want)
		}
		want := "1 version"
		if tc.want != 1 {
			want = itoa(tc.want) + " versions"
		}
		if ctx := ansi.Strip(m.contextLine()); !strings.Contains(ctx, `filter "`+tc.query+`": `+want) {
			t.Errorf("/%s: context line %q does not say %s", tc.query, ctx, want)
		}
		// The rows' counts sum to what the line says.
		sum := 0
		for _, r := range b.rows {
			sum += b.totals(r).versions
		}
		if sum != tc.want {
			t.Errorf("/%s: the root's rows count %d versions, want %d", tc.query, sum, tc.want)
		}
	}
	// Under /zip no toolchain row is shown that d would purge, and the
	// root counts nothing.
	b.setFilter("zip")
	if len(b.rows) != 0 || b.size(b.cur) != 0 {
		t.Errorf("/zip shows rows: %v, %d bytes", names(b.rows), b.size(b.cur))
	}
	hit(m, "d")
	if m.top() != nil {
		t.Errorf("d under /zip opened %T", m.top())
	}
}

// TestFilterSizesAreWhatIsShown: a row shown for a match below it counts
// the match's size and versions, and d, v and w on it take only those.
func TestFilterSizesAreWhatIsShown(t *testing.T) {
	m := browseModel(t, 120, 40, modulesFixture)
	b := &m.mods.b
	tree := m.mods.tree
	b.setFilter("k8s.io/api@v0.29.1")
	want := tree.byVersion["k8s.io/api@v0.29.1"]
	if len(b.rows) != 1 {
		t.Fatalf("rows at the root: %v", names(b.rows))
	}
	row := b.rows[0] // k8s.io
	if got := b.totals(row); got.versions != 1 || got.size != want.size {
		t.Errorf("the k8s.io row counts %d versions, %d bytes; want 1 and %d", got.versions, got.size.Bytes, want.size.Bytes)
	}
	if txt := ansi.Strip(b.view(m.c.styles, 120)); !strings.Contains(txt, "1 version k8s.io/") {
		t.Errorf("the row does not say 1 version:\n%s", txt)
	}
	// v takes the version shown.
	m.Update(press("v")[0])
	if m.busy.kind != busyVerify || strings.Join(m.busy.ver.patterns, " ") != "=k8s.io/api@v0.29.1" {
		t.Fatalf("v verifies %v", m.busy.ver)
	}
	m.busy = busy{}
	// w offers it alone.
	hit(m, "w")
	d, ok := m.top().(*confirmDialog)
	if !ok || len(d.job.choices) != 1 || d.job.choices[0].target != "k8s.io/api@v0.29.1" {
		t.Fatalf("w offers %+v", m.top())
	}
	m.stack = nil
	// d plans it alone.
	hit(m, "d")
	d, ok = m.top().(*confirmDialog)
	if !ok {
		t.Fatalf("d opened no dialog: %q", m.status)
	}
	if got := d.job.plan.Versions(); got != 1 || d.job.plan.Items[0].Module != "k8s.io/api" || d.job.plan.Items[0].Version != "v0.29.1" {
		t.Errorf("d plans %d versions: %+v", got, d.job.plan.Items)
	}
	m.stack = nil
	// The toolchain under a filter that shows one of its versions.
	b.setFilter("go1.22")
	if len(b.rows) != 1 || b.rows[0].name != "Go toolchains" || b.totals(b.rows[0]).versions != 1 {
		t.Fatalf("/go1.22: rows %v", names(b.rows))
	}
	hit(m, "d")
	if d, ok := m.top().(*confirmDialog); !ok || d.job.plan.Versions() != 1 {
		t.Errorf("d on the toolchains under /go1.22: %+v, status %q", m.top(), m.status)
	}
}

// TestCollapsedChains: github.com > foo > bar, one child each, is one
// row; a chain that forks stops where it forks; open and back move over
// the whole chain and the breadcrumb names every element.
func TestCollapsedChains(t *testing.T) {
	m := browseModel(t, 120, 40, modulesFixture)
	b := &m.mods.b
	got := strings.Join(names(b.rows), " ")
	for _, want := range []string{"github.com/foo/bar", "golang.org/x/mod", "example.org/x", "k8s.io"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") {
			t.Errorf("root rows %q lack %q", got, want)
		}
	}
	bar := m.mods.tree.byKey["github.com/foo/bar"]
	if bar == nil || bar.parent != m.mods.tree.root || m.mods.tree.byKey["github.com/foo"] != nil {
		t.Fatalf("github.com/foo/bar is not a root row")
	}
	b.selectNode(bar)
	hit(m, "enter")
	if b.cur != bar || b.rows[0].name != "v1.0.0" {
		t.Fatalf("enter: at %q, rows %v", b.cur.path, names(b.rows))
	}
	if ctx := ansi.Strip(m.contextLine()); !strings.HasPrefix(ctx, "/github.com/foo/bar ") {
		t.Errorf("breadcrumb %q", ctx)
	}
	hit(m, "h")
	if b.cur != m.mods.tree.root || b.selected() != bar {
		t.Errorf("h: at %q on %v", b.cur.path, b.selected())
	}
	x := m.mods.tree.byKey["example.org/x"]
	b.selectNode(x)
	hit(m, "enter")
	if got := names(b.rows); len(got) != 2 || got[0] != "a" && got[1] != "a" {
		t.Errorf("example.org/x rows %v", got)
	}
	if ctx := ansi.Strip(m.contextLine()); !strings.HasPrefix(ctx, "/example.org/x ") {
		t.Errorf("breadcrumb %q", ctx)
	}
}

// TestUnmarkAll: U drops every mark and says how many.
func TestUnmarkAll(t *testing.T) {
	m := browseModel(t, 120, 40, modulesFixture)
	hit(m, "space")
	hit(m, "space")
	if n, _ := m.mods.b.markedSize(); n != 2 {
		t.Fatalf("%d marked", n)
	}
	hit(m, "U")
	if n, _ := m.mods.b.markedSize(); n != 0 || m.status != "2 marks dropped" {
		t.Errorf("after U: %d marked, status %q", n, m.status)
	}
	hit(m, "j") // the status goes with the next key
	if !strings.Contains(ansi.Strip(m.render()), "U unmark all") {
		t.Error("the help line does not name U")
	}
}

// barOf is the bar of the row that names name.
func barOf(t *testing.T, view, name string) string {
	t.Helper()
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, " "+name) {
			i, j := strings.Index(l, "["), strings.Index(l, "]")
			return l[i+1 : j]
		}
	}
	t.Fatalf("no row %q in\n%s", name, view)
	return ""
}

// TestBarsScaleToTheLargestRow: the largest row's bar is full, as in
// ncdu; b scales them to the parent again.
func TestBarsScaleToTheLargestRow(t *testing.T) {
	m := browseModel(t, 120, 40, modulesFixture)
	b := &m.mods.b
	top := b.rows[0] // by size, largest first
	if share := float64(b.size(top)) / float64(b.size(b.cur)); share > 0.9 {
		t.Fatalf("the fixture's largest row holds %.0f%%", share*100)
	}
	if bar := barOf(t, ansi.Strip(b.view(m.c.styles, 120)), top.name); bar != strings.Repeat("█", 10) {
		t.Errorf("the largest row's bar %q is not full", bar)
	}
	hit(m, "b")
	if bar := barOf(t, ansi.Strip(b.view(m.c.styles, 120)), top.name); bar == strings.Repeat("█", 10) || !strings.Contains(m.status, "parent") {
		t.Errorf("after b the bar %q is still full; status %q", bar, m.status)
	}
}

// TestSortArrowsMeanOneThing: ↓ is largest first for every key (z
// before a, the newest first); the same key again reverses.
func TestSortArrowsMeanOneThing(t *testing.T) {
	m := browseModel(t, 120, 40, modulesFixture)
	b := &m.mods.b
	ctx := func() string { return ansi.Strip(m.contextLine()) }
	for _, tc := range []struct {
		key, want string
		first     func() bool
	}{
		{"", "size ↓", func() bool { return b.size(b.rows[0]) >= b.size(b.rows[len(b.rows)-1]) }},
		{"s", "size ↑", func() bool { return b.size(b.rows[0]) <= b.size(b.rows[len(b.rows)-1]) }},
		{"s", "size ↓", func() bool { return b.size(b.rows[0]) >= b.size(b.rows[len(b.rows)-1]) }},
		{"n", "name ↑", func() bool { return b.rows[0].name < b.rows[len(b.rows)-1].name }},
		{"n", "name ↓", func() bool { return b.rows[0].name > b.rows[len(b.rows)-1].name }},
		{"c", "count ↓", func() bool { return b.totals(b.rows[0]).size.Files >= b.totals(b.rows[len(b.rows)-1]).size.Files }},
		{"m", "time ↓", func() bool { return !b.rows[0].mtime.Before(b.rows[len(b.rows)-1].mtime) }},
		{"m", "time ↑", func() bool { return !b.rows[0].mtime.After(b.rows[len(b.rows)-1].mtime) }},
	} {
		if tc.key != "" {
			hit(m, tc.key)
		}
		if !strings.Contains(ctx(), " "+tc.want+" ") || !tc.first() {
			t.Errorf("after %s: %q (want %q), rows %v", tc.key, ctx(), tc.want, names(b.rows))
		}
	}
}

// TestTimesOfToday: when every row is of the scan's day the time column
// gives the hour; mixed, the other days give the date and today's rows
// "today" with the hour. The clock is the tests' clock.
func TestTimesOfToday(t *testing.T) {
	now := cachetest.Now()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.Local)
	at := func(path string, tm time.Time) cachetest.Module {
		mod := cachetest.Mod(path, "v1.0.0")
		mod.Time = tm
		return mod
	}
	m := browseModel(t, 120, 40, func(c *cachetest.Cache) {
		c.Add(at("example.com/a", day.Add(9*time.Hour+5*time.Minute)))
		c.Add(at("example.com/b", day.Add(10*time.Hour+30*time.Minute)))
	})
	b := &m.mods.b
	hit(m, "enter") // example.com
	hit(m, "m")
	view := ansi.Strip(b.view(m.c.styles, 120))
	if !strings.Contains(view, " 09:05 a/") || !strings.Contains(view, " 10:30 b/") {
		t.Errorf("all of today: no hours\n%s", view)
	}
	m = browseModel(t, 120, 40, func(c *cachetest.Cache) {
		c.Add(at("example.com/a", day.Add(9*time.Hour+5*time.Minute)))
		c.Add(at("example.com/old", day.Add(-36*time.Hour)))
	})
	b = &m.mods.b
	hit(m, "enter")
	hit(m, "m")
	view = ansi.Strip(b.view(m.c.styles, 120))
	if !strings.Contains(view, "today 09:05 a/") || !strings.Contains(view, day.Add(-36*time.Hour).Format("2006-01-02")+" old/") {
		t.Errorf("mixed days:\n%s", view)
	}
}

// TestModulesLayoutGivesTheListTheRoom: at 80x24 the list has the
// whole body (i shows the details over it); at 120x40 the whole width,
// the details a few lines below.
func TestModulesLayoutGivesTheListTheRoom(t *testing.T) {
	m := browseModel(t, 80, 24, modulesFixture)
	if m.bodyWidth() != 80 || m.bodyHeight() != 24-headerLines-1 {
		t.Errorf("80x24: list %dx%d", m.bodyWidth(), m.bodyHeight())
	}
	send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	if _, below := m.detailsPlacement(); !below || m.bodyWidth() != 120 || m.bodyHeight() < 26 {
		t.Errorf("120x40: list %dx%d, details below %v", m.bodyWidth(), m.bodyHeight(), below)
	}
	send(m, tea.WindowSizeMsg{Width: 180, Height: 40})
	if right, _ := m.detailsPlacement(); !right || m.bodyWidth() < 100 {
		t.Errorf("180x40: list %d wide, details right %v", m.bodyWidth(), right)
	}
}

// TestBrowseAnExtractedTree: the tree row opens the extracted tree's
// listing, biggest first, listed in a command ("listing…" meanwhile);
// directories open and h comes back; listings are kept until the next
// scan; nothing acts on a row of a listing, and the status says why.
func TestBrowseAnExtractedTree(t *testing.T) {
	m := browseModel(t, 120, 40, func(c *cachetest.Cache) {
		mod := cachetest.Mod("example.com/big", "v1.0.0")
		mod.Files["testdata/big.bin"] = strings.Repeat("x", 64<<10)
		mod.Files["testdata/small.txt"] = "small"
		mod.Files["vendor/v.go"] = "package v\n"
		c.Add(mod)
	})
	b := &m.mods.b
	vn := m.mods.tree.byVersion["example.com/big@v1.0.0"]
	m.mods.b.reveal(vn)
	hit(m, "enter")
	var treeRow *node
	for _, r := range b.rows {
		if r.kind == kindTree {
			treeRow = r
		}
	}
	if treeRow == nil || !b.selectNode(treeRow) {
		t.Fatalf("no tree row under the version: %v", names(b.rows))
	}
	_, cmd := m.Update(press("enter")[0])
	if cmd == nil || b.cur != treeRow || len(b.rows) != 1 || b.rows[0].name != "listing…" {
		t.Fatalf("before the listing: at %q, rows %v, command %v", b.cur.path, names(b.rows), cmd != nil)
	}
	if view := ansi.Strip(m.render()); !strings.Contains(view, "listing…") || !strings.Contains(view, "read-only listing") {
		t.Errorf("the screen does not say it is listing:\n%s", view)
	}
	drive(m, cmd)
	if got := strings.Join(names(b.rows), " "); got != "testdata vendor go.mod lib.go" && got != "testdata vendor lib.go go.mod" {
		t.Fatalf("listing: %q", got)
	}
	if !strings.Contains(ansi.Strip(b.view(m.c.styles, 120)), "testdata/") {
		t.Error("a directory of the listing is not drawn as one")
	}
	// Down into testdata, and back.
	_, cmd = m.Update(press("enter")[0])
	drive(m, cmd)
	if got := strings.Join(names(b.rows), " "); got != "big.bin small.txt" {
		t.Fatalf("testdata: %q", got)
	}
	// The tree rebuilt on the same snapshot (as verify's findings do)
	// keeps the place inside the listing.
	m.refreshProblems(false, false)
	if b.cur.kind != kindEntry || b.cur.name != "testdata" || len(b.rows) != 2 {
		t.Fatalf("after the tree was rebuilt: at %q, rows %v", b.cur.path, names(b.rows))
	}
	treeRow = b.cur.parent
	hit(m, "h")
	if b.cur != treeRow || b.selected().name != "testdata" {
		t.Fatalf("h: at %q on %v", b.cur.path, b.selected())
	}
	// Read-only: d, v, w and space refuse, and say why.
	for _, k := range []string{"d", "v", "w", "space"} {
		m.status = ""
		hit(m, k)
		if m.top() != nil || m.busy.kind != idle || m.status != readOnlyListing {
			t.Errorf("%s inside a listing: %T, busy %v, status %q", k, m.top(), m.busy.kind, m.status)
		}
	}
	if len(b.marks) != 0 {
		t.Error("a row of a listing was marked")
	}
	// Kept: opening testdata again lists nothing.
	if _, cmd := m.Update(press("enter")[0]); cmd != nil {
		t.Error("a directory listed before is listed again")
	}
	hit(m, "h")
	hit(m, "h")
	b.selectNode(treeRow)
	if _, cmd := m.Update(press("enter")[0]); cmd != nil || len(b.rows) != 4 {
		t.Errorf("the tree listed before: command %v, rows %v", cmd != nil, names(b.rows))
	}
	// A rescan forgets the listings; the place is kept.
	hit(m, "r")
	if b.cur.kind != kindVersion {
		t.Fatalf("after r: at %q (%d)", b.cur.path, b.cur.kind)
	}
}

// TestModulesHelpFits: at 80x24 the help lists every key of the Modules
// view, the new ones and the last of its columns too.
func TestModulesHelpFits(t *testing.T) {
	m := browseModel(t, 80, 24, modulesFixture)
	hit(m, "?")
	view := ansi.Strip(m.render())
	for _, want := range []string{"mark / unmark all", "bars: largest row/parent", "largest/smallest first; again: reverse", "rescan", "last action's result"} {
		if !strings.Contains(view, want) {
			t.Errorf("the help at 80x24 lacks %q:\n%s", want, view)
		}
	}
}
