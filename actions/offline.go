package actions

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	modzip "golang.org/x/mod/zip"

	"modscope/assets"
	"modscope/cachescan"
)

// Readiness is whether a needed module version can serve an offline build.
type Readiness string

// Offline-readiness states of a needed module version.
const (
	StateReady      Readiness = "ready"      // everything the build needs is in the cache (or vendor/) and verifies
	StateMissing    Readiness = "missing"    // not in the cache at all
	StateIncomplete Readiness = "incomplete" // only .info/.mod, and the build needs its packages
	StateDamaged    Readiness = "damaged"    // a scan or verify problem of severity error, or the go command fails on it
)

// BuildMode is how the go command would build the project.
type BuildMode string

// Offline modes.
const (
	ModeModule    BuildMode = "module"    // from the module cache
	ModeWorkspace BuildMode = "workspace" // go.work, from the module cache
	ModeVendor    BuildMode = "vendor"    // -mod=vendor: from vendor/, the module cache unread
)

// OfflineModule is one module version a build or test of the project needs.
type OfflineModule struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	// Packages: the build imports packages from it, so its zip or tree is
	// needed; otherwise only its .mod is, to load the module graph.
	Packages bool      `json:"packages"`
	State    Readiness `json:"state"`
	// Reason says in a line why the version is not ready.
	Reason string `json:"reason,omitempty"`
	// Vendored: the build takes it from vendor/.
	Vendored bool                `json:"vendored,omitempty"`
	Problems []cachescan.Problem `json:"problems"`
}

// OfflineError is one error the go command printed, offline, with what the
// knowledge base makes of it and the module version it names.
type OfflineError struct {
	Text         string        `json:"text"`
	Module       string        `json:"module,omitempty"`
	Version      string        `json:"version,omitempty"`
	Explanations []Explanation `json:"explanations,omitempty"`
}

// OfflineVendor is the vendor/ directory a -mod=vendor build uses.
type OfflineVendor struct {
	Dir string `json:"dir"`
	// Consistent: the go command accepts vendor/modules.txt for go.mod.
	Consistent bool `json:"consistent"`
	// Differs lists the vendored packages whose files are not those of
	// the module version's copy in the cache.
	Differs []VendorDiff `json:"differs"`
	// Uncompared lists the vendored module versions the cache has no
	// tree or zip of, so that their packages could not be compared.
	Uncompared []string `json:"uncompared,omitempty"`
}

// VendorDiff is one vendored package that differs from the module's copy.
type VendorDiff struct {
	Package string `json:"package"`
	Module  string `json:"module"`
	Version string `json:"version"`
	Detail  string `json:"detail"`
}

// OfflineReport answers "can this project build and test with the network
// gone?".
type OfflineReport struct {
	Ready   bool            `json:"ready"`
	Project string          `json:"project"`
	Mode    BuildMode       `json:"mode"`
	Modules []OfflineModule `json:"modules"`
	// Errors are what the go command said it could not load offline.
	Errors []OfflineError `json:"errors"`
	// Notes say where the answer had to work around the go command (a
	// version it stops on) or could not be complete.
	Notes  []string       `json:"notes,omitempty"`
	Vendor *OfflineVendor `json:"vendor,omitempty"`
	// Counts by state.
	Counts map[Readiness]int `json:"counts"`
}

// goListModule is the part of `go list -json` output offline reads.
type goListModule struct {
	Path    string
	Version string
	Main    bool
	Replace *goListModule
	Error   *struct{ Err string }
}

type goListPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	Module     *goListModule
	Error      *struct{ Err string }
	DepsErrors []*struct{ Err string }
}

// offline is one run of Offline.
type offline struct {
	snap *cachescan.Snapshot
	rep  *OfflineReport
	tmp  string
	// discover and check are the go command's environments (offlineEnv);
	// patch is the discovery copy (go.mod or go.work) that work-arounds
	// add replace directives to.
	discover, check []string
	patch           string
	// worked holds the versions worked around, by the directory their
	// replace points to.
	worked map[string]module.Version
	blamed map[module.Version][]string
	// fatal is set when the go command could not be started at all.
	fatal    error
	seenErr  map[string]bool
	patterns []string
}

// Offline works out exactly which module versions `go build ./...` and
// `go test ./...` need in the project, asking the go command with the
// network off (GOPROXY=off) and the project's go.mod and go.sum copied
// aside (-modfile), so that nothing of the user's is rewritten. Then it
// judges each version from the snapshot and a verify of those versions.
//
// It answers whatever the cache's state: where the go command stops on a
// version (a .mod that disagrees with go.sum or does not parse, a missing
// version), that version is charged with the go command's error and
// replaced, in the discovery copy only, by what the cache has of it, so
// that the rest of the build list is still known. With vendor/modules.txt
// and go 1.14 or later (and no -mod in GOFLAGS) the build is -mod=vendor,
// and the answer is vendor/'s. An error is returned only when modscope
// cannot run the check at all.
func Offline(ctx context.Context, snap *cachescan.Snapshot) (*OfflineReport, error) {
	pr := snap.Project
	if pr == nil {
		return nil, errors.New("no go.mod or go.work here or above; run it in a module, or pass --project DIR")
	}
	if _, err := exec.LookPath("go"); err != nil {
		return nil, errors.New("the go command is not on PATH, and only it can say what the build needs; install Go or fix PATH")
	}
	tmp, err := os.MkdirTemp("", "modscope-offline-")
	if err != nil {
		return nil, fmt.Errorf("cannot make a temporary directory: %v; set TMPDIR to a writable directory", err)
	}
	defer os.RemoveAll(tmp)
	o := &offline{snap: snap, tmp: tmp, worked: map[string]module.Version{}, blamed: map[module.Version][]string{}, seenErr: map[string]bool{},
		rep: &OfflineReport{Project: pr.Dir, Mode: ModeModule, Modules: []OfflineModule{}, Errors: []OfflineError{}, Counts: map[Readiness]int{}}}
	if pr.GoWork != "" {
		o.rep.Mode = ModeWorkspace
	} else if vendorMode(pr, snap.Env.GOFLAGS) {
		o.rep.Mode = ModeVendor
	}
	o.patterns = []string{"./..."}
	if pr.GoWork != "" {
		o.patterns = nil
		for _, m := range pr.Modules {
			o.patterns = append(o.patterns, filepath.Join(m.Dir, "..."))
		}
	}
	if o.rep.Mode == ModeVendor {
		if err := o.vendor(ctx); err != nil {
			return nil, err
		}
	} else if err := o.modules(ctx); err != nil {
		return nil, err
	}
	if o.fatal != nil {
		return nil, o.fatal
	}
	o.finish()
	return o.rep, nil
}

// vendorMode reports whether the go command builds the project with
// -mod=vendor: GOFLAGS says so, or it sets no -mod and the main module has
// vendor/modules.txt and says go 1.14 or later (modload's default).
func vendorMode(pr *cachescan.Project, goflags string) bool {
	for _, f := range strings.Fields(goflags) {
		if v, ok := strings.CutPrefix(strings.TrimLeft(f, "-"), "mod="); ok {
			return v == "vendor"
		}
	}
	if pr.GoWork != "" {
		return false
	}
	if fi, err := os.Lstat(filepath.Join(pr.Dir, "vendor", "modules.txt")); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	return pr.Go != "" && semver.Compare("v"+pr.Go, "v1.14") >= 0
}

var goFileLoc = regexp.MustCompile(`\.go:\d+:\d+: `)

// addErr records an error of the go command (the first line of each,
// once), charged to the module version it names.
func (o *offline) addErr(text string) {
	text = strings.TrimSpace(text)
	line := firstLine(text)
	if line == "" || o.seenErr[line] || progressLine(line) || strings.Contains(text, o.tmp) {
		// (An error about a stand-in of modscope's own is no finding.)
		return
	}
	o.seenErr[line] = true
	e := OfflineError{Text: line, Explanations: Explain(text)}
	// "<file>:<line>:<col>: err" is about an import in that file: the
	// file's module is the importer, not what failed.
	about := line
	if loc := goFileLoc.FindAllStringIndex(about, -1); len(loc) > 0 {
		about = about[loc[len(loc)-1][1]:]
	}
	if mv := assets.ModuleVersion(about); mv != "" {
		e.Module, e.Version, _ = strings.Cut(mv, "@")
		// A toolchain the go command cannot switch to is no module of
		// the build: its error stands on its own.
		if e.Module != "golang.org/toolchain" {
			k := module.Version{Path: e.Module, Version: e.Version}
			o.blamed[k] = append(o.blamed[k], line)
		}
	}
	o.rep.Errors = append(o.rep.Errors, e)
}

// addStderr records each error of a go command's stderr: a line that is
// not indented starts one, the indented lines under it belong to it.
func (o *offline) addStderr(stderr string) {
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			o.addErr(strings.Join(cur, "\n"))
		}
		cur = nil
	}
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		switch {
		case l == "" || strings.HasPrefix(l, "\t") || strings.HasPrefix(l, " "):
			cur = append(cur, l)
		case len(cur) > 0 && !strings.Contains(l, ":") && !strings.HasPrefix(l, "go: "):
			// SECURITY ERROR paragraphs: prose under the error.
			cur = append(cur, l)
		default:
			flush()
			cur = []string{l}
		}
	}
	flush()
}

// modules answers for a build from the module cache.
func (o *offline) modules(ctx context.Context) error {
	snap, pr := o.snap, o.snap.Project
	var err error
	o.discover, o.check, o.patch, err = offlineEnv(snap, o.tmp)
	var pfe projectFileError
	if errors.As(err, &pfe) {
		// The project's own go.mod or go.work does not parse: no build
		// runs, offline or not. That is the verdict.
		o.addErr(pfe.Error())
		o.rep.Notes = append(o.rep.Notes, "the project's go.mod or go.work does not parse, so no build runs and the versions it needs are not known; fix the file (go mod edit -fmt shows where)")
		return nil
	}
	if err != nil {
		return err
	}

	// The module graph. Since Go 1.17 a build reads the go.mod of every
	// module the main module requires, and of the modules it imports
	// packages from; modules the graph prunes away are not read. Before
	// 1.17 every module in the graph is.
	direct := map[string]bool{}
	for _, r := range pr.Requires {
		direct[r.Path+"@"+r.Version] = true
	}
	unpruned := pr.Go != "" && semver.Compare("v"+pr.Go, "v1.17") < 0
	graph := map[module.Version]bool{}
	all := map[module.Version]bool{}
	for pass := 0; ; pass++ {
		clear(graph)
		clear(all)
		if err := o.listGraph(ctx, direct, unpruned, graph, all); err != nil {
			return err
		}
		retry, err := o.listPackages(ctx, graph, all)
		if err != nil {
			return err
		}
		if len(retry) == 0 || pass >= len(pr.Requires)+5 {
			break
		}
		for _, mv := range retry {
			if err := o.workAround(mv); err != nil {
				return err
			}
		}
	}
	// A version the discovery had to work around is needed whatever the
	// listing could say of it.
	for _, mv := range o.worked {
		if _, ok := graph[mv]; !ok {
			graph[mv] = false
		}
	}

	// The verdict: the user's own kind of build, -mod=readonly on the
	// untouched copies, must load every package offline.
	_, stderr, err := runGo(ctx, pr.Dir, o.check, append([]string{"list", "-deps", "-test"}, o.patterns...)...)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if o.fatal != nil {
		return o.fatal
	}
	if startFailed(err) {
		return fmt.Errorf("cannot run the go command: %v; check that go is installed and on PATH", err)
	}
	if err != nil && !strings.Contains(stderr, "matched no packages") {
		o.addStderr(stderr)
	}
	return o.judge(ctx, graph)
}

// listGraph fills graph with the versions whose .mod the build reads, and
// all with every version of the module graph.
func (o *offline) listGraph(ctx context.Context, direct map[string]bool, unpruned bool, graph, all map[module.Version]bool) error {
	snap, pr, rep := o.snap, o.snap.Project, o.rep
	for round := 0; ; round++ {
		out, ok := o.runDiscover(ctx, "go list -m all", "list", "-m", "-e", "-json", "all")
		if !ok {
			// The go command cannot list the graph even with the
			// versions it stopped on worked around: the project's own
			// requires are what is known.
			for _, r := range pr.Requires {
				mv := module.Version{Path: r.Path, Version: r.Version}
				graph[mv], all[mv] = true, true
			}
			rep.Notes = append(rep.Notes, "the go command could not list the module graph offline; the versions judged are the requires of go.mod, whose own requirements could not be followed")
		}
		// Versions the go command could not load without stopping (a
		// .mod that does not parse, with no go.sum line to disagree
		// with): worked around too when the cache has their tree or
		// zip, so that their requirements and imports are followed.
		var retry []module.Version
		dec := json.NewDecoder(bytes.NewReader(out))
		for {
			var m goListModule
			if err := dec.Decode(&m); err == io.EOF {
				break
			} else if err != nil {
				return fmt.Errorf("go list -m all printed bad JSON: %v; run go list -m -json all in the project to see why", err)
			}
			if m.Main {
				continue
			}
			mv, ok := o.target(&m)
			if !ok {
				continue
			}
			all[mv] = true
			if m.Error != nil {
				o.addErr(mv.String() + ": " + strings.TrimPrefix(m.Error.Err, mv.String()+": "))
				if v := snap.ModCache.FindVersion(mv.Path, mv.Version); v != nil && (v.HasDir || v.HasZip) && !o.isWorked(mv) {
					retry = append(retry, mv)
				}
			}
			if direct[m.Path+"@"+m.Version] {
				graph[mv] = false
			}
		}
		if len(retry) == 0 || round > len(pr.Requires)+5 {
			break
		}
		for _, mv := range retry {
			if err := o.workAround(mv); err != nil {
				return err
			}
		}
	}
	if unpruned {
		// Before Go 1.17 the go command reads the go.mod of every module
		// in the graph, versions MVS does not select included: go mod
		// graph names them (left of each edge).
		out, _ := o.runDiscover(ctx, "go mod graph", "mod", "graph")
		for _, line := range strings.Split(string(out), "\n") {
			from, _, _ := strings.Cut(line, " ")
			p, v, ok := strings.Cut(from, "@")
			if ok && v != "" {
				mv := module.Version{Path: p, Version: v}
				if _, seen := graph[mv]; !seen {
					graph[mv] = false
				}
			}
		}
	}
	return nil
}

// listPackages marks in graph the versions the build imports packages
// from, and returns the versions to work around before asking again.
func (o *offline) listPackages(ctx context.Context, graph, all map[module.Version]bool) (retry []module.Version, err error) {
	rep := o.rep
	// The packages: every module a build or test of ./... imports from.
	out, ok := o.runDiscover(ctx, "go list -deps -test", append([]string{"list", "-e", "-deps", "-test", "-json=ImportPath,Module,Error,DepsErrors"}, o.patterns...)...)
	if !ok {
		rep.Notes = append(rep.Notes, "the go command could not list the packages offline; which versions the build needs the packages of is not known")
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p goListPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list -deps printed bad JSON: %v; run go list -deps -test ./... in the project to see why", err)
		}
		if p.Error != nil {
			o.addErr(p.Error.Err)
			// A version the go command cannot load the packages of
			// (its .mod does not parse, its go.sum line disagrees):
			// worked around when the cache has a copy, so that what
			// its packages import is followed.
			about := p.Error.Err
			if loc := goFileLoc.FindAllStringIndex(about, -1); len(loc) > 0 {
				about = about[loc[len(loc)-1][1]:]
			}
			if s := assets.ModuleVersion(about); s != "" {
				mp, mv, _ := strings.Cut(s, "@")
				k := module.Version{Path: mp, Version: mv}
				if v := o.snap.ModCache.FindVersion(mp, mv); v != nil && all[k] && (v.HasDir || v.HasZip) && !o.isWorked(k) && !slices.Contains(retry, k) {
					retry = append(retry, k)
				}
			}
		}
		for _, de := range p.DepsErrors {
			o.addErr(de.Err)
		}
		m := p.Module
		if m == nil || m.Main {
			if m == nil && p.Error != nil {
				// A package whose module could not be loaded offline:
				// charge it to the module that provides its path.
				if mv, ok := provider(all, p.ImportPath); ok {
					graph[mv] = true
				}
			}
			continue
		}
		if mv, ok := o.target(m); ok {
			graph[mv] = true
		}
	}
	return retry, nil
}

// target is the module version a go list module stands for: its
// replacement, the version a work-around stands in for, or nothing for a
// local directory.
func (o *offline) target(m *goListModule) (module.Version, bool) {
	t := m
	if m.Replace != nil {
		if mv, ok := o.worked[m.Replace.Path]; ok && m.Replace.Version == "" {
			return mv, true
		}
		if m.Replace.Version == "" {
			return module.Version{}, false // a local directory: not in the cache
		}
		t = m.Replace
	}
	if t.Version == "" {
		return module.Version{}, false
	}
	return module.Version{Path: t.Path, Version: t.Version}, true
}

// runDiscover runs a discovery go command. When it fails without output
// (the go command stops on the first version it cannot load: a .mod that
// disagrees with go.sum or does not parse, a version not in the cache), the
// error is recorded, the version it names is worked around, and the command
// runs again, until it answers or names nothing new.
func (o *offline) runDiscover(ctx context.Context, what string, args ...string) ([]byte, bool) {
	pr := o.snap.Project
	for tries := 0; tries <= 2*len(pr.Requires)+20; tries++ {
		out, stderr, err := runGo(ctx, pr.Dir, o.discover, args...)
		if ctx.Err() != nil {
			return nil, false
		}
		if startFailed(err) {
			o.fatal = fmt.Errorf("cannot run the go command: %v; check that go is installed and on PATH", err)
			return nil, false
		}
		if err == nil || len(out) > 0 || strings.Contains(stderr, "matched no packages") {
			if err != nil && !strings.Contains(stderr, "matched no packages") {
				o.addStderr(stderr)
			}
			return out, true
		}
		o.addStderr(stderr)
		mv, ok := o.stoppedOn(stderr)
		if !ok || o.workAround(mv) != nil {
			o.rep.Notes = append(o.rep.Notes, what+" failed: "+firstLine(strings.TrimSpace(stderr)))
			return nil, false
		}
	}
	return nil, false
}

// stoppedOn is the module version a go command's fatal error names, if it
// is one not yet worked around.
func (o *offline) stoppedOn(stderr string) (module.Version, bool) {
	for _, l := range strings.Split(stderr, "\n") {
		if progressLine(l) || strings.HasPrefix(l, "\t") {
			continue
		}
		s := assets.ModuleVersion(l)
		if s == "" {
			continue
		}
		p, v, _ := strings.Cut(s, "@")
		if p == "golang.org/toolchain" {
			// The toolchain switch fails, before any module is read:
			// nothing to work around, every go command fails alike.
			return module.Version{}, false
		}
		mv := module.Version{Path: p, Version: v}
		if o.isWorked(mv) {
			return module.Version{}, false
		}
		return mv, true
	}
	return module.Version{}, false
}

// isWorked reports whether a version is worked around already.
func (o *offline) isWorked(mv module.Version) bool {
	for _, w := range o.worked {
		if w == mv {
			return true
		}
	}
	return false
}

// workAround replaces a version in the discovery copy (never the user's
// files) by a directory: its extracted tree if the cache has one, else its
// zip extracted aside, else a go.mod with what its .mod requires (parsed
// leniently) or only its module line. The go command then reads no .mod
// and no go.sum line of it, and the rest of the graph loads.
func (o *offline) workAround(mv module.Version) error {
	v := o.snap.ModCache.FindVersion(mv.Path, mv.Version)
	dir := ""
	if v != nil && v.HasDir && v.Dir != "" {
		if fi, err := os.Lstat(filepath.Join(v.Dir, "go.mod")); err == nil && fi.Mode().IsRegular() {
			dir = v.Dir
		}
	}
	if dir == "" {
		dir = filepath.Join(o.tmp, "stand-in", fmt.Sprint(len(o.worked)))
		if err := os.MkdirAll(filepath.Dir(dir), 0o777); err != nil {
			return err
		}
		unzipped := false
		if v != nil && v.HasZip {
			unzipped = modzip.Unzip(dir, mv, filepath.Join(v.DownloadDir, v.EscapedVersion+".zip")) == nil
			if !unzipped {
				os.RemoveAll(dir)
			}
		}
		if !unzipped {
			gomod := "module " + modfile.AutoQuote(mv.Path) + "\n"
			if v != nil && v.HasMod {
				if data, err := readBounded(filepath.Join(v.DownloadDir, v.EscapedVersion+".mod"), modzip.MaxGoMod); err == nil {
					if f, err := modfile.ParseLax("go.mod", data, nil); err == nil {
						var b strings.Builder
						b.WriteString(gomod)
						if f.Go != nil {
							b.WriteString("go " + f.Go.Version + "\n")
						}
						for _, r := range f.Require {
							b.WriteString("require " + modfile.AutoQuote(r.Mod.Path) + " " + r.Mod.Version + "\n")
						}
						gomod = b.String()
					}
				}
			}
			if err := os.MkdirAll(dir, 0o777); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o666); err != nil {
				return err
			}
			o.rep.Notes = append(o.rep.Notes, fmt.Sprintf("%s has no usable copy in the cache: the packages it provides and the requirements only its go.mod has could not be followed", cachescan.Printable(mv.String())))
		}
	}
	f, err := os.OpenFile(o.patch, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "\nreplace %s %s => %s\n", modfile.AutoQuote(mv.Path), mv.Version, modfile.AutoQuote(dir))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	o.worked[dir] = mv
	return nil
}

func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return data, err
}

// judge says of each needed version whether the build has what it needs
// of it, and why not.
func (o *offline) judge(ctx context.Context, graph map[module.Version]bool) error {
	snap, rep := o.snap, o.rep
	// Verify what the cache has of them (a pattern for a version it
	// lacks would match nothing, which verify refuses).
	var patterns []string
	for mv := range graph {
		if snap.ModCache.FindVersion(mv.Path, mv.Version) != nil {
			patterns = append(patterns, "="+mv.Path+"@"+mv.Version)
		}
	}
	vrep := &VerifyReport{}
	if len(patterns) > 0 { // none would mean everything
		var err error
		if vrep, err = NewVerifier().Verify(ctx, snap, VerifyOptions{Patterns: patterns, ZipCache: DefaultZipCache()}); err != nil {
			return err
		}
	}
	probs := map[string][]cachescan.Problem{}
	for _, ps := range [][]cachescan.Problem{snap.Problems, vrep.Problems} {
		for _, p := range ps {
			if p.Module != "" && p.Severity == cachescan.SeverityError {
				probs[p.Module+"@"+p.Version] = append(probs[p.Module+"@"+p.Version], p)
			}
		}
	}
	for mv, pkgs := range graph {
		v := snap.ModCache.FindVersion(mv.Path, mv.Version)
		om := OfflineModule{Path: mv.Path, Version: mv.Version, Packages: pkgs, Problems: []cachescan.Problem{}}
		for _, p := range probs[mv.Path+"@"+mv.Version] {
			// A crashed extraction next to a good zip is repaired by the
			// go command itself, offline.
			if p.Kind == cachescan.KindDirPartial && v != nil && v.HasZip {
				continue
			}
			om.Problems = append(om.Problems, p)
		}
		blamed := o.blamed[mv]
		switch {
		case v == nil || !v.HasMod:
			om.State, om.Reason = StateMissing, "not in the module cache (no .mod)"
			if v != nil && (v.HasZip || v.HasDir) {
				om.Reason = "its .mod is not in the module cache (the zip or tree alone does not load the module graph)"
			}
		case len(om.Problems) > 0:
			om.State, om.Reason = StateDamaged, damageReason(mv, v, om.Problems[0])
		case pkgs && !(v.State.Usable() || v.HasZip):
			// With a zip the go command re-hashes it when the ziphash
			// is gone, and extracts it when the tree is.
			om.State = StateIncomplete
			om.Reason = "only its .info/.mod is cached, and the build needs its packages (no zip to extract, no complete tree)"
			if v.HasDir {
				om.Reason = "its tree is cached without a zip or .ziphash, which the go command does not trust; the build needs its packages"
			}
		case len(blamed) > 0:
			om.State, om.Reason = StateDamaged, "the go command fails on it: "+blamed[0]
		default:
			om.State = StateReady
		}
		if pkgs && (om.State == StateMissing || om.State == StateIncomplete) {
			rep.Notes = append(rep.Notes, cachescan.Printable(mv.String())+": none of its packages is cached, so what they import could not be followed")
		}
		rep.Modules = append(rep.Modules, om)
	}
	return nil
}

// damageReason says in a line what is wrong with a version, from its first
// problem; a .mod that go.sum disagrees with but that is the zip's own
// go.mod points at go.sum rather than the cache.
func damageReason(mv module.Version, v *cachescan.Version, p cachescan.Problem) string {
	if p.Kind == cachescan.KindModModified && v.HasZip {
		mod, err1 := readBounded(filepath.Join(v.DownloadDir, v.EscapedVersion+".mod"), modzip.MaxGoMod)
		zmod, err2 := zipGoMod(filepath.Join(v.DownloadDir, v.EscapedVersion+".zip"), mv)
		if err1 == nil && err2 == nil && bytes.Equal(mod, zmod) {
			return "go.sum's /go.mod line disagrees with the cached .mod, which is the module zip's own go.mod: go.sum looks wrong, not the cache (" + p.Detail + ")"
		}
	}
	for _, k := range cachescan.Kinds {
		if k.Name == p.Kind {
			return p.Kind + ": " + k.Meaning + " (" + p.Detail + ")"
		}
	}
	return p.Kind + ": " + p.Detail
}

// zipGoMod reads the go.mod at the root of a module zip.
func zipGoMod(zipFile string, mv module.Version) ([]byte, error) {
	zr, err := zip.OpenReader(zipFile)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == mv.Path+"@"+mv.Version+"/go.mod" && f.UncompressedSize64 <= modzip.MaxGoMod {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(io.LimitReader(rc, modzip.MaxGoMod))
		}
	}
	return nil, os.ErrNotExist
}

// finish sorts the modules, counts them and says whether the project is
// ready.
func (o *offline) finish() {
	rep := o.rep
	sort.Slice(rep.Modules, func(i, j int) bool {
		a, b := rep.Modules[i], rep.Modules[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return semver.Compare(a.Version, b.Version) < 0
	})
	for _, m := range rep.Modules {
		rep.Counts[m.State]++
	}
	var notes []string
	for _, n := range rep.Notes {
		if !slices.Contains(notes, n) {
			notes = append(notes, n)
		}
	}
	rep.Notes = notes
	rep.Ready = len(rep.Errors) == 0 && rep.Counts[StateReady] == len(rep.Modules)
}

// provider finds the graph module whose path is the longest prefix of an
// import path.
func provider(graph map[module.Version]bool, importPath string) (module.Version, bool) {
	var best module.Version
	for mv := range graph {
		if (importPath == mv.Path || strings.HasPrefix(importPath, mv.Path+"/")) && len(mv.Path) > len(best.Path) {
			best = mv
		}
	}
	return best, best.Path != ""
}

// vendor answers for a -mod=vendor build: the go command reads vendor/
// and never the module cache, so the cache's state does not matter; the
// go command's own consistency check of vendor/modules.txt against go.mod
// does. Vendored packages are compared with the cache's copy of their
// module version, when it has one.
func (o *offline) vendor(ctx context.Context) error {
	pr, rep := o.snap.Project, o.rep
	vdir := filepath.Join(pr.Dir, "vendor")
	rep.Vendor = &OfflineVendor{Dir: vdir, Consistent: true, Differs: []VendorDiff{}}
	base, err := baseEnv(o.snap, o.tmp, "off")
	if err != nil {
		return err
	}
	env := append(base, "GOFLAGS=-mod=vendor")
	out, stderr, err := runGo(ctx, pr.Dir, env, append([]string{"list", "-e", "-deps", "-test", "-json=ImportPath,Dir,Standard,Module,Error,DepsErrors"}, o.patterns...)...)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if startFailed(err) {
		return fmt.Errorf("cannot run the go command: %v; check that go is installed and on PATH", err)
	}
	if strings.Contains(stderr, "inconsistent vendoring") {
		rep.Vendor.Consistent = false
		o.inconsistent(stderr)
	} else if err != nil && len(out) == 0 && !strings.Contains(stderr, "matched no packages") {
		o.addStderr(stderr)
	}
	mods, err := readModulesTxt(filepath.Join(vdir, "modules.txt"))
	if err != nil {
		// The go command says what it makes of it (its errors are
		// above); the verdict cannot list the vendored versions.
		rep.Vendor.Consistent = false
		rep.Notes = append(rep.Notes, "cannot read vendor/modules.txt ("+err.Error()+"): the vendored versions are not known; go mod vendor writes it again")
		if len(rep.Errors) == 0 {
			o.addErr("reading vendor/modules.txt: " + err.Error())
		}
	}
	pkgs := map[module.Version]bool{}
	type vpkg struct {
		importPath, dir string
		mod             module.Version
		rel             string
	}
	var vendored []vpkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p goListPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("go list -deps printed bad JSON: %v; run go list -mod=vendor -deps -test ./... in the project to see why", err)
		}
		if p.Error != nil {
			o.addErr(p.Error.Err)
		}
		for _, de := range p.DepsErrors {
			o.addErr(de.Err)
		}
		if p.Standard || p.Module == nil || p.Module.Main {
			continue
		}
		mv := module.Version{Path: p.Module.Path, Version: p.Module.Version}
		pkgs[mv] = true
		t := mv
		if r := p.Module.Replace; r != nil {
			if r.Version == "" {
				continue // a local directory: nothing in the cache to compare
			}
			t = module.Version{Path: r.Path, Version: r.Version}
		}
		if p.Dir != "" && strings.HasPrefix(p.Dir, vdir+string(filepath.Separator)) {
			vendored = append(vendored, vpkg{p.ImportPath, p.Dir, t, strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, p.Module.Path), "/")})
		}
	}
	seen := map[module.Version]bool{}
	for _, mv := range mods {
		seen[mv] = true
		om := OfflineModule{Path: mv.Path, Version: mv.Version, Vendored: true, Packages: pkgs[mv], State: StateReady, Problems: []cachescan.Problem{}}
		if b := o.blamed[mv]; len(b) > 0 {
			om.State, om.Reason = StateDamaged, "vendor/ disagrees with go.mod: "+b[0]
		}
		rep.Modules = append(rep.Modules, om)
	}
	for mv, b := range o.blamed {
		if !seen[mv] {
			rep.Modules = append(rep.Modules, OfflineModule{Path: mv.Path, Version: mv.Version, Vendored: true, State: StateMissing,
				Reason: "vendor/ lacks it or disagrees with go.mod on it: " + b[0], Problems: []cachescan.Problem{}})
		}
	}

	// The vendored packages against the cache's copies, and those
	// against go.sum.
	var patterns []string
	inCache := map[module.Version]*cachescan.Version{}
	for _, p := range vendored {
		if _, done := inCache[p.mod]; done {
			continue
		}
		v := o.snap.ModCache.FindVersion(p.mod.Path, p.mod.Version)
		if v == nil || (!v.HasDir && !v.HasZip) {
			v = nil
			rep.Vendor.Uncompared = append(rep.Vendor.Uncompared, p.mod.String())
		} else {
			patterns = append(patterns, "="+p.mod.String())
		}
		inCache[p.mod] = v
	}
	bad := map[string]string{}
	if len(patterns) > 0 {
		vrep, err := NewVerifier().Verify(ctx, o.snap, VerifyOptions{Patterns: patterns, ZipCache: DefaultZipCache()})
		if err != nil {
			return err
		}
		for _, p := range append(append([]cachescan.Problem(nil), o.snap.Problems...), vrep.Problems...) {
			if p.Severity == cachescan.SeverityError && p.Module != "" && bad[p.Module+"@"+p.Version] == "" {
				bad[p.Module+"@"+p.Version] = p.Kind
			}
		}
	}
	for _, p := range vendored {
		v := inCache[p.mod]
		if v == nil {
			continue
		}
		detail := diffPackage(p.dir, v, p.mod, p.rel, pr.Go)
		if detail == "" {
			continue
		}
		zipSum, _ := pr.Sum(p.mod.Path, p.mod.Version)
		switch {
		case bad[p.mod.String()] != "":
			detail += "; the cached copy itself does not verify (" + bad[p.mod.String()] + "), so which one go.sum vouches for is not known"
		case len(zipSum) > 0:
			detail += "; the cached copy matches go.sum, so vendor/ holds code go.sum does not vouch for"
		default:
			detail += "; go.sum has no line for this version to tell which is right"
		}
		rep.Vendor.Differs = append(rep.Vendor.Differs, VendorDiff{Package: p.importPath, Module: p.mod.Path, Version: p.mod.Version, Detail: detail})
	}
	sort.Strings(rep.Vendor.Uncompared)
	return nil
}

// inconsistent records the go command's "inconsistent vendoring" error as
// one error, with the lines that name a module version, each charged to it.
func (o *offline) inconsistent(stderr string) {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	var keep []string
	for i, l := range lines {
		if strings.Contains(l, "inconsistent vendoring") {
			keep = append(keep, l)
			for _, d := range lines[i+1:] {
				t := strings.TrimSpace(d)
				if mv := assets.ModuleVersion(t); mv != "" && (strings.HasPrefix(d, "\t") || strings.HasPrefix(d, " ")) {
					keep = append(keep, "\t"+t)
					p, v, _ := strings.Cut(mv, "@")
					k := module.Version{Path: p, Version: v}
					o.blamed[k] = append(o.blamed[k], t)
				}
			}
			break
		}
	}
	text := strings.Join(keep, "\n")
	o.seenErr[firstLine(text)] = true
	o.rep.Errors = append(o.rep.Errors, OfflineError{Text: text, Explanations: Explain(stderr)})
}

// readModulesTxt lists the module versions vendor/modules.txt vendors:
// its "# path version" lines (a replacement after "=>" is not the key).
func readModulesTxt(path string) ([]module.Version, error) {
	data, err := readBounded(path, 64<<20)
	if err != nil {
		return nil, err
	}
	var mods []module.Version
	for _, l := range strings.Split(string(data), "\n") {
		rest, ok := strings.CutPrefix(l, "# ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) >= 2 && semver.IsValid(f[1]) {
			mods = append(mods, module.Version{Path: f[0], Version: f[1]})
		}
	}
	return mods, nil
}

// diffPackage compares a vendored package directory with the package's
// directory in the cached module version (its tree, else its zip), as go
// mod vendor copies it: the regular files of the directory but _test.go
// files, files tagged ignore and (go 1.17 and later) go.mod and go.sum.
// It returns "" when they agree, else what differs.
func diffPackage(vendorDir string, v *cachescan.Version, mv module.Version, rel, goVersion string) string {
	copied := func(name string, head []byte) bool {
		if strings.HasSuffix(name, "_test.go") {
			return false
		}
		if (name == "go.mod" || name == "go.sum") && (goVersion == "" || semver.Compare("v"+goVersion, "v1.17") >= 0) {
			return false
		}
		if strings.HasSuffix(name, ".go") && ignored(head) {
			return false
		}
		return true
	}
	vend, err := hashFiles(os.DirFS(vendorDir), ".")
	if err != nil {
		return "cannot read the vendored package: " + err.Error()
	}
	var cached map[string]fileSum
	if v.HasDir && v.Dir != "" && v.State != cachescan.StatePartial {
		cached, err = hashFiles(os.DirFS(v.Dir), pathOr(rel))
	} else {
		var zr *zip.ReadCloser
		if zr, err = zip.OpenReader(filepath.Join(v.DownloadDir, v.EscapedVersion+".zip")); err == nil {
			defer zr.Close()
			var sub fs.FS
			if sub, err = fs.Sub(zr, mv.Path+"@"+mv.Version); err == nil {
				cached, err = hashFiles(sub, pathOr(rel))
			}
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "cannot read the cached copy: " + err.Error()
	}
	var changed, extra, gone []string
	for name, s := range vend {
		c, ok := cached[name]
		switch {
		case !ok:
			extra = append(extra, name)
		case c.sum != s.sum:
			changed = append(changed, name)
		}
	}
	for name, c := range cached {
		if _, ok := vend[name]; !ok && copied(name, c.head) {
			gone = append(gone, name)
		}
	}
	var parts []string
	for _, x := range []struct {
		what  string
		names []string
	}{{"changed", changed}, {"not in the module", extra}, {"missing from vendor/", gone}} {
		if len(x.names) > 0 {
			sort.Strings(x.names)
			parts = append(parts, x.what+": "+strings.Join(clipList(x.names, 5), ", "))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "differs from the cached " + mv.String() + " (" + strings.Join(parts, "; ") + ")"
}

func pathOr(rel string) string {
	if rel == "" {
		return "."
	}
	return rel
}

type fileSum struct {
	sum  [sha256.Size]byte
	head []byte
}

// hashFiles hashes the regular files directly in dir of fsys (links and
// directories are skipped, never followed), keeping the first bytes of
// each to read build constraints.
func hashFiles(fsys fs.FS, dir string) (map[string]fileSum, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	out := map[string]fileSum{}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		f, err := fsys.Open(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		var head bytes.Buffer
		_, err = io.Copy(io.MultiWriter(h, &limitedBuffer{&head, 4096}), f)
		f.Close()
		if err != nil {
			return nil, err
		}
		var s fileSum
		copy(s.sum[:], h.Sum(nil))
		s.head = head.Bytes()
		out[e.Name()] = s
	}
	return out, nil
}

type limitedBuffer struct {
	b *bytes.Buffer
	n int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// ignored reports whether a Go file's header constrains it to the ignore
// tag, which go mod vendor leaves out.
func ignored(head []byte) bool {
	for _, l := range strings.Split(string(head), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "//") && !strings.HasPrefix(l, "//go:build") && !strings.HasPrefix(l, "// +build") {
			continue
		}
		if c, ok := strings.CutPrefix(l, "//go:build "); ok {
			return strings.TrimSpace(c) == "ignore"
		}
		if c, ok := strings.CutPrefix(l, "// +build "); ok {
			return strings.TrimSpace(c) == "ignore"
		}
		return false
	}
	return false
}

// baseEnv is the user's environment with the network off and the caches
// the snapshot describes. GOPROXY=off does not stop the go command from
// asking the checksum database for a sum go.sum lacks, so GONOSUMDB=*
// keeps every module from it; but a toolchain switch (a toolchain line, or
// a go line newer than the local go) always authenticates the cached
// toolchain with the checksum database, from its cached lookup: so GOSUMDB
// stays the user's database, with a server URL that reaches nothing.
func baseEnv(snap *cachescan.Snapshot, tmp, work string) ([]string, error) {
	sumdbEnv := "off"
	if cfg, err := parseGOSUMDB(snap.Env.GOSUMDB); err == nil && !cfg.off {
		nowhere := filepath.ToSlash(filepath.Join(tmp, "no-checksum-database"))
		if !strings.HasPrefix(nowhere, "/") {
			nowhere = "/" + nowhere
		}
		sumdbEnv = cfg.key + " file://" + nowhere
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOPROXY", "GOFLAGS", "GOWORK", "GOMODCACHE", "GOCACHE", "GOSUMDB", "GONOSUMDB":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GOPROXY=off", "GOWORK="+work, "GOMODCACHE="+snap.ModCache.Root, "GOSUMDB="+sumdbEnv, "GONOSUMDB=*")
	if snap.BuildCache.Root != "" {
		env = append(env, "GOCACHE="+snap.BuildCache.Root)
	}
	return env, nil
}

// projectFileError is a go.mod or go.work of the project that does not
// parse.
type projectFileError struct{ error }

// offlineEnv is the user's environment with the network off, the caches
// the snapshot describes, and the project's files copied aside into tmp:
// -modfile for a module, a go.work with absolute paths for a workspace.
// -mod=mod lets the go command resolve what go.sum lacks without failing,
// in the copies. patch is the discovery copy (go.mod or go.work).
func offlineEnv(snap *cachescan.Snapshot, tmp string) (discover, check []string, patch string, err error) {
	pr := snap.Project
	// Discovery resolves what go.sum or go.mod lack in the copies; the
	// verdict is then taken with -mod=readonly, as the user's build runs.
	flags, checkFlags := "-mod=mod", ""
	work := "off"
	if pr.GoWork != "" {
		data, err := os.ReadFile(pr.GoWork)
		if err != nil {
			return nil, nil, "", err
		}
		wf, err := modfile.ParseWork(pr.GoWork, data, nil)
		if err != nil {
			return nil, nil, "", projectFileError{err}
		}
		// A copy with absolute paths, so that it works from elsewhere.
		abs := func(p string) string {
			if filepath.IsAbs(p) {
				return p
			}
			return filepath.Join(filepath.Dir(pr.GoWork), filepath.FromSlash(p))
		}
		var b strings.Builder
		if wf.Go != nil {
			b.WriteString("go " + wf.Go.Version + "\n")
		}
		if wf.Toolchain != nil {
			b.WriteString("toolchain " + wf.Toolchain.Name + "\n")
		}
		for _, u := range wf.Use {
			b.WriteString("use " + modfile.AutoQuote(abs(u.Path)) + "\n")
		}
		for _, r := range wf.Replace {
			old := modfile.AutoQuote(r.Old.Path)
			if r.Old.Version != "" {
				old += " " + r.Old.Version
			}
			nw := r.New.Path
			if r.New.Version != "" {
				nw = modfile.AutoQuote(nw) + " " + r.New.Version
			} else {
				nw = modfile.AutoQuote(abs(nw))
			}
			b.WriteString("replace " + old + " => " + nw + "\n")
		}
		sum, sumErr := os.ReadFile(pr.GoWork + ".sum")
		// Two copies: discovery adds its work-arounds to its own; the
		// check needs the user's as it is.
		for _, sub := range []string{"discover", "check"} {
			d := filepath.Join(tmp, sub)
			os.MkdirAll(d, 0o777)
			if err := os.WriteFile(filepath.Join(d, "go.work"), []byte(b.String()), 0o666); err != nil {
				return nil, nil, "", err
			}
			if sumErr == nil {
				os.WriteFile(filepath.Join(d, "go.work.sum"), sum, 0o666)
			}
		}
		patch = filepath.Join(tmp, "discover", "go.work")
		// The go command takes no -mod=mod in workspace mode.
		flags, checkFlags = "", ""
	} else {
		gomod := filepath.Join(pr.Dir, "go.mod")
		data, err := os.ReadFile(gomod)
		if err != nil {
			return nil, nil, "", err
		}
		f, err := modfile.Parse(gomod, data, nil)
		if err != nil {
			return nil, nil, "", projectFileError{err}
		}
		// Local replaces are relative to the project, not to the copy.
		for _, r := range f.Replace {
			if r.New.Version == "" && !filepath.IsAbs(r.New.Path) {
				abs := filepath.Join(pr.Dir, filepath.FromSlash(r.New.Path))
				if err := f.AddReplace(r.Old.Path, r.Old.Version, abs, ""); err != nil {
					return nil, nil, "", err
				}
			}
		}
		f.Cleanup()
		out, err := f.Format()
		if err != nil {
			return nil, nil, "", err
		}
		// Two copies: discovery may change its own; the check needs the
		// user's files as they are.
		sum, sumErr := os.ReadFile(filepath.Join(pr.Dir, "go.sum"))
		for _, sub := range []string{"discover", "check"} {
			d := filepath.Join(tmp, sub)
			os.MkdirAll(d, 0o777)
			if err := os.WriteFile(filepath.Join(d, "go.mod"), out, 0o666); err != nil {
				return nil, nil, "", err
			}
			if sumErr == nil {
				os.WriteFile(filepath.Join(d, "go.sum"), sum, 0o666)
			}
		}
		patch = filepath.Join(tmp, "discover", "go.mod")
		flags += " -modfile=" + patch
		checkFlags = "-mod=readonly -modfile=" + filepath.Join(tmp, "check", "go.mod")
	}
	discoverWork, checkWork := work, work
	if pr.GoWork != "" {
		discoverWork, checkWork = patch, filepath.Join(tmp, "check", "go.work")
	}
	env, err := baseEnv(snap, tmp, discoverWork)
	if err != nil {
		return nil, nil, "", err
	}
	cenv, err := baseEnv(snap, tmp, checkWork)
	if err != nil {
		return nil, nil, "", err
	}
	discover = append(env, "GOFLAGS="+flags)
	check = append(cenv, "GOFLAGS="+checkFlags)
	return discover, check, patch, nil
}

// progressLine reports whether a line of the go command's stderr only
// says what it is doing: "go: downloading m v" precedes the error of a
// fetch GOPROXY=off refuses, and is no finding of its own.
func progressLine(line string) bool {
	for _, prefix := range []string{"go: downloading ", "go: extracting ", "go: finding "} {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}

// runGo runs the go command and returns its stdout and stderr.
func runGo(ctx context.Context, dir string, env []string, args ...string) ([]byte, string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	return out, stderr.String(), err
}

// startFailed reports whether err says the go command did not run at all
// (rather than ran and failed).
func startFailed(err error) bool {
	var exit *exec.ExitError
	return err != nil && !errors.As(err, &exit)
}

// ExportResult says what Export wrote.
type ExportResult struct {
	Dir      string `json:"dir"`
	Versions int    `json:"versions"`
	Zips     int    `json:"zips"`
	Bytes    int64  `json:"bytes"`
}

// Export writes the versions an offline report lists into dir in GOPROXY
// layout (<E>/@v/list, <EV>.info, <EV>.mod, and <EV>.zip for the modules the
// build imports packages from) with a README.txt, so that another machine
// with an empty module cache can build with GOPROXY=file://<dir>. It
// refuses a report that is not ready: a damaged entry must not travel, and
// an export without a missing version would fail there.
func Export(snap *cachescan.Snapshot, rep *OfflineReport, dir string) (*ExportResult, error) {
	var blocked []string
	for _, m := range rep.Modules {
		if m.State != StateReady {
			blocked = append(blocked, m.Path+"@"+m.Version+" ("+string(m.State)+")")
		}
	}
	if len(blocked) > 0 {
		return nil, fmt.Errorf("refusing to export: %s not ready: %s", pluralize(len(blocked), "version"), strings.Join(clipList(blocked, 5), ", "))
	}
	if len(rep.Errors) > 0 {
		return nil, fmt.Errorf("refusing to export: the go command cannot load the project offline: %s", rep.Errors[0].Text)
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("refusing to export into %s: it is not empty", dir)
	}
	// Every file must be there before anything is written.
	for _, m := range rep.Modules {
		v := snap.ModCache.FindVersion(m.Path, m.Version)
		if v == nil || !v.HasMod || (m.Packages && !v.HasZip) {
			return nil, fmt.Errorf("refusing to export: %s@%s has no zip in the cache (its tree builds here, but cannot travel); run go mod download %s@%s", m.Path, m.Version, m.Path, m.Version)
		}
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
	}
	res := &ExportResult{Dir: dir}
	lists := map[string][]string{}
	for _, m := range rep.Modules {
		v := snap.ModCache.FindVersion(m.Path, m.Version)
		ep, err := module.EscapePath(m.Path)
		if err != nil {
			return nil, err
		}
		at := filepath.Join(dir, filepath.FromSlash(ep), "@v")
		if err := os.MkdirAll(at, 0o777); err != nil {
			return nil, err
		}
		src := filepath.Join(v.DownloadDir, v.EscapedVersion)
		dst := filepath.Join(at, v.EscapedVersion)
		info, err := os.ReadFile(src + ".info")
		if err != nil {
			// The go command can do without the time; it needs the version.
			info = []byte(fmt.Sprintf(`{"Version":%q}`, m.Version))
		}
		if err := os.WriteFile(dst+".info", info, 0o666); err != nil {
			return nil, err
		}
		n, err := copyFile(src+".mod", dst+".mod")
		if err != nil {
			return nil, err
		}
		res.Bytes += n + int64(len(info))
		if m.Packages {
			n, err := copyFile(src+".zip", dst+".zip")
			if err != nil {
				return nil, fmt.Errorf("%s@%s: %v", m.Path, m.Version, err)
			}
			res.Bytes += n
			res.Zips++
		}
		lists[at] = append(lists[at], v.EscapedVersion)
		res.Versions++
	}
	for at, vs := range lists {
		semver.Sort(vs)
		if err := os.WriteFile(filepath.Join(at, "list"), []byte(strings.Join(vs, "\n")+"\n"), 0o666); err != nil {
			return nil, err
		}
	}
	readme := fmt.Sprintf(`This directory is a Go module proxy in GOPROXY layout, written by modscope
for %s: the %d module versions its builds and tests need.

On a machine without network access, with this directory copied to DIR:

    GOPROXY=file://DIR GOSUMDB=off go build ./...
    GOPROXY=file://DIR GOSUMDB=off go test ./...

GOSUMDB=off because the checksum database is out of reach; the project's
go.sum still checks every module (the default -mod=readonly never adds to it).
`, rep.Project, res.Versions)
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte(readme), 0o666); err != nil {
		return nil, err
	}
	return res, nil
}

func copyFile(from, to string) (int64, error) {
	in, err := os.Open(from)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}

func pluralize(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func clipList(list []string, n int) []string {
	if len(list) > n {
		return append(list[:n:n], fmt.Sprintf("and %d more", len(list)-n))
	}
	return list
}
