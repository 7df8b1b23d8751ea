package actions

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/mod/semver"

	"modscope/cachescan"
)

// The audit report's views: the build list it judges against, the
// findings by version, the purge they call for, and their one-line reasons.

// buildList fills in where the project's build list comes from and
// returns it: the version of each module (by the path the cache keeps it
// under) the project builds with. It is the project's requires, with
// minimal version selection across a workspace's modules and the replace
// directives applied: since go 1.17 a go.mod lists every module that
// provides a package to the build at the version the build selects, so
// this is the code the build compiles, read without running the go
// command. (`go list -m all` lists more: modules whose go.mod alone the
// module graph reads, whose code never builds.)
func (rep *AuditReport) buildList(pr *cachescan.Project) map[string]string {
	build := map[string]string{}
	if pr == nil {
		return build
	}
	rep.Project = pr.Dir
	selected := map[string]string{}
	for _, r := range pr.Requires {
		if cur, ok := selected[r.Path]; !ok || semver.Compare(r.Version, cur) > 0 {
			selected[r.Path] = r.Version
		}
	}
	replaced := 0
	for path, version := range selected {
		target, local := replacement(pr, path, version)
		switch {
		case local:
			replaced++ // built from a directory, not the cache
		case target.Path != "":
			replaced++
			if cur, ok := build[target.Path]; !ok || semver.Compare(target.Version, cur) > 0 {
				build[target.Path] = target.Version
			}
		default:
			if cur, ok := build[path]; !ok || semver.Compare(version, cur) > 0 {
				build[path] = version
			}
		}
	}
	files := "go.mod"
	if pr.GoWork != "" {
		files = "the go.mod files of go.work"
	}
	rep.BuildList = fmt.Sprintf("the requires of %s (%s)", files, pluralWord(len(selected), "module"))
	if replaced > 0 {
		rep.BuildList += fmt.Sprintf(", %d replaced", replaced)
	}
	if pr.Go != "" && semver.Compare("v"+pr.Go, "v1.17") < 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the project says go %s: before go 1.17 a go.mod does not list every module the build uses, so a version only the module graph selects shows as only in the cache; modscope offline lists the whole build", cachescan.Printable(pr.Go)))
	}
	if len(pr.Errors) > 0 {
		rep.Notes = append(rep.Notes, "the project's files do not read cleanly ("+cachescan.Printable(pr.Errors[0])+"): the build list may lack modules")
	}
	return build
}

// replacement is what a replace directive makes of path@version: a module
// version, or local (a directory); neither when none applies. A directive
// for the exact version wins over one for every version, as in the go
// command.
func replacement(pr *cachescan.Project, path, version string) (target struct{ Path, Version string }, local bool) {
	var any *cachescan.Replace
	for i := range pr.Replaces {
		r := &pr.Replaces[i]
		if r.OldPath != path {
			continue
		}
		if r.OldVersion == version {
			any = r
			break
		}
		if r.OldVersion == "" && any == nil {
			any = r
		}
	}
	if any == nil {
		return target, false
	}
	if any.Local {
		return target, true
	}
	target.Path, target.Version = any.NewPath, any.NewVersion
	return target, false
}

// sortAuditFindings orders findings by kind, module, version and ID.
func sortAuditFindings(fs []AuditFinding) {
	rank := map[AuditKind]int{}
	for i, k := range AuditKinds {
		rank[k] = i
	}
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.Kind != b.Kind {
			return rank[a.Kind] < rank[b.Kind]
		}
		if a.Module != b.Module {
			return a.Module < b.Module
		}
		if c := semver.Compare(a.Version, b.Version); c != 0 {
			return c < 0
		}
		return a.ID < b.ID
	})
}

// ByVersion returns the findings by what they are about: a module version,
// or the module (Version "") for a deprecation. It is what the TUI marks
// its rows with; each slice is in report order.
func (r *AuditReport) ByVersion() map[AuditKey][]AuditFinding {
	out := map[AuditKey][]AuditFinding{}
	for _, f := range r.Findings {
		out[f.Key()] = append(out[f.Key()], f)
	}
	return out
}

// PurgeTargets are the purge targets that remove the vulnerable and
// retracted versions no project uses (kinds: those kinds only): the Audit
// policy, each version with its reason ("vulnerable: GO-2024-0001
// (CVE-2024-0001), fixed in v1.2.0", "retracted: Broken build."). The
// planner checks again that no project uses the code, leaves .mod and
// .info and never takes a toolchain. Audit is never nil, so that an empty
// result plans nothing, never every version the patterns name.
func (r *AuditReport) PurgeTargets(kinds ...AuditKind) Targets {
	if len(kinds) == 0 {
		kinds = []AuditKind{AuditVulnerable, AuditRetracted}
	}
	t := Targets{Audit: map[AuditKey]string{}}
	for i := range r.Findings {
		f := &r.Findings[i]
		if !f.Unused || f.Module == toolchainPath || (f.Kind != AuditVulnerable && f.Kind != AuditRetracted) {
			continue
		}
		wanted := false
		for _, k := range kinds {
			wanted = wanted || k == f.Kind
		}
		if !wanted {
			continue
		}
		if why := t.Audit[f.Key()]; why != "" {
			t.Audit[f.Key()] = why + "; " + f.Reason()
		} else {
			t.Audit[f.Key()] = f.Reason()
		}
	}
	return t
}

// Reason says in one line why the finding is one: "vulnerable: GO-…
// (CVE-…), fixed in v1.2.4", "retracted: <rationale>", "deprecated:
// <message>". Its texts were cleaned by the audit.
func (f *AuditFinding) Reason() string {
	switch f.Kind {
	case AuditVulnerable:
		s := "vulnerable: " + f.ID
		if len(f.Aliases) > 0 {
			s += " (" + strings.Join(f.Aliases, ", ") + ")"
		}
		if f.Fixed != "" {
			return s + ", fixed in " + f.Fixed
		}
		return s + ", no fixed version"
	case AuditRetracted:
		if f.Rationale == "" {
			return "retracted (no rationale given)"
		}
		return "retracted: " + f.Rationale
	case AuditDeprecated:
		return "deprecated: " + f.Message
	}
	return string(f.Kind)
}

// PurgeCommand is the modscope command that plans the removal of the
// versions of the given kinds (vulnerable, retracted) no project uses,
// reading the database this audit read, as it read it (--offline when
// the audit was), narrowed to the audit's patterns and extra: what the
// report offers and what an audit problem's fix runs.
func (r *AuditReport) PurgeCommand(kinds []AuditKind, extra ...string) string {
	var args []string
	for _, k := range kinds {
		args = append(args, "--"+string(k))
	}
	if r.VulnDB != nil && r.VulnDB.URL != "" && r.VulnDB.URL != DefaultVulnDB {
		args = append(args, "--vulndb", r.VulnDB.URL)
	}
	if r.offline {
		args = append(args, "--offline")
	}
	if len(extra) > 0 {
		args = append(args, extra...)
	} else {
		args = append(args, r.patterns...)
	}
	out := "modscope purge"
	for _, a := range args {
		out += " " + cachescan.ShellQuote(cachescan.Printable(a))
	}
	return out
}

func pluralWord(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func clipAudit(list []string, n int) []string {
	if len(list) <= n {
		return list
	}
	return append(append([]string(nil), list[:n]...), fmt.Sprintf("and %d more", len(list)-n))
}

const toolchainPath = "golang.org/toolchain"

// toolchainSemver is the Go release of a golang.org/toolchain version
// (v0.0.1-go1.21.0.linux-amd64) as the database's semantic versions write
// it: go1.21.0 is v1.21.0, go1.21rc2 v1.21.0-rc.2, go1.20 v1.20.0; "" for
// a version of another shape.
func toolchainSemver(v string) string {
	rest, ok := strings.CutPrefix(v, "v0.0.1-go")
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(rest, '.'); i >= 0 && strings.Contains(rest[i:], "-") {
		rest = rest[:i] // the .goos-goarch suffix
	}
	pre := ""
	for _, kind := range []string{"rc", "beta"} {
		if i := strings.Index(rest, kind); i >= 0 {
			rest, pre = rest[:i], "-"+kind+"."+rest[i+len(kind):]
			break
		}
	}
	parts := strings.Split(rest, ".")
	if len(parts) == 2 {
		parts = append(parts, "0")
	}
	out := "v" + strings.Join(parts, ".") + pre
	if len(parts) != 3 || !semver.IsValid(out) {
		return ""
	}
	return out
}

// semverToGo writes a Go release's semantic version as Go does: v1.21.1
// is go1.21.1, v1.21.0-rc.2 go1.21rc2.
func semverToGo(v string) string {
	if v == "" {
		return ""
	}
	base, pre, _ := strings.Cut(strings.TrimPrefix(v, "v"), "-")
	if pre != "" || semver.Compare(v, "v1.21.0") < 0 {
		// go1.20, go1.21rc2: no .0 before Go 1.21.0 nor in pre-releases.
		base = strings.TrimSuffix(base, ".0")
	}
	return "go" + base + strings.Replace(pre, ".", "", 1)
}
