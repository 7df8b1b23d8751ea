package actions

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modscope/cachescan"
)

// Targets says what a purge removes. Patterns alone select module
// versions; with a module policy (KeepLatest, Unused, Toolchains,
// Problems) they narrow it: "--keep-latest 2 golang.org/x/..." keeps the
// two latest of each golang.org/x module and touches nothing else. The
// other targets are independent of the patterns.
type Targets struct {
	// Patterns: "path", "path/...", "path@version", globs as in GOPRIVATE.
	Patterns []string
	// Metadata: .mod and .info go too (the next build that loads the
	// module graph needs the network).
	Metadata bool

	// Problems: every entry with a problem (of Found) whose fix is a purge.
	Problems bool
	// Found are the problems of the last scan and verify; the snapshot's
	// own are used when nil.
	Found []cachescan.Problem
	// KeepLatest removes all but the N latest versions of each module, by
	// semver, pseudo-versions by their time.
	KeepLatest int
	// Unused removes the versions no project in Used uses.
	Unused bool
	// Used is what the projects use; nil means the scanned project.
	Used *Usage
	// Toolchains removes every golang.org/toolchain version but the active one.
	Toolchains bool
	// Audit removes the module versions it names, each with its reason
	// (AuditReport.PurgeTargets: the vulnerable and retracted versions an
	// audit found), and of those only the ones whose code no project in
	// Used uses; never a toolchain. Only their code goes (tree, zip,
	// ziphash): .mod and .info stay even with Metadata, since a module's
	// latest .mod is where retractions are read. A non-nil empty map is
	// the policy selecting nothing (patterns then name nothing either).
	Audit map[AuditKey]string

	// VCS removes every cache/vcs clone (direct-mode downloads clone again).
	VCS bool
	// Clones removes the cache/vcs clones with these hashes.
	Clones []string
	// SumDBCache removes the cached checksum-database tiles and lookups.
	SumDBCache bool
	// BuildOlderThan removes build-cache entries last used before then.
	BuildOlderThan time.Duration
	// BuildCorrupt removes the build-cache entries with a problem in Found.
	BuildCorrupt bool
	// BuildAll empties the build cache as go clean -cache does.
	BuildAll bool
	// TestCache expires every cached test result (go clean -testcache).
	TestCache bool
	// FuzzCache removes GOCACHE/fuzz (go clean -fuzzcache).
	FuzzCache bool
	// StaleIndex removes the module-index entries that no longer match
	// their trees (modindex.go).
	StaleIndex bool
}

// modulePolicy reports whether a module-version policy is set.
func (t Targets) modulePolicy() bool {
	return t.Problems || t.KeepLatest > 0 || t.Unused || t.Toolchains || t.Audit != nil
}

// ErrNoMatch is Plan's error when the patterns name nothing cached.
var ErrNoMatch = errors.New("no cached version matches")

// MinBuildAge is the youngest build-cache entry a purge by age removes: the
// go command refreshes an entry's mtime only when it is used and over an
// hour old, so an entry a running build uses can look up to an hour plus
// that build's duration old.
const MinBuildAge = 3 * time.Hour

// Plan lists what the targets remove and what that frees. Nothing is
// removed until the plan runs.
func Plan(snap *cachescan.Snapshot, t Targets) (*PurgePlan, error) {
	if t.BuildOlderThan > 0 && t.BuildOlderThan < MinBuildAge {
		return nil, fmt.Errorf("--older-than %s: too recent, a running build may use such entries; use %s or more", FormatAge(t.BuildOlderThan), FormatAge(MinBuildAge))
	}
	if (t.Unused || t.Audit != nil) && t.Used == nil {
		flag := "--unused"
		if !t.Unused {
			flag = "--vulnerable/--retracted"
		}
		if snap.Project == nil {
			return nil, errors.New(flag + " needs a project: run modscope in a module, or name --projects DIR")
		}
		if len(snap.Project.Errors) > 0 {
			return nil, fmt.Errorf("%s: the project's files do not read cleanly (%s): fix them first, or every version they name would look unused", flag, snap.Project.Errors[0])
		}
		t.Used = ProjectUsage(snap.Project)
	}
	if err := CheckPatterns(t.Patterns); err != nil {
		return nil, err
	}
	if none := Unmatched(snap, t.Patterns); len(none) > 0 {
		return nil, fmt.Errorf("%w %s; modscope scan lists what is cached", ErrNoMatch, strings.Join(none, " "))
	}
	found := t.Found
	if found == nil {
		found = snap.Problems
	}
	// Patterns narrow --problems to the versions they name.
	modFound := found
	if len(t.Patterns) > 0 {
		modFound = nil
		for _, p := range found {
			if p.Module != "" && Match(t.Patterns, p.Module, p.Version) {
				modFound = append(modFound, p)
			}
		}
	}
	plan := newPlan(snap)
	if len(t.Patterns) > 0 || t.modulePolicy() {
		planVersions(plan, snap, t, modFound)
	}
	if t.Problems {
		planProblemFiles(plan, snap, modFound, false)
	}
	if t.VCS || len(t.Clones) > 0 {
		for _, c := range snap.ModCache.VCS.Clones {
			if !t.VCS && !contains(t.Clones, c.Hash) {
				continue
			}
			plan.add(cloneItem(snap.ModCache.VCS.Root, c, "a vcs clone"))
		}
	}
	if t.SumDBCache {
		if it := sumDBItem(snap.ModCache.SumDB.Root, "the checksum-database cache"); it != nil {
			plan.add(it)
		}
	}
	bc := &snap.BuildCache
	if !bc.Exists {
		// Nothing of it to remove: the plan says so.
		t.BuildAll, t.BuildOlderThan, t.BuildCorrupt, t.TestCache, t.FuzzCache, t.StaleIndex = false, 0, false, false, false, false
	}
	if t.StaleIndex && !t.BuildAll {
		for _, it := range staleIndexItems(snap) {
			plan.add(it)
		}
	}
	if t.BuildAll || t.BuildOlderThan > 0 {
		it := buildItem(bc.Root, t.BuildOlderThan, snap.Clock.Now())
		if bc.CacheProg != "" {
			it.Warnings = append(it.Warnings, "GOCACHEPROG is set: the go command uses "+bc.CacheProg+", not these files")
		}
		if len(it.Paths) > 0 {
			plan.add(it)
		}
	}
	if ((t.Problems && len(t.Patterns) == 0) || t.BuildCorrupt) && !t.BuildAll {
		if it := buildProblemItem(bc.Root, found); it != nil {
			plan.add(it)
		}
	}
	if t.TestCache {
		plan.add(&PurgeItem{Kind: ItemTestCache, Label: "cached test results", Reason: "expire cached test results",
			Paths:    []string{filepath.Join(bc.Root, "testexpire.txt")},
			Warnings: []string{"nothing is deleted: testexpire.txt is moved to now, as go clean -testcache does, and every test runs again"}})
	}
	if t.FuzzCache {
		fuzz := filepath.Join(bc.Root, "fuzz")
		if _, err := os.Lstat(fuzz); err == nil {
			plan.add(&PurgeItem{Kind: ItemFuzz, Label: "fuzzing cache " + fuzz, Reason: "the fuzzing cache",
				Paths: []string{fuzz}, Size: bc.Fuzz,
				Warnings: []string{"fuzz tests lose the inputs they generated; testdata/fuzz corpora in projects stay"}})
		}
	}
	plan.Warnings = networkWarnings(snap, plan, t.Used != nil)
	plan.Warnings = append(plan.Warnings, replaceWarnings(snap.Project, plan)...)
	plan.refuseRoots()
	if len(plan.Items) > 0 {
		plan.Running = RunningGo(plan.rootsTouched()...)
	}
	if len(plan.Running) > 0 {
		for _, it := range plan.Items {
			if it.Kind == ItemBuild || it.Kind == ItemFuzz {
				it.Warnings = append(it.Warnings, "a go command is running: a build using these entries may fail")
			}
		}
	}
	return plan, nil
}
