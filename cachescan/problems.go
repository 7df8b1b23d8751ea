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
	// Verify is set on the kinds that only verify finds: they need hashing.
	Verify bool
	// Audit is set on the kinds only an audit finds (actions.AuditProblems):
	// advice about a version from the vulnerability database or the
	// module's latest go.mod, not damage. Neither the scan nor verify
	// reports them, and no purge --problems or repair acts on them.
	Audit bool
}

// The problem kinds the scan reports.
const (
	KindDirPartial     = "dir-partial"
	KindDirOrphan      = "dir-orphan"
	KindZipHashInvalid = "ziphash-invalid"
	KindZipHashMissing = "ziphash-missing"
	KindZipMissing     = "zip-missing"
	KindZipCorrupt     = "zip-corrupt"
	KindInfoInvalid    = "info-invalid"
	KindModInvalid     = "mod-invalid"
	KindListStale      = "list-stale"
	KindTmpLeftover    = "tmp-leftover"
	KindVCSBroken      = "vcs-broken"
	KindPathInvalid    = "path-invalid"
	KindUnreadable     = "unreadable"
	KindGoCacheBroken  = "gocache-broken"

	// Found by verify, which hashes.
	KindZipModified        = "zip-modified"
	KindDirModified        = "dir-modified"
	KindModModified        = "mod-modified"
	KindGoSumMismatch      = "gosum-mismatch"
	KindGoSumWrong         = "gosum-wrong"
	KindOutputCorrupt      = "output-corrupt"
	KindSumDBMismatch      = "sumdb-mismatch"
	KindSumDBCache         = "sumdb-cache-corrupt"
	KindSumDBSecurity      = "sumdb-security-error"
	KindActionInvalid      = "action-invalid"
	KindOutputMissing      = "output-missing"
	KindOutputSizeMismatch = "output-size-mismatch"

	// Found by audit, from the vulnerability database and go.mod files.
	KindVulnerable = "vulnerable"
	KindRetracted  = "retracted"
	KindDeprecated = "deprecated"
)

// Kinds lists every kind the scan can report, in the order reports use.
var Kinds = []Kind{
	{KindDirPartial, SeverityError,
		"a .partial marker and no go command holds the version's lock: an extraction crashed",
		"any go build that needs {M@V} re-extracts it from the zip, offline; or (cd / && go mod download {M@V})", false, false},
	{KindDirOrphan, SeverityWarning,
		"an extracted tree with neither zip nor ziphash: nothing can verify it and the go command keeps it as is",
		"mark the tree untrusted (.partial), remove it, then download {M@V} again", false, false},
	{KindZipHashInvalid, SeverityError,
		".ziphash is not a 47-byte h1: hash; with the zip gone the go command fails on it",
		"remove the ziphash (and the tree if the zip is gone), then download {M@V} again", false, false},
	{KindZipHashMissing, SeverityWarning,
		"a zip without its ziphash: the go command re-hashes the zip but keeps the tree unchecked",
		"mark the tree untrusted (.partial), remove it and the zip, then download {M@V} again", false, false},
	{KindZipMissing, SeverityInfo,
		"a ziphash without its zip: builds work, but the cache cannot serve this version as a file:// proxy",
		"(cd / && go mod download {M@V}) fetches the zip again (needs the network)", false, false},
	{KindZipCorrupt, SeverityError,
		"the zip cannot be opened, fails x/mod/zip's checks or (verify) cannot be inflated within them; once the tree is gone every build fails",
		"mark the tree untrusted (.partial), remove it, the zip and the ziphash, then download {M@V} again", false, false},
	{KindInfoInvalid, SeverityWarning,
		".info is not JSON (the go command treats it as not cached) or names another version (which the go command reports as it is)",
		"delete the .info; the go command fetches it again (needs the network)", false, false},
	{KindModInvalid, SeverityError,
		".mod does not parse or declares another module path: a false SECURITY ERROR on every build",
		"delete the .mod; the go command fetches it again (needs the network)", false, false},
	{KindListStale, SeverityInfo,
		"list has NUL bytes (a torn write) or disagrees with the .mod files present; matters only to file:// proxies",
		"rewrite list: one version per line for each .mod present, in semver order", false, false},
	{KindTmpLeftover, SeverityInfo,
		"a temp file or directory left by an interrupted write",
		"delete it while no go command is running", false, false},
	{KindVCSBroken, SeverityWarning,
		"a cache/vcs clone without its .info, or an .info without its clone",
		"delete the clone directory and its .info (keep the .lock); the go command clones again", false, false},
	{KindPathInvalid, SeverityWarning,
		"a name that does not unescape to a valid module path or version, or an entry of a type the go command does not write there (a symlink, a file where a directory belongs): modscope never follows it and changes nothing through it",
		"inspect it and remove it by hand (rm of a symlink removes the link, not its target)", false, false},
	{KindUnreadable, SeverityWarning,
		"a path the scan could not read, so the totals leave it out",
		"check its owner and permissions (ls -ld), or run modscope as the cache's owner", false, false},
	{KindGoCacheBroken, SeverityError,
		"a file stands where GOCACHE needs one of its 256 entry directories: every build fails with \"failed to initialize build cache\"",
		"remove the file; the go command makes the directory again", false, false},
	{KindZipModified, SeverityError,
		"the zip's hash (dirhash.HashZip) differs from its .ziphash: the zip was changed or the ziphash is wrong",
		"mark the tree untrusted (.partial), remove it, the zip and the ziphash, then download {M@V} again", true, false},
	{KindDirModified, SeverityError,
		"the extracted tree's hash differs from the ziphash (or go.sum): files were edited, added or deleted, and builds compile them silently",
		"mark the tree untrusted (.partial) and remove it; the go command extracts it again from the zip, offline", true, false},
	{KindModModified, SeverityError,
		"the .mod's hash differs from the project's go.sum /go.mod line: a false SECURITY ERROR on every build",
		"delete the .mod; the go command fetches it again (needs the network)", true, false},
	{KindGoSumMismatch, SeverityError,
		"the cache's hash for a version differs from the project's go.sum: builds fail with a SECURITY ERROR",
		"if the zip's own hash matches go.sum, only the cache is wrong: remove and download {M@V} again; if a fresh download still differs, the module changed upstream", true, false},
	{KindGoSumWrong, SeverityError,
		"the project's go.sum disagrees with the checksum database, which vouches for the cached copy: go.sum is wrong (a hand edit, a bad merge, or a line written under another GOSUMDB), and builds fail with a SECURITY ERROR",
		"leave the cache alone; restore the go.sum line (git checkout go.sum), or delete the version's lines from go.sum and run go mod download {M@V} to write them again", true, false},
	{KindSumDBMismatch, SeverityError,
		"the cache's hash for a version differs from the checksum database (verify --sumdb)",
		"remove and download {M@V} again; if a fresh copy still differs, do not trust it: the module or the proxy changed it", true, false},
	{KindSumDBCache, SeverityWarning,
		"a cached checksum-database lookup or tile fails authentication: every go command that needs it fails with \"downloaded inconsistent tile\"",
		"delete the cached tiles and the lookup; the go command fetches and authenticates them again", true, false},
	{KindSumDBSecurity, SeverityError,
		"the checksum database's signed trees disagree with ones this machine saw before (a fork, or a misbehaving proxy): SECURITY ERROR",
		"do not repair or delete anything automatically: keep the evidence in the detail and report it", true, false},
	{KindOutputCorrupt, SeverityError,
		"a build-cache -d output whose SHA-256 is not its name: the go command only checks sizes, so the linker or compiler crashes on it",
		"delete the -d output; the go command rebuilds it", true, false},
	{KindActionInvalid, SeverityWarning,
		"a build-cache -a entry that is not exactly the 175-byte v1 format, or names another ID; the go command treats it as a miss",
		"delete the entry, or go clean -cache", false, false},
	{KindOutputMissing, SeverityInfo,
		"an -a entry whose -d output is gone: a dead pointer, reclaimable",
		"delete the -a entry; the go command treats it as a miss", false, false},
	{KindOutputSizeMismatch, SeverityError,
		"a -d output whose size differs from its -a entry (or a -d directory without exactly one file)",
		"delete the -d output; the go command rebuilds it", false, false},
	{KindVulnerable, SeverityError,
		"a Go vulnerability database entry affects the version: an error when the project builds with it, a warning when it is only in the cache (any build that selects it compiles it, offline), info when only its .mod and .info are cached",
		"in the project: go get {M}@<fixed version>; only in the cache: modscope purge --vulnerable", false, true},
	{KindRetracted, SeverityWarning,
		"the module's latest go.mod retracts the version (the go command warns of it and no longer selects it as latest); info when only its .mod and .info are cached",
		"in the project: go get {M}@latest; only in the cache: modscope purge --retracted", false, true},
	{KindDeprecated, SeverityInfo,
		"the module's latest go.mod says // Deprecated: the module works, its author says what to use instead",
		"move to what the deprecation names", false, true},
}

var kindByName = func() map[string]*Kind {
	m := make(map[string]*Kind, len(Kinds)+len(StoreKinds))
	for i := range Kinds {
		m[Kinds[i].Name] = &Kinds[i]
	}
	for i := range StoreKinds {
		m[StoreKinds[i].Name] = &StoreKinds[i]
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
	for i := range StoreKinds {
		if StoreKinds[i].Name == name {
			return len(Kinds) + i
		}
	}
	return len(Kinds) + len(StoreKinds)
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

// newProblem fills in the kind's severity and its general fix, with the
// module version in place of {M@V}. Callers that know the exact paths
// replace Fix with a command.
func newProblem(kind, module, version, path, detail string) Problem {
	k := kindByName[kind]
	fix := k.Fix
	if module != "" {
		fix = strings.ReplaceAll(fix, "{M@V}", module+"@"+version)
	}
	return Problem{Kind: kind, Severity: k.Severity, Module: module, Version: version, Path: path, Detail: detail, Fix: fix}
}

// ShellQuote quotes s for a POSIX shell when it has anything but letters,
// digits and / . _ - + @ : , = (paths in fixes are pasted into shells).
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+@:,=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// DownloadCmd fetches a module version without touching any project: run
// outside a module, with GOFLAGS cleared and the local toolchain, it checks
// the download against the checksum database (which needs the network,
// except for GONOSUMDB/GOPRIVATE modules or GOSUMDB=off).
func DownloadCmd(mv string) string {
	return "(cd / && GOFLAGS= GOTOOLCHAIN=local go mod download " + ShellQuote(mv) + ")"
}

// RemoveCmd removes files of a version in the order a safe purge keeps:
// .partial first, so that the go command distrusts the tree from then on,
// the tree (made writable first), then the given download files, .partial
// last. Interrupted anywhere, it leaves a cache the go command repairs.
func RemoveCmd(dir, base string, files ...string) string {
	var q []string
	for _, f := range files {
		q = append(q, ShellQuote(f))
	}
	cmd := "touch " + ShellQuote(base+".partial")
	if dir != "" {
		cmd += " && chmod -R u+w " + ShellQuote(dir) + " && rm -rf " + ShellQuote(dir)
	}
	if len(q) > 0 {
		cmd += " && rm -f " + strings.Join(q, " ")
	}
	return cmd + " && rm " + ShellQuote(base+".partial")
}
