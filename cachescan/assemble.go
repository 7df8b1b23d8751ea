package cachescan

import (
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// vcsDir handles cache/vcs: <hash>/ clones, <hash>.info keys, <hash>.lock.
func (s *modScan) vcsDir(dir string) {
	ents := s.w.list(dir)
	clone := func(hash string) *VCSClone {
		s.mu.Lock()
		defer s.mu.Unlock()
		c := s.clones[hash]
		if c == nil {
			c = &VCSClone{Hash: hash}
			s.clones[hash] = c
			s.cloneSizes[hash] = &acc{}
		}
		return c
	}
	for i := range ents {
		e := &ents[i]
		path := filepath.Join(dir, e.name)
		size := s.w.sizeOf(e)
		s.w.prog.bytes.Add(size.Bytes)
		s.w.prog.files.Add(size.Files)
		switch {
		case e.isDir():
			c := clone(e.name)
			c.HasDir = true
			a := s.cloneSizes[e.name]
			a.add(size)
			s.w.spawn(func() { s.w.tree(path, a) })
		case strings.HasSuffix(e.name, ".info"):
			c := clone(strings.TrimSuffix(e.name, ".info"))
			c.HasInfo = true
			s.cloneSizes[c.Hash].add(size)
			if data, err := readSmall(path, e.size); err == nil {
				key := string(data)
				if kind, remote, ok := strings.Cut(key, ":"); ok {
					c.Kind, c.Remote = kind, remote
				}
			}
		default:
			// .lock files and strays.
			s.vcs.add(size)
		}
	}
}

// assemble turns the walk's records into the model and its problems. It runs
// after the walk, on one goroutine.
func (s *modScan) assemble(mc *ModCache, activeToolchain string) []Problem {
	problems := s.problems
	byPath := map[string]*Module{}
	recs := make([]*verRec, 0, len(s.versions))
	for _, r := range s.versions {
		recs = append(recs, r)
	}
	// Each version is judged on its own, on every core: this is most of
	// the assembly's time (path checks, file lists sorted), and the scan of
	// an unchanged cache with the index is little else.
	built := make([]assembledVersion, len(recs))
	eachParallel(len(recs), func(i int) { built[i] = s.assembleVersion(recs[i], activeToolchain) })
	for i, r := range recs {
		b := &built[i]
		if b.invalid != nil {
			problems = append(problems, *b.invalid)
		}
		m := byPath[b.path]
		if m == nil {
			m = &Module{Path: b.path, EscapedPath: r.escPath, Toolchain: b.path == toolchainModule}
			byPath[b.path] = m
		}
		v := &b.v
		problems = append(problems, v.problems...)
		m.Size.Add(v.Size)
		if lockOnly(r) && len(v.problems) == 0 && v.State != StateInvalid {
			// The go command's lock outlives the version (it never
			// deletes lock files): bookkeeping, not a version.
			continue
		}
		m.Versions = append(m.Versions, &v.Version)
	}
	for _, mr := range s.modules {
		path, err := s.paths.get(mr.escPath)
		if err != nil {
			path = mr.escPath
		}
		m := byPath[path]
		if m == nil {
			m = &Module{Path: path, EscapedPath: mr.escPath, Toolchain: path == toolchainModule}
			byPath[path] = m
		}
		m.List = mr.list
		m.Size.Add(mr.other.size())
		problems = append(problems, mr.problems...)
	}
	var locksOnly Size
	for path, m := range byPath {
		if len(m.Versions) == 0 && (m.List == nil || m.List.ApparentBytes == 0) && !hasModuleProblem(problems, path) {
			// Only lock files (and an empty list) are left of it.
			locksOnly.Add(m.Size)
			continue
		}
		slices.SortFunc(m.Versions, func(x, y *Version) int {
			if c := semver.Compare(x.Version, y.Version); c != 0 {
				return c
			}
			return strings.Compare(x.Version, y.Version)
		})
		mc.Modules = append(mc.Modules, m)
		mc.Size.Add(m.Size)
	}
	slices.SortFunc(mc.Modules, func(a, b *Module) int { return strings.Compare(a.Path, b.Path) })

	hashes := make([]string, 0, len(s.clones))
	for h := range s.clones {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	for _, h := range hashes {
		c := s.clones[h]
		c.Size = s.cloneSizes[h].size()
		mc.VCS.Size.Add(c.Size)
		mc.VCS.Clones = append(mc.VCS.Clones, *c)
		dir := filepath.Join(s.root, "cache", "vcs", h)
		// The go command sets a clone up under <hash>.lock: a clone
		// without its .info is normal while that lock is held.
		if c.HasDir != c.HasInfo && !LockHeld(dir+".lock") {
			detail, path := "clone without its .info: the go command deletes and clones it again", dir
			if !c.HasDir {
				detail, path = "an .info without its clone", dir+".info"
			}
			p := newProblem(KindVCSBroken, "", "", path, detail)
			p.Fix = "rm " + ShellQuote(dir+".info") + "  (keep the .lock)"
			if c.HasDir {
				p.Fix = "chmod -R u+w " + ShellQuote(dir) + " && rm -rf " + ShellQuote(dir) + "  (keep the .lock)"
			}
			problems = append(problems, p)
		}
	}
	mc.VCS.Size.Add(s.vcs.size())
	mc.SumDB.Size = s.sumdb.size()
	mc.Other = s.other.size()
	mc.Other.Add(locksOnly)
	mc.Size.Add(mc.VCS.Size)
	mc.Size.Add(mc.SumDB.Size)
	mc.Size.Add(mc.Other)
	guardFixes(problems)
	return problems
}

// assembledVersion is one version's part of the model.
type assembledVersion struct {
	path    string   // the module path, or the escaped one if it is invalid
	invalid *Problem // the path or version is not the go command's
	v       builtVersion
}

// assembleVersion builds the model of one version: safe to run for many
// versions at once (it reads the walk's records and changes none).
func (s *modScan) assembleVersion(r *verRec, activeToolchain string) assembledVersion {
	path, perr := s.paths.get(r.escPath)
	vers, verr := unescapeVersion(r.escVer)
	if perr == nil && verr == nil {
		if err := module.Check(path, vers); err != nil {
			perr = err
		}
	}
	var a assembledVersion
	if perr != nil || verr != nil {
		err := perr
		if err == nil {
			err = verr
		}
		where := r.dir
		if where == "" {
			where = filepath.Join(s.root, "cache", "download", filepath.FromSlash(r.escPath), "@v")
		}
		detail := err.Error()
		if name := r.escPath + "@" + r.escVer; !strings.HasPrefix(detail, name) {
			detail = name + ": " + detail
		}
		p := newProblem(KindPathInvalid, "", "", where, detail)
		a.invalid = &p
		if perr != nil {
			path = r.escPath
		}
		if verr != nil {
			vers = r.escVer
		}
	}
	a.path = path
	a.v = s.buildVersion(r, path, vers, activeToolchain)
	if a.invalid != nil {
		// Not the go command's: judge nothing else about it.
		a.v.problems, a.v.State = nil, StateInvalid
	}
	for i := range a.v.problems {
		p := &a.v.problems[i]
		if p.Module == "" && p.Kind == KindTmpLeftover {
			p.Module, p.Version = path, vers
		}
	}
	return a
}

// eachParallel calls f(0) ... f(n-1), spread over every core.
func eachParallel(n int, f func(i int)) {
	const chunk = 64
	workers := min(runtime.GOMAXPROCS(0), (n+chunk-1)/chunk)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := int(next.Add(chunk)) - chunk
				if start >= n {
					return
				}
				for i := start; i < min(start+chunk, n); i++ {
					f(i)
				}
			}
		}()
	}
	wg.Wait()
}

// guardFixes replaces a fix that would act below an entry of the wrong
// type (a symlinked @v, a linked path prefix) with the removal of that
// entry first: the shell follows links, so the fix as written would touch
// or remove files wherever the link points.
func guardFixes(problems []Problem) {
	var wrong []string
	for _, p := range problems {
		if p.Kind == KindPathInvalid && strings.Contains(p.Detail, "never follows it") {
			wrong = append(wrong, p.Path)
		}
	}
	if len(wrong) == 0 {
		return
	}
	for i := range problems {
		p := &problems[i]
		if p.Kind == KindPathInvalid || p.Fix == "" {
			continue
		}
		for _, w := range wrong {
			if strings.Contains(p.Fix, w+string(filepath.Separator)) || strings.HasPrefix(p.Path, w+string(filepath.Separator)) {
				p.Fix = "first remove " + ShellQuote(w) + " by hand (a link or entry of the wrong type: see its path-invalid problem), then run modscope scan again: the fix goes through it"
				break
			}
		}
	}
}

// lockOnly reports whether all that is left of a version is its .lock.
func lockOnly(r *verRec) bool {
	return r.lock && !r.info && !r.mod && !r.zip && !r.ziphash && !r.partial && r.dir == "" &&
		len(r.tmpZip) == 0 && len(r.files) <= 1
}

// hasModuleProblem reports whether a problem names the module path.
func hasModuleProblem(problems []Problem, path string) bool {
	for _, p := range problems {
		if p.Module == path {
			return true
		}
	}
	return false
}

// builtVersion is a Version with the problems found for it.
type builtVersion struct {
	Version
	problems []Problem
}

func (s *modScan) buildVersion(r *verRec, path, vers, activeToolchain string) builtVersion {
	dl := joinClean(s.downloadRoot, r.escPath+"/@v")
	v := builtVersion{Version: Version{
		Version: vers, EscapedVersion: r.escVer,
		Download: r.dl, Tree: r.tree.size(),
		HasInfo: r.info, HasMod: r.mod, HasZip: r.zip, HasZipHash: r.ziphash,
		HasDir: r.dir != "", HasPartial: r.partial, HasLock: r.lock,
		InfoTime: r.infoTime, Origin: r.origin, ZipHash: r.ziphashValue,
		DownloadDir: dl, Dir: r.dir, Files: r.files,
		Toolchain: path == toolchainModule,
	}}
	if v.Files == nil {
		v.Files = []File{}
	}
	slices.SortFunc(v.Files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	v.Active = v.Toolchain && activeToolchain != "" && vers == activeToolchain
	v.Size.Add(v.Download)
	v.Size.Add(v.Tree)
	v.problems = append(v.problems, r.problems...)

	lockPath := joinClean(dl, r.escVer+".lock")
	busy := -1 // -1 unknown, 0 free, 1 held; probed only when it matters
	held := func() bool {
		if busy < 0 {
			busy = 0
			if r.lock && LockHeld(lockPath) {
				busy = 1
			}
		}
		return busy == 1
	}
	dir := r.dir
	base := joinClean(dl, r.escVer)
	mv := path + "@" + vers
	add := func(kind, at, detail, fix string) *Problem {
		p := newProblem(kind, path, vers, at, detail)
		if fix != "" {
			p.Fix = fix
		}
		v.problems = append(v.problems, p)
		return &v.problems[len(v.problems)-1]
	}

	extracting := false
	if r.partial {
		if held() {
			extracting = true
		} else {
			detail, fix := "extraction crashed: the tree is half-written", ""
			switch {
			case r.dir == "":
				detail = "extraction crashed before the tree was created"
			case !r.zip:
				// The go command extracts only from a zip it holds: with
				// none, this is a removal (a purge, go clean) that stopped.
				detail = "a removal was interrupted: the tree is half-removed (there is no zip to extract from)"
				fix = "modscope purge " + ShellQuote(mv) + " removes the rest; then " + DownloadCmd(mv) + " if a build needs it"
			}
			add(KindDirPartial, base+".partial", detail, fix)
		}
	}
	if len(r.lockBusyProblems) > 0 && !held() && !LockHeld(base+".ziphash") {
		for _, p := range r.lockBusyProblems {
			if r.zip {
				// The go command re-hashes the zip by itself; the tree stays
				// as it is, unchecked.
				p.Severity = SeverityWarning
				p.Detail += "; the zip is present, so the go command re-hashes it on next use"
				p.Fix = "rm " + ShellQuote(base+".ziphash") + "  (the go command re-hashes the zip, offline)"
			} else {
				p.Detail += "; the zip is missing, so every build that needs this version fails"
				p.Fix = RemoveCmd(dir, base, base+".ziphash") + "; " + DownloadCmd(mv)
			}
			v.problems = append(v.problems, p)
		}
	}
	if len(r.tmpZip) > 0 && !held() {
		for _, t := range r.tmpZip {
			add(KindTmpLeftover, t, "zip download left by an interrupted go command", "rm "+ShellQuote(t))
		}
	}
	fips := path == fipsModule
	if r.dir != "" && !r.zip && !r.ziphash && !fips && !extracting {
		add(KindDirOrphan, r.dir, "no zip and no ziphash: go mod verify skips it and nothing checks its files",
			RemoveCmd(dir, base)+"; "+DownloadCmd(mv))
	}
	if r.zip && !r.ziphash && !extracting {
		detail := "zip present, ziphash missing"
		if r.dir != "" {
			detail += "; the extracted tree is used without any check"
		}
		add(KindZipHashMissing, base+".zip", detail, RemoveCmd(dir, base, base+".zip")+"; "+DownloadCmd(mv))
	}
	// The ziphash is written before the zip is renamed into place, under
	// the version lock: a ziphash alone is normal while a download runs.
	if r.ziphash && !r.zip && !fips && !held() {
		add(KindZipMissing, base+".ziphash", "ziphash present, zip missing", DownloadCmd(mv)+"  (needs the network)")
	}
	for i := range v.problems {
		p := &v.problems[i]
		switch p.Kind {
		case KindZipCorrupt:
			p.Fix = RemoveCmd(dir, base, base+".zip", base+".ziphash") + "; " + DownloadCmd(mv)
		case KindDirPartial:
			if r.dir != "" && !r.zip {
				break // an interrupted removal: its own fix
			}
			p.Fix = "any go build that needs " + mv + " re-extracts it from the zip, offline; or " + DownloadCmd(mv)
		case KindTmpLeftover:
			if !strings.HasPrefix(p.Fix, "rm ") {
				p.Fix = "rm " + ShellQuote(p.Path) + "  (while no go command runs)"
			}
		}
	}
	v.DeclaredPath = r.declared

	hasErr := false
	for _, p := range v.problems {
		if p.Severity == SeverityError {
			hasErr = true
		}
	}
	switch {
	case extracting:
		v.State = StateExtracting
	case r.partial:
		v.State = StatePartial
	case hasErr:
		v.State = StateDamaged
	case r.dir != "" && (r.ziphash || fips):
		v.State = StateComplete
	case r.dir != "":
		v.State = StateUnverifiable
	case r.zip && r.ziphash:
		v.State = StateExtractable
	case r.info || r.mod:
		v.State = StateMetadata
	default:
		v.State = StateIncomplete
	}
	return v
}

// VCS names the clone's version-control system as people say it: "git"
// for the key type "git3", "hg" for "vcs1.hg"; an unknown type as it is.
func (c *VCSClone) VCS() string {
	if c.Kind == "git3" {
		return "git"
	}
	if rest, ok := strings.CutPrefix(c.Kind, "vcs1."); ok && rest != "" {
		return rest
	}
	return c.Kind
}
