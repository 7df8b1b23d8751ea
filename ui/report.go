package ui

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"modscope/actions"
	"modscope/assets"
	"modscope/cachescan"
)

// ReportWidth is the width the plain-text report is laid out for.
const ReportWidth = 80

// topModules is how many of the biggest modules the report lists.
const topModules = 10

// WriteReport prints the plain-text report of a scan: totals, the biggest
// modules, toolchains, the project's replace directives and the problems
// grouped by kind with their fixes. Every name from the cache passes through
// cachescan.Printable.
func WriteReport(w io.Writer, snap *cachescan.Snapshot) error {
	r := &report{w: w}
	r.header(snap)
	r.modCache(&snap.ModCache)
	r.buildCache(&snap.BuildCache)
	r.biggest(&snap.ModCache)
	r.toolchains(&snap.ModCache)
	r.project(snap.Project)
	r.problems(snap)
	return r.err
}

type report struct {
	w   io.Writer
	err error
	// roots maps cache roots to the variable names the problems section
	// writes instead, longest root first, so paths and fixes fit the width.
	roots [][2]string
}

// short writes cache paths in s relative to $GOMODCACHE and $GOCACHE.
func (r *report) short(s string) string {
	for _, rt := range r.roots {
		// Inside a shell-quoted path the variable would not expand:
		// '/root/x' becomes "$GOMODCACHE"'/x', which a shell joins.
		s = strings.ReplaceAll(s, "'"+rt[0]+string(filepath.Separator), `"`+rt[1]+`"'/`)
		s = strings.ReplaceAll(s, rt[0]+string(filepath.Separator), rt[1]+"/")
	}
	return p(s)
}

func (r *report) line(format string, args ...any) {
	if r.err != nil {
		return
	}
	s := format
	if len(args) > 0 {
		s = fmt.Sprintf(format, args...)
	}
	_, r.err = io.WriteString(r.w, s+"\n")
}

// para prints text wrapped to the report width, every line indented.
func (r *report) para(indent int, text string) {
	pad := strings.Repeat(" ", indent)
	for _, l := range Wrap(text, ReportWidth-indent, 2) {
		r.line("%s%s", pad, l)
	}
}

func p(s string) string { return cachescan.Printable(s) }

func (r *report) header(snap *cachescan.Snapshot) {
	r.line("modscope scan  %s  (%.2f s)", snap.ScannedAt.UTC().Format("2006-01-02 15:04 MST"), float64(snap.DurationMS)/1000)
	if snap.Env.Source == "defaults" {
		r.para(2, "go command not found ("+p(snap.Env.GoErr)+"): using the documented default locations.")
	}
}

func sizeLine(s cachescan.Size) string {
	return fmt.Sprintf("%s on disk (%s apparent), %s", HumanBytes(s.Bytes), HumanBytes(s.ApparentBytes), Plural(s.Files, "file"))
}

func (r *report) modCache(mc *cachescan.ModCache) {
	r.line("")
	r.line("Module cache  %s", p(mc.Root))
	if !mc.Exists {
		r.line("  does not exist yet: the go command creates it on the first download")
		return
	}
	r.line("  %s", sizeLine(mc.Size))
	var versions int64
	for _, m := range mc.Modules {
		versions += int64(len(m.Versions))
	}
	r.line("  %s, %s", Plural(int64(len(mc.Modules)), "module"), Plural(versions, "version"))
	r.line("  vcs clones %s (%d), checksum db %s, other %s",
		HumanBytes(mc.VCS.Bytes), len(mc.VCS.Clones), HumanBytes(mc.SumDB.Bytes), HumanBytes(mc.Other.Bytes))
}

func (r *report) buildCache(bc *cachescan.BuildCache) {
	r.line("")
	r.line("Build cache   %s", p(bc.Root))
	if bc.Root == "" {
		r.line("  disabled (GOCACHE=off)")
		return
	}
	if !bc.Exists {
		r.line("  does not exist yet: the go command creates it on the first build")
		return
	}
	if bc.CacheProg != "" {
		r.para(2, "GOCACHEPROG="+p(bc.CacheProg)+" is set: the go command uses that program, not these files.")
	}
	r.line("  %s", sizeLine(bc.Size))
	r.line("  %s (%s, %s)", Plural(bc.Entries, "entry"), Plural(bc.Actions, "action"), Plural(bc.Outputs, "output"))
	var parts []string
	for _, b := range bc.ByAge {
		parts = append(parts, b.Label+" "+HumanBytes(b.Bytes))
	}
	r.line("  last used: %s", strings.Join(parts, ", "))
	trim := "never"
	if bc.TrimTime != nil {
		trim = bc.TrimTime.Format("2006-01-02 15:04 MST")
	}
	r.line("  trimmed %s, fuzz cache %s", trim, HumanBytes(bc.Fuzz.Bytes))
	if bc.TestExpire != nil {
		r.line("  go clean -testcache: results before %s are ignored", bc.TestExpire.Format("2006-01-02 15:04 MST"))
	}
}

func (r *report) biggest(mc *cachescan.ModCache) {
	if len(mc.Modules) == 0 {
		return
	}
	mods := append([]*cachescan.Module(nil), mc.Modules...)
	sort.SliceStable(mods, func(i, j int) bool { return mods[i].Bytes > mods[j].Bytes })
	if len(mods) > topModules {
		mods = mods[:topModules]
	}
	r.line("")
	r.line("Biggest modules")
	for _, m := range mods {
		r.line("  %9s  %s  (%s)", HumanBytes(m.Bytes), ShortenMiddle(p(m.Path), ReportWidth-30), Plural(int64(len(m.Versions)), "version"))
	}
}

func (r *report) toolchains(mc *cachescan.ModCache) {
	var tcs []*cachescan.Version
	for _, m := range mc.Modules {
		if m.Toolchain {
			tcs = append(tcs, m.Versions...)
		}
	}
	if len(tcs) == 0 {
		return
	}
	r.line("")
	r.line("Toolchains")
	for _, v := range tcs {
		mark := ""
		if v.Active {
			mark = "  active"
		}
		r.line("  %9s  %s%s", HumanBytes(v.Bytes), ShortenMiddle(p(v.Version), ReportWidth-22), mark)
	}
}

func (r *report) project(pr *cachescan.Project) {
	r.line("")
	if pr == nil {
		r.line("Project       none (no go.mod or go.work here or above)")
		return
	}
	r.line("Project       %s", p(pr.Dir))
	desc := "module " + p(pr.Module)
	if pr.GoWork != "" {
		desc = fmt.Sprintf("workspace %s, %s", p(pr.GoWork), Plural(int64(len(pr.Modules)), "module"))
	}
	if pr.Go != "" {
		desc += ", go " + p(pr.Go)
	}
	if pr.Toolchain != "" {
		desc += ", toolchain " + p(pr.Toolchain)
	}
	r.para(2, desc)
	for _, e := range pr.Errors {
		r.para(2, "error: "+p(e))
	}
	states := map[string]int64{}
	for _, q := range pr.Requires {
		if q.Replaced {
			// Builds use the replacement (a local directory, or another
			// module, listed below), not this cache entry.
			states["replaced"]++
		} else {
			states[string(q.State)]++
		}
	}
	if len(pr.Requires) > 0 {
		var parts []string
		for _, st := range []string{"complete", "extractable", "metadata", "extracting", "unverifiable", "partial", "damaged", "incomplete", "missing", "replaced"} {
			if n := states[st]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, st))
			}
		}
		r.para(2, Plural(int64(len(pr.Requires)), "require")+" in the cache: "+strings.Join(parts, ", "))
	}
	if len(pr.Replaces) == 0 {
		r.line("  no replace directives")
		return
	}
	r.line("  Replace directives")
	for _, rp := range pr.Replaces {
		old := p(rp.OldPath)
		if rp.OldVersion != "" {
			old += " " + p(rp.OldVersion)
		}
		nw := p(rp.NewPath)
		if rp.NewVersion != "" {
			nw += " " + p(rp.NewVersion)
		}
		var state string
		switch {
		case rp.Local && !rp.TargetExists:
			state = "local directory missing"
		case rp.Local && !rp.TargetHasGoMod:
			state = "local directory without go.mod"
		case rp.Local:
			state = "local, ok"
		case rp.TargetExists:
			state = "module, " + string(rp.TargetState) + " in cache"
		default:
			state = "module, not in cache"
		}
		r.para(4, old+" => "+nw+"  ["+state+"]")
	}
}

func (r *report) problems(snap *cachescan.Snapshot) {
	ps := snap.Problems
	r.line("")
	if len(ps) == 0 {
		r.line("Problems      none found")
		return
	}
	count := map[cachescan.Severity]int64{}
	for _, q := range ps {
		count[q.Severity]++
	}
	var parts []string
	for _, s := range []cachescan.Severity{cachescan.SeverityError, cachescan.SeverityWarning, cachescan.SeverityInfo} {
		if n := count[s]; n > 0 {
			parts = append(parts, Plural(n, string(s)))
		}
	}
	r.line("Problems      %s", strings.Join(parts, ", "))
	// Paths under a root are written relative to it when the root needs no
	// quoting, so that the fixes stay short and still paste as they are.
	var exports []string
	for _, rt := range [][2]string{{snap.ModCache.Root, "GOMODCACHE"}, {snap.BuildCache.Root, "GOCACHE"}} {
		if rt[0] != "" && cachescan.ShellQuote(rt[0]) == rt[0] {
			r.roots = append(r.roots, [2]string{rt[0], "$" + rt[1]})
			exports = append(exports, rt[1]+"="+rt[0])
		}
	}
	sort.Slice(r.roots, func(i, j int) bool { return len(r.roots[i][0]) > len(r.roots[j][0]) })
	if len(exports) > 0 {
		r.para(2, "Paths start at the cache roots; fixes are one line each. To run them, first:")
		r.line("    export %s", p(strings.Join(exports, " ")))
	}
	for i, q := range ps {
		if i == 0 || q.Kind != ps[i-1].Kind || q.Severity != ps[i-1].Severity {
			r.line("")
			if k := cachescan.LookupKind(q.Kind); k != nil {
				r.para(2, fmt.Sprintf("%s (%s): %s", k.Name, q.Severity, k.Meaning))
			} else {
				r.line("  %s (%s)", q.Kind, q.Severity)
			}
		}
		if q.Module != "" {
			what := p(q.Module)
			if q.Version != "" {
				what += "@" + p(q.Version)
			}
			r.para(4, "- "+what+": "+r.short(q.Detail))
			r.para(6, "at "+r.short(q.Path))
		} else {
			r.para(4, "- "+shortEntry(r.short(q.Path)))
			r.para(6, r.short(q.Detail))
		}
		// Not wrapped: a command must paste as one line.
		r.line("      fix: %s", r.short(q.Fix))
	}
}

// shortEntry abbreviates the 64-hex name of a build-cache entry or a vcs
// clone at the end of a path.
func shortEntry(path string) string {
	dir, base := filepath.Split(path)
	if len(base) >= 64 && isHex(base[:64]) {
		return dir + base[:12] + "…" + base[60:]
	}
	return path
}

func isHex(s string) bool {
	return strings.Trim(s, "0123456789abcdef") == ""
}

// WriteVerifySummary prints what verify hashed, after the report.
func WriteVerifySummary(w io.Writer, rep *actions.VerifyReport) error {
	r := &report{w: w}
	r.line("")
	r.line("Verified      %s and %s, %s hashed", Plural(rep.Versions, "module version"), Plural(rep.Outputs, "build output"), HumanBytes(rep.Bytes))
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

// WritePurgePlan prints what a purge would remove and free.
func WritePurgePlan(w io.Writer, plan *actions.PurgePlan) error {
	r := &report{w: w}
	if len(plan.Items) == 0 && len(plan.Manual) == 0 {
		r.line("Nothing to remove.")
		return r.err
	}
	r.purgePlan("Purge plan", plan, "")
	return r.err
}

// purgePlan prints a plan's items: what goes, its size, why, warnings.
func (r *report) purgePlan(title string, plan *actions.PurgePlan, note string) {
	n, other, lists := 0, 0, 0
	for _, it := range plan.Items {
		switch {
		case it.Refused != "":
		case it.Kind == actions.ItemVersion:
			n++
		case it.Kind == actions.ItemList:
			lists++
		default:
			other++
		}
	}
	what := Plural(int64(n), "version")
	switch {
	case n == 0:
		what = Plural(int64(other), "item")
	case other > 0:
		what += ", " + Plural(int64(other), "other item")
	}

	r.line("%s: %s, %s on disk (%s apparent)", title, what, HumanBytes(plan.Size.Bytes), HumanBytes(plan.Size.ApparentBytes))
	if lists > 0 {
		r.para(2, "and "+Plural(int64(lists), "list")+" to rewrite")
	}
	if note != "" {
		r.para(2, "("+note+")")
	}
	if modcache, gocache := plan.Roots(); len(plan.Items) > 0 {
		// The paths below are relative to these.
		r.para(2, "in GOMODCACHE "+p(modcache))
		if gocache != "" {
			r.para(2, "and GOCACHE "+p(gocache))
		}
	}
	for _, it := range plan.Items {
		if it.Refused != "" {
			r.para(2, "- "+p(it.Label)+": kept: "+p(it.Refused))
			continue
		}
		line := fmt.Sprintf("- %s: %s, %s", p(it.Label), Plural(int64(len(it.Paths)), "path"), HumanBytes(it.Size.Bytes))
		if it.Kind == actions.ItemBuild {
			line = fmt.Sprintf("- %s: %s, %s", p(it.Label), Plural(int64(len(it.Paths)), "entry"), HumanBytes(it.Size.Bytes))
		}
		if it.Kind == actions.ItemTestCache || it.Kind == actions.ItemList {
			line = "- " + p(it.Label)
		}
		if it.Reason != "" && it.Reason != "named" {
			line += " (" + p(it.Reason) + ")"
		}
		r.para(2, line)
		if it.Kind != actions.ItemTestCache && it.Kind != actions.ItemList {
			r.planPaths(plan, it.Paths)
		}
		for _, wmsg := range it.Warnings {
			r.para(4, "! "+p(wmsg))
		}
	}
	for _, wmsg := range plan.Warnings {
		r.para(2, "! "+p(wmsg))
	}
	if len(plan.Running) > 0 {
		r.para(2, "! running now: "+p(strings.Join(plan.Running, ", "))+"; a build that is using what goes fails")
	}
	r.manual(plan.Manual)
}

// planPathsShown bounds the paths listed under one item; --json has all.
const planPathsShown = 4

// planPaths lists an item's paths, relative to their cache root.
func (r *report) planPaths(plan *actions.PurgePlan, paths []string) {
	for i, path := range paths {
		if i == planPathsShown && len(paths) > planPathsShown+1 {
			r.para(6, fmt.Sprintf("… and %s more (--json lists every path)", Count(int64(len(paths)-planPathsShown))))
			return
		}
		r.para(6, p(plan.Short(path)))
	}
}

// manual lists problems that need a person, with their fixes.
func (r *report) manual(ps []cachescan.Problem) {
	if len(ps) == 0 {
		return
	}
	r.line("Left for you (%d): no safe automatic fix", len(ps))
	for _, pr := range ps {
		where := pr.Path
		if pr.Module != "" {
			where = pr.Module + "@" + pr.Version
		}
		r.para(2, "- "+pr.Kind+" "+p(where)+": "+p(pr.Detail))
		r.para(4, "fix: "+p(pr.Fix))
	}
}

// WritePurgeResults prints what a purge did.
func WritePurgeResults(w io.Writer, results []actions.PurgeResult) error {
	r := &report{w: w}
	if len(results) == 0 {
		return nil
	}
	var removed int64
	var freed cachescan.Size
	kept, notStarted, lists, listsDone := 0, 0, 0, 0
	for _, res := range results {
		freed.Add(res.Freed)
		if res.Kind == actions.ItemList {
			// A rewrite, not a removal: counted apart.
			lists++
			if res.Removed {
				listsDone++
			} else if res.Err != "" {
				r.para(2, "- "+p(res.Label)+": "+p(res.Err))
			}
			continue
		}
		switch {
		case res.Removed:
			removed++
		case res.NotStarted:
			notStarted++
		case res.Kept != "":
			kept++
			r.para(2, "- "+p(res.Label)+": kept: "+p(res.Kept))
		default:
			r.para(2, "- "+p(res.Label)+": "+p(res.Err))
		}
	}
	line := fmt.Sprintf("Removed %d of %d, freed %s.", removed, len(results)-kept-lists, HumanBytes(freed.Bytes))
	if kept > 0 {
		line = fmt.Sprintf("Removed %d of %d (%d kept), freed %s.", removed, len(results)-kept-lists, kept, HumanBytes(freed.Bytes))
	}
	if lists > 0 {
		line += fmt.Sprintf(" Rewrote %d of %s.", listsDone, Plural(int64(lists), "list"))
		if len(results) == lists {
			line = fmt.Sprintf("Rewrote %d of %s.", listsDone, Plural(int64(lists), "list"))
		}
	}
	if notStarted > 0 {
		line += fmt.Sprintf(" Stopped: %d not started, left as they were.", notStarted)
	}
	r.line("%s", line)
	return r.err
}

// failure prints an error as the go command said it (six lines at most),
// then its causes and fixes from the knowledge base, or that it has none.
func (r *report) failure(text string, explanations []actions.Explanation) {
	for i, l := range strings.Split(strings.TrimSpace(text), "\n") {
		if i == 6 {
			r.para(2, "…")
			break
		}
		r.para(2, "| "+p(strings.ReplaceAll(l, "\t", "    ")))
	}
	if len(explanations) == 0 {
		r.para(2, "cause: not in the knowledge base; modscope explain shows what it knows")
	}
	for _, e := range explanations {
		r.para(2, "cause: "+e.Cause)
		r.para(2, "fix: "+p(e.Fix))
	}
}

// WriteRepairPlan prints what a repair would do about the problems found.
func WriteRepairPlan(w io.Writer, plan *actions.RepairPlan, found int) error {
	r := &report{w: w}
	if plan.Empty() && len(plan.Manual) == 0 {
		r.line("Nothing to repair: %s found.", Plural(int64(found), "problem"))
		return r.err
	}
	if len(plan.Purge.Items) > 0 {
		r.purgePlan("Remove", plan.Purge, "the go command restores these by itself, offline")
	}
	if len(plan.Downloads) > 0 {
		r.line("Download again: %s", Plural(int64(len(plan.Downloads)), "version"))
		r.para(2, "(needs the network; each replaced once a checked fresh copy is in hand)")
		for _, d := range plan.Downloads {
			r.para(2, "- "+p(d))
		}
	}
	r.manual(plan.Manual)
	return r.err
}

// WriteDownloadResults prints each download's verdict, and explains the
// failures with the knowledge base.
func WriteDownloadResults(w io.Writer, results []actions.DownloadResult) error {
	r := &report{w: w}
	if len(results) == 0 {
		return nil
	}
	counts := map[actions.Verdict]int{}
	for _, res := range results {
		counts[res.Verdict]++
		name := res.Target
		if res.Module != "" {
			name = res.Module + "@" + res.Version
		}
		mark := "✓"
		if res.NeedsAction() {
			mark = "✗"
		}
		r.para(0, mark+" "+p(name)+": "+string(res.Verdict))
		if res.Detail != "" {
			r.para(2, p(res.Detail))
		}
		if res.Checked != "" && res.Verdict != actions.VerdictFailed {
			r.para(2, "checked by: "+p(res.Checked))
		}
		if res.Error != "" {
			r.failure(res.Error, res.Explanations)
		}
	}
	var parts []string
	for _, v := range actions.Verdicts {
		if counts[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[v], string(v)))
		}
	}
	r.line("Downloads: %s.", strings.Join(parts, ", "))
	return r.err
}
