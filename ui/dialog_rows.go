package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

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
func planWarnings(c *common, items []*actions.PurgeItem, running []string, manual []cachescan.Problem) []string {
	st := c.styles
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
func itemRows(c *common, items []*actions.PurgeItem, width int) []string {
	st := c.styles
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
		size := fmt.Sprintf("%9s", report.HumanBytes(c.sizeOf(it.Size)))
		labelW := max(width-2-1-9-boolInt(reasonW > 0)*(2+reasonW), 4)
		line := sym + padRight(report.ShortenMiddle(cachescan.Printable(it.Label), labelW), labelW) + " " + size
		if reasonW > 0 {
			line += "  " + st.Dim.Render(padRight(report.ShortenMiddle(reason(it), reasonW), reasonW))
		}
		out = append(out, line)
	}
	return out
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
func proxyText(c *common) string {
	proxy := c.snap.Env.GOPROXY
	if proxy == "" {
		proxy = "https://proxy.golang.org,direct"
	}
	return "GOPROXY=" + cachescan.Printable(proxy)
}

// planLevelWarnings are the plan's own warnings, the ones the CLI prints
// under its plan too: what cannot be fetched again, and the versions a
// replace directive builds with.
func planLevelWarnings(c *common, ws []string) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, c.styles.Severity[1].Render("! ")+cachescan.Printable(w))
	}
	return out
}

// networkWarnings says when a download cannot work.
func networkWarnings(c *common) []string {
	warn := c.styles.Severity[1].Render("! ")
	switch strings.TrimSpace(c.snap.Env.GOPROXY) {
	case "off":
		return []string{warn + "GOPROXY=off: every fetch will fail; run modscope with GOPROXY set to a proxy"}
	}
	return nil
}
