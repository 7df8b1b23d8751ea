package cachescan

import (
	"strings"
	"unicode/utf8"
)

// Printable returns s with control characters (C0, DEL and C1) replaced by
// '?'. Names in a cache are untrusted: an escape sequence in a file name must
// not reach a terminal.
func Printable(s string) string {
	if !utf8.ValidString(s) {
		// A stray byte such as 0x9b is CSI on 8-bit terminals.
		s = strings.ToValidUTF8(s, "?")
	}
	clean := true
	for _, r := range s {
		if isControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return '?'
		}
		return r
	}, s)
}

func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)
}
