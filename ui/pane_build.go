package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"modscope/cachescan"
	"modscope/report"
)

// buildPane is the Build cache view, in a viewport.
type buildPane struct {
	c        *common
	vp       viewport.Model
	problems []cachescan.Problem
}

func newBuildPane(c *common) *buildPane { return &buildPane{c: c, vp: viewport.New()} }

func (p *buildPane) SetSize(w, h int) {
	p.vp.SetWidth(w)
	p.vp.SetHeight(h)
}

func (p *buildPane) Update(msg tea.Msg) action { return scrollPane(&p.vp, p.c.keys, msg) }

func (p *buildPane) View() string {
	p.vp.SetContentLines(cutLines(buildLines(p.c.snap, p.problems, p.c.styles, p.c.apparent, p.vp.Width()), p.vp.Width()))
	return p.vp.View()
}

func (p *buildPane) ShortHelp() []key.Binding {
	k := p.c.keys
	return []key.Binding{k.Up, k.Down, withHelp(k.Purge, "purge plans"), k.Apparent, k.NextView, k.Rescan}
}

func (p *buildPane) FullHelp() [][]key.Binding {
	k := p.c.keys
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown}, {withHelp(k.Purge, "purge plans"), k.PurgePolicy, k.VerifyAll, k.Apparent, k.Rescan, k.LastResult}}
}

// cutLines cuts each line to w with "…": a viewport cuts silently, and a
// line cut short must not read as whole.
func cutLines(lines []string, w int) []string {
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return lines
}

// scrollPane scrolls a viewport with the navigation keys and the wheel.
func scrollPane(vp *viewport.Model, k KeyMap, msg tea.Msg) action {
	if d, ok := wheelDelta(msg); ok {
		scrollBy(vp, d)
		return nil
	}
	if km, ok := msg.(tea.KeyPressMsg); ok {
		if d, ok := navDelta(km, k, vp.Height()); ok {
			scrollBy(vp, d)
		}
	}
	return nil
}

// buildLines is the Build cache view.
func buildLines(snap *cachescan.Snapshot, problems []cachescan.Problem, st *Styles, apparent bool, width int) []string {
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
	for _, pr := range problems {
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
