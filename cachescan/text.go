package cachescan

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable returns s with every character that could act on a terminal or
// disguise the text replaced by '?': C0 and C1 controls and DEL (an escape
// sequence in a file name must not reach a terminal), bidirectional
// controls such as U+202E (which make "evil.zip\u202egpj" read as a
// different name) and every other format character (unicode.Cf: zero-width
// spaces and joiners, U+FEFF, tag characters), the line and paragraph
// separators U+2028 and U+2029, and each byte that is not valid UTF-8 (a
// stray 0x9b is CSI on 8-bit terminals). Names in a cache are untrusted.
func Printable(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false // a control, DEL, or a byte of a multi-byte rune
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || unprintable(r) {
			b.WriteByte('?')
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// unprintable reports whether a rune must not reach a terminal as is.
func unprintable(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true // C0, DEL, C1
	case r < 0xa0:
		return false
	case r == '\u2028' || r == '\u2029':
		return true
	}
	// Cf holds the bidi controls (U+061C, U+200E, U+200F, U+202A-U+202E,
	// U+2066-U+2069) and the other invisible format characters.
	return unicode.Is(unicode.Cf, r)
}
