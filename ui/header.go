package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"modscope/cachescan"
	"modscope/report"
)

// titleLine shows both roots with their totals. When the line is too
// long it gives way by priority, and never cuts a number: the paths lose
// their leading elements (the last one stays), then "freed so far" becomes
// "freed", then the GOMODCACHE and GOCACHE labels go, then the GOCACHE
// part (the Build cache view shows it), then the GOMODCACHE part; the
// read-only badge goes last.
func (m *Model) titleLine() string {
	if m.store != nil {
		return m.storeTitle()
	}
	st := m.c.styles
	modRoot, buildRoot := m.opts.ModCache, m.opts.BuildCache
	modSize, buildSize := "", ""
	if snap := m.c.snap; snap != nil {
		modRoot, buildRoot = snap.ModCache.Root, snap.BuildCache.Root
		modSize = " " + report.HumanBytes(m.c.sizeOf(snap.ModCache.Size))
		buildSize = " " + report.HumanBytes(m.c.sizeOf(snap.BuildCache.Size))
	}
	modPaths, buildPaths := leftShortenings(cachescan.Printable(modRoot)), leftShortenings(cachescan.Printable(buildRoot))
	title := st.Title.Render("modscope")
	if m.c.readOnly {
		title += " " + st.ReadOnly.Render("read-only")
	}
	freed := m.freed.Bytes > 0 || m.freed.Files > 0
	line := func(freedLong, labels, mod, build bool, mi, bi int) string {
		l := title
		if freed {
			label := "freed "
			if freedLong {
				label = "freed so far: "
			}
			l += "  " + st.Freed.Render(label+report.HumanBytes(m.c.sizeOf(m.freed)))
		}
		if mod {
			l += "  "
			if labels {
				l += "GOMODCACHE "
			}
			l += modPaths[mi] + modSize
		}
		switch {
		case !build:
		case buildRoot == "" && labels:
			l += "  GOCACHE off"
		case buildRoot == "":
			l += "  GOCACHE=off"
		default:
			l += "  "
			if labels {
				l += "GOCACHE "
			}
			l += buildPaths[bi] + buildSize
		}
		return l
	}
	fits := func(l string) bool { return ansi.StringWidth(l) <= m.c.width }
	for _, lv := range []struct{ freedLong, labels, mod, build bool }{
		{true, true, true, true},
		{false, true, true, true},
		{false, false, true, true},
		{false, true, true, false},
		{false, false, true, false},
		{false, false, false, false},
	} {
		// The longer path loses an element first, until both fit or
		// neither can lose more.
		mi, bi := 0, 0
		for {
			l := line(lv.freedLong, lv.labels, lv.mod, lv.build, mi, bi)
			if fits(l) {
				return l
			}
			canMod := lv.mod && mi+1 < len(modPaths)
			canBuild := lv.build && bi+1 < len(buildPaths)
			if !canMod && !canBuild {
				break
			}
			if canMod && (!canBuild || len(modPaths[mi]) >= len(buildPaths[bi])) {
				mi++
			} else {
				bi++
			}
		}
	}
	if fits(title) {
		return title
	}
	return ansi.Truncate(st.Title.Render("modscope"), m.c.width, "…")
}

// leftShortenings lists path and its shorter forms, each without one more
// leading element: /root/go/pkg/mod, …/go/pkg/mod, …/pkg/mod, …/mod. The
// last element, which tells the caches apart, always stays.
func leftShortenings(path string) []string {
	out := []string{path}
	sep := "/"
	if !strings.Contains(path, "/") && strings.Contains(path, `\`) {
		sep = `\`
	}
	parts := strings.Split(strings.TrimRight(path, sep), sep)
	for i := 1; i < len(parts); i++ {
		if short := "…" + sep + strings.Join(parts[i:], sep); ansi.StringWidth(short) < ansi.StringWidth(out[len(out)-1]) {
			out = append(out, short)
		}
	}
	return out
}

func (m *Model) tabLine() string {
	st := m.c.styles
	nProblems := -1
	if m.ready() {
		nProblems = m.found.count(m.c.snap)
	}
	// The tabs in three forms: key and name; the name alone (the keys
	// are in the help), when the marks' note would not fit beside the
	// full ones; and the other tabs by their key only, when even that
	// does not fit.
	const (
		tabsFull = iota
		tabsNames
		tabsKeys
	)
	tabs := func(form int, sep string) string {
		var parts []string
		x := 0
		for i, name := range viewNames {
			if m.hiddenView(viewKind(i)) {
				m.tabs[i] = [2]int{}
				continue
			}
			label := fmt.Sprintf("%d %s", i+1, name)
			switch {
			case form == tabsNames:
				label = name
			case form == tabsKeys && viewKind(i) != m.view:
				label = fmt.Sprint(i + 1)
			}
			if viewKind(i) == viewProblems && nProblems >= 0 {
				label += fmt.Sprintf(" (%d)", nProblems)
			}
			m.tabs[i] = [2]int{x, x + ansi.StringWidth(label)}
			x += ansi.StringWidth(label) + len(sep)
			if viewKind(i) == m.view {
				parts = append(parts, st.TabActive.Render(label))
			} else {
				parts = append(parts, st.Tab.Render(label))
			}
		}
		return strings.Join(parts, sep)
	}
	line := tabs(tabsFull, "  ")
	switch {
	case m.busy.kind == busyScan && m.showingLast():
		line += "  " + st.Severity[1].Render("last known state from "+m.lastAt.Format("2006-01-02 15:04")+", refreshing…") +
			st.Dim.Render(fmt.Sprintf(" %s files", report.Count(m.progress.Files)))
	case m.busy.kind == busyScan && m.store != nil:
		line += "  " + st.Dim.Render("listing the store…")
	case m.busy.kind == busyScan:
		line += "  " + st.Dim.Render(fmt.Sprintf("%s files, %s", report.Count(m.progress.Files), report.HumanBytes(m.progress.Bytes)))
	case !m.ready():
	case m.busy.kind == busyRescan && m.store != nil:
		line += "  " + st.Dim.Render("listing the store again…")
	case m.busy.kind == busyRescan:
		line += "  " + st.Dim.Render(fmt.Sprintf("reading the caches again: %s files", report.Count(m.progress.Files)))
	case m.busy.kind == busyVerify:
		// By items: sizes on disk are only an estimate of what is
		// hashed (zips are hashed uncompressed).
		pr := m.busy.ver.v.Progress()
		share := 0.0
		if pr.Items > 0 {
			share = float64(pr.ItemsDone) / float64(pr.Items)
		}
		line += "  " + m.bar(share) + st.Dim.Render(fmt.Sprintf(" verifying %s/%s, %s hashed", report.Count(pr.ItemsDone), report.Count(pr.Items), report.HumanBytes(pr.BytesDone)))
	default:
		n, size := m.mods.b.markedSize()
		if n == 0 {
			break
		}
		// The longest form that fits; never a number cut in half.
		notes := []string{fmt.Sprintf("%d marked, d frees %s", n, report.HumanBytes(size)), fmt.Sprintf("%d marked, %s", n, report.HumanBytes(size))}
		fitted := false
		for _, f := range []struct {
			form int
			sep  string
		}{{tabsFull, "  "}, {tabsNames, "  "}, {tabsNames, " "}, {tabsKeys, "  "}, {-1, ""}} {
			t := st.TabActive.Render(viewNames[m.view])
			if f.form >= 0 {
				t = tabs(f.form, f.sep)
			}
			for _, note := range notes {
				if l := t + "   " + st.Marked.Render(note); ansi.StringWidth(l) <= m.c.width {
					line, fitted = l, true
					break
				}
			}
			if fitted {
				if f.form < 0 {
					m.tabs = [4][2]int{}
				}
				break
			}
		}
		if !fitted {
			line = st.Marked.Render(notes[1])
			m.tabs = [4][2]int{}
		}
	}
	return truncate(line, m.c.width)
}

func (m *Model) contextLine() string {
	st := m.c.styles
	var s string
	switch {
	case m.err != nil:
		s = st.StatusError.Render("scan failed")
	case !m.ready() && m.store != nil:
		s = st.Dim.Render("listing " + cachescan.Printable(m.store.URL))
	case !m.ready():
		s = st.Dim.Render("reading " + cachescan.Printable(m.opts.ModCache) + " and " + cachescan.Printable(m.opts.BuildCache))
	case m.view == viewModules:
		b := &m.mods.b
		crumb := "/" + strings.Join(b.cur.crumbs(), "/")
		// ↓: largest first, whatever the key (z before a for names,
		// the newest first for times).
		dir := "↑"
		if b.descending() {
			dir = "↓"
		}
		head := fmt.Sprintf("  %s · %s %s", report.HumanBytes(b.size(b.cur)), b.sortBy, dir)
		sizeKind, filter, listing := " · disk usage", "", ""
		if b.apparent {
			sizeKind = " · apparent size"
		}
		if b.filter != "" {
			filter = fmt.Sprintf(" · filter %q: %s", b.filter, report.Plural(int64(b.shownVersions), "version"))
		}
		if b.inListing() {
			listing = " · read-only listing"
		}
		// The breadcrumb keeps 30 columns: "disk usage" (the default)
		// goes first, then "listing".
		narrow := func() bool { return m.c.width-lipgloss.Width(head+sizeKind+filter+listing)-1 < 30 }
		if narrow() && !b.apparent {
			sizeKind = ""
		}
		if narrow() && listing != "" {
			listing = " · read-only"
		}
		info := head + sizeKind + filter + listing
		s = st.PaneTitle.Render(report.ShortenMiddle(crumb, max(m.c.width-lipgloss.Width(info)-1, 10))) + st.Dim.Render(info)
	case m.view == viewProblems && m.store != nil:
		s = st.Dim.Render(storeProblemsContext)
	case m.view == viewProblems:
		s = st.Dim.Render("enter: the fix in full · l: show in Modules · d: purge its fix · R: repair all")
	case m.view == viewProject:
		if pr := m.c.snap.Project; pr != nil {
			s = st.PaneTitle.Render(report.ShortenMiddle(cachescan.Printable(pr.Dir), m.c.width))
		} else {
			s = st.Dim.Render("no go.mod or go.work here or above")
		}
	case m.view == viewBuild:
		s = st.PaneTitle.Render(report.ShortenMiddle(cachescan.Printable(m.c.snap.BuildCache.Root), m.c.width))
	}
	return truncate(s, m.c.width)
}
