package ui

import (
	"fmt"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// infoDialog shows text: a result, or what no action can do. j/k
// scroll it; any other key closes it.
type infoDialog struct {
	title  string
	lines  []string
	offset int
}

func newInfo(title string, lines []string) *infoDialog {
	return &infoDialog{title: title, lines: lines}
}

func (d *infoDialog) reset()           { d.offset = 0 }
func (d *infoDialog) scroll(delta int) { d.offset += delta }
func (*infoDialog) layer() layer       { return layerBox }

func (d *infoDialog) update(c *common, msg tea.Msg) action {
	if delta, ok := wheelDelta(msg); ok {
		d.scroll(delta)
		return nil
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if delta, ok := navDelta(k, c.keys, max(c.height/2, 1)); ok {
		d.scroll(delta)
		return nil
	}
	return closeTop{}
}

func (d *infoDialog) hints() []hint {
	return []hint{{key: "any other key", desc: "close", shortKey: "any key"}, {key: "j/k", desc: "scroll", drop: 1},
		{key: "L", desc: "opens the last result again", shortDesc: "shows it again", drop: 2}}
}

func (d *infoDialog) view(c *common, w, h int) string {
	return drawDialog(c.styles, d.title, w, h, nil, d.lines, nil, &d.offset, -1, true)
}

// resultLines is what the result dialog shows after a task: what went
// and what failed, each download's verdict, and for a failed download the
// go command's error with the knowledge base's cause and fix.
func resultLines(c *common, j *job, msg taskDoneMsg) []string {
	st := c.styles
	var failed, kept []actions.PurgeResult
	notStarted := 0
	for _, r := range msg.purge {
		switch {
		case r.Removed:
		case r.NotStarted:
			notStarted++
		case r.Kept != "":
			kept = append(kept, r)
		default:
			failed = append(failed, r)
		}
	}
	var out []string
	if msg.err != nil {
		out = append(out, st.StatusError.Render(cachescan.Printable(msg.err.Error())), "")
	}
	if len(msg.purge) > 0 {
		var freed cachescan.Size
		lists, rewrote, removed := 0, 0, 0
		for _, r := range msg.purge {
			freed.Add(r.Freed)
			switch {
			case r.Kind == actions.ItemList:
				// Rewrites remove nothing: they are counted apart.
				lists++
				if r.Removed {
					rewrote++
				}
			case r.Removed:
				removed++
			}
		}
		if asked := len(msg.purge) - len(kept) - lists; asked > 0 {
			out = append(out, st.PaneTitle.Render(fmt.Sprintf("Removed %d of %s, freed %s", removed,
				report.Plural(int64(asked), "item"), report.HumanBytes(c.sizeOf(freed)))))
		}
		if lists > 0 {
			out = append(out, st.PaneTitle.Render(fmt.Sprintf("Rewrote the list of %d of %s", rewrote, report.Plural(int64(lists), "module"))))
		}
		if notStarted > 0 {
			out = append(out, st.Dim.Render(fmt.Sprintf("– stopped: %s not started, left as they were", report.Plural(int64(notStarted), "item"))))
		}
		for _, r := range failed {
			out = append(out, st.Severity[0].Render("✗ ")+cachescan.Printable(r.Label))
			out = append(out, "    "+cachescan.Printable(firstLine(r.Err)))
		}
		for _, r := range kept {
			out = append(out, st.Dim.Render("– "+cachescan.Printable(r.Label)+": kept: "+cachescan.Printable(r.Kept)))
		}
		if j.kind == jobPurge {
			for _, r := range msg.purge {
				if r.Removed {
					out = append(out, st.Label.Render("✓ ")+cachescan.Printable(r.Label)+st.Dim.Render("  "+report.HumanBytes(c.sizeOf(r.Freed))))
				}
			}
		}
	}
	if len(msg.downloads) > 0 {
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, st.PaneTitle.Render("Downloads"))
		ds := append([]actions.DownloadResult(nil), msg.downloads...)
		// Failures first: they are what needs reading.
		rank := map[actions.Verdict]int{actions.VerdictFailed: 0, actions.VerdictUpstream: 1, actions.VerdictGoSumWrong: 1, actions.VerdictFixed: 2, actions.VerdictNew: 3, actions.VerdictSame: 4}
		sort.SliceStable(ds, func(a, b int) bool { return rank[ds[a].Verdict] < rank[ds[b].Verdict] })
		explained := map[string]string{} // explanation ID -> the first target it was shown for
		for _, r := range ds {
			sym, style, verdict := "✓", st.Label, r.Verdict
			switch {
			case cancelled(r):
				sym, style, verdict = "–", st.Dim, "cancelled"
			case r.Verdict == actions.VerdictFailed:
				sym, style = "✗", st.Severity[0]
			case r.Verdict == actions.VerdictUpstream || r.Verdict == actions.VerdictGoSumWrong:
				sym, style = "!", st.Severity[1]
			}
			out = append(out, style.Render(sym+" "+fmt.Sprintf("%-16s", verdict))+" "+cachescan.Printable(r.Target))
			if cancelled(r) {
				continue
			}
			if r.Detail != "" {
				out = append(out, st.Dim.Render("    "+cachescan.Printable(r.Detail)))
			}
			if r.Error != "" {
				lines := strings.Split(strings.TrimSpace(r.Error), "\n")
				if len(lines) > 4 {
					lines = append(lines[:4], fmt.Sprintf("(%d more lines)", len(lines)-4))
				}
				for _, l := range lines {
					out = append(out, "    "+cachescan.Printable(strings.TrimSpace(l)))
				}
			}
			if len(r.Explanations) > 0 {
				e := r.Explanations[0]
				if first, ok := explained[e.ID]; ok {
					out = append(out, st.Dim.Render("    cause and fix: as for "+cachescan.Printable(first)))
				} else {
					explained[e.ID] = r.Target
					out = append(out, "    "+st.Label.Render("cause: ")+cachescan.Printable(e.Cause))
					out = append(out, "    "+st.Label.Render("fix: ")+cachescan.Printable(e.Fix))
				}
			}
			if r.Checked != "" && r.Verdict != actions.VerdictFailed {
				out = append(out, st.Dim.Render("    checked by "+cachescan.Printable(r.Checked)))
			}
		}
	}
	if j.kind == jobRepair && len(j.repair.Manual) > 0 {
		out = append(out, "")
		out = append(out, manualInfo(c, j.repair.Manual)...)
	}
	return out
}

// cancelled reports whether a download was stopped by esc (or q).
func cancelled(r actions.DownloadResult) bool {
	return r.Verdict == actions.VerdictFailed && r.Error == "cancelled"
}

// manualInfo lists problems no action fixes, with their fixes.
func manualInfo(c *common, ps []cachescan.Problem) []string {
	st := c.styles
	out := []string{"No automatic fix for " + report.Plural(int64(len(ps)), "problem") + "; each needs a person:", ""}
	for i := range ps {
		pr := &ps[i]
		rank := pr.Severity.Rank()
		out = append(out, st.Severity[rank].Render(severitySymbols[rank])+" "+pr.Kind+"  "+problemSubject(pr))
		out = append(out, st.Dim.Render("  fix: ")+cachescan.Printable(pr.Fix))
	}
	return out
}
