package assets

import (
	_ "embed"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"sync"
)

//go:embed goerrors.json
var goErrorsJSON []byte

// GoError is one entry of the go-error knowledge base: a shape of error
// the go command prints, its cause in one line, and the fix to try.
type GoError struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Patterns []string `json:"patterns"`
	Cause    string   `json:"cause"`
	Fix      string   `json:"fix"`
	res      []*regexp.Regexp
}

var (
	goErrorsOnce sync.Once
	goErrors     []*GoError
)

// GoErrors returns the knowledge base, most specific entries first.
func GoErrors() []*GoError {
	goErrorsOnce.Do(func() {
		if err := json.Unmarshal(goErrorsJSON, &goErrors); err != nil {
			panic("assets: goerrors.json: " + err.Error())
		}
		for _, e := range goErrors {
			for _, p := range e.Patterns {
				e.res = append(e.res, regexp.MustCompile(p))
			}
		}
	})
	return goErrors
}

// Match is a knowledge-base entry found in a text, with the line(s) it
// was found in.
type Match struct {
	Error *GoError
	Text  string
}

// Explain finds the known errors in text (one go command's output, or
// several). Entries are tried most specific first, and a line explained by
// one entry is not explained again by a more general one (a 404 from the
// checksum database for a private module is not also "a proxy 404").
// Matches come back in the order they appear in the text.
func Explain(text string) []Match {
	type span struct{ start, end int }
	var taken []span
	overlaps := func(s span) bool {
		for _, t := range taken {
			if s.start < t.end && t.start < s.end {
				return true
			}
		}
		return false
	}
	var found []struct {
		at int
		m  Match
	}
	for _, e := range GoErrors() {
		for _, re := range e.res {
			loc := re.FindStringIndex(text)
			if loc == nil {
				continue
			}
			s := span{strings.LastIndexByte(text[:loc[0]], '\n') + 1, loc[1]}
			if i := strings.IndexByte(text[loc[1]:], '\n'); i >= 0 {
				s.end = loc[1] + i
			} else {
				s.end = len(text)
			}
			if overlaps(s) {
				continue
			}
			taken = append(taken, s)
			found = append(found, struct {
				at int
				m  Match
			}{s.start, Match{Error: e, Text: strings.TrimSpace(text[s.start:s.end])}})
			break
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].at < found[j].at })
	out := make([]Match, len(found))
	for i, f := range found {
		out[i] = f.m
	}
	return out
}
