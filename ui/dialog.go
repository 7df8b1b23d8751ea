package ui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// modal is a dialog over the body. While one is open it gets every key
// (but ctrl+c), and the footer shows its keys.
type modal interface {
	key(m *Model, msg tea.KeyPressMsg) tea.Cmd
	// render draws the box, at most w columns and h lines.
	render(m *Model, w, h int) string
	hints() []hint
	scroll(delta int)
}

// dialogWidth is a dialog's width on this terminal: most of it, within
// reason, and all of it when it is narrow.
func (m *Model) dialogWidth() int {
	return min(m.width, max(60, min(90, m.width*4/5)))
}

// overlayModal draws the open dialog over the screen: centred on the
// body when it fits there, else on everything but the footer.
func (m *Model) overlayModal(screen string) string {
	w, maxH := m.dialogWidth(), max(m.height-1, 3)
	box := m.modal.render(m, w, maxH)
	bh := strings.Count(box, "\n") + 1
	x := max((m.width-w)/2, 0)
	y := max((m.height-1-bh)/2, 0)
	if bodyH := m.height - headerLines - 1; bh <= bodyH {
		y = headerLines + (bodyH-bh)/2
	}
	return overlay(screen, box, x, y)
}

// overlay puts box over base with its top-left corner at column x, line y.
func overlay(base, box string, x, y int) string {
	lines := strings.Split(base, "\n")
	for i, bl := range strings.Split(box, "\n") {
		if y+i >= len(lines) {
			break
		}
		l := lines[y+i]
		left := padRight(ansi.Truncate(l, x, ""), x)
		right := ansi.TruncateLeft(l, x+ansi.StringWidth(bl), "")
		// Resets keep a style cut in two from running into the box.
		lines[y+i] = left + "\x1b[m" + bl + "\x1b[m" + right
	}
	return strings.Join(lines, "\n")
}

// drawDialog lays out a dialog w columns wide and at most maxH lines:
// head lines on top, body lines that scroll (from *offset; focus, if not
// negative, is a body line kept in sight; body lines are wrapped with
// wrap, else cut), foot lines at the bottom. Head and foot lines are wrapped;
// when the terminal is short, blank lines go first, then the head's last
// lines and the foot's first ones (the foot's last line, the question,
// stays), then long lines are cut short; the body keeps half the room.
func drawDialog(st *Styles, title string, w, maxH int, head, body, foot []string, offset *int, focus int, wrap bool) string {
	iw := max(w-4, 1)
	if wrap {
		body = wrapIndented(body, iw)
	}
	avail := max(maxH-2, 1)
	hg, fg := wrapGroups(head, iw), wrapGroups(foot, iw)
	need := func(extra int) bool { return countLines(hg)+countLines(fg)+extra > avail }
	if need(len(body)) {
		hg, fg = dropBlankGroups(hg), dropBlankGroups(fg)
	}
	// The body keeps half the room, when it has that much to show.
	minBody := min(len(body), max(avail/2, 2))
	for need(minBody) && len(hg) > 1 {
		hg = hg[:len(hg)-1]
	}
	for need(minBody) && len(fg) > 1 {
		fg = fg[1:]
	}
	for need(minBody) {
		// Cut the longest group short.
		var longest *[]string
		for _, g := range [][][]string{hg, fg} {
			for i := range g {
				if longest == nil || len(g[i]) > len(*longest) {
					longest = &g[i]
				}
			}
		}
		if longest == nil || len(*longest) <= 1 {
			break
		}
		*longest = (*longest)[:len(*longest)-1]
		last := len(*longest) - 1
		(*longest)[last] = ansi.Truncate((*longest)[last], iw-1, "") + "…"
	}
	bodyH := min(max(avail-countLines(hg)-countLines(fg), 0), len(body))
	rows := bodyH
	more := bodyH < len(body) && bodyH >= 2
	if more {
		rows-- // the last line says what is not shown
	}
	*offset = min(max(*offset, 0), max(len(body)-rows, 0))
	if focus >= 0 && rows > 0 {
		if focus < *offset {
			*offset = focus
		}
		if focus >= *offset+rows {
			*offset = focus - rows + 1
		}
	}
	var lines []string
	for _, g := range hg {
		lines = append(lines, g...)
	}
	lines = append(lines, body[*offset:*offset+rows]...)
	if more {
		var parts []string
		if *offset > 0 {
			parts = append(parts, fmt.Sprintf("↑ %d more", *offset))
		}
		if below := len(body) - *offset - rows; below > 0 {
			parts = append(parts, fmt.Sprintf("↓ %d more", below))
		}
		lines = append(lines, st.Dim.Render(strings.Join(parts, " · ")+" · j/k scroll"))
	}
	for _, g := range fg {
		lines = append(lines, g...)
	}

	b := st.Dialog
	title = report.ShortenMiddle(title, max(w-6, 1))
	fill := max(w-5-ansi.StringWidth(title), 0)
	out := []string{b.Render("╭─ ") + st.DialogTitle.Render(title) + b.Render(" "+strings.Repeat("─", fill)+"╮")}
	for _, l := range lines {
		out = append(out, b.Render("│")+" "+padRight(ansi.Truncate(l, iw, "…"), iw)+" "+b.Render("│"))
	}
	out = append(out, b.Render("╰"+strings.Repeat("─", max(w-2, 0))+"╯"))
	return strings.Join(out, "\n")
}

// wrapIndented wraps lines to width; an indented line's continuations
// keep its indent, so that a result's details stay under their title.
func wrapIndented(ls []string, width int) []string {
	var out []string
	for _, l := range ls {
		plain := ansi.Strip(l)
		indent := len(plain) - len(strings.TrimLeft(plain, " "))
		if indent == 0 || indent > width/3 || ansi.StringWidth(l) <= width {
			out = append(out, wrapLines([]string{l}, width)...)
			continue
		}
		rest := ansi.TruncateLeft(l, indent, "")
		for _, part := range wrapLines([]string{rest}, width-indent) {
			out = append(out, strings.Repeat(" ", indent)+part)
		}
	}
	return out
}

// wrapGroups wraps each line to width, keeping the lines each made together.
func wrapGroups(ls []string, width int) [][]string {
	var out [][]string
	for _, l := range ls {
		out = append(out, wrapLines([]string{l}, width))
	}
	return out
}

func countLines(gs [][]string) int {
	n := 0
	for _, g := range gs {
		n += len(g)
	}
	return n
}

func dropBlankGroups(gs [][]string) [][]string {
	var out [][]string
	for _, g := range gs {
		if len(dropBlank(g)) > 0 {
			out = append(out, g)
		}
	}
	return out
}

func dropBlank(ls []string) []string {
	var out []string
	for _, l := range ls {
		if strings.TrimSpace(ansi.Strip(l)) != "" {
			out = append(out, l)
		}
	}
	return out
}

// question is the dialog's last line: the default, No, in capitals.
func question(st *Styles, q string) string {
	return st.PaneTitle.Render(q) + " [y/" + st.Key.Render("N") + "]"
}

// hint is a key a dialog offers, as the footer shows it.
type hint struct {
	key, desc string
	// shortKey and shortDesc are the forms a narrow footer uses; ""
	// keeps the long one.
	shortKey, shortDesc string
	// drop orders the hints a footer too narrow for the short forms
	// leaves out: the highest first, the last of equals first; 0 stays.
	drop int
}

// hintLine renders a dialog's keys for the footer. A line too long for
// the terminal takes the short forms, then leaves out the hints that
// matter least until it fits, then gives back the long forms that still
// fit, descriptions before key lists (n/esc says how to cancel as well
// as n/esc/enter); a key is never cut in the middle. Only a line of the
// hints that always stay is cut, with "…".
func (m *Model) hintLine(hints []hint) string {
	st := m.styles
	short := make([]bool, len(hints))
	left := make([]bool, len(hints))
	line := func() string {
		var parts []string
		for i, h := range hints {
			if left[i] {
				continue
			}
			k, d := h.key, h.desc
			if short[i] && h.shortKey != "" {
				k = h.shortKey
			}
			if short[i] && h.shortDesc != "" {
				d = h.shortDesc
			}
			parts = append(parts, st.Key.Render(k)+" "+st.Help.Render(d))
		}
		return strings.Join(parts, st.Help.Render(" · "))
	}
	fits := func() bool { return ansi.StringWidth(line()) <= m.width }
	if fits() {
		return line()
	}
	for i := range short {
		short[i] = true
	}
	for !fits() {
		next := -1
		for i, h := range hints {
			if !left[i] && h.drop > 0 && (next < 0 || h.drop >= hints[next].drop) {
				next = i
			}
		}
		if next < 0 {
			return ansi.Truncate(line(), m.width, "…")
		}
		left[next] = true
	}
	for _, descs := range []bool{true, false} {
		for i, h := range hints {
			if left[i] || !short[i] || (h.shortDesc != "") != descs {
				continue
			}
			short[i] = false
			if !fits() {
				short[i] = true
			}
		}
	}
	return line()
}

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

func (d *confirmDialog) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	j := d.job
	d.msg = ""
	switch msg.String() {
	case "y", "Y":
		if j.kind == jobDownload && len(j.chosen()) == 0 {
			d.msg = "no version chosen: space chooses one"
			return nil
		}
		m.modal = nil
		return m.start(j)
	case "n", "N", "esc", "enter", "q":
		m.modal = nil
		m.status = "nothing changed"
		return nil
	case "space":
		if j.kind == jobDownload && d.cursor < len(j.choices) {
			c := &j.choices[d.cursor]
			if c.refused == "" {
				c.on = !c.on
			}
			d.cursor = min(d.cursor+1, len(j.choices)-1)
		}
		return nil
	case "m":
		if j.kind == jobPurge && j.onlyMeta {
			d.msg = "only .mod and .info are left of these: keeping them would remove nothing"
			return nil
		}
		if j.kind == jobPurge && j.metaable {
			old := j.targets.Metadata
			j.targets.Metadata = !old
			if err := makePlan(m.snap, j); err != nil {
				j.targets.Metadata = old
				d.msg = "cannot plan it: " + cachescan.Printable(err.Error())
			}
		}
		return nil
	case "a":
		m.toggleApparent()
		return nil
	}
	if delta, ok := navDelta(msg, m.keys, max(m.height/2, 1)); ok {
		d.scroll(delta)
	}
	return nil
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

func (d *confirmDialog) render(m *Model, w, h int) string {
	st, j := m.styles, d.job
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
		head = append(head, st.PaneTitle.Render(j.subject), planCounts(plan)+" · frees "+m.freeText(plan.Size))
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
		notes = append(notes, m.planWarnings(plan.Items, plan.Running, plan.Manual)...)
		if len(notes) > 0 {
			body = append(wrapLines(notes, iw), "")
		}
		body = append(body, m.itemRows(plan.Items, iw)...)
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
		notes := []string{st.Dim.Render("Your go command fetches each one through " + m.proxyText() + " into a temporary cache. " +
			"A cached copy is replaced only once a checked fresh copy is in hand: a failed fetch changes nothing.")}
		if narrow {
			notes = []string{st.Dim.Render("Replaced only once a checked fresh copy is in hand.")}
		}
		notes = append(notes, m.networkWarnings()...)
		body = append(wrapLines(notes, iw), "")
		focus = len(body) + d.cursor
		for i, c := range j.choices {
			body = append(body, choiceRow(st, c, iw, m.sizeOf(c.size), i == d.cursor))
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
			sum = append(sum, "removes "+report.Plural(int64(len(removals)), "item")+" (frees "+m.freeText(rp.Purge.Size)+")")
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
		notes := m.planWarnings(rp.Purge.Items, rp.Purge.Running, nil)
		if len(rp.Downloads) > 0 {
			notes = append(notes, m.networkWarnings()...)
		}
		if len(notes) > 0 {
			body = append(wrapLines(notes, iw), "")
		}
		if len(removals) > 0 {
			body = append(body, wrapLines([]string{st.PaneTitle.Render("Remove") + st.Dim.Render(" — the go command rebuilds these offline, or needs them no more:")}, iw)...)
			body = append(body, m.itemRows(removals, iw)...)
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

// freeText is what a plan frees: disk usage, or the apparent size with
// the disk usage beside it when a toggles apparent sizes.
func (m *Model) freeText(s cachescan.Size) string {
	if m.browser.apparent {
		return report.HumanBytes(s.ApparentBytes) + " apparent (" + report.HumanBytes(s.Bytes) + " on disk)"
	}
	return report.HumanBytes(s.Bytes) + " on disk"
}

// planCounts says how many versions and other items a plan removes.
func planCounts(plan *actions.PurgePlan) string {
	n, refused := 0, 0
	for _, it := range plan.Items {
		if it.Refused != "" {
			refused++
		} else {
			n++
		}
	}
	v := plan.Versions()
	s := report.Plural(int64(n), "item")
	switch {
	case v == n:
		s = report.Plural(int64(v), "version")
	case v > 0:
		s += " (" + report.Plural(int64(v), "version") + ")"
	}
	if refused > 0 {
		s += fmt.Sprintf(", %d refused", refused)
	}
	return s
}

func onlyTestCache(items []*actions.PurgeItem) bool {
	for _, it := range items {
		if it.Kind != actions.ItemTestCache {
			return false
		}
	}
	return len(items) > 0
}

// planWarnings gathers what the user should know before saying yes: each
// warning once with how many items it concerns, refused items, go
// commands running now, problems no purge fixes.
func (m *Model) planWarnings(items []*actions.PurgeItem, running []string, manual []cachescan.Problem) []string {
	st := m.styles
	warn := st.Severity[1].Render("! ")
	var out []string
	var order []string
	count := map[string]int{}
	first := map[string]string{}
	for _, it := range items {
		for _, w := range it.Warnings {
			if count[w] == 0 {
				order = append(order, w)
				first[w] = it.Label
			}
			count[w]++
		}
	}
	for _, w := range order {
		if count[w] == 1 {
			out = append(out, warn+cachescan.Printable(first[w])+": "+cachescan.Printable(w))
		} else {
			out = append(out, warn+cachescan.Printable(w)+fmt.Sprintf(" (%d items)", count[w]))
		}
	}
	refused := 0
	for _, it := range items {
		if it.Refused == "" {
			continue
		}
		refused++
		if refused <= 3 {
			out = append(out, st.Severity[0].Render("✗ ")+"refused: "+cachescan.Printable(it.Label)+": "+cachescan.Printable(it.Refused))
		}
	}
	if refused > 3 {
		out = append(out, st.Severity[0].Render("✗ ")+fmt.Sprintf("%d more refused", refused-3))
	}
	if len(running) > 0 {
		shown := running
		if len(shown) > 3 {
			shown = append(append([]string(nil), shown[:3]...), fmt.Sprintf("%d more", len(running)-3))
		}
		out = append(out, warn+"go commands running now: "+cachescan.Printable(strings.Join(shown, ", "))+"; a build using what goes may fail")
	}
	if len(manual) > 0 {
		out = append(out, st.Severity[2].Render("· ")+report.Plural(int64(len(manual)), "problem")+" here need a person, no purge fixes them (R lists them)")
	}
	return out
}

// itemRows lists purge items: a marker, the label, the size, the reason.
func (m *Model) itemRows(items []*actions.PurgeItem, width int) []string {
	st := m.styles
	var out []string
	// A reason that only repeats what was asked for (a name, a CLI
	// flag) says nothing the dialog's subject does not.
	reason := func(it *actions.PurgeItem) string {
		if it.Reason == "named" || strings.HasPrefix(it.Reason, "--") {
			return ""
		}
		return cachescan.Printable(it.Reason)
	}
	// One reason column for all rows, so that the sizes line up.
	reasonW := 0
	if width >= 56 {
		for _, it := range items {
			reasonW = max(reasonW, ansi.StringWidth(reason(it)))
		}
		reasonW = min(reasonW, 28, width/3)
	}
	for _, it := range items {
		sym := "  "
		switch {
		case it.Refused != "":
			sym = st.Severity[0].Render("✗") + " "
		case len(it.Warnings) > 0:
			sym = st.Severity[1].Render("!") + " "
		}
		size := fmt.Sprintf("%9s", report.HumanBytes(m.sizeOf(it.Size)))
		labelW := max(width-2-1-9-boolInt(reasonW > 0)*(2+reasonW), 4)
		line := sym + padRight(report.ShortenMiddle(cachescan.Printable(it.Label), labelW), labelW) + " " + size
		if reasonW > 0 {
			line += "  " + st.Dim.Render(padRight(report.ShortenMiddle(reason(it), reasonW), reasonW))
		}
		out = append(out, line)
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// choiceRow is a version a re-download offers, with its box.
func choiceRow(st *Styles, c choice, width int, size int64, selected bool) string {
	box := "[ ]"
	if c.on {
		box = "[x]"
	}
	tail := fmt.Sprintf("%-11s %9s", c.state, report.HumanBytes(size))
	if c.refused != "" {
		box, tail = "[-]", "refused: "+c.refused
	}
	if width < 50 {
		tail = ""
	}
	nameW := max(width-4-boolInt(tail != "")*(1+ansi.StringWidth(tail)), 4)
	line := box + " " + padRight(report.ShortenMiddle(cachescan.Printable(c.target), nameW), nameW)
	if tail != "" {
		line += " " + tail
	}
	if selected {
		return st.Selected.Render(padRight(line, width))
	}
	return line
}

// proxyText names where a download fetches from.
func (m *Model) proxyText() string {
	proxy := m.snap.Env.GOPROXY
	if proxy == "" {
		proxy = "https://proxy.golang.org,direct"
	}
	return "GOPROXY=" + cachescan.Printable(proxy)
}

// networkWarnings says when a download cannot work.
func (m *Model) networkWarnings() []string {
	warn := m.styles.Severity[1].Render("! ")
	switch strings.TrimSpace(m.snap.Env.GOPROXY) {
	case "off":
		return []string{warn + "GOPROXY=off: every fetch will fail; run modscope with GOPROXY set to a proxy"}
	}
	return nil
}

// infoDialog shows text: a result, or what no action can do. j/k
// scroll it; any other key closes it.
type infoDialog struct {
	title  string
	lines  func(width int) []string
	offset int
}

func newInfo(title string, lines []string) *infoDialog {
	return &infoDialog{title: title, lines: func(int) []string { return lines }}
}

func (d *infoDialog) scroll(delta int) { d.offset += delta }

func (d *infoDialog) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	if delta, ok := navDelta(msg, m.keys, max(m.height/2, 1)); ok {
		d.scroll(delta)
		return nil
	}
	m.modal = nil
	return nil
}

func (d *infoDialog) hints() []hint {
	return []hint{{key: "any other key", desc: "close", shortKey: "any key"}, {key: "j/k", desc: "scroll", drop: 1},
		{key: "L", desc: "opens the last result again", shortDesc: "shows it again", drop: 2}}
}

func (d *infoDialog) render(m *Model, w, h int) string {
	return drawDialog(m.styles, d.title, w, h, nil, d.lines(max(w-4, 1)), nil, &d.offset, -1, true)
}

// resultLines is what the result dialog shows after a task: what went
// and what failed, each download's verdict, and for a failed download the
// go command's error with the knowledge base's cause and fix.
func (m *Model) resultLines(j *job, msg taskDoneMsg) []string {
	st := m.styles
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
				report.Plural(int64(asked), "item"), report.HumanBytes(m.sizeOf(freed)))))
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
					out = append(out, st.Label.Render("✓ ")+cachescan.Printable(r.Label)+st.Dim.Render("  "+report.HumanBytes(m.sizeOf(r.Freed))))
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
		out = append(out, manualInfo(m, j.repair.Manual)...)
	}
	return out
}

// cancelled reports whether a download was stopped by esc (or q).
func cancelled(r actions.DownloadResult) bool {
	return r.Verdict == actions.VerdictFailed && r.Error == "cancelled"
}

// inputKind is what a policy's value is.
type inputKind uint8

const (
	inputNone  inputKind = iota
	inputCount           // a number of versions
	inputAge             // a duration: 36h, 30d, 2w
)

// policy is one plan of the D menu.
type policy struct {
	label string // %s is the value
	input inputKind
	value string
	fresh bool   // the default is shown: the first key typed replaces it
	off   string // why it cannot be chosen now
	hint  string
	build bool // a build-cache plan: d in the Build cache view offers these
	job   func(m *Model, value string) (*job, string)
}

// menuDialog is the D menu of purge policies.
type menuDialog struct {
	items  []*policy
	cursor int
	offset int
	msg    string
}

// openMenu opens the policy menu; build keeps only the build-cache plans.
func (m *Model) openMenu(build bool) {
	var items []*policy
	for _, it := range m.policies() {
		if !build || it.build {
			items = append(items, it)
		}
	}
	m.modal = &menuDialog{items: items}
}

// policies lists the purge plans by policy, each disabled (with why)
// when the caches give it nothing to do.
func (m *Model) policies() []*policy {
	snap := m.snap
	bc, mc := &snap.BuildCache, &snap.ModCache
	noBuild := ""
	if bc.Root == "" || !bc.Exists {
		noBuild = "there is no build cache"
	}
	var buildProblems, problems int
	for _, pr := range snap.Problems {
		switch pr.Kind {
		case cachescan.KindOutputCorrupt, cachescan.KindOutputSizeMismatch, cachescan.KindActionInvalid, cachescan.KindOutputMissing:
			buildProblems++
		}
		problems++
	}
	toolchains := 0
	for _, mod := range mc.Modules {
		if mod.Toolchain {
			for _, v := range mod.Versions {
				if !v.Active {
					toolchains++
				}
			}
		}
	}
	or := func(cond bool, why, other string) string {
		if other != "" {
			return other
		}
		if cond {
			return why
		}
		return ""
	}
	simple := func(subject string, t actions.Targets, empty string) func(*Model, string) (*job, string) {
		return func(*Model, string) (*job, string) {
			return &job{kind: jobPurge, subject: subject, targets: t, empty: empty}, ""
		}
	}
	return []*policy{
		{label: "keep the latest %s versions of each module", input: inputCount, value: "2", fresh: true,
			hint: "older versions go, pseudo-versions ordered by their time; .mod and .info stay (m in the plan removes them too)",
			job: func(m *Model, v string) (*job, string) {
				n := 0
				if _, err := fmt.Sscanf(v, "%d", &n); err != nil || n < 1 {
					return nil, "type how many versions to keep: 1 or more"
				}
				return &job{kind: jobPurge, metaable: true, subject: "keep the latest " + report.Plural(int64(n), "version") + " of each module",
					targets: actions.Targets{KeepLatest: n}, empty: "nothing to purge: no module has more than " + report.Plural(int64(n), "version")}, ""
			}},
		{label: "versions the project does not use", off: or(snap.Project == nil, "needs a project: run modscope in a module, or pass --project DIR", ""),
			hint: "what the project's module graph does not need; versions whose go.mod only it reads keep .mod and .info",
			job:  simple("versions the project does not use", actions.Targets{Unused: true}, "nothing to purge: the project uses every cached version")},
		{label: "toolchains but the active one", off: or(toolchains == 0, "no toolchain but the active one is cached", ""),
			hint: "golang.org/toolchain versions the go command does not run now",
			job:  simple("toolchains but the active one", actions.Targets{Toolchains: true}, "nothing to purge: no other toolchain is cached")},
		{label: "build-cache entries unused for %s", input: inputAge, value: "7d", fresh: true, build: true, off: noBuild,
			hint: "type an age: 36h, 7d, 2w (" + actions.FormatAge(actions.MinBuildAge) + " at least); the go command itself trims entries unused for 5 days",
			job: func(m *Model, v string) (*job, string) {
				age, err := actions.ParseAge(v)
				if err != nil {
					return nil, "type an age like 36h, 7d or 2w"
				}
				if age < actions.MinBuildAge {
					return nil, actions.FormatAge(actions.MinBuildAge) + " at least: younger entries may belong to a build running now"
				}
				return &job{kind: jobPurge, subject: "build-cache entries unused for " + actions.FormatAge(age),
					targets: actions.Targets{BuildOlderThan: age}, empty: "nothing to purge: every entry was used within " + actions.FormatAge(age)}, ""
			}},
		{label: "damaged build-cache entries", build: true, off: or(buildProblems == 0, "none found; V verifies the build outputs' hashes", noBuild),
			hint: "the entries with a problem, and the action entries that point at them",
			job: func(m *Model, _ string) (*job, string) {
				return &job{kind: jobPurge, subject: "damaged build-cache entries", targets: actions.Targets{BuildCorrupt: true, Found: m.found()},
					empty: "nothing to purge: no damaged entry is left"}, ""
			}},
		{label: "every build-cache entry (go clean -cache)", build: true, off: noBuild,
			hint: "the next builds compile everything again",
			job:  simple("every build-cache entry", actions.Targets{BuildAll: true}, "the build cache is empty")},
		{label: "cached test results (go clean -testcache)", build: true, off: noBuild,
			hint: "nothing is deleted: every test runs again",
			job:  simple("cached test results", actions.Targets{TestCache: true}, "")},
		{label: "fuzzing cache (go clean -fuzzcache)", build: true, off: or(bc.Fuzz.Files == 0, "the fuzzing cache is empty", noBuild),
			hint: "fuzz tests lose the inputs they generated; testdata/fuzz corpora stay",
			job:  simple("the fuzzing cache", actions.Targets{FuzzCache: true}, "the fuzzing cache is empty")},
		{label: "every vcs clone (cache/vcs)", off: or(len(mc.VCS.Clones) == 0, "there is no clone", ""),
			hint: "GOPROXY=direct downloads clone the repositories again",
			job:  simple("every vcs clone", actions.Targets{VCS: true}, "there is no clone")},
		{label: "checksum-database cache (cache/download/sumdb)", off: or(mc.SumDB.Files == 0, "it is empty", ""),
			hint: "the next go command that checks a new module fetches tiles again",
			job:  simple("the checksum-database cache", actions.Targets{SumDBCache: true}, "it is empty")},
		{label: "what fixes every problem found", off: or(problems == 0, "no problem found; V verifies every hash", ""),
			hint: "the purge part of a repair: what the go command rebuilds offline or fetches again when needed (R also downloads)",
			job: func(m *Model, _ string) (*job, string) {
				return &job{kind: jobPurge, subject: "what fixes every problem found", targets: actions.Targets{Problems: true, Found: m.found()},
					empty: "no purge fixes these problems: R repairs them with downloads"}, ""
			}},
	}
}

func (d *menuDialog) scroll(delta int) {
	d.cursor = min(max(d.cursor+delta, 0), len(d.items)-1)
	d.msg = ""
}

func (d *menuDialog) key(m *Model, msg tea.KeyPressMsg) tea.Cmd {
	it := d.items[d.cursor]
	k := msg.String()
	switch {
	case k == "esc" || k == "q":
		m.modal = nil
		return nil
	case key.Matches(msg, m.keys.Up, m.keys.Down, m.keys.Top, m.keys.Bottom, m.keys.PageUp, m.keys.PageDown):
		delta, _ := navDelta(msg, m.keys, len(d.items))
		d.scroll(delta)
		return nil
	case k == "enter" || k == "l" || k == "right":
		if it.off != "" {
			d.msg = it.off
			return nil
		}
		j, why := it.job(m, it.value)
		if j == nil {
			d.msg = why
			return nil
		}
		m.modal = nil
		return m.planCmd(j)
	case k == "backspace" && it.input != inputNone:
		if r := []rune(it.value); len(r) > 0 {
			it.value = string(r[:len(r)-1])
		}
		it.fresh = false
		return nil
	case it.input != inputNone && len(msg.Text) == 1 && accepts(it.input, msg.Text[0]):
		if it.fresh {
			it.value, it.fresh = "", false
		}
		if len(it.value) < 8 {
			it.value += msg.Text
		}
		d.msg = ""
		return nil
	}
	return nil
}

// accepts says whether c can be typed into a value of kind k.
func accepts(k inputKind, c byte) bool {
	if c >= '0' && c <= '9' {
		return true
	}
	return k == inputAge && strings.IndexByte(".dwhms", c) >= 0
}

func (d *menuDialog) hints() []hint {
	h := []hint{{key: "enter", desc: "show the plan", shortDesc: "plan"}, {key: "esc", desc: "close"}, {key: "j/k", desc: "move", drop: 2}}
	if d.items[d.cursor].input != inputNone {
		h = append(h, hint{key: "0-9", desc: "change the value", shortDesc: "value", drop: 1})
	}
	return h
}

func (d *menuDialog) render(m *Model, w, h int) string {
	st := m.styles
	iw := max(w-4, 1)
	head := []string{st.Dim.Render("Choose what goes; its plan is shown before anything is removed."), ""}
	var body []string
	for i, it := range d.items {
		label := it.label
		if it.input != inputNone {
			v := it.value
			if i == d.cursor {
				v += "▏"
			}
			label = fmt.Sprintf(label, "["+v+"]")
		}
		if it.off != "" {
			label += " (unavailable)" // readable without colour too
		}
		line := "  " + label
		if i == d.cursor {
			line = "› " + label
		}
		switch {
		case i == d.cursor:
			line = st.Selected.Render(padRight(ansi.Truncate(line, iw, "…"), iw))
		case it.off != "":
			line = st.Dim.Render(line)
		}
		body = append(body, line)
	}
	cur := d.items[d.cursor]
	note := cur.hint
	style := st.Dim
	switch {
	case d.msg != "":
		note, style = d.msg, st.Severity[1]
	case cur.off != "":
		note, style = "unavailable: "+cur.off, st.Severity[1]
	}
	foot := []string{"", style.Render(note)}
	return drawDialog(st, "Purge by policy", w, h, head, body, foot, &d.offset, d.cursor, false)
}
