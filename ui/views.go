package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// scroller scrolls a view made of lines: the Build cache and Project views.
type scroller struct{ offset int }

func (s *scroller) scroll(delta int) {
	s.offset = min(max(s.offset+delta, 0), 1<<30)
}

func (s *scroller) view(lines []string, height int) string {
	s.offset = min(s.offset, max(len(lines)-height, 0))
	end := min(s.offset+height, len(lines))
	return strings.Join(lines[s.offset:end], "\n")
}

// problemLine is a kind header or a problem in the Problems view.
type problemLine struct {
	header string // set on group headers
	sev    cachescan.Severity
	prob   *cachescan.Problem
}

// problemList is the Problems view: problems grouped by kind, in severity
// order, with a cursor that moves over problems and skips headers.
type problemList struct {
	lines  []problemLine
	cursor int
	offset int
	height int
}

func newProblemList(ps []cachescan.Problem) problemList {
	var l problemList
	// Problems come sorted by severity, then kind: a group is a run of
	// the same kind and severity.
	for i := range ps {
		pr := &ps[i]
		if i == 0 || pr.Kind != ps[i-1].Kind || pr.Severity != ps[i-1].Severity {
			n := 0
			for j := i; j < len(ps) && ps[j].Kind == pr.Kind && ps[j].Severity == pr.Severity; j++ {
				n++
			}
			l.lines = append(l.lines, problemLine{header: fmt.Sprintf("%s (%s) · %d", pr.Kind, pr.Severity, n), sev: pr.Severity})
		}
		l.lines = append(l.lines, problemLine{prob: pr})
	}
	l.cursor = 1
	return l
}

func (l *problemList) selected() *cachescan.Problem {
	if l.cursor >= 0 && l.cursor < len(l.lines) {
		return l.lines[l.cursor].prob
	}
	return nil
}

func (l *problemList) move(delta int) {
	if len(l.lines) == 0 {
		return
	}
	step := 1
	if delta < 0 {
		step = -1
	}
	target := min(max(l.cursor+delta, 0), len(l.lines)-1)
	l.cursor = target
	// Land on a problem, not a header.
	for l.cursor >= 0 && l.cursor < len(l.lines) && l.lines[l.cursor].prob == nil {
		l.cursor += step
	}
	if l.cursor < 0 || l.cursor >= len(l.lines) {
		l.cursor = target
		for l.cursor >= 0 && l.cursor < len(l.lines) && l.lines[l.cursor].prob == nil {
			l.cursor -= step
		}
	}
	l.clamp()
}

func (l *problemList) clickLine(i int) {
	if i >= 0 && i < len(l.lines) && l.lines[i].prob != nil {
		l.cursor = i
		l.clamp()
	}
}

func (l *problemList) clamp() {
	if l.height <= 0 {
		return
	}
	h := l.height
	if l.cursor >= len(l.lines) {
		l.cursor = len(l.lines) - 1
	}
	if l.cursor < 0 {
		l.cursor = 0
	}
	if l.cursor < l.offset {
		l.offset = l.cursor
		// Keep the kind header in sight above the first problem of a group.
		if l.offset > 0 && l.lines[l.offset-1].prob == nil {
			l.offset--
		}
	}
	if l.cursor >= l.offset+h {
		l.offset = l.cursor - h + 1
	}
	// After a resize, no blank rows below the last problem.
	if l.offset > max(len(l.lines)-h, 0) {
		l.offset = max(len(l.lines)-h, 0)
	}
}

func (l *problemList) view(st *Styles, width int) string {
	if len(l.lines) == 0 {
		return st.Dim.Render("\n  No problems found. The scan hashes nothing; verify checks every hash.")
	}
	var out []string
	end := min(l.offset+l.height, len(l.lines))
	for i := l.offset; i < end; i++ {
		ln := l.lines[i]
		if ln.prob == nil {
			rank := ln.sev.Rank()
			out = append(out, ansi.Truncate(st.Severity[rank].Render(severitySymbols[rank]+" "+ln.header), width, "…"))
			continue
		}
		pr := ln.prob
		what := problemSubject(pr)
		text := fmt.Sprintf("   %s  %s", report.ShortenMiddle(what, max(width/2, 20)), cachescan.Printable(pr.Detail))
		if i == l.cursor {
			out = append(out, st.Selected.Render(padRight(text, width)))
		} else {
			out = append(out, ansi.Truncate(text, width, "…"))
		}
	}
	return strings.Join(out, "\n")
}

// problemSubject names what a problem is about: module@version, else the
// last elements of its path.
func problemSubject(pr *cachescan.Problem) string {
	if pr.Module != "" {
		if pr.Version != "" {
			return cachescan.Printable(pr.Module + "@" + pr.Version)
		}
		return cachescan.Printable(pr.Module)
	}
	return report.ShortEntry(cachescan.Printable(lastElems(pr.Path, 3)))
}

func lastElems(path string, n int) string {
	parts := strings.Split(strings.ReplaceAll(path, "\\", "/"), "/")
	if len(parts) > n {
		parts = parts[len(parts)-n:]
	}
	return strings.Join(parts, "/")
}

// buildLines is the Build cache view.
func buildLines(snap *cachescan.Snapshot, st *Styles, apparent bool, width int) []string {
	bc := snap.BuildCache
	size := func(s cachescan.Size) int64 {
		if apparent {
			return s.ApparentBytes
		}
		return s.Bytes
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if bc.Root == "" {
		return []string{"", "  The build cache is off (GOCACHE=off)."}
	}
	if !bc.Exists {
		return []string{"", "  " + cachescan.Printable(bc.Root) + " does not exist yet: the go command creates it on the first build."}
	}
	add("")
	if bc.CacheProg != "" {
		add("  GOCACHEPROG=%s is set: the go command uses that program, not these files.", cachescan.Printable(bc.CacheProg))
		add("")
	}
	add("  %s in %s (%s, %s)", report.HumanBytes(size(bc.Size)), report.Plural(bc.Files, "file"),
		report.Plural(bc.Actions, "action"), report.Plural(bc.Outputs, "output"))
	add("")
	out = append(out, st.PaneTitle.Render("  Last used"))
	var total int64
	for _, b := range bc.ByAge {
		total += size(b.Size)
	}
	for _, b := range bc.ByAge {
		share := 0.0
		if total > 0 {
			share = float64(size(b.Size)) / float64(total)
		}
		barW := 20
		if width < 80 {
			barW = 8
		}
		filled := int(share*float64(barW) + 0.5)
		bar := st.Bar.Render(strings.Repeat("█", filled)) + st.BarEmpty.Render(strings.Repeat("░", barW-filled))
		add("  %-9s %9s %s %5.1f%%  %s", b.Label, report.HumanBytes(size(b.Size)), bar, share*100, report.Plural(b.Entries, "entry"))
	}
	add("")
	add("  The go command trims entries unused for 5 days, at most once a day.")
	trim := "never"
	if bc.TrimTime != nil {
		trim = bc.TrimTime.Local().Format("2006-01-02 15:04")
	}
	add("  Last trim       %s", trim)
	if bc.TestExpire != nil {
		add("  Test results    cached results before %s are ignored", bc.TestExpire.Local().Format("2006-01-02 15:04"))
	} else {
		add("  Test results    all kept (go clean -testcache was never run)")
	}
	add("  Fuzz cache      %s in %s (never trimmed; go clean -fuzzcache)", report.HumanBytes(size(bc.Fuzz)), report.Plural(bc.Fuzz.Files, "file"))
	// The scan does not count the 00 to ff directories, and a cache the go
	// command has not filled has fewer than 256: no number is better
	// than a wrong one.
	add("  Other           %s (README, trim.txt and the entry directories)", report.HumanBytes(size(bc.Other)))
	var probs int
	for _, pr := range snap.Problems {
		if pr.Module == "" && strings.HasPrefix(pr.Path, bc.Root) {
			probs++
		}
	}
	if probs > 0 {
		add("")
		out = append(out, st.Severity[1].Render(fmt.Sprintf("  %s in the build cache: press 4 for the Problems view", report.Plural(int64(probs), "problem"))))
	}
	return out
}

// projectLines is the Project view: the module, its requires and its
// replace directives as a tree.
func projectLines(snap *cachescan.Snapshot, st *Styles, width int) []string {
	pr := snap.Project
	if pr == nil {
		return []string{"", "  No go.mod or go.work in this directory or above.", "  Run modscope in a module, or pass --project DIR."}
	}
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	add("")
	if pr.GoWork != "" {
		add("  workspace %s", cachescan.Printable(pr.GoWork))
		for _, m := range pr.Modules {
			add("    use %s  (%s)", cachescan.Printable(m.Dir), cachescan.Printable(m.Path))
		}
	} else {
		add("  module %s", cachescan.Printable(pr.Module))
	}
	line := "  "
	if pr.Go != "" {
		line += "go " + cachescan.Printable(pr.Go)
	}
	if pr.Toolchain != "" {
		line += "   toolchain " + cachescan.Printable(pr.Toolchain)
	}
	if act := snap.ModCache.ActiveToolchain; act != "" {
		line += "   (runs " + cachescan.Printable(act) + " from the module cache)"
	}
	add("%s", line)
	for _, e := range pr.Errors {
		out = append(out, st.StatusError.Render("  "+cachescan.Printable(e)))
	}
	add("")
	out = append(out, st.PaneTitle.Render(fmt.Sprintf("  Requires (%d)", len(pr.Requires))))
	// The state comes first so that a narrow terminal cuts the path, in
	// its middle, never the state.
	for _, r := range pr.Requires {
		mark, style := "✓", st.Label
		switch {
		case r.Replaced:
			mark, style = "→", st.Dim
		case r.State == cachescan.StateMissing:
			mark, style = "✗", st.Severity[0]
		case !r.Complete:
			mark, style = "~", st.Severity[1]
		}
		state := r.State
		if r.Replaced {
			state = "replaced"
		}
		ind := ""
		if r.Indirect {
			ind = st.Dim.Render(" // indirect")
		}
		name := report.ShortenMiddle(cachescan.Printable(r.Path+" "+r.Version), max(width-18-len(ind)/4, 10))
		out = append(out, fmt.Sprintf("  %s %-12s %s%s", style.Render(mark), state, name, ind))
	}
	add("")
	out = append(out, st.PaneTitle.Render(fmt.Sprintf("  Replace directives (%d)", len(pr.Replaces))))
	if len(pr.Replaces) == 0 {
		out = append(out, st.Dim.Render("  none"))
	}
	for i, r := range pr.Replaces {
		branch, stem := "├─", "│ "
		if i == len(pr.Replaces)-1 {
			branch, stem = "└─", "  "
		}
		old := cachescan.Printable(r.OldPath)
		if r.OldVersion != "" {
			old += " " + cachescan.Printable(r.OldVersion)
		}
		add("  %s %s", branch, report.ShortenMiddle(old, max(width-6, 10)))
		target := cachescan.Printable(r.NewPath)
		if r.NewVersion != "" {
			target += " " + cachescan.Printable(r.NewVersion)
		}
		var state string
		ok := r.TargetExists
		switch {
		case r.Local && !r.TargetExists:
			state = "local directory missing: " + cachescan.Printable(r.LocalDir)
		case r.Local && !r.TargetHasGoMod:
			state, ok = "local directory without go.mod", false
		case r.Local:
			state = "local directory " + cachescan.Printable(r.LocalDir)
		case r.TargetExists:
			state = "module, " + string(r.TargetState) + " in the cache"
		default:
			state = "module, not in the cache"
		}
		mark := st.Label.Render("✓")
		if !ok {
			mark = st.Severity[0].Render("✗")
		}
		add("  %s   %s %s", stem, mark, st.Dim.Render(report.ShortenMiddle(state, max(width-10, 10))))
		add("  %s   => %s", stem, report.ShortenMiddle(target, max(width-10, 10)))
		add("  %s      %s", stem, st.Dim.Render("from "+report.ShortenMiddle(cachescan.Printable(r.Source), max(width-14, 10))))
	}
	return out
}

// offlineLines is the top of the Project view: can the project build and
// test with the network gone?
func (m *Model) offlineLines(width int) []string {
	st := m.styles
	if m.snap.Project == nil {
		return nil
	}
	out := []string{""}
	switch {
	case m.offlineRunning:
		out = append(out, st.Dim.Render("  Offline: asking the go command what builds and tests need…"))
	case m.offlineErr != nil:
		// Only when modscope itself cannot run the go command: a cache
		// problem is a verdict, below.
		out = append(out, st.Severity[1].Render("  Offline: the check could not run: ")+cachescan.Printable(report.ShortenMiddle(m.offlineErr.Error(), max(width-37, 10))))
	case m.offline == nil && m.readOnly:
		out = append(out, st.Dim.Render("  Offline: not checked in read-only mode (the go command may write to the caches); run modscope offline"))
	case m.offline == nil:
		out = append(out, st.Dim.Render("  Offline: press o to check whether the project builds offline"))
	case m.offline.Ready:
		from := "are cached and verify"
		if m.offline.Vendor != nil {
			from = "are vendored, and vendor/ is consistent with go.mod"
		}
		out = append(out, "  "+st.Label.Render("✓ Offline: ready")+st.Dim.Render(fmt.Sprintf(" — all %d needed versions %s", len(m.offline.Modules), from)))
		out = append(out, m.vendorLines(width)...)
	default:
		out = append(out, "  "+st.Severity[0].Render("✗ Offline: not ready")+st.Dim.Render(" — a build or test with the network off fails:"))
		for _, om := range m.offline.Modules {
			if om.State != actions.StateReady {
				out = append(out, fmt.Sprintf("    %-10s %s", om.State, report.ShortenMiddle(cachescan.Printable(om.Path+"@"+om.Version), max(width-16, 10))))
				if om.Reason != "" {
					for _, l := range wrap2(cachescan.Printable(om.Reason), max(width-16, 10)) {
						out = append(out, st.Dim.Render("               "+l))
					}
				}
			}
		}
		out = append(out, m.vendorLines(width)...)
		for _, e := range m.offline.Errors {
			out = append(out, st.Dim.Render("    go: "+report.ShortenMiddle(cachescan.Printable(strings.TrimPrefix(firstLineOf(e.Text), "go: ")), max(width-8, 10))))
			if len(e.Explanations) > 0 {
				out = append(out, st.Dim.Render("        fix: "+report.ShortenEnd(cachescan.Printable(e.Explanations[0].Fix), max(width-13, 10))))
			}
		}
		if m.offline.Vendor != nil {
			out = append(out, st.Dim.Render("    go mod vendor makes vendor/ consistent again (modscope offline prints the details)"))
		} else {
			out = append(out, st.Dim.Render("    modscope offline prints the details; --export DIR writes what it needs, once it is ready"))
		}
	}
	return out
}

// vendorLines say that a -mod=vendor build reads vendor/, and which
// vendored packages differ from the module cache's copies.
func (m *Model) vendorLines(width int) []string {
	v := m.offline.Vendor
	if v == nil {
		return nil
	}
	st := m.styles
	out := []string{st.Dim.Render("    vendor mode (-mod=vendor): builds read vendor/, not the module cache")}
	for _, d := range v.Differs {
		for i, l := range wrap2(cachescan.Printable(d.Package+": "+d.Detail), max(width-16, 10)) {
			if i == 0 {
				out = append(out, st.Severity[1].Render("    differs    ")+l)
			} else {
				out = append(out, "               "+l)
			}
		}
	}
	return out
}

// wrap2 wraps text to at most two lines of width, the second cut short
// with … when there is more.
func wrap2(text string, width int) []string {
	lines := report.Wrap(text, width, 0)
	if len(lines) > 2 {
		lines = append(lines[:1], report.ShortenEnd(lines[1]+" …", width))
	}
	return lines
}

func firstLineOf(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
