package main

import "strings"

// indentRun is a newline and the indent of up to 64 levels, sliced by
// appendIndent.
var indentRun = "\n" + strings.Repeat("  ", 64)

// appendIndent appends the compact JSON value src (encoding/json's: no
// space outside strings), indented as json.Indent(dst, src, prefix, "  ")
// would with a prefix of depth levels: the bytes jsonIndenter writes for
// it at that depth, in one tight loop over a slice. It is the module
// list's indenter, most of scan --json's output.
func appendIndent(dst, src []byte, depth int) []byte {
	needIndent := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if needIndent && c != '}' && c != ']' {
			needIndent = false
			depth++
			dst = appendNewline(dst, depth)
		}
		switch c {
		case '"':
			// The whole string at once; a backslash escapes the next byte.
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			end := min(j+1, len(src))
			dst = append(dst, src[i:end]...)
			i = end - 1
		case '{', '[':
			needIndent = true
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			dst = appendNewline(dst, depth)
		case ':':
			dst = append(dst, ':', ' ')
		case '}', ']':
			if needIndent {
				needIndent = false
			} else {
				depth--
				dst = appendNewline(dst, depth)
			}
			dst = append(dst, c)
		default:
			// A run of a number, true, false or null.
			j := i + 1
			for j < len(src) && !structural[src[j]] {
				j++
			}
			dst = append(dst, src[i:j]...)
			i = j - 1
		}
	}
	return dst
}

// appendNewline appends a newline and depth levels of indent.
func appendNewline(dst []byte, depth int) []byte {
	if n := 1 + 2*depth; n <= len(indentRun) {
		return append(dst, indentRun[:n]...)
	}
	dst = append(dst, '\n')
	for i := 0; i < depth; i++ {
		dst = append(dst, ' ', ' ')
	}
	return dst
}

// structural marks the bytes that end a run of a literal in compact JSON.
var structural = [256]bool{'"': true, '{': true, '[': true, ',': true, ':': true, '}': true, ']': true}
