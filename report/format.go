package report

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// HumanBytes formats a byte count with binary units, as du -h and gdu do:
// "0 B", "512 B", "1.5 KiB", "12 MiB", "3.2 GiB".
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	f := float64(n)
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := -1
	for f >= unit && i < len(units)-1 {
		f /= unit
		i++
	}
	if f < 10 {
		return fmt.Sprintf("%.1f %s", f, units[i])
	}
	return fmt.Sprintf("%.0f %s", f, units[i])
}

// Count formats an integer with thousands separators: 1234567 -> "1,234,567".
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Plural returns "1 module" or "2 modules", "1 entry" or "2 entries".
func Plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	switch {
	case strings.HasSuffix(word, "y"):
		return Count(n) + " " + word[:len(word)-1] + "ies"
	case strings.HasSuffix(word, "ch"), strings.HasSuffix(word, "s"), strings.HasSuffix(word, "x"):
		return Count(n) + " " + word + "es"
	}
	return Count(n) + " " + word + "s"
}

// ShortenMiddle cuts s to at most width runes by replacing its middle with
// "…", so that both the host and the last path elements stay visible.
func ShortenMiddle(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	if width == 1 {
		return "…"
	}
	r := []rune(s)
	head := (width - 1) / 2
	tail := width - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

// ShortenEnd cuts s to at most width runes, "…" standing for the end: the
// start of an error line says what failed and on which module.
func ShortenEnd(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	return string([]rune(s)[:width-1]) + "…"
}

// Wrap breaks text into lines of at most width runes at spaces, indenting
// every line after the first by indent spaces. A word longer than a line is
// kept whole rather than split.
func Wrap(text string, width, indent int) []string {
	var lines []string
	var cur strings.Builder
	curLen, words := 0, 0
	for _, w := range strings.Fields(text) {
		wl := utf8.RuneCountInString(w)
		if words > 0 && curLen+1+wl > width {
			lines = append(lines, cur.String())
			cur.Reset()
			cur.WriteString(strings.Repeat(" ", indent))
			curLen, words = indent, 0
		}
		if words > 0 {
			cur.WriteByte(' ')
			curLen++
		}
		cur.WriteString(w)
		curLen += wl
		words++
	}
	if words > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
