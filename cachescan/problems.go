package cachescan

import (
	"sort"
	"strings"
)

// Severity ranks a problem. Exit status 1 means at least one SeverityError.
type Severity string

// The severities, most serious first.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Rank orders severities: 0 for errors, 1 for warnings, 2 for the rest.
func (s Severity) Rank() int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	}
	return 2
}

// Problem is one thing found wrong in a cache. Build-cache problems have no
// module; their Path names the entry.
type Problem struct {
	Kind     string   `json:"kind"`
	Severity Severity `json:"severity"`
	Module   string   `json:"module,omitempty"`
	Version  string   `json:"version,omitempty"`
	Path     string   `json:"path"`
	Detail   string   `json:"detail"`
	Fix      string   `json:"fix"`
}

// Kind describes one kind of problem: how serious it is, what it means and,
// in general terms, how to fix it. Each Problem carries a fix made concrete
// with its own paths.
type Kind struct {
	Name     string
	Severity Severity
	Meaning  string
	Fix      string
}

// The problem kinds the scan reports.
const (
	KindDirPartial         = "dir-partial"
	KindDirOrphan          = "dir-orphan"
	KindZipHashInvalid     = "ziphash-invalid"
	KindZipHashMissing     = "ziphash-missing"
	KindZipMissing         = "zip-missing"
	KindZipCorrupt         = "zip-corrupt"
	KindInfoInvalid        = "info-invalid"
	KindModInvalid         = "mod-invalid"
	KindListStale          = "list-stale"
	KindTmpLeftover        = "tmp-leftover"
	KindVCSBroken          = "vcs-broken"
	KindPathInvalid        = "path-invalid"
	KindUnreadable         = "unreadable"
	KindActionInvalid      = "action-invalid"
	KindOutputMissing      = "output-missing"
	KindOutputSizeMismatch = "output-size-mismatch"
)

// Kinds lists every kind the scan can report, in the order reports use.
var Kinds = []Kind{
	{KindDirPartial, SeverityError,
		"a .partial marker and no go command holds the version's lock: an extraction crashed",
		"(cd / && go mod download M@V) removes the half-extracted tree and extracts it again"},
	{KindDirOrphan, SeverityWarning,
		"an extracted tree with neither zip nor ziphash: nothing can verify it and the go command keeps it as is",
		"remove the tree, then fetch a verified copy with go mod download M@V, run outside any module"},
	{KindZipHashInvalid, SeverityError,
		".ziphash is not a 47-byte h1: hash; with the zip gone the go command fails on it",
		"remove the tree and the ziphash, then go mod download M@V outside any module"},
	{KindZipHashMissing, SeverityWarning,
		"a zip without its ziphash: the go command re-hashes the zip but keeps the tree unchecked",
		"remove the tree and the zip, then go mod download M@V outside any module"},
	{KindZipMissing, SeverityInfo,
		"a ziphash without its zip: builds work, but the cache cannot serve this version as a file:// proxy",
		"(cd / && go mod download M@V) fetches the zip again (needs the network)"},
	{KindZipCorrupt, SeverityError,
		"the zip cannot be opened or fails x/mod/zip's checks; once the tree is gone every build fails",
		"remove the tree, zip and ziphash, then go mod download M@V outside any module"},
	{KindInfoInvalid, SeverityWarning,
		".info is not JSON, names another version, or has no Time; the go command trusts it as it is",
		"delete the .info; the go command fetches it again (needs the network)"},
	{KindModInvalid, SeverityError,
		".mod does not parse or declares another module path: a false SECURITY ERROR on every build",
		"delete the .mod; the go command fetches it again (needs the network)"},
	{KindListStale, SeverityInfo,
		"list has NUL bytes (a torn write) or disagrees with the .mod files present; matters only to file:// proxies",
		"rewrite list: one version per line for each .mod present, in semver order"},
	{KindTmpLeftover, SeverityInfo,
		"a temp file or directory left by an interrupted write",
		"delete it while no go command is running"},
	{KindVCSBroken, SeverityWarning,
		"a cache/vcs clone without its .info, or an .info without its clone",
		"delete the clone directory and its .info (keep the .lock); the go command clones again"},
	{KindPathInvalid, SeverityWarning,
		"a name that does not unescape to a valid module path or version: the go command did not write it",
		"inspect it and remove it by hand"},
	{KindUnreadable, SeverityWarning,
		"a path the scan could not read, so the totals leave it out",
		"check its owner and permissions (ls -ld PATH), or run modscope as the cache's owner"},
	{KindActionInvalid, SeverityWarning,
		"a build-cache -a entry that is not exactly the 175-byte v1 format, or names another ID; the go command treats it as a miss",
		"delete the entry, or go clean -cache"},
	{KindOutputMissing, SeverityInfo,
		"an -a entry whose -d output is gone: a dead pointer, reclaimable",
		"delete the -a entry; the go command treats it as a miss"},
	{KindOutputSizeMismatch, SeverityError,
		"a -d output whose size differs from its -a entry (or a -d directory without exactly one file)",
		"delete the -d output; the go command rebuilds it"},
}

var kindByName = func() map[string]*Kind {
	m := make(map[string]*Kind, len(Kinds))
	for i := range Kinds {
		m[Kinds[i].Name] = &Kinds[i]
	}
	return m
}()

// LookupKind returns the description of a kind, or nil if it is unknown.
func LookupKind(name string) *Kind { return kindByName[name] }

// kindOrder is the position of a kind in Kinds, for sorting.
func kindOrder(name string) int {
	for i := range Kinds {
		if Kinds[i].Name == name {
			return i
		}
	}
	return len(Kinds)
}

// SortProblems orders problems by severity, kind, module, version and path.
func SortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() < b.Severity.Rank()
		}
		if a.Kind != b.Kind {
			return kindOrder(a.Kind) < kindOrder(b.Kind)
		}
		if a.Module != b.Module {
			return a.Module < b.Module
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Path < b.Path
	})
}

// HasErrors reports whether any problem has error severity.
func HasErrors(ps []Problem) bool {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

// newProblem fills in the kind's severity and a fix made concrete with the
// problem's own paths: M@V, DIR, DL and PATH in the kind's text are replaced.
func newProblem(kind, module, version, path, detail string, places map[string]string) Problem {
	k := kindByName[kind]
	fix := k.Fix
	if module != "" {
		fix = strings.ReplaceAll(fix, "M@V", module+"@"+version)
	}
	fix = strings.ReplaceAll(fix, "PATH", path)
	for key, val := range places {
		fix = strings.ReplaceAll(fix, key, val)
	}
	return Problem{Kind: kind, Severity: k.Severity, Module: module, Version: version, Path: path, Detail: detail, Fix: fix}
}
