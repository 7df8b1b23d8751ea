package actions

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"modscope/actions/confine"
	"modscope/cachescan"
)

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

// addFile adds one path and its size to an item of many files.
func (it *PurgeItem) addFile(path string, fi fs.FileInfo) {
	s := sizeOf(fi)
	it.Paths = append(it.Paths, path)
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
