package actions

import (
	"slices"

	"modscope/assets"
)

// Explanation is a knowledge-base entry that matches an error.
type Explanation struct {
	ID    string `json:"id"`
	Cause string `json:"cause"`
	Fix   string `json:"fix"`
}

// Explain classifies an error text with the knowledge base, each
// explanation once (one go command's stderr can repeat an error).
func Explain(text string) []Explanation {
	var out []Explanation
	for _, m := range assets.Explain(text) {
		e := Explanation{ID: m.Error.ID, Cause: m.Cause(), Fix: m.Fix()}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}
