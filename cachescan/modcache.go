package cachescan

import (
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Module paths whose cache entries the go command lays out differently.
const (
	toolchainModule = "golang.org/toolchain"
	fipsModule      = "golang.org/fips140"
)

// verRec gathers what the walk finds about one module version. The @v
// directory's handler owns the download fields, the tree walk owns tree;
// they never write the same field, and assembly reads both after the walk.
type verRec struct {
	escPath, escVer string

	// Set by the @v handler.
	files                                  []File
	dl                                     Size
	info, mod, zip, ziphash, partial, lock bool
	infoTime                               *time.Time
	origin                                 *Origin
	declared                               string
	ziphashValue                           string
	problems                               []Problem
	lockBusyProblems                       []Problem // only valid if no go command holds the lock
	tmpZip                                 []string

	// Set by the module-root walk.
	dir  string
	tree acc
}

// modRec gathers what the walk finds about one module path's @v directory.
type modRec struct {
	escPath  string
	dlDir    string
	list     *File
	listBad  bool // list is not a regular file: never rewritten
	other    acc
	problems []Problem
}

// modScan walks one GOMODCACHE.
type modScan struct {
	root string
	w    *walker
	// skipZipCheck: a verify that follows checks the zips (Options).
	skipZipCheck bool
	// idx is the scan index, or nil.
	idx *scanIndex

	mu       sync.Mutex
	versions map[verKey]*verRec
	modules  map[string]*modRec
	problems []Problem
	now      time.Time

	other      acc
	vcs        acc
	sumdb      acc
	clones     map[string]*VCSClone
	cloneSizes map[string]*acc

	paths        unescapedPaths
	downloadRoot string // root/cache/download
}

func newModScan(root string, w *walker, now time.Time) *modScan {
	return &modScan{
		root: root, w: w, now: now,
		downloadRoot: filepath.Join(root, "cache", "download"),
		versions:     map[verKey]*verRec{},
		modules:      map[string]*modRec{},
		clones:       map[string]*VCSClone{},
		cloneSizes:   map[string]*acc{},
	}
}

// verKey names a version by its escaped path and version. A struct, not
// "path@version": a path element may itself hold an @ in a damaged cache.
type verKey struct{ escPath, escVer string }

func (s *modScan) version(escPath, escVer string) *verRec {
	key := verKey{escPath, escVer}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.versions[key]
	if r == nil {
		r = &verRec{escPath: escPath, escVer: escVer}
		s.versions[key] = r
	}
	return r
}

func (s *modScan) module(escPath string) *modRec {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.modules[escPath]
	if r == nil {
		r = &modRec{escPath: escPath}
		s.modules[escPath] = r
	}
	return r
}

func (s *modScan) report(p Problem) {
	s.mu.Lock()
	s.problems = append(s.problems, p)
	s.mu.Unlock()
}

// start walks the top level: extracted trees and cache/.
func (s *modScan) start() {
	if e, err := lstatEntry(s.root); err == nil {
		s.other.add(s.w.sizeOf(&e))
	}
	s.w.spawn(func() { s.modDir(s.root, "") })
}

// modDir handles a directory outside cache/: every subdirectory whose name
// has an @ is an extracted module tree, the others are path prefixes.
func (s *modScan) modDir(dir, prefix string) {
	ents := s.w.list(dir)
	for i := range ents {
		e := &ents[i]
		path := filepath.Join(dir, e.name)
		size := s.w.sizeOf(e)
		s.w.prog.bytes.Add(size.Bytes)
		s.w.prog.files.Add(size.Files)
		switch {
		case prefix == "" && e.name == "cache" && e.isDir():
			s.other.add(size)
			s.w.spawn(func() { s.cacheDir(path) })
		case e.isDir() && strings.Contains(e.name, "@"):
			at := strings.IndexByte(e.name, '@')
			escPath, escVer := prefix+e.name[:at], e.name[at+1:]
			if strings.Contains(escVer, ".tmp-") {
				// Go < 1.16 extracted into <elem>@<v>.tmp-<n> and renamed.
				p := newProblem(KindTmpLeftover, "", "", path,
					"extraction directory left by an interrupted go command (Go < 1.16)")
				p.Fix = "chmod -R u+w " + ShellQuote(path) + " && rm -rf " + ShellQuote(path) + "  (while no go command runs)"
				s.report(p)
				a := &s.other
				a.add(size)
				s.w.spawn(func() { s.w.tree(path, a) })
				continue
			}
			r := s.version(escPath, escVer)
			r.dir = path
			r.tree.add(size)
			if s.idx == nil {
				s.w.spawn(func() { s.w.tree(path, &r.tree) })
				continue
			}
			rel := prefix + e.name
			root := *e
			s.w.spawn(func() {
				if t := s.idx.trustedTree(rel, path, &root); t != nil {
					r.tree.add(t.size)
					s.w.prog.dirs.Add(int64(t.count()))
					s.w.prog.files.Add(t.size.Files)
					s.w.prog.bytes.Add(t.size.Bytes)
					return
				}
				s.w.treeRecorded(path, &r.tree, s.idx.record(rel, &root), s.idx.cutoff)
			})
		case e.isDir():
			sub := prefix + e.name + "/"
			s.other.add(size)
			s.w.spawn(func() { s.modDir(path, sub) })
		default:
			s.other.add(size)
			// A stray file (.DS_Store, notes) is harmless; one named like a
			// module version stands where the go command expects a tree.
			switch {
			case strings.Contains(e.name, "@"):
				s.report(WrongType(path, kindOfFile(e), "the go command keeps a module tree"))
			case !e.isRegular():
				// A link here would send a change of what is below it
				// anywhere: the go command writes none.
				s.report(WrongType(path, kindOfFile(e), "the go command keeps directories and files"))
			}
		}
	}
}

// cacheDir handles GOMODCACHE/cache.
func (s *modScan) cacheDir(dir string) {
	ents := s.w.list(dir)
	for i := range ents {
		e := &ents[i]
		path := filepath.Join(dir, e.name)
		size := s.w.sizeOf(e)
		s.w.prog.bytes.Add(size.Bytes)
		s.w.prog.files.Add(size.Files)
		switch {
		case e.name == "download" && e.isDir():
			s.other.add(size)
			s.w.spawn(func() { s.downloadDir(path, "") })
		case e.name == "vcs" && e.isDir():
			s.vcs.add(size)
			s.w.spawn(func() { s.vcsDir(path) })
		case e.isDir():
			s.other.add(size)
			s.w.spawn(func() { s.w.tree(path, &s.other) })
		default:
			s.other.add(size)
			if !e.isRegular() {
				s.report(WrongType(path, kindOfFile(e), "the go command keeps directories and files"))
			}
		}
	}
}

// downloadDir handles cache/download and its path-prefix subdirectories.
func (s *modScan) downloadDir(dir, prefix string) {
	ents := s.w.list(dir)
	for i := range ents {
		e := &ents[i]
		path := filepath.Join(dir, e.name)
		size := s.w.sizeOf(e)
		s.w.prog.bytes.Add(size.Bytes)
		s.w.prog.files.Add(size.Files)
		switch {
		case prefix == "" && e.name == "sumdb" && e.isDir():
			s.sumdb.add(size)
			s.w.spawn(func() { s.w.tree(path, &s.sumdb) })
		case e.name == "@v" && e.isDir() && prefix != "":
			escPath := strings.TrimSuffix(prefix, "/")
			s.other.add(size)
			self := *e
			s.w.spawn(func() { s.atV(path, escPath, &self) })
		case e.isDir():
			sub := prefix + e.name + "/"
			s.other.add(size)
			s.w.spawn(func() { s.downloadDir(path, sub) })
		default:
			s.other.add(size)
			switch {
			case e.name == "@v":
				s.report(WrongType(path, kindOfFile(e), "the go command keeps the download directory"))
			case !e.isRegular():
				s.report(WrongType(path, kindOfFile(e), "the go command keeps directories and files"))
			}
		}
	}
}

// WrongType is the problem of an entry whose type is not the one the go
// command writes where it stands (a symlink, a file where a directory
// belongs): modscope never follows it, and refuses to change what holds it
// until a person removes it. rm removes a link itself, not its target.
func WrongType(path, kind, want string) Problem {
	p := newProblem(KindPathInvalid, "", "", path, "a "+kind+" where "+want+"; modscope never follows it and changes nothing through it")
	if kind == "directory" {
		p.Fix = "look at it, then chmod -R u+w " + ShellQuote(path) + " && rm -r " + ShellQuote(path) + "  (by hand)"
	} else {
		p.Fix = "rm " + ShellQuote(path) + "  (removes the " + kind + " itself, not what it points to)"
	}
	return p
}

func kindOfFile(e *dirEntry) string {
	switch {
	case e.mode.IsRegular():
		return "file"
	case e.mode&fs.ModeSymlink != 0:
		return "symlink"
	case e.isDir():
		return "directory"
	}
	return "special file"
}

// downloadSuffixes are the files the go command keeps per version in @v.
var downloadSuffixes = []string{".info", ".mod", ".zip", ".ziphash", ".lock", ".partial"}

// atV handles one cache/download/<E>/@v directory, whose own entry as its
// parent listed it just now is self: it sorts the files by version and
// checks their contents (none is hashed). With the scan index, an
// unchanged directory's listing and checks are the recorded ones (index.go
// says what that can miss).
func (s *modScan) atV(dir, escPath string, self *dirEntry) {
	var ents []dirEntry
	var old *listRec
	listRel := "cache/download/" + escPath + "/@v"
	relPrefix := listRel + "/"
	if s.idx != nil {
		old = s.idx.listed(listRel, self)
	}
	if old != nil {
		ents = old.ents
		s.w.prog.dirs.Add(1)
	} else {
		ents = s.w.list(dir)
	}
	// clean: nothing here the go command would not have written, and every
	// check found nothing; only such a listing is kept (or reused), so
	// that a problem is always found afresh.
	clean := s.idx != nil && (old != nil || ents != nil)
	m := s.module(escPath)
	m.dlDir = dir
	modPath, pathErr := s.paths.get(escPath)

	recs := map[string]*verRec{}
	get := func(escVer string) *verRec {
		r := recs[escVer]
		if r == nil {
			r = s.version(escPath, escVer)
			recs[escVer] = r
		}
		return r
	}
	var mods []string // escaped versions with a .mod
	type content struct {
		r    *verRec
		kind string
		size int64
		e    dirEntry
	}
	reads := make([]content, 0, len(ents))
	for i := range ents {
		e := &ents[i]
		// Built only where it is used: most entries need none.
		pathOf := func() string { return filepath.Join(dir, e.name) }
		size := s.w.sizeOf(e)
		s.w.prog.bytes.Add(size.Bytes)
		s.w.prog.files.Add(size.Files)
		file := File{Name: e.name, Bytes: size.Bytes, ApparentBytes: size.ApparentBytes, ModTime: time.Unix(0, e.mtime)}
		if !e.isRegular() || e.nlink > 1 {
			// Only regular files, each linked once: a hard-linked file is
			// counted once in the whole scan, so its count depends on
			// what else is walked (as for a tree).
			clean = false
		}
		if e.isDir() {
			m.other.add(size)
			path := pathOf()
			s.w.spawn(func() { s.w.tree(path, &m.other) })
			s.report(newProblem(KindPathInvalid, "", "", path, "a directory where the go command keeps only files"))
			continue
		}
		if e.name == "list" && e.isRegular() {
			f := file
			m.list = &f
			m.other.add(size)
			continue
		}
		if e.name == "list" || (strings.HasPrefix(e.name, "list") || strings.HasSuffix(e.name, ".tmp")) && !e.isRegular() {
			m.other.add(size)
			m.listBad = e.name == "list"
			s.report(WrongType(pathOf(), kindOfFile(e), "the go command keeps a file"))
			continue
		}
		if strings.HasPrefix(e.name, "list") {
			// list.lock: older go commands locked list through it, and lock
			// files are never deleted.
			m.other.add(size)
			continue
		}
		if strings.HasSuffix(e.name, ".tmp") {
			// <EV>.zip<n>.tmp, <EV>.info<n>.tmp, <EV>.mod<n>.tmp: written
			// in place while a go command runs.
			clean = false
			escVer, isZip := tmpVersion(e.name)
			if escVer == "" {
				m.other.add(size)
				p := newProblem(KindTmpLeftover, "", "", pathOf(), "temp file left by an interrupted write")
				p.Fix = "rm " + ShellQuote(p.Path) + "  (while no go command runs)"
				s.report(p)
				continue
			}
			r := get(escVer)
			r.files = append(r.files, file)
			r.dl.Add(size)
			if isZip {
				// Written under the version lock: leftover only if the lock is free.
				r.tmpZip = append(r.tmpZip, pathOf())
			} else if s.now.Sub(file.ModTime) > time.Minute {
				r.problems = append(r.problems, newProblem(KindTmpLeftover, "", "", pathOf(), "temp file left by an interrupted write"))
			}
			continue
		}
		escVer, suffix := splitDownloadName(e.name)
		if suffix == "" {
			// Not the go command's, and harmless where it is.
			m.other.add(size)
			continue
		}
		if !e.isRegular() {
			m.other.add(size)
			p := WrongType(pathOf(), kindOfFile(e), "the go command keeps a file")
			if mp, err := s.paths.get(escPath); err == nil {
				if v, err := unescapeVersion(escVer); err == nil {
					p.Module, p.Version = mp, v
				}
			}
			s.report(p)
			continue
		}
		r := get(escVer)
		r.files = append(r.files, file)
		r.dl.Add(size)
		switch suffix {
		case ".info":
			r.info = true
			reads = append(reads, content{r, suffix, e.size, *e})
		case ".mod":
			r.mod = true
			mods = append(mods, escVer)
			reads = append(reads, content{r, suffix, e.size, *e})
		case ".zip":
			r.zip = true
			reads = append(reads, content{r, suffix, e.size, *e})
		case ".ziphash":
			r.ziphash = true
			reads = append(reads, content{r, suffix, e.size, *e})
		case ".lock":
			r.lock = true
		case ".partial":
			// Grows in place while a download runs.
			clean = false
			r.partial = true
		}
	}
	if pathErr != nil {
		// Reported once per version at assembly; contents cannot be checked
		// against a path we cannot decode.
		return
	}
	defer func() {
		switch {
		case !clean || s.w.ctx.Err() != nil:
		case old != nil:
			s.idx.reuse(old)
		default:
			s.idx.keepListing(listRel, self, ents)
		}
	}()
	for _, c := range reads {
		if s.w.ctx.Err() != nil {
			return
		}
		vers, err := unescapeVersion(c.r.escVer)
		if err != nil {
			clean = false
			continue
		}
		if c.kind == ".zip" && s.skipZipCheck {
			continue
		}
		rel := ""
		if s.idx != nil {
			rel = relPrefix + c.e.name
			if v := s.idx.checked(rel, &c.e); v != nil {
				v.apply(c.r)
				continue
			}
		}
		// The check runs on a blank record, so that what it finds can be
		// kept in the index, then is added to the version's.
		tmp := &verRec{escPath: c.r.escPath, escVer: c.r.escVer}
		path := filepath.Join(dir, c.e.name)
		switch c.kind {
		case ".info":
			checkInfo(tmp, modPath, vers, path, c.size)
		case ".mod":
			checkMod(tmp, modPath, vers, path, c.size)
		case ".ziphash":
			checkZipHash(tmp, modPath, vers, path, c.size)
		case ".zip":
			checkZip(tmp, modPath, vers, path)
		}
		c.r.problems = append(c.r.problems, tmp.problems...)
		c.r.lockBusyProblems = append(c.r.lockBusyProblems, tmp.lockBusyProblems...)
		v, ok := verdictOf(tmp)
		v.apply(c.r)
		if s.idx != nil && ok {
			s.idx.keep(rel, &c.e, v)
		} else {
			clean = false
		}
	}
	if m.listBad {
		return // reported above; never written through
	}
	if old != nil && clean {
		// Clean when it was recorded, with the same .mod files.
		return
	}
	if p, ok := checkList(m, modPath, dir, mods); ok {
		clean = false
		if !LockHeld(p.Path) {
			// The go command rewrites list under a lock on list itself.
			m.problems = append(m.problems, p)
		}
	}
}

// splitDownloadName splits "v1.2.3.zip" into "v1.2.3" and ".zip"; the suffix
// is empty if the name has none of the go command's suffixes.
func splitDownloadName(name string) (escVer, suffix string) {
	for _, suf := range downloadSuffixes {
		if strings.HasSuffix(name, suf) && len(name) > len(suf) {
			return name[:len(name)-len(suf)], suf
		}
	}
	return "", ""
}

// tmpVersion decodes the go command's temp-file names <EV><suffix><n>.tmp.
func tmpVersion(name string) (escVer string, isZip bool) {
	base := strings.TrimSuffix(name, ".tmp")
	base = strings.TrimRight(base, "0123456789")
	for _, suf := range []string{".zip", ".info", ".mod"} {
		if strings.HasSuffix(base, suf) && len(base) > len(suf) {
			return base[:len(base)-len(suf)], suf == ".zip"
		}
	}
	return "", false
}
