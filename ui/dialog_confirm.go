package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// confirmDialog shows a job's plan and asks before anything changes.
// Only y goes ahead: n, esc, q and enter (the default, No) cancel.
type confirmDialog struct {
	job    *job
	offset int
	cursor int    // a re-download: the version under the cursor
	msg    string // why the last key did nothing
}

func (d *confirmDialog) scroll(delta int) {
	if d.job.kind == jobDownload {
		d.cursor = min(max(d.cursor+delta, 0), len(d.job.choices)-1)
		return
	}
	d.offset += delta
}

func (*confirmDialog) layer() layer { return layerBox }

func (d *confirmDialog) update(c *common, msg tea.Msg) action {
	if delta, ok := wheelDelta(msg); ok {
		d.scroll(delta)
		return nil
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	j, dk := d.job, c.keys.Dialog
	d.msg = ""
	switch {
	case matches(k, dk.Yes):
		if j.kind == jobDownload && len(j.chosen()) == 0 {
			d.msg = "no version chosen: space chooses one"
			return nil
		}
		return startJob{j}
	case matches(k, dk.No):
		return closeTop{status: "nothing changed", setStatus: true}
	case matches(k, dk.Choose):
		if j.kind == jobDownload && d.cursor < len(j.choices) {
			ch := &j.choices[d.cursor]
			if ch.refused == "" {
				ch.on = !ch.on
			}
			d.cursor = min(d.cursor+1, len(j.choices)-1)
		}
		return nil
	case matches(k, dk.Metadata):
		if j.kind == jobPurge && j.onlyMeta {
			d.msg = "only .mod and .info are left of these: keeping them would remove nothing"
			return nil
		}
		if j.kind == jobPurge && j.metaable {
			// Planned again by the root, in a command: the plan reads
			// the disk. This dialog shows the old plan meanwhile.
			again := *j
			again.targets.Metadata = !j.targets.Metadata
			again.plan = nil
			return planJob{job: &again, replan: true}
		}
		return nil
	case matches(k, dk.Apparent):
		return toggleApparent{}
	}
	if delta, ok := navDelta(k, c.keys, max(c.height/2, 1)); ok {
		d.scroll(delta)
	}
	return nil
}

// replanned takes the plan made after m, or says why there is none.
func (d *confirmDialog) replanned(j *job, err error) {
	if err != nil {
		d.msg = "cannot plan it: " + cachescan.Printable(err.Error())
		return
	}
	d.job = j
}

// hints: y and how to cancel stay; on a narrow terminal a and j/k go
// first (the scroll line in the dialog names j/k too), then space.
func (d *confirmDialog) hints() []hint {
	j := d.job
	yes := hint{key: "y", desc: "remove"}
	switch j.kind {
	case jobDownload:
		yes = hint{key: "y", desc: "fetch and replace", shortDesc: "fetch"}
	case jobRepair:
		yes.desc = "repair"
	}
	h := []hint{yes, {key: "n/esc/enter", desc: "cancel", shortKey: "n/esc"}}
	switch {
	case j.kind == jobDownload:
		h = append(h, hint{key: "space", desc: "choose", drop: 1}, hint{key: "j/k", desc: "move", drop: 2})
	default:
		h = append(h, hint{key: "j/k", desc: "scroll", drop: 2})
	}
	if j.kind == jobPurge && j.metaable && !j.onlyMeta {
		if j.targets.Metadata {
			h = append(h, hint{key: "m", desc: "keep .mod/.info", shortDesc: "-.mod/.info", drop: 1})
		} else {
			h = append(h, hint{key: "m", desc: "also .mod/.info", shortDesc: "+.mod/.info", drop: 1})
		}
	}
	if j.kind != jobDownload {
		h = append(h, hint{key: "a", desc: "apparent/disk", shortDesc: "sizes", drop: 3})
	}
	return h
}

func (d *confirmDialog) view(c *common, w, h int) string {
	st, j := c.styles, d.job
	iw := max(w-4, 1)
	// The head says what and how much; the body, which scrolls, says
	// what to know first, then lists what goes.
	var head, body, foot []string
	title := "Purge"
	focus := -1
	// Narrow terminals get the short form of the notes.
	narrow := iw < 56
	switch j.kind {
	case jobPurge:
		plan := j.plan
		head = append(head, st.PaneTitle.Render(j.subject), planCounts(plan)+" · frees "+c.freeText(plan.Size))
		var notes []string
		switch {
		case !j.metaable:
		case narrow && j.onlyMeta:
			notes = append(notes, st.Dim.Render("Only .mod and .info are left: they go."))
		case j.onlyMeta:
			notes = append(notes, st.Dim.Render("Only .mod and .info are left of these: they go, and loading the module graph then needs the network for them."))
		case narrow && j.targets.Metadata:
			notes = append(notes, st.Dim.Render(".mod and .info go too (m keeps them)."))
		case narrow:
			notes = append(notes, st.Dim.Render(".mod and .info stay (m removes them too)."))
		case j.targets.Metadata:
			notes = append(notes, st.Dim.Render("Trees, zips, ziphashes, .mod and .info go: a build that needs them fetches them again."))
		default:
			notes = append(notes, st.Dim.Render("Trees, zips and ziphashes go; .mod and .info stay, so the module graph still loads offline."))
		}
		if j.metaOnly > 0 && !j.targets.Metadata {
			// The title counts them: say why the plan does not.
			if j.metaOnly == 1 {
				notes = append(notes, st.Dim.Render("1 metadata-only version stays: m removes its .mod and .info too."))
			} else {
				notes = append(notes, st.Dim.Render(report.Plural(int64(j.metaOnly), "metadata-only version")+" stay: m removes their .mod and .info too."))
			}
		}
		if j.skipped > 0 {
			notes = append(notes, st.Dim.Render(report.Plural(int64(j.skipped), "marked row")+" cannot be purged on its own and stays (a version's files, list and lock files)."))
		}
		notes = append(notes, planWarnings(c, plan.Items, plan.Running, plan.Manual)...)
		notes = append(notes, planLevelWarnings(c, plan.Warnings)...)
		if len(notes) > 0 {
			body = append(wrapLines(notes, iw), "")
		}
		body = append(body, itemRows(c, plan.Items, iw)...)
		q := "Remove them?"
		if len(plan.Items) == 1 && len(plan.Items[0].Paths) <= 1 {
			q = "Remove it?"
		}
		if onlyTestCache(plan.Items) {
			q = "Expire the cached test results?"
		}
		foot = []string{"", question(st, q)}
	case jobDownload:
		title = "Re-download"
		if j.subject != "" {
			head = append(head, st.PaneTitle.Render(j.subject))
		}
		head = append(head, fmt.Sprintf("%d of %s chosen · needs the network", len(j.chosen()), report.Plural(int64(len(j.choices)), "version")))
		notes := []string{st.Dim.Render("Your go command fetches each one through " + proxyText(c) + " into a temporary cache. " +
			"A cached copy is replaced only once a checked fresh copy is in hand: a failed fetch changes nothing.")}
		if narrow {
			notes = []string{st.Dim.Render("Replaced only once a checked fresh copy is in hand.")}
		}
		notes = append(notes, networkWarnings(c)...)
		body = append(wrapLines(notes, iw), "")
		focus = len(body) + d.cursor
		for i, ch := range j.choices {
			body = append(body, choiceRow(st, ch, iw, c.sizeOf(ch.size), i == d.cursor))
		}
		q := "Fetch and replace them?"
		if len(j.chosen()) == 1 {
			q = "Fetch and replace it?"
		}
		foot = []string{"", question(st, q)}
	case jobRepair:
		title = "Repair"
		rp := j.repair
		// A list rewrite removes nothing: it is shown as what it is,
		// apart from the removals, so that "frees" counts only these.
		var removals, rewrites []*actions.PurgeItem
		for _, it := range rp.Purge.Items {
			if it.Kind == actions.ItemList {
				rewrites = append(rewrites, it)
			} else {
				removals = append(removals, it)
			}
		}
		var sum []string
		if len(removals) > 0 {
			sum = append(sum, "removes "+report.Plural(int64(len(removals)), "item")+" (frees "+c.freeText(rp.Purge.Size)+")")
		}
		if len(rewrites) > 0 {
			sum = append(sum, "rewrites the list of "+report.Plural(int64(len(rewrites)), "module"))
		}
		if len(rp.Downloads) > 0 {
			sum = append(sum, "downloads "+report.Plural(int64(len(rp.Downloads)), "version"))
		}
		if len(rp.Manual) > 0 {
			sum = append(sum, fmt.Sprintf("%d left to you", len(rp.Manual)))
		}
		head = append(head, st.PaneTitle.Render(j.subject), strings.Join(sum, " · "))
		notes := planWarnings(c, rp.Purge.Items, rp.Purge.Running, nil)
		notes = append(notes, planLevelWarnings(c, rp.Purge.Warnings)...)
		if len(rp.Downloads) > 0 {
			notes = append(notes, networkWarnings(c)...)
		}
		if len(notes) > 0 {
			body = append(wrapLines(notes, iw), "")
		}
		if len(removals) > 0 {
			body = append(body, wrapLines([]string{st.PaneTitle.Render("Remove") + st.Dim.Render(" — the go command rebuilds these offline, or needs them no more:")}, iw)...)
			body = append(body, itemRows(c, removals, iw)...)
		}
		if len(rewrites) > 0 {
			if len(body) > 0 {
				body = append(body, "")
			}
			body = append(body, wrapLines([]string{st.PaneTitle.Render("Rewrite the list of "+report.Plural(int64(len(rewrites)), "module")) +
				st.Dim.Render(" — from the .mod files present; nothing is removed:")}, iw)...)
			for _, it := range rewrites {
				body = append(body, "  "+report.ShortenMiddle(cachescan.Printable(it.Module), iw-2))
			}
		}
		if len(rp.Downloads) > 0 {
			if len(body) > 0 {
				body = append(body, "")
			}
			body = append(body, wrapLines([]string{st.PaneTitle.Render("Download again") + st.Dim.Render(" — needs the network; each is replaced only once a checked fresh copy is in hand:")}, iw)...)
			for _, t := range rp.Downloads {
				body = append(body, "  "+report.ShortenMiddle(cachescan.Printable(t), iw-2))
			}
		}
		if len(rp.Manual) > 0 {
			if len(body) > 0 {
				body = append(body, "")
			}
			body = append(body, st.PaneTitle.Render("Left to you")+st.Dim.Render(" — no automatic fix:"))
			for i := range rp.Manual {
				pr := &rp.Manual[i]
				body = append(body, "  "+report.ShortenMiddle(pr.Kind+"  "+problemSubject(pr), iw-2))
				body = append(body, wrapLines([]string{st.Dim.Render("    fix: " + cachescan.Printable(pr.Fix))}, iw)...)
			}
		}
		foot = []string{"", question(st, "Repair?")}
	}
	if d.msg != "" {
		foot = append([]string{st.Severity[1].Render(d.msg)}, foot...)
	}
	// The body is wrapped above already: item rows must stay one line.
	return drawDialog(st, title, w, h, head, body, foot, &d.offset, focus, false)
}
