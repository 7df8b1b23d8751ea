package actions

import (
	"fmt"
	"strings"
)

func pluralize(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func clipList(list []string, n int) []string {
	if len(list) > n {
		return append(list[:n:n], fmt.Sprintf("and %d more", len(list)-n))
	}
	return list
}

func clip(names []string) string {
	if len(names) > 5 {
		return strings.Join(names[:5], ", ") + fmt.Sprintf(" and %d more", len(names)-5)
	}
	return strings.Join(names, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// firstWord returns the word after the marker in s ("" without it).
func firstWord(s, marker string) string {
	_, after, ok := strings.Cut(s, marker)
	if !ok {
		return ""
	}
	w, _, _ := strings.Cut(after, " ")
	return strings.TrimRight(w, ";,")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
