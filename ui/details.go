package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"modscope/cachescan"
	"modscope/report"
)

// detailLines is what is known about the selection of the current view.
func (m *Model) detailLines() []string {
	if m.state != stateReady {
		return nil
	}
	switch m.view {
	case viewModules:
		if n := m.browser.selected(); n != nil {
			return m.nodeDetails(n)
		}
	case viewProblems:
		if pr := m.problems.selected(); pr != nil {
			return problemDetails(pr, m.styles)
		}
	}
	return nil
}

// wrapLines breaks lines to width at spaces; a word longer than a line
// (a path, a hash) is broken where it must be, not at its slashes.
func wrapLines(lines []string, width int) []string {
	var out []string
	for _, l := range lines {
		if ansi.StringWidth(l) <= width {
			out = append(out, l)
			continue
		}
		out = append(out, strings.Split(ansi.Wrap(l, width, ""), "\n")...)
	}
	return out
}

// detailsPane draws the details in a w×h box with a rule on its left
// (beside the body) or on top (below it).
func (m *Model) detailsPane(w, h int) string {
	st := m.styles
	right, _ := m.detailsPlacement()
	inner := w
	if right {
		inner = w - 2
	} else {
		h--
	}
	block := fitBlock(strings.Join(wrapLines(m.detailLines(), inner), "\n"), inner, h)
	if right {
		rule := st.PaneBorder.Render("│ ")
		ls := strings.Split(block, "\n")
		for i := range ls {
			ls[i] = rule + ls[i]
		}
		return strings.Join(ls, "\n")
	}
	return st.PaneBorder.Render(strings.Repeat("─", w)) + "\n" + block
}

func (m *Model) nodeDetails(n *node) []string {
	st := m.styles
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
		out = append(out, m.versionDetails(n.mod, n.ver)...)
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
		if n.kind == kindModule && m.snap.Project != nil {
			for _, r := range m.snap.Project.Requires {
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
	if t, ok := m.browser.shown[n]; ok {
		// The row counts what the filter shows; the lines above give
		// the whole.
		add("%s", st.Input.Render(fmt.Sprintf("the filter %q shows %s of it, %s", m.browser.filter,
			report.HumanBytes(m.sizeOf(t.size)), report.Plural(int64(t.versions), "version"))))
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

func (m *Model) versionDetails(mod *cachescan.Module, v *cachescan.Version) []string {
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
	zipSums, modSums := m.snap.Project.Sum(mod.Path, v.Version)
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
	if pr := m.snap.Project; pr != nil {
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
