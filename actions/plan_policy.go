package actions

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"modscope/cachescan"
)

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
				if why, ok := t.Audit[AuditKey{m.Path, v.Version}]; ok && !m.Toolchain && t.Used != nil && t.Used.of(m.Path, v.Version) < useContent {
					if len(reasons) == 0 {
						// Only its code: the latest .mod is where
						// retractions are read.
						parts &^= partMod | partInfo
					}
					reasons = append(reasons, why)
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

// latest returns the n latest versions of a module that hold code (a
// tree or a zip; metadata-only versions take no place): releases by
// semver, pseudo-versions by their time among themselves, the two lines
// merged by semver. That is a total order, whatever order the versions
// come in.
func latest(vs []*cachescan.Version, n int) map[string]bool {
	var code []string
	for _, v := range vs {
		if v.HasDir || v.HasZip {
			code = append(code, v.Version)
		}
	}
	return LatestVersions(code, n)
}

// LatestVersions returns the n latest of versions in latest's order (the
// team store's gc keeps the same ones purge --keep-latest would).
func LatestVersions(versions []string, n int) map[string]bool {
	var rel, pseudo []string
	for _, v := range versions {
		if module.IsPseudoVersion(v) {
			pseudo = append(pseudo, v)
		} else {
			rel = append(rel, v)
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
		if k := cachescan.LookupKind(p.Kind); k != nil && k.Audit {
			continue // advice about the version, not damage: purge --vulnerable/--retracted
		}
		switch p.Kind {
		case cachescan.KindDirModified:
			parts = partTree // re-extracted from the zip (fips140's from GOROOT), offline
		case cachescan.KindDirPartial:
			parts = partTree     // re-extracted from the zip, offline
			download = !v.HasZip // an interrupted removal: no zip to extract from
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
