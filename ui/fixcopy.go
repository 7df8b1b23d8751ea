package ui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"modscope/cachescan"
)

// A problem's fix is a shell command with a note ("rm 'p'  (the go
// command rebuilds it)"), advice that holds one ("look at it, then chmod
// …"), or advice alone. Its paths come from the cache and are quoted with
// cachescan.ShellQuote, which leaves the bytes inside the quotes as they
// are: a control or bidi character there would reach the clipboard, and
// the terminal the command is pasted into.

// commandWords are the first words of the commands fixes hold.
var commandWords = []string{"rm ", "chmod ", "touch ", "ls ", "(cd ", "printf ", "go "}

// fixCommand returns the command in fix as a shell takes it, every
// unprintable byte written as $'\xNN' so that the text itself is
// printable, and whether fix holds a command at all (else it returns the
// advice, made printable in the same way).
func fixCommand(fix string) (string, bool) {
	s := strings.TrimSpace(fix)
	if !startsCommand(s) {
		cmd := ""
		for _, sep := range []string{", then ", "; or "} {
			if i := indexOutside(s, sep); i >= 0 && startsCommand(s[i+len(sep):]) {
				cmd = s[i+len(sep):]
				break
			}
		}
		if cmd == "" {
			return shellSafe(s), false
		}
		s = cmd
	}
	// The note in parentheses after two spaces is for the reader.
	if strings.HasSuffix(s, ")") {
		if i := lastIndexOutside(s, "  ("); i > 0 {
			s = s[:i]
		}
	}
	return shellSafe(strings.TrimSpace(s)), true
}

func startsCommand(s string) bool {
	for _, w := range commandWords {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// outside marks the bytes of s that are outside single quotes, as a POSIX
// shell reads them (a backslash outside quotes escapes the next byte).
func outside(s string) []bool {
	out := make([]bool, len(s))
	in := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			in = !in
		case c == '\\' && !in && i+1 < len(s):
			i++
		default:
			out[i] = !in
		}
	}
	return out
}

func indexOutside(s, sep string) int {
	o := outside(s)
	for i := 0; i+len(sep) <= len(s); i++ {
		if o[i] && strings.HasPrefix(s[i:], sep) {
			return i
		}
	}
	return -1
}

func lastIndexOutside(s, sep string) int {
	o := outside(s)
	for i := len(s) - len(sep); i >= 0; i-- {
		if o[i] && strings.HasPrefix(s[i:], sep) {
			return i
		}
	}
	return -1
}

// printableRune says whether the rune r, size bytes long, reaches a
// terminal as is, by the rule cachescan.Printable applies.
func printableRune(r rune, size int) bool {
	if r == utf8.RuneError && size == 1 {
		return false
	}
	return cachescan.Printable(string(r)) == string(r)
}

// shellSafe writes each run of unprintable bytes of s as $'\xNN…',
// closing and reopening the single quotes it is in: bash, zsh, ksh and
// POSIX.1-2024 sh read the same bytes, and the text has no control or bidi
// character left.
func shellSafe(s string) string {
	if cachescan.Printable(s) == s {
		return s
	}
	var b strings.Builder
	in := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !printableRune(r, n) {
			var esc strings.Builder
			j := i
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if printableRune(r2, n2) {
					break
				}
				for k := j; k < j+n2; k++ {
					fmt.Fprintf(&esc, `\x%02x`, s[k])
				}
				j += n2
			}
			if in {
				// Closed before the run, reopened after it.
				b.WriteString("'$'" + esc.String() + "''")
			} else {
				b.WriteString("$'" + esc.String() + "'")
			}
			i = j
			continue
		}
		switch c := s[i]; {
		case c == '\'':
			in = !in
		case c == '\\' && !in && i+1 < len(s):
			// The escaped byte is taken as is; an unprintable one is the
			// same byte unescaped, which the loop writes as $'…'.
			r2, n2 := utf8.DecodeRuneInString(s[i+1:])
			if printableRune(r2, n2) {
				b.WriteString(s[i : i+1+n2])
				i += 1 + n2
			} else {
				i++
			}
			continue
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}
