package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"modscope/cachescan"
	"modscope/report"
)

// common is what every pane and dialog reads to draw: styles, keys, the
// terminal's size and the snapshot. Only the root writes it; that is why a
// dialog can get it and still not change the model.
type common struct {
	styles        *Styles
	keys          KeyMap
	width, height int
	apparent      bool
	readOnly      bool
	// store: a team store is browsed, not the caches.
	store bool
	snap  *cachescan.Snapshot
}

func (c *common) sizeOf(s cachescan.Size) int64 {
	if c.apparent {
		return s.ApparentBytes
	}
	return s.Bytes
}

// freeText is what a plan frees: disk usage, or the apparent size with
// the disk usage beside it when a toggles apparent sizes.
func (c *common) freeText(s cachescan.Size) string {
	if c.apparent {
		return report.HumanBytes(s.ApparentBytes) + " apparent (" + report.HumanBytes(s.Bytes) + " on disk)"
	}
	return report.HumanBytes(s.Bytes) + " on disk"
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

// fitBlock cuts or pads s to exactly w columns and h lines; a line cut
// short ends in "…", so that it does not read as whole.
func fitBlock(s string, w, h int) string {
	ls := strings.Split(s, "\n")
	if len(ls) > h {
		ls = ls[:h]
	}
	for len(ls) < h {
		ls = append(ls, "")
	}
	for i, l := range ls {
		ls[i] = padRight(ansi.Truncate(l, w, "…"), w)
	}
	return strings.Join(ls, "\n")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// truncate cuts s to w columns, with "…" where it was cut.
func truncate(s string, w int) string { return ansi.Truncate(s, w, "…") }
