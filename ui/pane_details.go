package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"modscope/cachescan"
	"modscope/report"
)

// detailsPane shows what is known about the selection of the Modules or
// the Problems view, beside the list or below it.
type detailsPane struct {
	c    *common
	mods *modulesPane
	prob *problemsPane
	// view is the view whose selection it shows; right says it sits
	// right of the list (else below it).
	view  viewKind
	right bool
	w, h  int
}

func newDetailsPane(c *common, mods *modulesPane, prob *problemsPane) *detailsPane {
	return &detailsPane{c: c, mods: mods, prob: prob}
}

// lines is what is known about the selection.
func (p *detailsPane) lines() []string {
	if p.c.snap == nil {
		return nil
	}
	switch p.view {
	case viewModules:
		if n := p.mods.b.selected(); n != nil {
			return p.nodeDetails(n)
		}
	case viewProblems:
		if pr := p.prob.selected(); pr != nil {
			return problemDetails(pr, p.c.styles)
		}
	}
	return nil
}

func (p *detailsPane) SetSize(w, h int) { p.w, p.h = w, h }

// Update: the pane follows the selection; it takes no keys of its own.
func (p *detailsPane) Update(tea.Msg) action { return nil }

// View draws the details in a w×h box with a rule on its left (beside the
// list) or on top (below it): a lipgloss border on that one side.
func (p *detailsPane) View() string {
	st := p.c.styles
	border := lipgloss.NewStyle().BorderForeground(st.PaneBorder.GetForeground())
	if p.right {
		inner := max(p.w-2, 1)
		block := fitBlock(strings.Join(wrapLines(p.lines(), inner), "\n"), inner, p.h)
		return border.Border(lipgloss.NormalBorder(), false, false, false, true).PaddingLeft(1).Render(block)
	}
	inner := max(p.h-1, 1)
	block := fitBlock(strings.Join(wrapLines(p.lines(), p.w), "\n"), p.w, inner)
	return border.Border(lipgloss.NormalBorder(), true, false, false, false).Render(block)
}

func (p *detailsPane) ShortHelp() []key.Binding  { return []key.Binding{p.c.keys.Details} }
func (p *detailsPane) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *detailsPane) nodeDetails(n *node) []string {
	st := p.c.styles
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	title := n.path
	if n.kind == kindFile || n.kind == kindTree || n.kind == kindDownload {
		title = n.ver.Version + " " + n.name
		if n.mod != nil {
			title = n.mod.Path + "@" + title
		}
	}
	out = append(out, st.PaneTitle.Render(cachescan.Printable(title)))
	add("%s on disk, %s apparent, %s", report.HumanBytes(n.size.Bytes), report.HumanBytes(n.size.ApparentBytes), report.Plural(n.size.Files, "file"))
	switch n.kind {
	case kindVersion:
		out = append(out, p.versionDetails(n.mod, n.ver)...)
	case kindModule, kindSegment, kindGroup, kindRoot:
		if n.note != "" {
			add("%s", n.note)
		}
		if n.versions > 0 {
			add("%s", report.Plural(int64(n.versions), "version"))
		}
		if n.mod != nil && n.mod.List != nil {
			add("list  %s  %s", report.HumanBytes(n.mod.List.ApparentBytes), n.mod.List.ModTime.Local().Format("2006-01-02 15:04"))
		}
		if n.kind == kindModule && p.c.snap.Project != nil {
			for _, r := range p.c.snap.Project.Requires {
				if r.Path == n.mod.Path {
					how := r.State
					if r.Replaced {
						how = "replaced: builds use the replacement"
					}
					add("required by %s: %s (%s)", cachescan.Printable(r.Module), cachescan.Printable(r.Version), how)
				}
			}
		}
	case kindDownload:
		add("in %s", cachescan.Printable(n.ver.DownloadDir))
		for _, f := range n.ver.Files {
			add("  %s  %s  %s", cachescan.Printable(f.Name), report.HumanBytes(f.ApparentBytes), f.ModTime.Local().Format("2006-01-02 15:04"))
		}
	case kindFile:
		add("%s", cachescan.Printable(n.ver.DownloadDir))
		add("modified %s", n.file.ModTime.Local().Format("2006-01-02 15:04:05"))
	case kindTree:
		add("%s", cachescan.Printable(n.ver.Dir))
	case kindClone:
		c := n.clone
		add("remote %s (%s)", cachescan.Printable(c.Remote), cachescan.Printable(c.VCS()))
		add("hash %s", c.Hash)
		add("clone %s, .info %s", yesNo(c.HasDir), yesNo(c.HasInfo))
	}
	if t, ok := p.mods.b.shown[n]; ok {
		// The row counts what the filter shows; the lines above give
		// the whole.
		add("%s", st.Input.Render(fmt.Sprintf("the filter %q shows %s of it, %s", p.mods.b.filter,
			report.HumanBytes(p.c.sizeOf(t.size)), report.Plural(int64(t.versions), "version"))))
	}
	// A version's own problems and its files' are listed in full; for
	// bigger nodes, a count.
	var probs []*cachescan.Problem
	collect := func(x *node) {
		for i := range x.problems {
			probs = append(probs, &x.problems[i])
		}
	}
	collect(n)
	if n.kind == kindVersion || n.kind == kindDownload {
		for _, c := range n.children {
			collect(c)
			for _, cc := range c.children {
				collect(cc)
			}
		}
	}
	if c := n.sev[0] + n.sev[1] + n.sev[2]; c > len(probs) {
		add("")
		add("%s below: %s, %s, %s", report.Plural(int64(c), "problem"), report.Plural(int64(n.sev[0]), "error"),
			report.Plural(int64(n.sev[1]), "warning"), report.Plural(int64(n.sev[2]), "info"))
	}
	for _, pr := range probs {
		out = append(out, "")
		out = append(out, problemDetails(pr, st)...)
	}
	return out
}

func (p *detailsPane) versionDetails(mod *cachescan.Module, v *cachescan.Version) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	state := v.State
	if v.Active {
		state += ", the active toolchain"
	}
	add("state %s", state)
	var has []string
	for _, f := range []struct {
		ok   bool
		name string
	}{{v.HasInfo, ".info"}, {v.HasMod, ".mod"}, {v.HasZip, ".zip"}, {v.HasZipHash, ".ziphash"}, {v.HasDir, "tree"}, {v.HasPartial, ".partial"}} {
		if f.ok {
			has = append(has, f.name)
		}
	}
	add("has %s", strings.Join(has, " "))
	if v.InfoTime != nil {
		add("published %s", v.InfoTime.UTC().Format("2006-01-02 15:04 MST"))
	}
	if o := v.Origin; o != nil {
		origin := strings.TrimSpace(o.VCS + " " + o.URL)
		if o.Ref != "" {
			origin += " " + o.Ref
		}
		if o.Hash != "" {
			origin += " " + o.Hash
		}
		add("origin %s", cachescan.Printable(origin))
	}
	if v.ZipHash != "" {
		add("ziphash %s", cachescan.Printable(v.ZipHash))
	}
	if v.DeclaredPath != "" {
		add("go.mod declares module %s (a fork: fine as a replace target)", cachescan.Printable(v.DeclaredPath))
	}
	zipSums, modSums := p.c.snap.Project.Sum(mod.Path, v.Version)
	for _, s := range zipSums {
		rel := ""
		if v.ZipHash != "" {
			rel = " (differs from the ziphash)"
			if s == v.ZipHash {
				rel = " (matches the ziphash)"
			}
		}
		add("go.sum %s%s", cachescan.Printable(s), rel)
	}
	for _, s := range modSums {
		add("go.sum /go.mod %s", cachescan.Printable(s))
	}
	if pr := p.c.snap.Project; pr != nil {
		for _, r := range pr.Requires {
			if r.Path == mod.Path && r.Version == v.Version {
				if r.Replaced {
					add("required by %s, but replaced: builds use the replacement", cachescan.Printable(r.Module))
				} else {
					add("required by %s", cachescan.Printable(r.Module))
				}
			}
		}
		for _, r := range pr.Replaces {
			if r.NewPath == mod.Path && r.NewVersion == v.Version {
				add("replaces %s (%s)", cachescan.Printable(r.OldPath), cachescan.Printable(r.Source))
			}
		}
	}
	add("download %s", cachescan.Printable(v.DownloadDir))
	if v.Dir != "" {
		add("tree %s", cachescan.Printable(v.Dir))
	}
	for _, f := range v.Files {
		add("  %s  %s  %s", cachescan.Printable(f.Name), report.HumanBytes(f.ApparentBytes), f.ModTime.Local().Format("2006-01-02 15:04"))
	}
	return out
}

// problemDetails puts what to do first: a small pane still shows the fix.
func problemDetails(pr *cachescan.Problem, st *Styles) []string {
	rank := pr.Severity.Rank()
	title := st.Severity[rank].Render(severitySymbols[rank]+" "+pr.Kind) + " (" + string(pr.Severity) + ")"
	if pr.Module != "" {
		title += " " + problemSubject(pr)
	}
	out := []string{title, cachescan.Printable(pr.Detail), st.Label.Render("fix: ") + cachescan.Printable(pr.Fix), "at " + cachescan.Printable(pr.Path)}
	if k := cachescan.LookupKind(pr.Kind); k != nil {
		out = append(out, st.Dim.Render(k.Meaning))
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "present"
	}
	return "missing"
}
