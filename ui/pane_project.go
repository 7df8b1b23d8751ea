package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	lgtree "charm.land/lipgloss/v2/tree"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// offlineState is where the Project view's offline check is.
type offlineState uint8

const (
	offlineUnknown offlineState = iota
	offlineRunning
	offlineDone
)

// offlineCheck is the answer of the offline check, or why there is none.
type offlineCheck struct {
	state offlineState
	rep   *actions.OfflineReport
	err   error
}

// projectPane is the Project view: the offline verdict on top, then the
// module, its requires and its replace directives, in a viewport.
type projectPane struct {
	c       *common
	vp      viewport.Model
	offline offlineCheck
}

func newProjectPane(c *common) *projectPane { return &projectPane{c: c, vp: viewport.New()} }

func (p *projectPane) offlineDone(msg offlineDoneMsg) {
	p.offline = offlineCheck{state: offlineDone, rep: msg.rep, err: msg.err}
}

// resetOffline forgets the verdict: what changed may change it.
func (p *projectPane) resetOffline() {
	if p.offline.state != offlineRunning {
		p.offline = offlineCheck{}
	}
}

func (p *projectPane) SetSize(w, h int) {
	p.vp.SetWidth(w)
	p.vp.SetHeight(h)
}

func (p *projectPane) Update(msg tea.Msg) action { return scrollPane(&p.vp, p.c.keys, msg) }

func (p *projectPane) View() string {
	w := p.vp.Width()
	lines := offlineLines(p.c, p.offline, w)
	lines = append(lines, projectLines(p.c.snap, p.c.styles, w)...)
	p.vp.SetContentLines(cutLines(lines, w))
	return p.vp.View()
}

func (p *projectPane) ShortHelp() []key.Binding {
	k := p.c.keys
	return []key.Binding{k.Up, k.Down, k.Offline, k.NextView, k.Rescan}
}

func (p *projectPane) FullHelp() [][]key.Binding {
	k := p.c.keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {withHelp(k.Offline, "check offline readiness again"), k.PurgePolicy, k.VerifyAll, k.Rescan, k.LastResult}}
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
	// A tree, as go mod graph users picture it: the old path, then
	// what it is replaced with and where that is.
	t := lgtree.New().Enumerator(replaceBranch).Indenter(replaceStem).EnumeratorStyle(st.Dim).IndenterStyle(st.Dim)
	for _, r := range pr.Replaces {
		old := cachescan.Printable(r.OldPath)
		if r.OldVersion != "" {
			old += " " + cachescan.Printable(r.OldVersion)
		}
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
		t.Child(report.ShortenMiddle(old, max(width-6, 10)) + "\n" +
			"  " + mark + " " + st.Dim.Render(report.ShortenMiddle(state, max(width-10, 10))) + "\n" +
			"  => " + report.ShortenMiddle(target, max(width-10, 10)) + "\n" +
			"     " + st.Dim.Render("from "+report.ShortenMiddle(cachescan.Printable(r.Source), max(width-14, 10))))
	}
	if len(pr.Replaces) > 0 {
		for _, l := range strings.Split(t.String(), "\n") {
			out = append(out, "  "+l)
		}
	}
	return out
}

// replaceBranch and replaceStem draw the replace tree's lines as the
// Requires list above is indented: a branch, one space, the item.
func replaceBranch(children lgtree.Children, index int) string {
	if index == children.Length()-1 {
		return "└─ "
	}
	return "├─ "
}

func replaceStem(children lgtree.Children, index int) string {
	if index == children.Length()-1 {
		return "   "
	}
	return "│  "
}

// offlineLines is the top of the Project view: can the project build and
// test with the network gone?
func offlineLines(c *common, o offlineCheck, width int) []string {
	st := c.styles
	if c.snap.Project == nil {
		return nil
	}
	out := []string{""}
	switch {
	case o.state == offlineRunning:
		out = append(out, st.Dim.Render("  Offline: asking the go command what builds and tests need…"))
	case o.err != nil:
		// Only when modscope itself cannot run the go command: a cache
		// problem is a verdict, below.
		out = append(out, st.Severity[1].Render("  Offline: the check could not run: ")+cachescan.Printable(report.ShortenMiddle(o.err.Error(), max(width-37, 10))))
	case o.rep == nil && c.readOnly:
		out = append(out, st.Dim.Render("  Offline: not checked in read-only mode (the go command may write to the caches); run modscope offline"))
	case o.rep == nil:
		out = append(out, st.Dim.Render("  Offline: press o to check whether the project builds offline"))
	case o.rep.Ready:
		from := "are cached and verify"
		if o.rep.Vendor != nil {
			from = "are vendored, and vendor/ is consistent with go.mod"
		}
		out = append(out, "  "+st.Label.Render("✓ Offline: ready")+st.Dim.Render(fmt.Sprintf(" — all %d needed versions %s", len(o.rep.Modules), from)))
		out = append(out, vendorLines(c, o.rep, width)...)
	default:
		out = append(out, "  "+st.Severity[0].Render("✗ Offline: not ready")+st.Dim.Render(" — a build or test with the network off fails:"))
		for _, om := range o.rep.Modules {
			if om.State != actions.StateReady {
				out = append(out, fmt.Sprintf("    %-10s %s", om.State, report.ShortenMiddle(cachescan.Printable(om.Path+"@"+om.Version), max(width-16, 10))))
				if om.Reason != "" {
					for _, l := range wrap2(cachescan.Printable(om.Reason), max(width-16, 10)) {
						out = append(out, st.Dim.Render("               "+l))
					}
				}
			}
		}
		out = append(out, vendorLines(c, o.rep, width)...)
		for _, e := range o.rep.Errors {
			out = append(out, st.Dim.Render("    go: "+report.ShortenMiddle(cachescan.Printable(strings.TrimPrefix(firstLineOf(e.Text), "go: ")), max(width-8, 10))))
			if len(e.Explanations) > 0 {
				out = append(out, st.Dim.Render("        fix: "+report.ShortenEnd(cachescan.Printable(e.Explanations[0].Fix), max(width-13, 10))))
			}
		}
		if o.rep.Vendor != nil {
			out = append(out, st.Dim.Render("    go mod vendor makes vendor/ consistent again (modscope offline prints the details)"))
		} else {
			out = append(out, st.Dim.Render("    modscope offline prints the details; --export DIR writes what it needs, once it is ready"))
		}
	}
	return out
}

// vendorLines say that a -mod=vendor build reads vendor/, and which
// vendored packages differ from the module cache's copies.
func vendorLines(c *common, rep *actions.OfflineReport, width int) []string {
	v := rep.Vendor
	if v == nil {
		return nil
	}
	st := c.styles
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
