package actions

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modscope/cachescan"
)

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
	eachEntryDir(root, func(dir string, ents []os.DirEntry) {
		for _, e := range ents {
			name := e.Name()
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
	})
	return found
}

// eachEntryDir calls f with each of the build cache's 256 entry
// directories (root/00 to root/ff) and its entries, sorted by name: one
// that is a link or a file (the scan's gocache-broken) or cannot be read
// is skipped.
func eachEntryDir(root string, f func(dir string, ents []os.DirEntry)) {
	for i := 0; i < 256; i++ {
		dir := filepath.Join(root, fmt.Sprintf("%02x", i))
		if !realDir(dir) {
			continue
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		f(dir, ents)
	}
}

// realDir reports whether path is a directory and not a symlink to one.
func realDir(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.IsDir()
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
	eachEntryDir(root, func(dir string, ents []os.DirEntry) {
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
			it.Size.Add(s)
		}
	})
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
