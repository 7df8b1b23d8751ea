package actions

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"modscope/actions/confine"
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
	return t.Problems || t.KeepLatest > 0 || t.Unused || t.Toolchains
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
	if t.Unused && t.Used == nil {
		if snap.Project == nil {
			return nil, errors.New("--unused needs a project: run modscope in a module, or name --projects DIR")
		}
		if len(snap.Project.Errors) > 0 {
			return nil, fmt.Errorf("--unused: the project's files do not read cleanly (%s): fix them first, or every version they name would look unused", snap.Project.Errors[0])
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

// planVersions adds the module versions the patterns and policies select.
func planVersions(plan *PurgePlan, snap *cachescan.Snapshot, t Targets, found []cachescan.Problem) {
	var fixes map[*cachescan.Version]*versionFix
	if t.Problems {
		fixes, plan.Manual = problemVersions(snap, found, false)
	}
	for _, m := range snap.ModCache.Modules {
		var keep map[string]bool
		if t.KeepLatest > 0 {
			keep = latest(m.Versions, t.KeepLatest)
		}
		for _, v := range m.Versions {
			if len(t.Patterns) > 0 && !Match(t.Patterns, m.Path, v.Version) {
				continue
			}
			parts := partTree | partZip | partZipHash
			if t.Metadata {
				parts |= partMod | partInfo
			}
			var reasons []string
			var extra []string
			switch {
			case !t.modulePolicy():
				reasons = append(reasons, "named")
			default:
				// Toolchains are --toolchains' business unless named.
				if keep != nil && !keep[v.Version] && (!m.Toolchain || len(t.Patterns) > 0) {
					if t.KeepLatest == 1 {
						reasons = append(reasons, "not the latest")
					} else {
						reasons = append(reasons, fmt.Sprintf("not among the %d latest", t.KeepLatest))
					}
				}
				if t.Toolchains && m.Toolchain {
					reasons = append(reasons, "a toolchain")
				}
				if t.Unused && !m.Toolchain {
					switch t.Used.of(m.Path, v.Version) {
					case useNone:
						reasons = append(reasons, "no project uses it")
					case useGraph:
						// Its go.mod is in a module graph, its code is not:
						// the tree and zip go, the metadata stays.
						reasons = append(reasons, "only its go.mod is used")
						parts &^= partMod | partInfo
					}
				}
				if fx := fixes[v]; fx != nil && len(reasons) == 0 {
					// Only the damaged parts.
					parts, extra = fx.parts, fx.extra
					reasons = append(reasons, fx.kinds...)
				} else if fx != nil {
					reasons = append(reasons, fx.kinds...)
					extra = fx.extra
					parts |= fx.parts
				}
				if len(reasons) == 0 {
					continue
				}
			}
			it := versionItem(snap, m, v, parts, extra)
			it.Reason = strings.Join(reasons, "; ")
			if len(it.Paths) == 0 && it.Refused == "" {
				continue // nothing of it is cached beyond what stays
			}
			plan.add(it)
		}
	}
}

// rootsTouched are the cache roots whose users a plan can break: a
// process that uses only the other one is no concern.
func (p *PurgePlan) rootsTouched() []string {
	var mod, build bool
	for _, it := range p.Items {
		switch it.Kind {
		case ItemBuild, ItemFuzz, ItemTestCache:
			build = true
		default:
			mod = true
		}
	}
	var roots []string
	if mod {
		roots = append(roots, p.root)
	}
	if build {
		roots = append(roots, p.gocache)
	}
	return roots
}

// networkWarnings are the plan's warnings about fetching again what goes.
func networkWarnings(snap *cachescan.Snapshot, plan *PurgePlan, projects bool) []string {
	code := false
	for _, it := range plan.Items {
		code = code || (it.Kind == ItemVersion && it.Refused == "" && it.ver != nil &&
			(it.ver.HasZip && containsSuffix(it.Paths, ".zip") || it.tree && !it.ver.HasZip && it.ver.HasDir))
	}
	if !code {
		return nil
	}
	var out []string
	if strings.TrimSpace(snap.Env.GOPROXY) == "off" {
		out = append(out, "GOPROXY=off: the go command cannot fetch what goes again until GOPROXY allows the network")
	}
	if snap.Project == nil && !projects {
		out = append(out, "no project was checked (run it in a module, or pass --project): a build that needs what goes fetches it again")
	}
	return out
}

// containsSuffix reports whether a path in paths ends with suffix.
func containsSuffix(paths []string, suffix string) bool {
	for _, p := range paths {
		if strings.HasSuffix(p, suffix) {
			return true
		}
	}
	return false
}

// The parts of a module version a purge can remove.
const (
	partTree    = 1 << iota // the extracted tree
	partZip                 // the zip and zip temp files
	partZipHash             // the .ziphash
	partMod                 // the .mod and its temp files
	partInfo                // the .info and its temp files
)

// versionItem describes removing the given parts of a version, and the
// extra paths (temp files of the version).
func versionItem(snap *cachescan.Snapshot, m *cachescan.Module, v *cachescan.Version, parts int, extra []string) *PurgeItem {
	it := &PurgeItem{Kind: ItemVersion, Module: m.Path, Version: v.Version, Label: m.Path + "@" + v.Version, ver: v}
	switch {
	case v.Active:
		it.Refused = "the active toolchain: the go command running now lives there"
	case v.State == cachescan.StateInvalid:
		it.Refused = "not a name the go command wrote: remove it by hand"
	}
	if m.Toolchain && it.Refused == "" {
		if why := toolchainInUse(snap, v); why != "" {
			it.Refused = why
		}
	}
	it.tree = parts&partTree != 0
	if it.tree && v.HasDir {
		it.Paths = append(it.Paths, v.Dir)
		it.Size.Add(v.Tree)
	}
	for _, f := range v.Files {
		name, part := f.Name, filePart(v, f.Name)
		path := filepath.Join(v.DownloadDir, name)
		if part == 0 || (parts&part == 0 && !contains(extra, path)) {
			continue
		}
		it.list = it.list || part == partMod
		it.Paths = append(it.Paths, path)
		it.Size.Add(cachescan.Size{Bytes: f.Bytes, ApparentBytes: f.ApparentBytes, Files: 1})
	}
	if it.Refused == "" {
		if err := versionEntries(snap.ModCache.Root, m, v, it.list); err != nil {
			it.Refused, it.Blocked = err.Error()+"; "+linkFix, true
		}
	}
	// Offline builds lose it only when the zip goes, or the tree with no
	// zip to extract it from again.
	losesCode := parts&partZip != 0 && v.HasZip || parts&partTree != 0 && !v.HasZip
	if pr := snap.Project; pr != nil && losesCode {
		required := false
		for _, r := range pr.Requires {
			if r.Path == m.Path && r.Version == v.Version {
				required = true
				break
			}
		}
		zipSum, _ := pr.Sum(m.Path, v.Version)
		switch {
		case required:
			it.Warnings = append(it.Warnings, "the project requires it: an offline build will need the network for it")
		case len(zipSum) > 0:
			it.Warnings = append(it.Warnings, "the project's go.sum lists it: an offline build that needs it will need the network")
		}
	}
	if it.list && v.HasMod {
		it.Warnings = append(it.Warnings, "its .mod goes: loading the module graph needs the network again")
	}
	return it
}

// linkFix is the next step after a refusal of an entry of the wrong type.
const linkFix = "remove that entry by hand (rm of a symlink removes the link, not its target) and run again"

// versionEntries checks, as the plan is made, that every entry a purge or
// download of v takes or writes is of the type the go command writes: the
// download directory and each directory above it real directories, list,
// .lock, .partial and the other download files regular files, the tree a
// directory. The confined layer enforces it again as it runs.
func versionEntries(root string, m *cachescan.Module, v *cachescan.Version, writesList bool) error {
	if root == "" || v.DownloadDir == "" {
		return nil
	}
	if err := confine.Expect(root, v.DownloadDir, true); err != nil {
		return err
	}
	base := filepath.Join(v.DownloadDir, v.EscapedVersion)
	for _, p := range []string{filepath.Join(v.DownloadDir, "list"), base + ".lock", base + ".partial", base + ".info", base + ".mod", base + ".zip", base + ".ziphash"} {
		// The directories above were checked just now: only the file.
		if err := confine.Expect(v.DownloadDir, p, false); err != nil {
			return err
		}
	}
	if list := filepath.Join(v.DownloadDir, "list"); writesList && confine.Links(list) > 1 {
		return fmt.Errorf("%s has %d hard links: rewriting it would change the other names too (a cp -al copy of the cache?): not touched", list, confine.Links(list))
	}
	tree := v.Dir
	if tree == "" && m.EscapedPath != "" {
		tree = filepath.Join(root, filepath.FromSlash(m.EscapedPath)+"@"+v.EscapedVersion)
	}
	if tree != "" {
		return confine.Expect(root, tree, true)
	}
	return nil
}

// filePart says which part of a version a download file belongs to; 0
// for what no purge removes (locks, the go command's .partial files).
func filePart(v *cachescan.Version, name string) int {
	ev := v.EscapedVersion
	switch {
	case strings.HasSuffix(name, ".lock") || strings.HasSuffix(name, ".partial"):
		return 0
	case name == ev+".ziphash":
		return partZipHash
	case strings.HasPrefix(name, ev+".zip"):
		return partZip
	case strings.HasPrefix(name, ev+".mod"):
		return partMod
	case strings.HasPrefix(name, ev+".info"):
		return partInfo
	}
	return 0
}

// VersionFrees is what purging a version by name frees, as Plan counts
// it: the tree, the zip and the .ziphash, with metadata the .mod and the
// .info too; never the lock files, and nothing of a version Plan refuses
// for what the snapshot tells (the active toolchain, an invalid name).
// It reads nothing, so that a view can sum it over many rows.
func VersionFrees(v *cachescan.Version, metadata bool) cachescan.Size {
	var s cachescan.Size
	if v.Active || v.State == cachescan.StateInvalid {
		return s
	}
	if v.HasDir {
		s.Add(v.Tree)
	}
	parts := partTree | partZip | partZipHash
	if metadata {
		parts |= partMod | partInfo
	}
	for _, f := range v.Files {
		if parts&filePart(v, f.Name) != 0 {
			s.Add(cachescan.Size{Bytes: f.Bytes, ApparentBytes: f.ApparentBytes, Files: 1})
		}
	}
	return s
}

// latest returns the n latest versions of a module that hold code (a
// tree or a zip; metadata-only versions take no place): releases by
// semver, pseudo-versions by their time among themselves, the two lines
// merged by semver. That is a total order, whatever order the versions
// come in.
func latest(vs []*cachescan.Version, n int) map[string]bool {
	var rel, pseudo []string
	for _, v := range vs {
		if !v.HasDir && !v.HasZip {
			continue
		}
		if module.IsPseudoVersion(v.Version) {
			pseudo = append(pseudo, v.Version)
		} else {
			rel = append(rel, v.Version)
		}
	}
	sort.Slice(rel, func(i, j int) bool { return semverDesc(rel[i], rel[j]) })
	sort.Slice(pseudo, func(i, j int) bool {
		ti, erri := module.PseudoVersionTime(pseudo[i])
		tj, errj := module.PseudoVersionTime(pseudo[j])
		if erri == nil && errj == nil && !ti.Equal(tj) {
			return ti.After(tj)
		}
		return semverDesc(pseudo[i], pseudo[j])
	})
	keep := map[string]bool{}
	for len(keep) < n && (len(rel) > 0 || len(pseudo) > 0) {
		if len(pseudo) == 0 || (len(rel) > 0 && semver.Compare(rel[0], pseudo[0]) >= 0) {
			keep[rel[0]], rel = true, rel[1:]
		} else {
			keep[pseudo[0]], pseudo = true, pseudo[1:]
		}
	}
	return keep
}

// semverDesc orders versions newest first, by semver then by name.
func semverDesc(a, b string) bool {
	if c := semver.Compare(a, b); c != 0 {
		return c > 0
	}
	return a > b
}

// versionFix is what fixing a version's problems removes.
type versionFix struct {
	parts    int
	extra    []string
	kinds    []string
	download bool // the fix needs a fresh download (the network)
}

// problemVersions maps each damaged version to the parts its problems'
// fixes remove. Problems a purge does not fix (or, without rewrites, that
// need a rewrite) come back as manual.
func problemVersions(snap *cachescan.Snapshot, found []cachescan.Problem, repair bool) (map[*cachescan.Version]*versionFix, []cachescan.Problem) {
	fixes := map[*cachescan.Version]*versionFix{}
	var manual []cachescan.Problem
	for _, p := range found {
		if p.Module == "" {
			continue
		}
		v := snap.ModCache.FindVersion(p.Module, p.Version)
		if v == nil {
			continue
		}
		parts, download := 0, false
		var extra []string
		switch p.Kind {
		case cachescan.KindDirPartial, cachescan.KindDirModified:
			parts = partTree // re-extracted from the zip, offline
		case cachescan.KindDirOrphan:
			parts, download = partTree, true
		case cachescan.KindZipHashInvalid, cachescan.KindZipHashMissing, cachescan.KindZipCorrupt, cachescan.KindZipModified,
			cachescan.KindGoSumMismatch, cachescan.KindSumDBMismatch:
			parts, download = partTree|partZip|partZipHash, true
		case cachescan.KindZipMissing:
			if !repair {
				continue // nothing to remove; a download fixes it
			}
			download = true
		case cachescan.KindModInvalid, cachescan.KindModModified:
			parts, download = partMod, true
		case cachescan.KindInfoInvalid:
			parts, download = partInfo, true
		case cachescan.KindTmpLeftover:
			extra = []string{p.Path}
		default:
			if p.Kind != cachescan.KindSumDBCache && p.Kind != cachescan.KindListStale {
				manual = append(manual, p)
			}
			continue
		}
		fx := fixes[v]
		if fx == nil {
			fx = &versionFix{}
			fixes[v] = fx
		}
		fx.parts |= parts
		fx.extra = append(fx.extra, extra...)
		fx.download = fx.download || download
		if !contains(fx.kinds, p.Kind) {
			fx.kinds = append(fx.kinds, p.Kind)
		}
	}
	return fixes, manual
}

// planProblemFiles adds what fixing the problems outside module versions
// removes: temp files, clones, checksum-database files, build-cache
// entries, a file where GOCACHE needs a directory. With rewrite, stale
// list files are rewritten too.
func planProblemFiles(plan *PurgePlan, snap *cachescan.Snapshot, found []cachescan.Problem, rewrite bool) {
	mc := &snap.ModCache
	var sumdbPaths []string
	for _, p := range found {
		switch p.Kind {
		case cachescan.KindTmpLeftover:
			if p.Module != "" && mc.FindVersion(p.Module, p.Version) != nil {
				continue // with its version
			}
			plan.add(strayItem(p.Path, mc.Root, p.Kind))
		case cachescan.KindGoCacheBroken:
			plan.add(strayItem(p.Path, snap.BuildCache.Root, p.Kind))
		case cachescan.KindVCSBroken:
			hash := strings.TrimSuffix(filepath.Base(p.Path), ".info")
			for _, c := range mc.VCS.Clones {
				if c.Hash == hash {
					plan.add(cloneItem(mc.VCS.Root, c, p.Kind))
				}
			}
		case cachescan.KindSumDBCache:
			if within(mc.SumDB.Root, p.Path) {
				sumdbPaths = append(sumdbPaths, p.Path)
			} else {
				plan.Manual = append(plan.Manual, p)
			}
		case cachescan.KindListStale:
			if rewrite && p.Module != "" {
				plan.add(&PurgeItem{Kind: ItemList, Module: p.Module, Label: "rewrite the list of " + p.Module,
					Reason: p.Kind, Paths: []string{p.Path}})
			} else if rewrite {
				plan.Manual = append(plan.Manual, p)
			}
		case cachescan.KindOutputCorrupt, cachescan.KindOutputSizeMismatch, cachescan.KindActionInvalid, cachescan.KindOutputMissing:
			// buildProblemItem
		default:
			if p.Module == "" {
				plan.Manual = append(plan.Manual, p) // path-invalid, unreadable, a fork
			}
		}
	}
	if len(sumdbPaths) > 0 {
		it := &PurgeItem{Kind: ItemSumDB, Label: "checksum-database cache files that fail authentication", Reason: cachescan.KindSumDBCache}
		seen := map[string]bool{}
		for _, root := range sumdbPaths {
			listFiles(root, func(path string, fi fs.FileInfo) {
				if !seen[path] {
					seen[path] = true
					it.addFile(path, fi)
				}
			})
		}
		plan.add(it)
	}
}

// addFile adds one path and its size to an item of many files.
func (it *PurgeItem) addFile(path string, fi fs.FileInfo) {
	s := sizeOf(fi)
	it.Paths = append(it.Paths, path)
	it.sizes = append(it.sizes, s.Bytes)
	it.Size.Add(s)
}

// listFiles calls f for every regular file at or under root, without
// following symlinks.
func listFiles(root string, f func(string, fs.FileInfo)) {
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			f(path, fi)
		}
		return nil
	})
}

// buildProblemItem gathers the build-cache entries with a problem.
func buildProblemItem(root string, found []cachescan.Problem) *PurgeItem {
	it := &PurgeItem{Kind: ItemBuild}
	var kinds []string
	for _, p := range found {
		switch p.Kind {
		case cachescan.KindOutputCorrupt, cachescan.KindOutputSizeMismatch, cachescan.KindActionInvalid, cachescan.KindOutputMissing:
		default:
			continue
		}
		if !within(root, p.Path) || contains(it.Paths, p.Path) {
			continue
		}
		fi, err := os.Lstat(p.Path)
		if err != nil {
			continue
		}
		s := sizeOf(fi)
		if fi.IsDir() {
			s = treeSize(p.Path)
		}
		it.Paths = append(it.Paths, p.Path)
		it.sizes = append(it.sizes, s.Bytes)
		it.Size.Add(s)
		if !contains(kinds, p.Kind) {
			kinds = append(kinds, p.Kind)
		}
	}
	if len(it.Paths) == 0 {
		return nil
	}
	// The action entries naming a removed output would become dead
	// pointers (output-missing): they go too.
	outs := map[string]bool{}
	for _, path := range it.Paths {
		if name := filepath.Base(path); isEntryName(name) && strings.HasSuffix(name, "-d") {
			outs[name[:64]] = true
		}
	}
	for _, a := range actionsNaming(root, outs) {
		if fi, err := os.Lstat(a); err == nil && !contains(it.Paths, a) {
			s := sizeOf(fi)
			it.Paths = append(it.Paths, a)
			it.sizes = append(it.sizes, s.Bytes)
			it.Size.Add(s)
		}
	}
	it.Reason = strings.Join(kinds, ", ")
	it.Label = "damaged build-cache entries"
	return it
}

// actionsNaming finds the build cache's action entries whose output is one
// of outs (hex output IDs): "v1 <action> <output> <size> <time>\n".
func actionsNaming(root string, outs map[string]bool) []string {
	if len(outs) == 0 {
		return nil
	}
	var found []string
	buf := make([]byte, 3+64+1+64)
	for i := 0; i < 256; i++ {
		dir := filepath.Join(root, fmt.Sprintf("%02x", i))
		if !realDir(dir) {
			continue
		}
		names, err := readNames(dir)
		if err != nil {
			continue
		}
		for _, name := range names {
			if !isEntryName(name) || !strings.HasSuffix(name, "-a") {
				continue
			}
			path := filepath.Join(dir, name)
			f, err := os.Open(path)
			if err != nil {
				continue
			}
			n, _ := io.ReadFull(f, buf)
			f.Close()
			if n == len(buf) && outs[string(buf[3+64+1:])] {
				found = append(found, path)
			}
		}
	}
	return found
}

// realDir reports whether path is a directory and not a symlink to one.
func realDir(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.IsDir()
}

// readNames lists a directory's names, unsorted.
func readNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// buildItem lists the build cache's entries last used before now-age
// (every entry when age is 0), as the go command's trim and clean see
// them: the *-a and *-d names in the 256 entry directories.
func buildItem(root string, age time.Duration, now time.Time) *PurgeItem {
	it := &PurgeItem{Kind: ItemBuild}
	if age > 0 {
		it.Reason = "last used more than " + FormatAge(age) + " ago"
		it.Label = "build-cache entries"
	} else {
		it.Reason = "the whole build cache, as go clean -cache"
		it.Label = "build-cache entries"
	}
	cutoff := now.Add(-age)
	for i := 0; i < 256; i++ {
		dir := filepath.Join(root, fmt.Sprintf("%02x", i))
		if !realDir(dir) {
			continue // a link or a file there is the scan's gocache-broken
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			fi, err := e.Info()
			if err != nil {
				continue
			}
			if age > 0 && (!isEntryName(e.Name()) || !fi.ModTime().Before(cutoff)) {
				continue
			}
			path := filepath.Join(dir, e.Name())
			s := sizeOf(fi)
			if fi.IsDir() {
				s = treeSize(path)
			}
			it.Paths = append(it.Paths, path)
			it.sizes = append(it.sizes, s.Bytes)
			it.Size.Add(s)
		}
	}
	return it
}

// isEntryName reports whether name is a build-cache entry: 64 hex digits
// and -a or -d.
func isEntryName(name string) bool {
	if len(name) != 66 || (!strings.HasSuffix(name, "-a") && !strings.HasSuffix(name, "-d")) {
		return false
	}
	return strings.Trim(name[:64], "0123456789abcdef") == ""
}

// treeSize adds up what a directory holds.
func treeSize(dir string) cachescan.Size {
	var s cachescan.Size
	listFiles(dir, func(_ string, fi fs.FileInfo) { s.Add(sizeOf(fi)) })
	return s
}

// cloneItem removes a cache/vcs clone and its .info (the lock stays).
func cloneItem(root string, c cachescan.VCSClone, reason string) *PurgeItem {
	it := &PurgeItem{Kind: ItemVCS, Label: "clone " + c.Hash, Reason: reason, Size: c.Size}
	if c.Remote != "" {
		it.Label = "clone of " + c.Remote
	}
	if c.HasInfo {
		it.Paths = append(it.Paths, filepath.Join(root, c.Hash+".info"))
	}
	if c.HasDir {
		it.Paths = append(it.Paths, filepath.Join(root, c.Hash))
	}
	return it
}

// sumDBItem lists every cached checksum-database file.
func sumDBItem(root, reason string) *PurgeItem {
	it := &PurgeItem{Kind: ItemSumDB, Label: "checksum-database cache " + root, Reason: reason,
		Warnings: []string{"the next go command that checks a new module fetches tiles again (needs the network)"}}
	listFiles(root, it.addFile)
	if len(it.Paths) == 0 {
		return nil
	}
	return it
}

// strayItem removes one file or directory that belongs to nothing.
func strayItem(path, root, reason string) *PurgeItem {
	it := &PurgeItem{Kind: ItemFile, Label: path, Reason: reason, Paths: []string{path}}
	if fi, err := os.Lstat(path); err == nil {
		it.Size = sizeOf(fi)
		if fi.IsDir() {
			it.Size = treeSize(path)
		}
	}
	if !within(root, path) {
		it.Refused = "outside the cache " + root
	}
	return it
}

// ParseAge reads a duration like time.ParseDuration, plus days ("30d")
// and weeks ("2w").
func ParseAge(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			f, err := strconv.ParseFloat(n, 64)
			if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
				return 0, fmt.Errorf("bad age %q: use a number and a unit like 36h, 30d or 2w", s)
			}
			if f*float64(unit) >= math.MaxInt64 {
				return 0, fmt.Errorf("bad age %q: over 290 years; --all takes every entry", s)
			}
			return time.Duration(f * float64(unit)), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad age %q: use a number and a unit like 36h, 30d or 2w", s)
	}
	return d, nil
}

// FormatAge prints an age the way ParseAge reads it: in days when it is
// whole days, else without zero units ("10m", "1h30m").
func FormatAge(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
