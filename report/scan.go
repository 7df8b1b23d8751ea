// Package report writes the plain-text reports of the command line (scan,
// verify, offline, explain, doctor, purge, repair, download) and holds the
// width-aware formatting both the CLI and the TUI use. It reads snapshots
// and action results; it changes nothing.
package report

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

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
	// store: the snapshot is a store's, whose paths are keys in it.
	store bool
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
		if rt[0] != "" && !r.store && cachescan.ShellQuote(rt[0]) == rt[0] {
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
			r.para(4, "- "+ShortEntry(r.short(q.Path)))
			r.para(6, r.short(q.Detail))
		}
		// Not wrapped: a command must paste as one line.
		r.line("      fix: %s", r.short(q.Fix))
	}
}

// ShortEntry abbreviates the 64-hex name of a build-cache entry or a vcs
// clone at the end of a path.
func ShortEntry(path string) string {
	dir, base := filepath.Split(path)
	if len(base) >= 64 && isHex(base[:64]) {
		return dir + base[:12] + "…" + base[60:]
	}
	return path
}

func isHex(s string) bool {
	return strings.Trim(s, "0123456789abcdef") == ""
}
