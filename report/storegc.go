package report

import (
	"io"
	"strings"

	"modscope/actions/store"
)

// WriteGCPlan prints what a store gc would delete, what a policy picked
// but a protection keeps, and the lists it rewrites.
func WriteGCPlan(w io.Writer, plan *store.GCPlan) error {
	r := &report{w: w}
	r.line("Store %s (%s layout, %s)", p(plan.URL), plan.Layout, Plural(int64(plan.Versions), "version"))
	if len(plan.Items) == 0 {
		r.line("Nothing to delete.")
	} else {
		r.line("GC plan: delete %s, %s in %s", Plural(int64(len(plan.Items)), "version"), HumanBytes(plan.Bytes), Plural(int64(plan.Objects), "object"))
		for _, it := range plan.Items {
			r.line("  %-50s %9s  %s", p(it.Module+"@"+it.Version), HumanBytes(it.Bytes), p(strings.Join(it.Reasons, "; ")))
		}
	}
	for _, l := range plan.Lists {
		if l.Delete {
			r.line("  %s: deleted with its last version", p(l.Key))
		} else {
			r.line("  %s: rewritten without %s", p(l.Key), Plural(int64(len(l.Drop)), "version"))
		}
	}
	if len(plan.Kept) > 0 {
		r.line("Kept (a policy picked them):")
		for _, k := range plan.Kept {
			r.line("  %-50s %s", p(k.Module+"@"+k.Version), p(k.Why))
		}
	}
	return r.err
}

// WriteGCResult prints what a store gc did.
func WriteGCResult(w io.Writer, res *store.GCResult) error {
	r := &report{w: w}
	r.line("Deleted %s (%s), %s whole; %s already gone; %s rewritten",
		Plural(int64(res.Deleted), "object"), HumanBytes(res.DeletedBytes), Plural(int64(res.Versions), "version"),
		Count(int64(res.AlreadyGone)), Plural(int64(res.Lists), "list"))
	for _, f := range res.Failures {
		r.line("  failed: %s: %s", p(f.Key), p(f.Err))
	}
	if res.Cancelled {
		r.line("Interrupted: each version is whole or metadata only; run the gc again to finish.")
	}
	return r.err
}
