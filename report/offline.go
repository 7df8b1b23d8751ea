package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"modscope/actions"
)

// WriteOffline prints the offline-readiness verdict, what is not ready and
// why, what the go command said with the knowledge base's cause and fix,
// and what an export wrote.
func WriteOffline(w io.Writer, rep *actions.OfflineReport, exp *actions.ExportResult, expErr error) error {
	r := &report{w: w}
	verdict := "READY: the project builds and tests with the network off"
	if !rep.Ready {
		verdict = "NOT READY: a build or test with the network off would fail"
	}
	r.line("Offline       %s", p(rep.Project))
	if v := rep.Vendor; v != nil {
		r.para(2, "Vendor mode: the go command builds with -mod=vendor (the default with vendor/modules.txt and go 1.14 or later, or GOFLAGS says so): from "+p(v.Dir)+", never from the module cache.")
	}
	r.para(2, verdict)
	var parts []string
	for _, st := range []actions.Readiness{actions.StateReady, actions.StateIncomplete, actions.StateMissing, actions.StateDamaged} {
		if n := rep.Counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	what := "module version"
	if rep.Vendor != nil {
		what = "vendored module version"
	}
	r.para(2, Plural(int64(len(rep.Modules)), what)+" needed: "+strings.Join(parts, ", "))
	for _, m := range rep.Modules {
		if m.State == actions.StateReady {
			continue
		}
		r.para(4, "- "+p(m.Path+"@"+m.Version)+": "+string(m.State))
		if m.Reason != "" {
			r.para(6, "why: "+p(m.Reason))
		}
		var fixed []string
		for i, pr := range m.Problems {
			if i > 0 || !strings.Contains(m.Reason, pr.Detail) { // else the reason says it
				r.para(6, pr.Kind+": "+p(pr.Detail))
			}
			if pr.Fix != "" && !slices.Contains(fixed, pr.Fix) {
				fixed = append(fixed, pr.Fix)
				r.para(6, "fix: "+p(pr.Fix))
			}
		}
	}
	if v := rep.Vendor; v != nil {
		if v.Consistent {
			r.para(2, "vendor/modules.txt is consistent with go.mod.")
		}
		if len(v.Differs) > 0 {
			verb := " differ"
			if len(v.Differs) == 1 {
				verb = " differs"
			}
			r.para(2, Plural(int64(len(v.Differs)), "vendored package")+verb+" from the module cache's copy (the build uses vendor/'s):")
			for _, d := range v.Differs {
				r.para(4, "- "+p(d.Package)+": "+p(d.Detail))
			}
		}
		if len(v.Uncompared) > 0 {
			r.para(2, "Not in the module cache to compare with vendor/: "+p(strings.Join(v.Uncompared, ", ")))
		}
	}
	if len(rep.Errors) > 0 {
		r.line("  The go command, offline, says:")
		for _, e := range rep.Errors {
			for i, l := range strings.Split(e.Text, "\n") {
				if i == 0 {
					r.para(4, "- "+p(l))
				} else {
					r.para(8, p(strings.TrimSpace(l)))
				}
			}
			for _, x := range e.Explanations {
				r.para(6, "cause: "+p(x.Cause))
				r.para(6, "fix: "+p(x.Fix))
			}
		}
	}
	for _, n := range rep.Notes {
		r.para(2, "Note: "+p(n))
	}
	if !rep.Ready {
		if rep.Vendor != nil {
			r.para(2, "To fix: run go mod vendor (it needs the module cache or the network), or build with -mod=readonly to use the module cache instead.")
		} else {
			r.para(2, "To fix: with the network on, run go mod download in the project (or modscope verify, then the printed fixes for damaged versions).")
		}
	}
	switch {
	case expErr != nil:
		r.para(2, "Export: "+p(expErr.Error()))
	case exp != nil:
		r.para(2, fmt.Sprintf("Exported %s (%s zips, %s) to %s; see its README.txt", Plural(int64(exp.Versions), "version"), Count(int64(exp.Zips)), HumanBytes(exp.Bytes), p(exp.Dir)))
	}
	return r.err
}
