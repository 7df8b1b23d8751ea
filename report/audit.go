package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"modscope/actions"
)

// WriteAudit prints an audit: where the vulnerability data came from and
// how old it is, the project's build list, the findings by kind with
// whether the build uses each, what may be purged, and the verdict that
// the exit status follows. now is what ages are measured from. Names from
// the cache pass through cachescan.Printable here; texts from the database
// and go.mod files were cleaned by the audit.
func WriteAudit(w io.Writer, rep *actions.AuditReport, now time.Time) error {
	r := &report{w: w}
	r.line("modscope audit")
	r.line("Vulnerability database %s", p(rep.VulnDB.URL))
	r.para(2, VulnDBAge(rep.VulnDB, now))
	if st := rep.VulnDB; st.NetworkError != "" {
		r.para(2, "the network failed ("+st.NetworkError+"): this is the copy; run again with the network for newer data, or pass --offline to skip it")
	}
	if rep.ProxyError != "" {
		r.para(2, "GOPROXY could not be asked ("+rep.ProxyError+"): retractions and deprecations come from the latest cached go.mod files")
	}
	if rep.Project != "" {
		r.line("Project %s", p(rep.Project))
		r.para(2, "build list: "+rep.BuildList)
	} else {
		r.line("No project (no go.mod or go.work here or above): every finding is only in the cache")
	}
	r.line("Latest go.mod files: %d from the cache, %d from GOPROXY", rep.GoMods["cache"], rep.GoMods["proxy"])
	for _, kind := range actions.AuditKinds {
		r.line("")
		n := rep.Counts[kind]
		if n == 0 {
			r.line("%s: none", kindTitle(kind))
			continue
		}
		r.line("%s: %d", kindTitle(kind), n)
		for _, f := range rep.Findings {
			if f.Kind == kind {
				r.finding(f)
			}
		}
	}
	if len(rep.Purge) > 0 {
		offered := map[string]bool{}
		for _, t := range rep.Purge {
			offered[t] = true
		}
		var kinds []actions.AuditKind
		for _, k := range []actions.AuditKind{actions.AuditVulnerable, actions.AuditRetracted} {
			for _, f := range rep.Findings {
				if f.Kind == k && offered["="+f.Module+"@"+f.Version] {
					kinds = append(kinds, k)
					break
				}
			}
		}
		r.line("")
		r.line("%s, and the project does not use them: remove them with", Plural(int64(len(rep.Purge)), "version")+" vulnerable or retracted")
		// Not wrapped: a command must paste as one line.
		r.line("  %s --dry-run", rep.PurgeCommand(kinds))
		r.line("  (then without --dry-run)")
	}
	notes := rep.Notes
	if st := rep.VulnDB; st.Missing > 0 {
		notes = append([]string{fmt.Sprintf("%s could not be read, so the findings may lack them", Plural(int64(st.Missing), "database entry"))}, notes...)
	}
	if len(rep.VulnDB.Notes) > 0 {
		notes = append(notes, rep.VulnDB.Notes...)
	}
	if len(notes) > 0 {
		r.line("")
		r.line("Notes")
		for _, n := range notes {
			r.para(2, "- "+n)
		}
	}
	r.line("")
	r.line("%s", AuditVerdict(rep))
	return r.err
}

// VulnDBAge says how old the database's data is and where it was read
// from, in one line: "modified 2026-01-10 (5 days old), from the copy
// fetched 3 hours ago". The TUI's status line can show it too.
func VulnDBAge(st *actions.VulnDBStatus, now time.Time) string {
	s := ""
	if st.Modified.IsZero() {
		s += "modified at an unknown date"
	} else {
		s += "modified " + st.Modified.UTC().Format(time.DateOnly) + " (" + ageText(now.Sub(st.Modified)) + " old)"
	}
	switch st.Source {
	case "file":
		s += ", read from the directory"
	case "network":
		s += ", checked now"
	case "cache":
		if st.Fetched != nil {
			s += ", from the copy fetched " + ageText(now.Sub(*st.Fetched)) + " ago"
		} else {
			s += ", from the copy"
		}
	}
	return s
}

// AuditVerdict is the audit's last line, which the exit status follows.
func AuditVerdict(rep *actions.AuditReport) string {
	in := 0
	for _, f := range rep.Findings {
		if f.InBuild {
			in++
		}
	}
	switch {
	case in > 0:
		return fmt.Sprintf("%s %s the project's build (exit 1)", Plural(int64(in), "finding"), map[bool]string{true: "affects", false: "affect"}[in == 1])
	case rep.Project == "":
		return "No project checked: nothing affects a build (exit 0)"
	case len(rep.Findings) > 0:
		return "No finding affects the project's build: they are only in the cache (exit 0)"
	}
	return "Nothing found (exit 0)"
}

func kindTitle(k actions.AuditKind) string {
	switch k {
	case actions.AuditVulnerable:
		return "Vulnerable versions"
	case actions.AuditRetracted:
		return "Retracted versions"
	case actions.AuditDeprecated:
		return "Deprecated modules"
	}
	return string(k)
}

// finding prints one finding: its name and whether the build uses it,
// then what it is about.
func (r *report) finding(f actions.AuditFinding) {
	where := "only in the cache"
	if f.InBuild {
		where = "in the build"
	}
	source := map[string]string{"cache": "cached", "proxy": "from GOPROXY"}[f.Source]
	switch f.Kind {
	case actions.AuditVulnerable:
		r.line("  %s@%s  %s", p(f.Module), p(f.Version), where)
		head := f.ID
		if len(f.Aliases) > 0 {
			head += " (" + strings.Join(f.Aliases, ", ") + ")"
		}
		if f.Summary != "" {
			head += ": " + f.Summary
		}
		r.para(4, head)
		fix := "no fixed version"
		if f.Fixed != "" {
			fix = "fixed in " + f.Fixed
		}
		pkgs := "every package"
		if len(f.Packages) > 0 {
			pkgs = strings.Join(f.Packages, ", ")
		}
		r.para(4, fix+"; affected: "+pkgs)
		if f.URL != "" {
			r.line("    %s", f.URL)
		}
	case actions.AuditRetracted:
		r.line("  %s@%s  %s", p(f.Module), p(f.Version), where)
		why := "no rationale given"
		if f.Rationale != "" {
			why = f.Rationale
		}
		r.para(4, fmt.Sprintf("retracted by the go.mod of %s (%s): %s", p(f.From), source, why))
	case actions.AuditDeprecated:
		if f.InBuild {
			where = "in the build at " + p(f.BuildVersion)
		}
		r.line("  %s  %s", p(f.Module), where)
		vs := make([]string, len(f.Versions))
		for i, v := range f.Versions {
			vs[i] = p(v)
		}
		r.para(4, "cached: "+strings.Join(vs, ", "))
		r.para(4, fmt.Sprintf("deprecated by the go.mod of %s (%s): %s", p(f.From), source, f.Message))
	}
}

// ageText says how long d is, coarsely: "less than an hour", "5 hours",
// "3 days".
func ageText(d time.Duration) string {
	switch {
	case d < time.Hour:
		return "less than an hour"
	case d < 48*time.Hour:
		return Plural(int64(d/time.Hour), "hour")
	}
	return Count(int64(d/(24*time.Hour))) + " days"
}
