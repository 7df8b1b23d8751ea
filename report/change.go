package report

import (
	"fmt"
	"io"
	"strings"

	"modscope/actions"
	"modscope/cachescan"
)

// WritePurgePlan prints what a purge would remove and free.
func WritePurgePlan(w io.Writer, plan *actions.PurgePlan) error {
	r := &report{w: w}
	if len(plan.Items) == 0 && len(plan.Manual) == 0 {
		r.line("Nothing to remove.")
		return r.err
	}
	r.purgePlan("Purge plan", plan, "")
	return r.err
}

// purgePlan prints a plan's items: what goes, its size, why, warnings.
func (r *report) purgePlan(title string, plan *actions.PurgePlan, note string) {
	n, other, lists := 0, 0, 0
	for _, it := range plan.Items {
		switch {
		case it.Refused != "":
		case it.Kind == actions.ItemVersion:
			n++
		case it.Kind == actions.ItemList:
			lists++
		default:
			other++
		}
	}
	what := Plural(int64(n), "version")
	switch {
	case n == 0:
		what = Plural(int64(other), "item")
	case other > 0:
		what += ", " + Plural(int64(other), "other item")
	}

	r.line("%s: %s, %s on disk (%s apparent)", title, what, HumanBytes(plan.Size.Bytes), HumanBytes(plan.Size.ApparentBytes))
	if lists > 0 {
		r.para(2, "and "+Plural(int64(lists), "list")+" to rewrite")
	}
	if note != "" {
		r.para(2, "("+note+")")
	}
	if modcache, gocache := plan.Roots(); len(plan.Items) > 0 {
		// The paths below are relative to these.
		r.para(2, "in GOMODCACHE "+p(modcache))
		if gocache != "" {
			r.para(2, "and GOCACHE "+p(gocache))
		}
	}
	for _, it := range plan.Items {
		if it.Refused != "" {
			r.para(2, "- "+p(it.Label)+": kept: "+p(it.Refused))
			continue
		}
		line := fmt.Sprintf("- %s: %s, %s", p(it.Label), Plural(int64(len(it.Paths)), "path"), HumanBytes(it.Size.Bytes))
		if it.Kind == actions.ItemBuild {
			line = fmt.Sprintf("- %s: %s, %s", p(it.Label), Plural(int64(len(it.Paths)), "entry"), HumanBytes(it.Size.Bytes))
		}
		if it.Kind == actions.ItemTestCache || it.Kind == actions.ItemList {
			line = "- " + p(it.Label)
		}
		if it.Reason != "" && it.Reason != "named" {
			line += " (" + p(it.Reason) + ")"
		}
		r.para(2, line)
		if it.Kind != actions.ItemTestCache && it.Kind != actions.ItemList {
			r.planPaths(plan, it.Paths)
		}
		for _, wmsg := range it.Warnings {
			r.para(4, "! "+p(wmsg))
		}
	}
	for _, wmsg := range plan.Warnings {
		r.para(2, "! "+p(wmsg))
	}
	if len(plan.Running) > 0 {
		r.para(2, "! running now: "+p(strings.Join(plan.Running, ", "))+"; a build that is using what goes fails")
	}
	r.manual(plan.Manual)
}

// planPathsShown bounds the paths listed under one item; --json has all.
const planPathsShown = 4

// planPaths lists an item's paths, relative to their cache root.
func (r *report) planPaths(plan *actions.PurgePlan, paths []string) {
	for i, path := range paths {
		if i == planPathsShown && len(paths) > planPathsShown+1 {
			r.para(6, fmt.Sprintf("… and %s more (--json lists every path)", Count(int64(len(paths)-planPathsShown))))
			return
		}
		r.para(6, p(plan.Short(path)))
	}
}

// manual lists problems that need a person, with their fixes.
func (r *report) manual(ps []cachescan.Problem) {
	if len(ps) == 0 {
		return
	}
	r.line("Left for you (%d): no safe automatic fix", len(ps))
	for _, pr := range ps {
		where := pr.Path
		if pr.Module != "" {
			where = pr.Module + "@" + pr.Version
		}
		r.para(2, "- "+pr.Kind+" "+p(where)+": "+p(pr.Detail))
		r.para(4, "fix: "+p(pr.Fix))
	}
}

// WritePurgeResults prints what a purge did.
func WritePurgeResults(w io.Writer, results []actions.PurgeResult) error {
	r := &report{w: w}
	if len(results) == 0 {
		return nil
	}
	var removed int64
	var freed cachescan.Size
	kept, notStarted, lists, listsDone := 0, 0, 0, 0
	for _, res := range results {
		freed.Add(res.Freed)
		if res.Kind == actions.ItemList {
			// A rewrite, not a removal: counted apart.
			lists++
			if res.Removed {
				listsDone++
			} else if res.Err != "" {
				r.para(2, "- "+p(res.Label)+": "+p(res.Err))
			}
			continue
		}
		switch {
		case res.Removed:
			removed++
		case res.NotStarted:
			notStarted++
		case res.Kept != "":
			kept++
			r.para(2, "- "+p(res.Label)+": kept: "+p(res.Kept))
		default:
			r.para(2, "- "+p(res.Label)+": "+p(res.Err))
		}
	}
	line := fmt.Sprintf("Removed %d of %d, freed %s.", removed, len(results)-kept-lists, HumanBytes(freed.Bytes))
	if kept > 0 {
		line = fmt.Sprintf("Removed %d of %d (%d kept), freed %s.", removed, len(results)-kept-lists, kept, HumanBytes(freed.Bytes))
	}
	if lists > 0 {
		line += fmt.Sprintf(" Rewrote %d of %s.", listsDone, Plural(int64(lists), "list"))
		if len(results) == lists {
			line = fmt.Sprintf("Rewrote %d of %s.", listsDone, Plural(int64(lists), "list"))
		}
	}
	if notStarted > 0 {
		line += fmt.Sprintf(" Stopped: %d not started, left as they were.", notStarted)
	}
	r.line("%s", line)
	return r.err
}

// failure prints an error as the go command said it (six lines at most),
// then its causes and fixes from the knowledge base, or that it has none.
func (r *report) failure(text string, explanations []actions.Explanation) {
	for i, l := range strings.Split(strings.TrimSpace(text), "\n") {
		if i == 6 {
			r.para(2, "…")
			break
		}
		r.para(2, "| "+p(strings.ReplaceAll(l, "\t", "    ")))
	}
	if len(explanations) == 0 {
		r.para(2, "cause: not in the knowledge base; modscope explain shows what it knows")
	}
	for _, e := range explanations {
		r.para(2, "cause: "+e.Cause)
		r.para(2, "fix: "+p(e.Fix))
	}
}

// WriteRepairPlan prints what a repair would do about the problems found.
func WriteRepairPlan(w io.Writer, plan *actions.RepairPlan, found int) error {
	r := &report{w: w}
	if plan.Empty() && len(plan.Manual) == 0 {
		r.line("Nothing to repair: %s found.", Plural(int64(found), "problem"))
		return r.err
	}
	if len(plan.Purge.Items) > 0 {
		r.purgePlan("Remove", plan.Purge, "the go command restores these by itself, offline")
	}
	if len(plan.Downloads) > 0 {
		r.line("Download again: %s", Plural(int64(len(plan.Downloads)), "version"))
		r.para(2, "(needs the network; each replaced once a checked fresh copy is in hand)")
		for _, d := range plan.Downloads {
			r.para(2, "- "+p(d))
		}
	}
	r.manual(plan.Manual)
	return r.err
}

// WriteDownloadResults prints each download's verdict, and explains the
// failures with the knowledge base.
func WriteDownloadResults(w io.Writer, results []actions.DownloadResult) error {
	r := &report{w: w}
	if len(results) == 0 {
		return nil
	}
	counts := map[actions.Verdict]int{}
	for _, res := range results {
		counts[res.Verdict]++
		name := res.Target
		if res.Module != "" {
			name = res.Module + "@" + res.Version
		}
		mark := "✓"
		if res.NeedsAction() {
			mark = "✗"
		}
		r.para(0, mark+" "+p(name)+": "+string(res.Verdict))
		if res.Detail != "" {
			r.para(2, p(res.Detail))
		}
		if res.Checked != "" && res.Verdict != actions.VerdictFailed {
			r.para(2, "checked by: "+p(res.Checked))
		}
		if res.Error != "" {
			r.failure(res.Error, res.Explanations)
		}
	}
	var parts []string
	for _, v := range actions.Verdicts {
		if counts[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[v], string(v)))
		}
	}
	r.line("Downloads: %s.", strings.Join(parts, ", "))
	return r.err
}
