package actions

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/mod/semver"

	"modscope/cachescan"
)

// AuditKind is what an audit finding says of a cached module or version.
type AuditKind string

// The kinds of audit findings, in the order reports list them.
const (
	// AuditVulnerable: a Go vulnerability database entry affects the version.
	AuditVulnerable AuditKind = "vulnerable"
	// AuditRetracted: the module's latest go.mod retracts the version.
	AuditRetracted AuditKind = "retracted"
	// AuditDeprecated: the module's latest go.mod deprecates the module.
	AuditDeprecated AuditKind = "deprecated"
)

// AuditKinds lists the kinds in report order.
var AuditKinds = []AuditKind{AuditVulnerable, AuditRetracted, AuditDeprecated}

// AuditFinding is one finding of an audit. Every text in it that comes
// from the database or a go.mod has passed through cachescan.Printable;
// Module and Version are the cache's own names, to print through it.
type AuditFinding struct {
	Kind   AuditKind `json:"kind"`
	Module string    `json:"module"`
	// Version is the cached version; "" for a deprecation, which is of
	// the module (Versions lists its cached versions).
	Version  string   `json:"version,omitempty"`
	Versions []string `json:"versions,omitempty"`

	// ID, Aliases, Summary, Fixed ("" when no version fixes it),
	// Packages (the affected packages; none listed: every package) and
	// URL describe a vulnerability.
	ID       string   `json:"id,omitempty"`
	Aliases  []string `json:"aliases,omitempty"`
	Summary  string   `json:"summary,omitempty"`
	Fixed    string   `json:"fixed,omitempty"`
	Packages []string `json:"packages,omitempty"`
	URL      string   `json:"url,omitempty"`

	// Rationale is a retraction's comment, Message a deprecation's.
	Rationale string `json:"rationale,omitempty"`
	Message   string `json:"message,omitempty"`
	// From is the version whose go.mod retracts or deprecates, and Source
	// where that go.mod was read: "cache" or "proxy".
	From   string `json:"from,omitempty"`
	Source string `json:"source,omitempty"`

	// InBuild: the project builds with this version (for a deprecation:
	// with a version of the module, BuildVersion).
	InBuild      bool   `json:"inBuild"`
	BuildVersion string `json:"buildVersion,omitempty"`
	// Unused: no project the audit knows of needs the version's code
	// (vulnerable and retracted findings): a purge candidate.
	Unused bool `json:"unused,omitempty"`
}

// AuditKey names what a finding is about: a module version, or a module
// (Version "") for a deprecation.
type AuditKey struct{ Path, Version string }

// Key is the finding's key.
func (f *AuditFinding) Key() AuditKey { return AuditKey{f.Module, f.Version} }

// AuditReport is what an audit found in the module cache.
type AuditReport struct {
	// Project is the project directory whose build the findings are
	// judged against ("" without one).
	Project string `json:"project,omitempty"`
	// BuildList says where the project's build list came from.
	BuildList string            `json:"buildList,omitempty"`
	VulnDB    *VulnDBStatus     `json:"vulndb"`
	Findings  []AuditFinding    `json:"findings"`
	Counts    map[AuditKind]int `json:"counts"`
	// AffectsProject: a finding is in the project's build (exit 1).
	AffectsProject bool `json:"affectsProject"`
	// Purge holds an exact target (=path@version) for each vulnerable or
	// retracted version no project uses that has a zip or tree to remove:
	// what `modscope purge` removes safely. Empty without a project.
	Purge []string `json:"purge"`
	// GoMods counts where the latest go.mod files came from, by source.
	GoMods map[string]int `json:"goMods"`
	// ProxyError says why GOPROXY stopped being asked, when it did.
	ProxyError string   `json:"proxyError,omitempty"`
	Notes      []string `json:"notes,omitempty"`

	// patterns and offline are how the audit ran, for PurgeCommand.
	patterns []string
	offline  bool
}

// AuditOptions say what to audit and with what.
type AuditOptions struct {
	// Patterns narrow the audit to the versions they match (Match).
	Patterns []string
	VulnDB   VulnDBOptions
	// Offline: neither the database nor GOPROXY is asked over the
	// network; the database's copy and the cached go.mod files serve.
	Offline bool
	// Client makes the HTTP requests; nil is http.DefaultClient.
	Client *http.Client
	// Used is what the projects use, for the purge candidates; nil is
	// the scanned project's go.mod, go.work and go.sum.
	Used *Usage
}

// Audit finds the cached versions that a Go vulnerability database entry
// affects, that their module's latest go.mod retracts, and the cached
// modules that it deprecates; it says of each whether the project builds
// with it. An error is returned only when the database cannot be read at
// all (a *VulnDBError) or ctx ends.
func Audit(ctx context.Context, snap *cachescan.Snapshot, opts AuditOptions) (*AuditReport, error) {
	if err := CheckPatterns(opts.Patterns); err != nil {
		return nil, err
	}
	vopts := opts.VulnDB
	vopts.Offline = vopts.Offline || opts.Offline
	if vopts.Client == nil {
		vopts.Client = opts.Client
	}
	if vopts.Clock == nil {
		vopts.Clock = snap.Clock
	}
	db, err := openVulnDB(ctx, vopts)
	if err != nil {
		return nil, err
	}
	rep := &AuditReport{VulnDB: db.status, Findings: []AuditFinding{}, Counts: map[AuditKind]int{}, Purge: []string{}, GoMods: map[string]int{},
		patterns: opts.Patterns, offline: vopts.Offline}
	build := rep.buildList(snap.Project)
	used := opts.Used
	if used == nil && snap.Project != nil && len(snap.Project.Errors) == 0 {
		used = ProjectUsage(snap.Project)
	}

	// The modules and versions the patterns select.
	type selected struct {
		m  *cachescan.Module
		vs []*cachescan.Version
	}
	var mods []selected
	var paths []string
	// Toolchains are Go releases: the database's "stdlib" and "toolchain"
	// entries are theirs, by Go version.
	var toolchains []*cachescan.Version
	for _, m := range snap.ModCache.Modules {
		var vs []*cachescan.Version
		for _, v := range m.Versions {
			if v.State != cachescan.StateInvalid && semver.IsValid(v.Version) && Match(opts.Patterns, m.Path, v.Version) {
				vs = append(vs, v)
			}
		}
		switch {
		case len(vs) == 0:
		case m.Toolchain:
			toolchains = append(toolchains, vs...)
		default:
			mods = append(mods, selected{m, vs})
			paths = append(paths, m.Path)
		}
	}
	if len(toolchains) > 0 {
		paths = append(paths, "stdlib", "toolchain")
	}

	// Vulnerabilities.
	entries := db.entries(ctx, paths)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	for _, s := range mods {
		for _, r := range db.index[s.m.Path] {
			e := entries[r.ID]
			if e == nil || e.Withdrawn != nil {
				continue
			}
			for i := range e.Affected {
				a := &e.Affected[i]
				if a.Module.Path != s.m.Path {
					continue
				}
				for _, v := range s.vs {
					ok, fixed := a.affects(v.Version)
					if !ok {
						continue
					}
					rep.Findings = append(rep.Findings, vulnFinding(s.m.Path, v.Version, e, a, fixed))
				}
			}
		}
	}

	for _, tc := range []string{"stdlib", "toolchain"} {
		for _, r := range db.index[tc] {
			e := entries[r.ID]
			if e == nil || e.Withdrawn != nil {
				continue
			}
			for i := range e.Affected {
				a := &e.Affected[i]
				if a.Module.Path != tc {
					continue
				}
				for _, v := range toolchains {
					gv := toolchainSemver(v.Version)
					if gv == "" {
						continue
					}
					if ok, fixed := a.affects(gv); ok {
						f := vulnFinding(toolchainPath, v.Version, e, a, semverToGo(fixed))
						f.InBuild = v.Active
						rep.Findings = append(rep.Findings, f)
					}
				}
			}
		}
	}

	// Retractions and deprecations, from each module's latest go.mod.
	var proxy *proxyClient
	if !opts.Offline {
		proxy = newProxyClient(snap.Env, opts.Client)
	}
	latest := make([]*latestMod, len(mods))
	errs := make([]error, len(mods))
	var wg sync.WaitGroup
	work := make(chan int)
	jobs := 1
	if proxy != nil && len(proxy.entries) > 0 {
		jobs = proxyFetchJobs
	}
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				latest[i], errs[i] = findLatestMod(ctx, mods[i].m, proxy)
			}
		}()
	}
	for i := range mods {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var unreadable []string
	for i, s := range mods {
		if errs[i] != nil {
			unreadable = append(unreadable, cachescan.Printable(auditLine(errs[i].Error())))
		}
		lm := latest[i]
		if lm == nil {
			continue
		}
		rep.GoMods[lm.Source]++
		for _, r := range lm.File.Retract {
			if !semver.IsValid(r.Low) || !semver.IsValid(r.High) {
				continue
			}
			for _, v := range s.vs {
				if semver.Compare(r.Low, v.Version) <= 0 && semver.Compare(v.Version, r.High) <= 0 {
					rep.Findings = append(rep.Findings, AuditFinding{Kind: AuditRetracted, Module: s.m.Path, Version: v.Version,
						Rationale: auditText(r.Rationale), From: lm.Version, Source: lm.Source})
				}
			}
		}
		if msg := lm.File.Module.Deprecated; msg != "" {
			f := AuditFinding{Kind: AuditDeprecated, Module: s.m.Path, Message: auditText(msg), From: lm.Version, Source: lm.Source}
			for _, v := range s.vs {
				f.Versions = append(f.Versions, v.Version)
			}
			rep.Findings = append(rep.Findings, f)
		}
	}
	if proxy != nil {
		rep.ProxyError = proxy.down
	}
	if len(unreadable) > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s could not be read, so their retractions and deprecations are unknown: %s",
			pluralWord(len(unreadable), "latest go.mod"), strings.Join(clipAudit(unreadable, 3), "; ")))
	}

	// Whether the project builds with each, and what may be purged.
	for i := range rep.Findings {
		f := &rep.Findings[i]
		switch {
		case f.Module == toolchainPath:
			// InBuild is set: the active toolchain is the one the go
			// command runs in the project. Toolchains are purged with
			// --toolchains, which keeps the active one.
		case f.Kind == AuditDeprecated:
			if bv, ok := build[f.Module]; ok {
				f.InBuild, f.BuildVersion = true, bv
			}
		default:
			f.InBuild = build[f.Module] == f.Version
			f.Unused = used != nil && !f.InBuild && used.of(f.Module, f.Version) < useContent
		}
		rep.AffectsProject = rep.AffectsProject || f.InBuild
		rep.Counts[f.Kind]++
	}
	sortAuditFindings(rep.Findings)
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		if v := snap.ModCache.FindVersion(f.Module, f.Version); v == nil || !(v.HasZip || v.HasDir || v.HasZipHash) {
			continue // only .mod and .info: a purge keeps them, so nothing would go
		}
		if t := "=" + f.Module + "@" + f.Version; f.Unused && !seen[t] {
			seen[t] = true
			rep.Purge = append(rep.Purge, t)
		}
	}
	if snap.Project != nil && used == nil {
		rep.Notes = append(rep.Notes, "the project's files do not read cleanly, so no version is offered for purging: every version they name could look unused")
	}
	return rep, nil
}

// vulnFinding describes the vulnerability e of path@version.
func vulnFinding(path, version string, e *OSVEntry, a *OSVAffected, fixed string) AuditFinding {
	f := AuditFinding{Kind: AuditVulnerable, Module: path, Version: version, ID: cachescan.Printable(e.ID),
		Summary: auditText(e.summary()), Fixed: fixed, URL: auditText(e.DatabaseSpecific.URL)}
	for _, al := range e.Aliases {
		f.Aliases = append(f.Aliases, auditText(al))
	}
	seen := map[string]bool{}
	for _, p := range a.EcosystemSpecific.Packages {
		if p.Path != "" && !seen[p.Path] {
			seen[p.Path] = true
			f.Packages = append(f.Packages, auditText(p.Path))
		}
	}
	return f
}

// findLatestMod finds the go.mod of m's latest version: the latest cached
// .mod, or the proxy's latest when it is newer (proxy nil: offline).
func findLatestMod(ctx context.Context, m *cachescan.Module, proxy *proxyClient) (*latestMod, error) {
	cached := cachedLatest(m)
	var lm *latestMod
	var cacheErr error
	if cached != nil {
		f, err := readCachedMod(m.Path, cached)
		if err == nil {
			lm = &latestMod{Version: cached.Version, Source: "cache", File: f}
		}
		cacheErr = err
	}
	if proxy == nil {
		return lm, cacheErr
	}
	version, data, ok, _ := proxy.latest(ctx, m.Path)
	if !ok || (lm != nil && semver.Compare(version, lm.Version) <= 0) {
		return lm, cacheErr
	}
	f, err := parseLatestMod(m.Path, version, data)
	if err != nil {
		// The proxy's answer is unusable: the cache's stands.
		if lm != nil {
			return lm, nil
		}
		return nil, err
	}
	return &latestMod{Version: version, Source: "proxy", File: f}, nil
}
