package report

import (
	"fmt"
	"io"
	"time"

	"modscope/actions"
)

// WriteTrimPlan prints what a trim keeps and removes of each cache, with
// bytes, then the items of its purge plan.
func WriteTrimPlan(w io.Writer, tp *actions.TrimPlan) error {
	r := &report{w: w}
	r.line("Trim plan: both caches %s on disk, cap %s", HumanBytes(tp.Before), HumanBytes(tp.MaxSize))
	b, m := tp.Build, tp.Mod
	line := fmt.Sprintf("build cache %s: removes %s (%s)", HumanBytes(b.Size), Plural(b.Removed, "entry"), HumanBytes(b.RemovedBytes))
	if tp.UsedSince != nil {
		line += fmt.Sprintf("; keeps %s used since %s (%s)", Plural(b.Kept, "entry"), stamp(*tp.UsedSince), HumanBytes(b.KeptBytes))
	}
	if b.Spared > 0 {
		line += fmt.Sprintf("; not removed, as the caches fit without them: %s not in use (%s)", Plural(b.Spared, "entry"), HumanBytes(b.SparedBytes))
	}
	r.para(2, line)
	line = fmt.Sprintf("module cache %s: removes %s (%s); keeps %s the projects need (%s)",
		HumanBytes(m.Size), Plural(m.Removed, "version"), HumanBytes(m.RemovedBytes), Plural(m.Kept, "version"), HumanBytes(m.KeptBytes))
	if m.Spared > 0 {
		line += fmt.Sprintf("; not removed, as the caches fit without them: %s no project needs (%s)", Plural(m.Spared, "version"), HumanBytes(m.SparedBytes))
	}
	if m.Refused > 0 {
		line += fmt.Sprintf("; %s a purge may not remove", Plural(m.Refused, "version"))
	}
	r.para(2, line)
	if tp.KeptSince != nil {
		r.para(2, "(an entry used since "+stamp(*tp.UsedSince)+" has an mtime from "+stamp(*tp.KeptSince)+" on: the go command refreshes an entry's mtime only when it is over an hour old)")
	}
	if !tp.Fits() {
		u := tp.Untouched
		line := fmt.Sprintf("! the cap is missed by %s: what stays takes %s: in use %s", HumanBytes(tp.Missed), HumanBytes(tp.After), HumanBytes(b.KeptBytes+m.KeptBytes))
		for _, part := range []struct {
			n    int64
			what string
		}{{u.VCS, "cache/vcs clones (purge --vcs)"}, {u.SumDB, "the checksum-database cache (purge --sumdb-cache)"},
			{u.Fuzz, "the fuzzing cache (purge --fuzz-cache)"}, {u.Other, "the caches' directories and own files"}} {
			if part.n > 0 {
				line += ", " + part.what + " " + HumanBytes(part.n)
			}
		}
		r.para(2, line)
	}
	if len(tp.Purge.Items) > 0 {
		r.purgePlan("Removes", tp.Purge, "")
	} else {
		r.line("Nothing to remove.")
	}
	return r.err
}

// TrimSummary is a trim's one line for a CI log: the caches' size before
// and after, the cap, what went and what stayed. Without results it says
// what the plan would do; with them, the bytes are those measured as each
// entry went.
func TrimSummary(tp *actions.TrimPlan, results []actions.PurgeResult, ran bool) string {
	buildN, buildB, modN, modB := tp.Build.Removed, tp.Build.RemovedBytes, tp.Mod.Removed, tp.Mod.RemovedBytes
	after := tp.After
	failed := 0
	if ran {
		buildN, buildB, modN, modB = 0, 0, 0, 0
		var freed int64
		for i, res := range results {
			freed += res.Freed.Bytes
			if res.Err != "" {
				failed++
			}
			switch {
			case res.Kind == actions.ItemBuild:
				buildB += res.Freed.Bytes
				if res.Removed && i < len(tp.Purge.Items) {
					buildN += int64(len(tp.Purge.Items[i].Paths))
				}
			case res.Kind == actions.ItemVersion:
				modB += res.Freed.Bytes
				if res.Removed {
					modN++
				}
			}
		}
		after = tp.Before - freed
	}
	verb := "removed"
	head := "trim"
	if !ran {
		verb, head = "would remove", "trim (plan)"
	}
	s := fmt.Sprintf("%s: %s -> %s (cap %s): %s %s (%s) and %s (%s)", head, HumanBytes(tp.Before), HumanBytes(after), HumanBytes(tp.MaxSize),
		verb, Plural(buildN, "build entry"), HumanBytes(buildB), Plural(modN, "module version"), HumanBytes(modB))
	if tp.UsedSince != nil {
		s += fmt.Sprintf("; kept %s used since %s", Plural(tp.Build.Kept, "entry"), stamp(*tp.UsedSince))
	} else {
		s += fmt.Sprintf("; kept the %s most recently used", Plural(tp.Build.Spared, "entry"))
	}
	s += fmt.Sprintf(" and %s the build needs", Plural(tp.Mod.Kept, "version"))
	if !tp.Fits() {
		s += fmt.Sprintf("; cap missed by %s", HumanBytes(tp.Missed))
	}
	if failed > 0 {
		s += fmt.Sprintf("; %s failed (see above)", Plural(int64(failed), "item"))
	}
	return p(s)
}

// stamp is a time as --used-since takes it.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
