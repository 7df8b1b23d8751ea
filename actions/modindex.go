package actions

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"modscope/cachescan"
)

// The go command's module index (cmd/go/internal/modindex, Go 1.26): for a
// directory in the module cache it keeps in GOCACHE one entry listing every
// package directory of the module and, in each, the source files with
// their package clause, build constraints and imports. Its key is only the
// Go version and the directory's path (ModuleIndexID), never the files'
// names, sizes or times: the go command assumes module-cache trees never
// change. A tree that changed after it was indexed (a file deleted or
// added by hand, a cache restored from another machine over a different
// tree) is then built from the stale list: "no non-test Go files" or "open
// …: no such file or directory" although the tree is whole again (the
// reference doc, §2.5 and experiments #9 and #10).

// StaleIndex is one module-index entry that no longer matches the module
// tree it describes, or one modscope cannot tell about.
type StaleIndex struct {
	Module  string `json:"module"`
	Version string `json:"version"`
	// Dir is the tree as the go command names it (the configured root's
	// spelling when that is a symlink).
	Dir string `json:"dir"`
	// GoVersion is the go command whose index it is.
	GoVersion string `json:"goVersion"`
	// Entry is the index's action entry, GOCACHE/<hh>/<id>-a: removing it
	// is the fix (the go command indexes the tree again on its next use).
	Entry string `json:"entry"`
	// Output is the -d file holding the index.
	Output string `json:"output,omitempty"`
	// Detail says what differs, or why modscope cannot tell.
	Detail string `json:"detail"`
	// Size is the action entry's disk usage.
	Size cachescan.Size `json:"size"`
}

// IndexCheck is what FindStaleIndex found.
type IndexCheck struct {
	// Checked counts the index entries compared with their trees.
	Checked int `json:"checked"`
	// Stale lists the entries that no longer match their trees.
	Stale []StaleIndex `json:"stale"`
	// Unknown lists the entries modscope could not decode or compare:
	// they are left alone, never called stale.
	Unknown []StaleIndex `json:"unknown,omitempty"`
}

// maxIndexFile bounds the module index modscope reads: the index of the
// largest modules is some tens of MB; a bigger file is "cannot tell".
const maxIndexFile = 256 << 20

// indexMagic opens a whole-module index, version 2.
const indexMagic = "go index v2\n"

// FindStaleIndex compares the module index entries of every extracted tree
// in the snapshot, for the go versions likely to have written them (the
// go command's own and those of the cached toolchains), with the trees.
func FindStaleIndex(snap *cachescan.Snapshot) *IndexCheck {
	out := &IndexCheck{Stale: []StaleIndex{}}
	bc := snap.BuildCache.Root
	if bc == "" || !snap.BuildCache.Exists {
		return out
	}
	goVers := indexGoVersions(snap)
	for _, m := range snap.ModCache.Modules {
		for _, v := range m.Versions {
			if !v.HasDir || v.Dir == "" || v.HasPartial || v.State == cachescan.StateExtracting || v.State == cachescan.StateInvalid {
				continue
			}
			for _, dir := range indexDirs(snap, v.Dir) {
				for _, gv := range goVers {
					id := ModuleIndexID(gv, dir)
					entry := filepath.Join(bc, id[:2], id+"-a")
					fi, err := os.Lstat(entry)
					if err != nil {
						continue // never indexed by that go command
					}
					si := StaleIndex{Module: m.Path, Version: v.Version, Dir: dir, GoVersion: gv, Entry: entry, Size: sizeOf(fi)}
					out.Checked++
					stale, detail := checkIndexEntry(bc, entry, v.Dir, &si)
					si.Detail = detail
					switch {
					case stale:
						out.Stale = append(out.Stale, si)
					case detail != "":
						out.Unknown = append(out.Unknown, si)
					}
				}
			}
		}
	}
	return out
}

// indexGoVersions are the go versions whose index entries are looked for.
func indexGoVersions(snap *cachescan.Snapshot) []string {
	var vs []string
	add := func(v string) {
		if v != "" && !slices.Contains(vs, v) {
			vs = append(vs, v)
		}
	}
	add(snap.Env.GOVERSION)
	add(toolchainGo(snap.ModCache.ActiveToolchain))
	if m := snap.ModCache.Find("golang.org/toolchain"); m != nil {
		for _, v := range m.Versions {
			add(toolchainGo(v.Version))
		}
	}
	return vs
}

// indexDirs are the spellings of a tree the go command may have keyed its
// index on: as scanned, and through the configured root when it is a
// symlink.
func indexDirs(snap *cachescan.Snapshot, dir string) []string {
	dirs := []string{dir}
	if c := snap.ModCache.ConfiguredRoot; c != "" {
		if rel, err := filepath.Rel(snap.ModCache.Root, dir); err == nil && !strings.HasPrefix(rel, "..") {
			dirs = append(dirs, filepath.Join(c, rel))
		}
	}
	return dirs
}

// checkIndexEntry reads an index entry and compares it with the tree. It
// returns stale with what differs; not stale with a detail when it cannot
// tell; not stale and "" when the index matches.
func checkIndexEntry(bc, entry, tree string, si *StaleIndex) (stale bool, detail string) {
	out, size, why := readActionEntry(entry)
	if why != "" {
		return false, "the action entry " + why
	}
	si.Output = filepath.Join(bc, out[:2], out+"-d")
	data, err := readIndexFile(si.Output, size)
	if err != nil {
		return false, "cannot read the index: " + err.Error()
	}
	idx, err := decodeModuleIndex(data)
	if err != nil {
		return false, "cannot decode the index (" + err.Error() + "): a format this modscope does not know"
	}
	disk, err := indexedTree(tree)
	if err != nil {
		return false, "cannot list the tree: " + err.Error()
	}
	if d := diffIndex(idx, disk); d != "" {
		return true, d
	}
	return false, ""
}

// readActionEntry reads a build-cache action entry ("v1 <id> <out> <size>
// <time>\n", 175 bytes): its output ID and size, or why it is not one.
func readActionEntry(path string) (out string, size int64, why string) {
	data, err := cachescan.ReadSmall(path, 175)
	if err != nil {
		return "", 0, "cannot be read: " + err.Error()
	}
	if len(data) != 175 || string(data[:3]) != "v1 " || data[67] != ' ' || data[132] != ' ' || data[153] != ' ' || data[174] != '\n' {
		return "", 0, "is not a v1 entry"
	}
	if !isEntryName(filepath.Base(path)) || string(data[3:67]) != filepath.Base(path)[:64] {
		return "", 0, "names another action"
	}
	out = string(data[68:132])
	if strings.Trim(out, "0123456789abcdef") != "" {
		return "", 0, "has a bad output ID"
	}
	size, err = strconv.ParseInt(strings.TrimLeft(string(data[133:153]), " "), 10, 64)
	if err != nil || size < 0 {
		return "", 0, "has a bad size"
	}
	return out, size, ""
}

// readIndexFile reads an index output, never past maxIndexFile, never
// through a link, and only when it has the size the entry records (the go
// command's own check: another size is a miss, not an index it uses).
func readIndexFile(path string, size int64) ([]byte, error) {
	if size > maxIndexFile {
		return nil, fmt.Errorf("%d bytes, more than modscope reads (%d)", size, maxIndexFile)
	}
	f, err := cachescan.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, size+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != size {
		return nil, fmt.Errorf("%d bytes, the entry says %d (the go command ignores it)", len(data), size)
	}
	return data, nil
}

// goIndex is what modscope decodes of an index: each package directory
// (relative to the module root, "" for the root, with the OS separator)
// and the names of its source files.
type goIndex map[string][]string

var errIndexCorrupt = errors.New("corrupt index")

// decodeModuleIndex decodes the package directories and file names of a
// whole-module index (modindex's index_format.txt, "go index v2"), with
// every offset and count checked against the data: a hostile file gives an
// error, never a panic or an allocation past its size.
func decodeModuleIndex(data []byte) (goIndex, error) {
	if !strings.HasPrefix(string(data[:min(len(data), len(indexMagic))]), indexMagic) {
		return nil, errors.New("not a go index v2")
	}
	const hdr = len(indexMagic)
	u32 := func(off int) (int, error) {
		if off < 0 || off > len(data)-4 {
			return 0, errIndexCorrupt
		}
		v := binary.LittleEndian.Uint32(data[off:])
		if v>>31 != 0 {
			return 0, errIndexCorrupt
		}
		return int(v), nil
	}
	strOff, err := u32(hdr)
	if err != nil || strOff < hdr+8 || strOff > len(data) {
		return nil, errIndexCorrupt
	}
	body, strs := data[:strOff], data[strOff:]
	if len(strs) == 0 || strs[0] != 0 || strs[len(strs)-1] != 0xFF {
		return nil, errIndexCorrupt
	}
	at := func(off int) (int, error) {
		if off < 0 || off > len(body)-4 {
			return 0, errIndexCorrupt
		}
		return u32(off)
	}
	str := func(off int) (string, error) {
		i, err := at(off)
		if err != nil {
			return "", err
		}
		if i >= len(strs) {
			return "", errIndexCorrupt
		}
		s := strs[i:]
		n, w := binary.Uvarint(s)
		if w <= 0 || n > uint64(len(s)-w) {
			return "", errIndexCorrupt
		}
		return string(s[w : w+int(n)]), nil
	}
	n, err := at(hdr + 4)
	if err != nil || n > (len(body)-hdr-8)/8 {
		return nil, errIndexCorrupt
	}
	idx := make(goIndex, n)
	for i := 0; i < n; i++ {
		dir, err := str(hdr + 8 + 8*i)
		if err != nil {
			return nil, err
		}
		pos, err := at(hdr + 8 + 8*i + 4)
		if err != nil {
			return nil, err
		}
		// The package: error, dir, the count of files, their offsets.
		nfiles, err := at(pos + 8)
		if err != nil || nfiles > (len(body)-pos-12)/4 {
			return nil, errIndexCorrupt
		}
		names := make([]string, 0, nfiles)
		for j := 0; j < nfiles; j++ {
			fpos, err := at(pos + 12 + 4*j)
			if err != nil {
				return nil, err
			}
			// A file: error, parse error, synopsis, then its name.
			name, err := str(fpos + 12)
			if err != nil {
				return nil, err
			}
			names = append(names, name)
		}
		if _, dup := idx[dir]; dup {
			return nil, errIndexCorrupt
		}
		idx[dir] = names
	}
	return idx, nil
}

// indexedTree lists a module tree as modindex would index it now: every
// directory up to nested modules (a subdirectory with a go.mod file),
// and in each the files it keeps: not starting with "_" or ".", with a
// source extension (.go, .c, .s, .syso, ...). Links are never followed:
// a link is listed by its name, as the go command lists it (a link to a
// directory is no source file; modscope, not following it, cannot tell
// and lists it, which a module zip never holds anyway).
func indexedTree(root string) (goIndex, error) {
	idx := goIndex{}
	sep := string(filepath.Separator)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		rel := ""
		if path != root {
			rel = strings.TrimPrefix(path, root+sep)
			if fi, err := os.Lstat(filepath.Join(path, "go.mod")); err == nil && !fi.IsDir() {
				return filepath.SkipDir
			}
		}
		ents, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		names := []string{}
		for _, e := range ents {
			if e.IsDir() {
				continue
			}
			if isIndexedSource(e.Name()) {
				names = append(names, e.Name())
			}
		}
		idx[rel] = names
		return nil
	})
	return idx, err
}

// isIndexedSource reports whether modindex lists a file of this name
// (scan.go importRaw and build.go getFileInfo / fileListForExt).
func isIndexedSource(name string) bool {
	if strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") {
		return false
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		ext = name[i:]
	}
	switch ext {
	case ".go", ".c", ".cc", ".cpp", ".cxx", ".m", ".h", ".hh", ".hpp", ".hxx",
		".f", ".F", ".for", ".f90", ".s", ".S", ".sx", ".swig", ".swigcxx", ".syso":
		return true
	}
	return false
}

// diffIndex says how the index differs from the tree, in one line, or "".
func diffIndex(idx, disk goIndex) string {
	var gone, added []string
	show := func(dir, name string) string {
		if dir == "" {
			return name
		}
		return filepath.ToSlash(filepath.Join(dir, name))
	}
	for dir, names := range idx {
		now, ok := disk[dir]
		if !ok {
			gone = append(gone, show(dir, "")+"/")
			continue
		}
		for _, n := range names {
			if !slices.Contains(now, n) {
				gone = append(gone, show(dir, n))
			}
		}
	}
	for dir, names := range disk {
		was, ok := idx[dir]
		if !ok {
			added = append(added, show(dir, "")+"/")
			continue
		}
		for _, n := range names {
			if !slices.Contains(was, n) {
				added = append(added, show(dir, n))
			}
		}
	}
	if len(gone) == 0 && len(added) == 0 {
		return ""
	}
	slices.Sort(gone)
	slices.Sort(added)
	var parts []string
	if len(gone) > 0 {
		parts = append(parts, "it lists "+clip(gone, 5)+", no longer in the tree")
	}
	if len(added) > 0 {
		parts = append(parts, "it lacks "+clip(added, 5)+", in the tree now")
	}
	return strings.Join(parts, "; ") + ": builds use the stale list"
}

// staleIndexItems are the purge items of purge --stale-index, one per
// stale entry: its action entry goes (the output it names is left to the
// go command's trim: another entry may share it), and the go command
// indexes the tree again on its next use.
func staleIndexItems(snap *cachescan.Snapshot) []*PurgeItem {
	var items []*PurgeItem
	for _, s := range FindStaleIndex(snap).Stale {
		items = append(items, &PurgeItem{Kind: ItemBuild, Module: s.Module, Version: s.Version,
			Label:  fmt.Sprintf("module index of %s@%s (%s)", s.Module, s.Version, s.GoVersion),
			Reason: "stale module index: " + s.Detail,
			Paths:  []string{s.Entry}, Size: s.Size})
	}
	return items
}
