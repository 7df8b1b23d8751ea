package actions

import (
	"fmt"
	"strings"
)

// The small text helpers of the actions' messages.

// pluralize returns "1 version" or "2 versions".
func pluralize(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// clip joins the first n names with ", " and says how many more there
// are: "a, b and 3 more".
func clip(names []string, n int) string {
	if len(names) > n {
		return strings.Join(names[:n], ", ") + fmt.Sprintf(" and %d more", len(names)-n)
	}
	return strings.Join(names, ", ")
}

// namedList is a list of names and what they are, for describeLists.
type namedList struct {
	what  string
	names []string
}

// describeLists says "what: a, b; what: c" of the lists that are not
// empty, five names of each at most; "" when all are.
func describeLists(lists ...namedList) string {
	var parts []string
	for _, l := range lists {
		if len(l.names) > 0 {
			parts = append(parts, l.what+": "+clip(l.names, 5))
		}
	}
	return strings.Join(parts, "; ")
}

// firstLine is s up to its first newline.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// contains is slices.Contains; download.go, policy.go, purge.go and
// findings.go still call it.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
