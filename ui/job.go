package ui

import (
	"strings"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// jobKind is what an action does to the caches.
type jobKind uint8

const (
	jobPurge jobKind = iota
	jobDownload
	jobRepair
)

// job is an action from the moment it is asked for: its plan while the
// confirmation dialog shows it, then the task that runs it.
type job struct {
	kind jobKind
	// subject names what the action is about in the dialog ("2 marked
	// rows", "keep the latest 2 versions of each module").
	subject string

	// A purge: its targets (planned again when m toggles metadata).
	targets  actions.Targets
	metaable bool // the dialog offers m: also .mod and .info
	plan     *actions.PurgePlan
	// skipped counts marked rows that cannot be purged on their own.
	skipped int
	// empty is what to say when the targets select nothing.
	empty string
	// metaOnly counts the versions the targets choose that hold nothing
	// but .mod and .info: a plan that keeps those leaves them as they are.
	metaOnly int
	// onlyMeta: .mod and .info are all the targets have to remove, so
	// the plan takes them and m cannot keep them.
	onlyMeta bool
	// rows: the targets are rows the user chose, not a policy; only then
	// does a plan with nothing but .mod and .info take them (a policy
	// plans as the command does).
	rows bool

	// A re-download: the versions offered, each chosen or not.
	choices []choice

	// A repair: its plan, over these problems.
	repair *actions.RepairPlan
	found  []cachescan.Problem

	// fromMarks: the action is on the marked rows, whose marks go once
	// it succeeded.
	fromMarks bool
}

// choice is one version a re-download offers.
type choice struct {
	target  string // path@version
	state   cachescan.VersionState
	size    cachescan.Size
	on      bool
	refused string
}

// chosen lists the versions a re-download fetches.
func (j *job) chosen() []string {
	var out []string
	for _, c := range j.choices {
		if c.on && c.refused == "" {
			out = append(out, c.target)
		}
	}
	return out
}

// purgeJob turns rows into purge targets: a version is path@version, a
// module or a path segment every version of the modules under it, the
// cache/vcs group or a clone the clones, the sumdb group the checksum
// database cache. A version's own files and the list and lock files go
// with their versions only; when nothing can be purged, why says so.
// When only is not nil and gives a directory row a list (what a filter
// shows of it, or what its mark took), only those of its versions go.
func purgeJob(nodes []*node, only func(*node) []string) (j *job, why string) {
	j = &job{kind: jobPurge, metaable: true, rows: true, targets: actions.Targets{}}
	seen := map[string]bool{}
	// Exact patterns ("="): names from the cache may hold * or "...".
	pattern := func(s string) {
		if !seen[s] {
			seen[s] = true
			j.targets.Patterns = append(j.targets.Patterns, "="+s)
		}
	}
	// What the rows take, for a title that says it: a directory row
	// takes everything under it (as in ncdu and gdu), nested modules too.
	taken, takenMods := 0, map[string]bool{}
	for _, n := range nodes {
		switch {
		case n.kind == kindVersion:
			pattern(n.mod.Path + "@" + n.ver.Version)
		case isDir(n):
			// Module paths, not path/...: the tree shows toolchains in a
			// group of their own, so golang.org/... would take more than
			// the row shows.
			var shown map[string]bool
			if only != nil {
				if vs := only(n); vs != nil {
					shown = map[string]bool{}
					for _, v := range vs {
						shown[v] = true
					}
				}
			}
			// Versions listed but gone since are not in the tree.
			for _, v := range versionsUnder(n) {
				path := v[:strings.LastIndexByte(v, '@')]
				if shown != nil && !shown[v] {
					continue
				}
				taken++
				takenMods[path] = true
				if shown != nil {
					pattern(v)
				} else {
					pattern(path)
				}
			}
		case n.kind == kindGroup && n.path == "cache/vcs":
			j.targets.VCS = true
		case n.kind == kindClone:
			j.targets.Clones = append(j.targets.Clones, n.clone.Hash)
		case n.kind == kindGroup && n.path == "cache/download/sumdb":
			j.targets.SumDBCache = true
		case n.kind == kindDownload || n.kind == kindFile || n.kind == kindTree:
			j.skipped++
			why = "a version's files go together: select the version (h goes up) to purge it"
		default:
			j.skipped++
			why = "nothing to purge in " + cachescan.Printable(n.name) + ": the go command keeps these (strays show in Problems)"
		}
	}
	if len(j.targets.Patterns) == 0 && !j.targets.VCS && len(j.targets.Clones) == 0 && !j.targets.SumDBCache {
		return nil, why
	}
	j.metaable = len(j.targets.Patterns) > 0
	if len(nodes) == 1 {
		j.subject = cachescan.Printable(nodes[0].path)
		if n := nodes[0]; n.kind != kindVersion && taken > 0 {
			j.subject = rowSubject(n, takenMods, taken)
		}
	}
	j.empty = "nothing to purge there"
	return j, ""
}

// rowSubject names what d on one directory row takes: the row's module
// and the modules nested below it, or the modules under a path segment,
// with the versions they have.
func rowSubject(n *node, mods map[string]bool, versions int) string {
	vs := " (" + report.Plural(int64(versions), "version") + ")"
	own := n.mod != nil && mods[n.mod.Path]
	switch {
	case n.kind == kindGroup:
		return cachescan.Printable(n.path) + vs
	case own && len(mods) == 1:
		return cachescan.Printable(n.path) + vs
	case own:
		return cachescan.Printable(n.path) + " and " + report.Plural(int64(len(mods)-1), "module") + " below it" + vs
	}
	return report.Plural(int64(len(mods)), "module") + " under " + cachescan.Printable(n.path) + "/" + vs
}
