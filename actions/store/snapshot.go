package store

import (
	"path"
	"time"

	"golang.org/x/mod/module"

	"modscope/cachescan"
)

// Snapshot shows a store's scan as a read-only cachescan.Snapshot, the
// model the TUI and the reports draw: the store's URL (redacted) is the
// module cache's root, its modules and versions are the modules, and its
// damage is problems of the store-* kinds (cachescan.StoreKinds). A store
// has no build cache and no project. Every size is an object size, so the
// disk and apparent figures are the same. A version's Files are named by
// their keys inside the store: DownloadDir is the keys' directory, and
// each file's Name the rest of its key.
//
// State: zip, .mod and .info is complete (all the proxy serves); .mod or
// .info without a zip is metadata; a version with damage of error severity
// is damaged, whatever its files; anything else is incomplete.
func Snapshot(rep *ScanReport, now time.Time) *cachescan.Snapshot {
	inv := rep.Inventory
	snap := &cachescan.Snapshot{
		ScannedAt:  inv.ListedAt,
		DurationMS: rep.Duration.Milliseconds(),
		Clock:      cachescan.Fixed(now),
		Problems:   []cachescan.Problem{},
	}
	if snap.ScannedAt.IsZero() {
		snap.ScannedAt = now
	}
	mc := &snap.ModCache
	mc.Root, mc.Exists = inv.URL, true
	mc.Other = objectSize(inv.OtherSize, inv.Other)

	problems := map[[2]string][]cachescan.Problem{}
	for _, d := range rep.Damage {
		pr := problem(d, inv)
		problems[[2]string{d.Module, d.Version}] = append(problems[[2]string{d.Module, d.Version}], pr)
		snap.Problems = append(snap.Problems, pr)
	}
	cachescan.SortProblems(snap.Problems)

	for _, m := range inv.Modules {
		cm := &cachescan.Module{Path: m.Path}
		cm.EscapedPath, _ = module.EscapePath(m.Path)
		if m.List != nil {
			f := file(m.List)
			cm.List = &f
			cm.Size.Add(objectSize(m.List.Size, 1))
		}
		for _, v := range m.Versions {
			cv := version(v, problems[[2]string{m.Path, v.Version}])
			cm.Versions = append(cm.Versions, cv)
			cm.Size.Add(cv.Size)
		}
		mc.Modules = append(mc.Modules, cm)
		mc.Size.Add(cm.Size)
	}
	// The inventory's modules come sorted by path; ModCache.Find relies on it.
	mc.Size.Add(mc.Other)
	return snap
}

func version(v *Version, problems []cachescan.Problem) *cachescan.Version {
	cv := &cachescan.Version{
		Version:    v.Version,
		HasInfo:    v.Has(FileInfo),
		HasMod:     v.Has(FileMod),
		HasZip:     v.Has(FileZip),
		HasZipHash: v.Has(FileZipHash),
		HasLock:    v.Has(FileLock),
		HasPartial: v.Has(FilePartial),
	}
	cv.EscapedVersion, _ = module.EscapeVersion(v.Version)
	for _, o := range v.Files {
		if o == nil {
			continue
		}
		if cv.DownloadDir == "" {
			cv.DownloadDir = path.Dir(o.Key)
		}
		f := file(o)
		// Files are named in their directory, as in a cache; a key
		// elsewhere (both spellings of a path in one store) keeps its
		// whole name.
		if path.Dir(o.Key) == cv.DownloadDir {
			f.Name = path.Base(o.Key)
		}
		cv.Files = append(cv.Files, f)
		cv.Download.Add(objectSize(o.Size, 1))
	}
	cv.Size = cv.Download
	damaged := false
	for _, pr := range problems {
		damaged = damaged || pr.Severity == cachescan.SeverityError
	}
	switch {
	case damaged:
		cv.State = cachescan.StateDamaged
	case cv.HasZip && cv.HasMod && cv.HasInfo:
		cv.State = cachescan.StateComplete
	case !cv.HasZip && (cv.HasMod || cv.HasInfo):
		cv.State = cachescan.StateMetadata
	default:
		cv.State = cachescan.StateIncomplete
	}
	return cv
}

// problem is one damage as a problem. A kind this build does not know (a
// newer check) keeps its own detail and fix, as an error.
func problem(d Damage, inv *Inventory) cachescan.Problem {
	pr := cachescan.Problem{Kind: "store-" + d.Kind, Severity: cachescan.SeverityError,
		Module: d.Module, Version: d.Version, Path: d.Key, Detail: d.Detail, Fix: d.Fix}
	if k := cachescan.LookupKind(pr.Kind); k != nil {
		pr.Severity = k.Severity
		if pr.Fix == "" {
			pr.Fix = k.Fix
		}
	}
	if pr.Path == "" {
		// The damage is in no one object (a missing file): it is in the
		// version's directory.
		if v := inv.Lookup(d.Module, d.Version); v != nil {
			for _, o := range v.Files {
				if o != nil {
					pr.Path = path.Dir(o.Key)
					break
				}
			}
		}
		if pr.Path == "" {
			pr.Path = d.Module
		}
	}
	return pr
}

func file(o *Object) cachescan.File {
	return cachescan.File{Name: o.Key, Bytes: o.Size, ApparentBytes: o.Size, ModTime: o.ModTime}
}

func objectSize(n, files int64) cachescan.Size {
	return cachescan.Size{Bytes: n, ApparentBytes: n, Files: files}
}
