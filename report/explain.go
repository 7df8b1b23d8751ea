package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"modscope/actions"
	"modscope/assets"
	"modscope/cachescan"
)

// WriteExplain prints what the knowledge base makes of a go command's
// errors: each error's line, its cause, and the fix to try; then the
// errors it does not know, so that a paste is never taken as fully
// explained when it is not.
func WriteExplain(w io.Writer, reading assets.Reading) error {
	r := &report{w: w}
	if len(reading.Matches) == 0 && len(reading.Unrecognised) == 0 {
		r.para(0, "No go error in this text: only progress, notices or logs. Paste the lines that say what failed (they often start with go: or name a module).")
		return r.err
	}
	for i, m := range reading.Matches {
		if i > 0 {
			r.line("")
		}
		r.line("%s", p(m.Error.Title))
		r.quote(m.Text, 10)
		r.para(2, "cause: "+p(m.Cause()))
		r.para(2, "fix:   "+p(m.Fix()))
	}
	if n := len(reading.Unrecognised); n > 0 {
		if len(reading.Matches) > 0 {
			r.line("")
		}
		r.line("%s not recognised:", Plural(int64(n), "error"))
		for i, e := range reading.Unrecognised {
			if i == maxUnrecognised {
				r.line("  … and %d more", n-i)
				break
			}
			r.quote(e, 4)
		}
		r.para(2, "not in the knowledge base: "+assets.UnrecognisedFix)
	}
	return r.err
}

// quote prints an error's lines after "  > ", wrapped rather than cut: the
// module path, the URL and the status at its end are what the reader
// needs. The lines after the first are indented as the go command
// indents them; past maxLines rows the rest is left out, marked "…".
func (r *report) quote(text string, maxLines int) {
	var rows []string
	for i, l := range strings.Split(text, "\n") {
		pad := ""
		if i > 0 && (strings.HasPrefix(l, "\t") || strings.HasPrefix(l, " ")) {
			pad = "  "
		}
		l = p(strings.Join(strings.Fields(l), " "))
		for _, w := range Wrap(l, ReportWidth-4-len(pad), 2) {
			rows = append(rows, pad+w)
		}
	}
	for i, row := range rows {
		if i == maxLines-1 && len(rows) > maxLines {
			if utf8.RuneCountInString(row)+2 <= ReportWidth-4 {
				row += " …"
			} else {
				row = ShortenEnd(row, ReportWidth-4)
			}
			r.line("  > %s", row)
			break
		}
		r.line("  > %s", row)
	}
}

// maxUnrecognised is how many unrecognised lines explain lists: a log
// full of unknown errors should not bury the explained ones.
const maxUnrecognised = 10

// WriteDoctor prints doctor's findings, each failure with its error, then
// its cause and fix from the knowledge base, or word that it is not in it.
func WriteDoctor(w io.Writer, env cachescan.Env, findings []actions.Finding) error {
	r := &report{w: w}
	r.para(0, fmt.Sprintf("modscope doctor  GOPROXY=%s GOSUMDB=%s GOPRIVATE=%s GONOSUMDB=%s GONOPROXY=%s",
		p(env.GOPROXY), p(env.GOSUMDB), p(env.GOPRIVATE), p(env.GONOSUMDB), p(env.GONOPROXY)))
	for _, f := range findings {
		mark := "✓"
		if !f.OK {
			mark = "✗"
		}
		r.line("")
		r.para(0, mark+" "+p(f.Check))
		if f.OK {
			r.para(2, p(f.Detail))
			continue
		}
		r.failure(f.Detail, f.Explanations)
	}
	return r.err
}
