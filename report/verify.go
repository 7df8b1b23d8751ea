package report

import (
	"fmt"
	"io"
	"slices"

	"modscope/actions"
	"modscope/assets"
)

// WriteVerifySummary prints what verify hashed, after the report.
func WriteVerifySummary(w io.Writer, rep *actions.VerifyReport) error {
	r := &report{w: w}
	r.line("")
	r.line("Verified      %s and %s, %s hashed", Plural(rep.Versions, "module version"), Plural(rep.Outputs, "build output"), HumanBytes(rep.Bytes))
	if l := SkippedRecentLine(rep); l != "" {
		r.para(2, l)
	}
	for i, sk := range rep.Skipped {
		if i == 10 {
			r.para(2, fmt.Sprintf("… and %d more skipped (--json lists them)", len(rep.Skipped)-i))
			break
		}
		r.para(2, "skipped "+p(sk.Module+"@"+sk.Version)+": "+p(sk.Reason))
	}
	if rep.SumDBChecked > 0 || len(rep.NotCheckable) > 0 || len(rep.SumDBErrors) > 0 {
		r.para(2, fmt.Sprintf("checksum database: %s looked up, %s not covered (GONOSUMDB, GOPRIVATE or GOSUMDB=off)",
			Plural(rep.SumDBChecked, "version"), Plural(int64(len(rep.NotCheckable)), "version")))
	}
	if rep.SumDBCacheNote != "" {
		r.para(2, p(rep.SumDBCacheNote))
	}
	for _, e := range rep.SumDBErrors {
		r.para(2, p(e))
		for _, f := range fixes(e) {
			r.para(4, "fix: "+p(f))
		}
	}
	return r.err
}

// SkippedRecentLine says in a line how many build outputs verify left
// alone because a build may still be writing them, or "" when none.
func SkippedRecentLine(rep *actions.VerifyReport) string {
	if rep.SkippedRecent == 0 {
		return ""
	}
	window := Plural(rep.RecentWindowSeconds, "second")
	if rep.RecentWindowSeconds%60 == 0 {
		window = Plural(rep.RecentWindowSeconds/60, "minute")
	}
	them := "them"
	if rep.SkippedRecent == 1 {
		them = "it"
	}
	return fmt.Sprintf("skipped %s written in the last %s (a build may still be writing %s); run verify again later to check %s",
		Plural(rep.SkippedRecent, "build output"), window, them, them)
}

// fixes are the knowledge base's fixes for an error text, each once: the
// same error for several modules needs its fix said once.
func fixes(text string) []string {
	var out []string
	for _, m := range assets.Explain(text) {
		if f := m.Fix(); !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}
