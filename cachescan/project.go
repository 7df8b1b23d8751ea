package cachescan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
)

// FindProject returns the project directory for dir as the go command sees
// it: the directory of a go.work at or above dir (workspace mode wins over
// a nearer go.mod, unless GOWORK=off), else of the nearest go.mod, else "".
func FindProject(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	switch gw := os.Getenv("GOWORK"); {
	case gw == "off":
	case filepath.IsAbs(gw) && isFile(gw):
		return filepath.Dir(gw)
	default:
		if d := findUp(dir, "go.work"); d != "" {
			return d
		}
	}
	return findUp(dir, "go.mod")
}

// findUp returns the first directory at or above dir holding file name.
func findUp(dir, name string) string {
	for {
		if isFile(filepath.Join(dir, name)) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// loadProject reads the project in dir: a go.work with its used modules,
// or a go.mod. Errors in the files are kept in Project.Errors.
func loadProject(dir string) *Project {
	p := &Project{Dir: dir, Modules: []ProjectModule{}, Requires: []Require{}, Replaces: []Replace{}}
	workFile := filepath.Join(dir, "go.work")
	if gw := os.Getenv("GOWORK"); gw != "" && gw != "off" && filepath.IsAbs(gw) {
		workFile = gw
	}
	if os.Getenv("GOWORK") != "off" && isFile(workFile) {
		p.loadWork(workFile)
		return p
	}
	p.addModule(dir, true)
	if len(p.Modules) > 0 {
		p.Module = p.Modules[0].Path
	}
	return p
}

// ReadProject reads one go.mod or go.work file, with its go.sum or
// go.work.sum, as a project, whatever GOWORK says: a tool looking at many
// projects reads each as it is.
func ReadProject(file string) *Project {
	dir := filepath.Dir(file)
	p := &Project{Dir: dir, Modules: []ProjectModule{}, Requires: []Require{}, Replaces: []Replace{}}
	if filepath.Base(file) == "go.work" {
		p.loadWork(file)
		return p
	}
	p.addModule(dir, true)
	if len(p.Modules) > 0 {
		p.Module = p.Modules[0].Path
	}
	return p
}

// loadWork reads a go.work file and the modules it uses.
func (p *Project) loadWork(workFile string) {
	p.GoWork = workFile
	data, err := readSmall(workFile, 0)
	if err != nil {
		p.Errors = append(p.Errors, errText(err))
		return
	}
	wf, err := modfile.ParseWork(workFile, data, nil)
	if err != nil {
		p.Errors = append(p.Errors, firstLine(err.Error()))
		return
	}
	if wf.Go != nil {
		p.Go = wf.Go.Version
	}
	if wf.Toolchain != nil {
		p.Toolchain = wf.Toolchain.Name
	}
	for _, u := range wf.Use {
		mdir := u.Path
		if !filepath.IsAbs(mdir) {
			mdir = filepath.Join(filepath.Dir(workFile), filepath.FromSlash(mdir))
		}
		p.addModule(mdir, false)
	}
	for _, r := range wf.Replace {
		p.Replaces = append(p.Replaces, newReplace(r, workFile))
	}
	if len(p.Modules) > 0 {
		p.Module = p.Modules[0].Path
	}
	p.readSums(workFile + ".sum")
}

// addModule reads one main module's go.mod.
func (p *Project) addModule(dir string, main bool) {
	gomod := filepath.Join(dir, "go.mod")
	data, err := readSmall(gomod, 0)
	if err != nil {
		p.Errors = append(p.Errors, errText(err))
		return
	}
	f, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		p.Errors = append(p.Errors, firstLine(err.Error()))
		// Show what can be read all the same.
		if f, err = modfile.ParseLax(gomod, data, nil); err != nil {
			return
		}
	}
	pm := ProjectModule{Dir: dir, GoMod: gomod}
	if f.Module != nil {
		pm.Path = f.Module.Mod.Path
	}
	if f.Go != nil {
		pm.Go = f.Go.Version
	}
	p.Modules = append(p.Modules, pm)
	p.readSums(filepath.Join(dir, "go.sum"))
	if main {
		p.Go = pm.Go
		if f.Toolchain != nil {
			p.Toolchain = f.Toolchain.Name
		}
	}
	for _, r := range f.Require {
		p.Requires = append(p.Requires, Require{Path: r.Mod.Path, Version: r.Mod.Version, Indirect: r.Indirect, Module: pm.Path})
	}
	for _, r := range f.Replace {
		p.Replaces = append(p.Replaces, newReplace(r, gomod))
	}
}

func newReplace(r *modfile.Replace, source string) Replace {
	rp := Replace{
		OldPath: r.Old.Path, OldVersion: r.Old.Version,
		NewPath: r.New.Path, NewVersion: r.New.Version,
		Source: source,
	}
	if r.New.Version == "" && modfile.IsDirectoryPath(r.New.Path) {
		rp.Local = true
		d := filepath.FromSlash(r.New.Path)
		if !filepath.IsAbs(d) {
			d = filepath.Join(filepath.Dir(source), d)
		}
		rp.LocalDir = filepath.Clean(d)
		rp.TargetExists = isDir(rp.LocalDir)
		rp.TargetHasGoMod = isFile(filepath.Join(rp.LocalDir, "go.mod"))
	}
	return rp
}

// link fills in what the project's requires and replaces find in the cache.
func (p *Project) link(mc *ModCache) {
	for i := range p.Requires {
		r := &p.Requires[i]
		r.Replaced = p.replaced(r.Path, r.Version)
		v := mc.FindVersion(r.Path, r.Version)
		r.State = StateMissing
		if v == nil {
			continue
		}
		r.State = v.State
		r.InCache = v.HasMod || v.HasZip || v.HasDir
		r.Complete = v.HasMod && v.State.Usable()
	}
	for i := range p.Replaces {
		r := &p.Replaces[i]
		if r.Local {
			continue
		}
		if v := mc.FindVersion(r.NewPath, r.NewVersion); v != nil {
			r.TargetExists = v.HasMod || v.HasZip || v.HasDir
			r.TargetState = v.State
		} else {
			r.TargetState = StateMissing
		}
	}
}

// replaced reports whether a replace directive applies to path@version.
func (p *Project) replaced(path, version string) bool {
	for _, r := range p.Replaces {
		if r.OldPath == path && (r.OldVersion == "" || r.OldVersion == version) {
			return true
		}
	}
	return false
}

// activeToolchain returns the golang.org/toolchain version that the go
// command runs in the project, following GOTOOLCHAIN as toolchain selection
// does, or "" when that is the local go or a go found on PATH.
func activeToolchain(env Env, p *Project) string {
	local := env.GOVERSION
	gt := env.GOTOOLCHAIN
	if gt == "" {
		gt = "auto"
	}
	if gt == "local" || local == "" {
		return ""
	}
	name, mode, _ := strings.Cut(gt, "+")
	if name == "auto" || name == "path" {
		name, mode = "local", name
	}
	min := name
	if name == "local" {
		min = local
	}
	chosen := min
	if mode == "auto" && p != nil {
		if p.Toolchain != "" && p.Toolchain != "default" && goCompare(p.Toolchain, chosen) > 0 {
			chosen = p.Toolchain
		}
		if p.Go != "" {
			goLine := "go" + p.Go
			if isLangVersion(p.Go) && goCompare(goLine, "go1.21") >= 0 {
				goLine += ".0"
			}
			if goCompare(goLine, chosen) > 0 {
				chosen = goLine
			}
		}
	} else if mode == "path" {
		return ""
	}
	if chosen == local || !strings.HasPrefix(chosen, "go") {
		return ""
	}
	return "v0.0.1-" + chosen + "." + env.GOHOSTOS + "-" + env.GOHOSTARCH
}

// isLangVersion reports whether v is a language version like "1.21", with no
// patch or pre-release part.
func isLangVersion(v string) bool {
	return strings.Count(v, ".") == 1 && !strings.ContainsAny(v, "abcdefghijklmnopqrstuvwxyz")
}

// goCompare compares Go versions such as go1.21, go1.21rc1 and go1.21.3, in
// the go command's order: 1.21 < 1.21rc1 < 1.21.0 < 1.21.1.
func goCompare(a, b string) int {
	pa, pb := parseGo(a), parseGo(b)
	for i := range pa {
		if pa[i] != pb[i] {
			if pa[i] < pb[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// parseGo turns a Go version into comparable parts: major, minor, kind
// (0 language, 1 beta, 2 rc, 3 release), pre-release number, patch.
func parseGo(v string) [5]int {
	v = strings.TrimPrefix(v, "go")
	var out [5]int
	num := func(s string) (int, string) {
		n, i := 0, 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			n = n*10 + int(s[i]-'0')
			i++
		}
		return n, s[i:]
	}
	out[0], v = num(v)
	v = strings.TrimPrefix(v, ".")
	out[1], v = num(v)
	switch {
	case strings.HasPrefix(v, "beta"):
		out[2] = 1
		out[3], _ = num(v[4:])
	case strings.HasPrefix(v, "rc"):
		out[2] = 2
		out[3], _ = num(v[2:])
	case strings.HasPrefix(v, "."):
		out[2] = 3
		out[4], _ = num(v[1:])
	}
	return out
}

// readSums adds a go.sum file's hashes to p.Sums. A missing file is normal;
// malformed lines are skipped (the go command reports them itself).
func (p *Project) readSums(file string) {
	data, err := readSmall(file, 0)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			// What it lists is unknown: say so, so that nothing relies
			// on it being empty.
			p.Errors = append(p.Errors, file+": "+errText(err))
		}
		return
	}
	if p.Sums == nil {
		p.Sums = map[string][]string{}
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		key := f[0] + " " + f[1]
		p.Sums[key] = append(p.Sums[key], f[2])
		if p.sumFiles == nil {
			p.sumFiles = map[string]string{}
		}
		if _, ok := p.sumFiles[key+" "+f[2]]; !ok {
			p.sumFiles[key+" "+f[2]] = file
		}
	}
}

// SumFile names the file that has the line "path version hash" (version
// may end in /go.mod): "go.work.sum" or "go.sum", as a message quotes it.
func (p *Project) SumFile(path, version, hash string) string {
	if p != nil {
		if f, ok := p.sumFiles[path+" "+version+" "+hash]; ok {
			return filepath.Base(f)
		}
	}
	return "go.sum"
}

// pathMismatches reports required versions whose .mod declares another
// module path. For a fork used as a replace target that is normal, so only
// requires that no replace covers count: the go command fails on those with
// "module declares its path as".
func (p *Project) pathMismatches(mc *ModCache) []Problem {
	var out []Problem
	for _, r := range p.Requires {
		if r.Replaced {
			continue
		}
		v := mc.FindVersion(r.Path, r.Version)
		if v == nil || v.DeclaredPath == "" {
			continue
		}
		pr := newProblem(KindModInvalid, r.Path, r.Version, filepath.Join(v.DownloadDir, v.EscapedVersion+".mod"),
			fmt.Sprintf("declares module %q, but %s requires it as %q: builds fail with \"module declares its path as\"",
				v.DeclaredPath, r.Module, r.Path))
		pr.Fix = "require " + v.DeclaredPath + " instead, or add: replace " + r.Path + " => " + v.DeclaredPath + " " + r.Version +
			"  (if the .mod itself is damaged: rm " + ShellQuote(pr.Path) + ")"
		out = append(out, pr)
	}
	return out
}
