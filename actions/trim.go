package actions

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"modscope/cachescan"
)

// TrimOptions says to what size a trim brings the caches and what it
// keeps whatever the size.
type TrimOptions struct {
	// MaxSize caps the disk usage of both caches together, in bytes.
	MaxSize int64
	// UsedSince: the build-cache entries used since then stay. The go
	// command refreshes an entry's mtime only when it uses one whose
	// mtime is over an hour old (UseGranularity), so an entry used at or
	// after UsedSince has an mtime after UsedSince - 1h: that is the
	// cut-off. Zero keeps no entry for its use: the least recently used
	// go first until the caches fit.
	UsedSince time.Time
	// Used is what the projects need of the module cache; nil means the
	// scanned project.
	Used *Usage
}

// UseGranularity is how stale a build-cache entry's mtime may be when a
// go command uses it: the go command refreshes the mtime of an entry it
// uses only when it is over an hour old (cmd/go/internal/cache
// mtimeInterval). An entry used at instant u has an mtime after u - 1h.
const UseGranularity = time.Hour

// TrimPlan is what a trim would do: a purge plan that takes, least
// recently used first, the build-cache entries not used since the
// cut-off and the module versions no project needs, until both caches
// fit the cap. Nothing is removed until Purge runs.
type TrimPlan struct {
	Purge *PurgePlan `json:"plan"`
	// MaxSize is the cap, in disk bytes of both caches together.
	MaxSize int64 `json:"maxSize"`
	// UsedSince is the option; KeptSince the mtime cut-off it gives
	// (UsedSince - UseGranularity). Both nil without --used-since.
	UsedSince *time.Time `json:"usedSince,omitempty"`
	KeptSince *time.Time `json:"keptSince,omitempty"`
	// Before is both caches' disk usage as scanned, After what it is once
	// the plan has run (as planned).
	Before int64 `json:"before"`
	After  int64 `json:"after"`
	// Missed is by how much After is still over the cap: what the trim
	// may not remove (in use) is more than the cap. 0 when it fits.
	Missed int64 `json:"missed,omitempty"`

	Build TrimSide `json:"buildCache"`
	Mod   TrimSide `json:"modCache"`
	// Untouched is what a trim never removes, in disk bytes: the
	// cache/vcs clones (purge --vcs), the checksum-database cache (purge
	// --sumdb-cache), the fuzzing cache (purge --fuzz-cache), and the
	// rest (the caches' directories, lock files, README...).
	Untouched TrimUntouched `json:"untouched"`
}

// TrimUntouched is what a trim never removes, in disk bytes.
type TrimUntouched struct {
	VCS   int64 `json:"vcs"`
	SumDB int64 `json:"sumdb"`
	Fuzz  int64 `json:"fuzz"`
	Other int64 `json:"other"`
}

// TrimSide is what a trim does to one cache. For the build cache the
// counts are entries (action -a and output -d files); for the module
// cache, module versions.
type TrimSide struct {
	// Size is the cache's disk usage as scanned.
	Size int64 `json:"size"`
	// Removed: what the plan removes.
	Removed      int64 `json:"removed"`
	RemovedBytes int64 `json:"removedBytes"`
	// Kept: what is in use and stays whatever the cap (entries used since
	// the cut-off and the outputs they name; versions a project needs,
	// the active toolchain).
	Kept      int64 `json:"kept"`
	KeptBytes int64 `json:"keptBytes"`
	// Spared: what could go but stays because the caches fit without it.
	Spared      int64 `json:"spared"`
	SparedBytes int64 `json:"sparedBytes"`
	// Refused: versions a purge refuses (a toolchain a program runs from,
	// an invalid name, a link where a directory must be).
	Refused int64 `json:"refused,omitempty"`
}

// errNoCap is PlanTrim's error for a negative cap.
var errNoCap = errors.New("--max-size: a cap is needed, like 2GiB")

// trimCandidate is one thing a trim may remove: a build-cache unit (an
// action and the output it alone names) or a module version's parts.
type trimCandidate struct {
	when  time.Time
	key   string
	bytes int64
	unit  *buildUnit
	item  *PurgeItem
}

// PlanTrim plans a trim of the snapshot's caches.
func PlanTrim(snap *cachescan.Snapshot, o TrimOptions) (*TrimPlan, error) {
	if o.MaxSize < 0 {
		return nil, errNoCap
	}
	used := o.Used
	if used == nil {
		if snap.Project == nil {
			return nil, errors.New("trim needs the projects whose module versions stay: run modscope in a module, or name --projects DIR")
		}
		if len(snap.Project.Errors) > 0 {
			return nil, fmt.Errorf("trim: the project's files do not read cleanly (%s): fix them first, or every version they name would look unneeded", snap.Project.Errors[0])
		}
		used = ProjectUsage(snap.Project)
	}
	tp := &TrimPlan{MaxSize: o.MaxSize, Purge: newPlan(snap)}
	tp.Build.Size, tp.Mod.Size = snap.BuildCache.Bytes, snap.ModCache.Bytes
	tp.Before = tp.Build.Size + tp.Mod.Size
	tp.Untouched = TrimUntouched{VCS: snap.ModCache.VCS.Bytes, SumDB: snap.ModCache.SumDB.Bytes, Fuzz: snap.BuildCache.Fuzz.Bytes,
		Other: snap.ModCache.Other.Bytes + snap.BuildCache.Other.Bytes}
	var cutoff time.Time
	if !o.UsedSince.IsZero() {
		since, kept := o.UsedSince.UTC(), o.UsedSince.Add(-UseGranularity).UTC()
		tp.UsedSince, tp.KeptSince, cutoff = &since, &kept, kept
	}

	var cands []trimCandidate
	bc := &snap.BuildCache
	if bc.Exists && bc.Root != "" {
		units, kept := listBuildUnits(bc.Root, cutoff)
		tp.Build.Kept, tp.Build.KeptBytes = kept.Files, kept.Bytes
		for _, u := range units {
			cands = append(cands, trimCandidate{when: u.when, key: u.paths[0], bytes: u.size.Bytes, unit: u})
		}
	}
	cands = append(cands, versionCandidates(snap, used, tp)...)
	sortCandidates(cands)

	plan := tp.Purge
	total := tp.Before
	var build *PurgeItem // the build-cache item being filled
	for _, c := range cands {
		if total <= o.MaxSize {
			if c.unit != nil {
				tp.Build.Spared += c.unit.size.Files
				tp.Build.SparedBytes += c.unit.size.Bytes
			} else {
				tp.Mod.Spared++
				tp.Mod.SparedBytes += c.bytes
			}
			continue
		}
		total -= c.bytes
		if c.unit != nil {
			if build == nil {
				// Consecutive entries are one item; a version between
				// them starts another, so that the plan runs in the
				// order it was cut.
				build = &PurgeItem{Kind: ItemBuild, Label: "build-cache entries", keepSince: cutoff,
					Reason: "least recently used first, until the caches fit"}
				if !cutoff.IsZero() {
					build.Reason = "not used since " + tp.UsedSince.Format(time.RFC3339) + "; least recently used first"
				}
				plan.add(build)
			}
			build.Paths = append(build.Paths, c.unit.paths...)
			build.Size.Add(c.unit.size) // the plan's Size: refuseRoots sums the items
			tp.Build.Removed += c.unit.size.Files
			tp.Build.RemovedBytes += c.unit.size.Bytes
			continue
		}
		build = nil
		plan.add(c.item)
		tp.Mod.Removed++
		tp.Mod.RemovedBytes += c.bytes
	}
	tp.After = total
	if total > o.MaxSize {
		tp.Missed = total - o.MaxSize
	}
	if bc.CacheProg != "" {
		plan.Warnings = append(plan.Warnings, "GOCACHEPROG is set: the go command uses "+bc.CacheProg+", not the GOCACHE files trimmed here")
	}
	// No network warnings: what goes is what the projects do not need.
	plan.refuseRoots()
	if len(plan.Items) > 0 {
		plan.Running = RunningGo(plan.rootsTouched()...)
	}
	if len(plan.Running) > 0 {
		for _, it := range plan.Items {
			if it.Kind == ItemBuild {
				it.Warnings = append(it.Warnings, "a go command is running: a build using these entries may fail; trim after the build")
			}
		}
	}
	return tp, nil
}

// versionCandidates lists the module versions no project needs (whole,
// metadata too), the code of those whose go.mod alone is needed (the
// .mod and .info stay), and every toolchain but the active one, one a
// program runs from and one a project's toolchain or go line names,
// dated by their download; it counts what stays in tp.Mod.
func versionCandidates(snap *cachescan.Snapshot, used *Usage, tp *TrimPlan) []trimCandidate {
	var cands []trimCandidate
	for _, m := range snap.ModCache.Modules {
		for _, v := range m.Versions {
			parts := partTree | partZip | partZipHash | partMod | partInfo
			reason := "no project needs it"
			switch {
			case m.Toolchain && used.NamesToolchain(v.Version):
				// A project's toolchain or go line names it: builds
				// there switch to it (GOTOOLCHAIN=auto).
				tp.Mod.Kept++
				tp.Mod.KeptBytes += v.Bytes
				continue
			case m.Toolchain:
				reason = "a toolchain no project names"
			default:
				switch used.of(m.Path, v.Version) {
				case useContent:
					tp.Mod.Kept++
					tp.Mod.KeptBytes += v.Bytes
					continue
				case useGraph:
					// The pruned module graph reads its go.mod: the
					// metadata stays, the code may go.
					parts = partTree | partZip | partZipHash
					reason = "only its go.mod is needed"
					tp.Mod.Kept++
					tp.Mod.KeptBytes += metadataBytes(v)
				}
			}
			it := versionItem(snap, m, v, parts, nil)
			it.Reason = reason
			// No project's module graph reads its .mod: that it goes
			// is no warning here.
			it.Warnings = slices.DeleteFunc(it.Warnings, func(w string) bool { return strings.HasPrefix(w, "its .mod goes") })
			if it.Refused != "" {
				if v.Active {
					tp.Mod.Kept++
					tp.Mod.KeptBytes += v.Bytes
				} else {
					tp.Mod.Refused++
				}
				if it.Blocked {
					tp.Purge.add(it) // the command says so and exits 1
				}
				continue
			}
			if len(it.Paths) == 0 {
				continue
			}
			cands = append(cands, trimCandidate{when: downloaded(v), key: it.Label, bytes: it.Size.Bytes, item: it})
		}
	}
	return cands
}

// metadataBytes is the disk usage of a version's .mod and .info files.
func metadataBytes(v *cachescan.Version) int64 {
	var n int64
	for _, f := range v.Files {
		if p := filePart(v, f.Name); p == partMod || p == partInfo {
			n += f.Bytes
		}
	}
	return n
}

// downloaded is when a version was downloaded: the latest mtime of its
// download files (the go command writes them once and never touches them
// on use). Zero for a tree with no download files.
func downloaded(v *cachescan.Version) time.Time {
	var t time.Time
	for _, f := range v.Files {
		if filePart(v, f.Name) != 0 && f.ModTime.After(t) {
			t = f.ModTime
		}
	}
	return t
}

// Fits reports whether the caches fit the cap once the plan has run.
func (tp *TrimPlan) Fits() bool { return tp.Missed == 0 }

// ParseSize reads a size: a number and a unit, B, K, M, G, T or KiB, MiB,
// GiB, TiB for powers of 1024 (as du and docker read them), KB, MB, GB,
// TB for powers of 1000; no unit is bytes.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') && t[i-1] != '.' {
		i--
	}
	num, unit := t[:i], strings.ToUpper(strings.TrimSpace(t[i:]))
	mult := map[string]float64{"": 1, "B": 1,
		"K": 1 << 10, "KIB": 1 << 10, "KB": 1e3,
		"M": 1 << 20, "MIB": 1 << 20, "MB": 1e6,
		"G": 1 << 30, "GIB": 1 << 30, "GB": 1e9,
		"T": 1 << 40, "TIB": 1 << 40, "TB": 1e12}[unit]
	f, err := strconv.ParseFloat(num, 64)
	if mult == 0 || err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("bad size %q: use a number and a unit like 2GiB, 500MiB or 1.5G", s)
	}
	if f*mult >= math.MaxInt64/2 {
		return 0, fmt.Errorf("bad size %q: too large", s)
	}
	return int64(f * mult), nil
}

// ParseTime reads --used-since: an RFC 3339 time, or a duration ago
// (ParseAge: 90m, 2h, 1d) from now.
func ParseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	d, err := ParseAge(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad time %q: use an RFC 3339 time like 2026-12-02T07:00:00Z (date -u +%%FT%%TZ) or a duration ago like 2h", s)
	}
	return now.Add(-d), nil
}
