package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"modscope/cachescan"
)

// Offline-readiness states of a needed module version.
const (
	StateReady      = "ready"      // everything the build needs is in the cache and verifies
	StateMissing    = "missing"    // not in the cache at all
	StateIncomplete = "incomplete" // only .info/.mod, and the build needs its packages
	StateDamaged    = "damaged"    // a scan or verify problem of severity error
)

// OfflineModule is one module version a build or test of the project needs.
type OfflineModule struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	// Packages: the build imports packages from it, so its zip or tree is
	// needed; otherwise only its .mod is, to load the module graph.
	Packages bool                `json:"packages"`
	State    string              `json:"state"`
	Problems []cachescan.Problem `json:"problems"`
}

// OfflineReport answers "can this project build and test with the network
// gone?".
type OfflineReport struct {
	Ready   bool            `json:"ready"`
	Project string          `json:"project"`
	Modules []OfflineModule `json:"modules"`
	// Errors are what the go command said it could not load offline.
	Errors []string `json:"errors,omitempty"`
	// Counts by state.
	Counts map[string]int `json:"counts"`
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
	Module     *goListModule
	Error      *struct{ Err string }
	DepsErrors []*struct{ Err string }
}

// Offline works out exactly which module versions `go build ./...` and
// `go test ./...` need in the project, asking the go command with the
// network off (GOPROXY=off) and the project's go.mod and go.sum copied
// aside (-modfile), so that nothing of the user's is rewritten. Then it
// judges each version from the snapshot and a verify of those versions.
func Offline(ctx context.Context, snap *cachescan.Snapshot) (*OfflineReport, error) {
	pr := snap.Project
	if pr == nil {
		return nil, errors.New("no go.mod or go.work here or above; run it in a module, or pass --project DIR")
	}
	env, checkEnv, cleanup, err := offlineEnv(snap)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	rep := &OfflineReport{Project: pr.Dir, Modules: []OfflineModule{}, Counts: map[string]int{}}

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
	out, stderr, err := runGo(ctx, pr.Dir, env, "list", "-m", "-e", "-json", "all")
	if err != nil && len(out) == 0 {
		return nil, fmt.Errorf("go list -m all: %s", firstLine(stderr))
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m goListModule
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list -m all printed bad JSON: %v", err)
		}
		if m.Main {
			continue
		}
		target := m
		if m.Replace != nil {
			if m.Replace.Version == "" {
				continue // a local directory: not in the cache
			}
			target = *m.Replace
		}
		if target.Version == "" {
			continue
		}
		mv := module.Version{Path: target.Path, Version: target.Version}
		all[mv] = true
		if direct[m.Path+"@"+m.Version] {
			graph[mv] = false
		}
	}
	if unpruned {
		// Before Go 1.17 the go command reads the go.mod of every module
		// in the graph, versions MVS does not select included: go mod
		// graph names them (left of each edge).
		out, stderr, err := runGo(ctx, pr.Dir, env, "mod", "graph")
		if err != nil {
			rep.Errors = append(rep.Errors, "go mod graph: "+firstLine(stderr))
		}
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
	// The packages: every module a build or test of ./... imports from.
	// ./... of each main module: a workspace's root need not be one.
	pkgs := []string{"./..."}
	if pr.GoWork != "" {
		pkgs = nil
		for _, m := range pr.Modules {
			pkgs = append(pkgs, filepath.Join(m.Dir, "..."))
		}
	}
	out, stderr, err = runGo(ctx, pr.Dir, env, append([]string{"list", "-e", "-deps", "-test", "-json=ImportPath,Module,Error,DepsErrors"}, pkgs...)...)
	noPackages := strings.Contains(stderr, "matched no packages")
	if err != nil && len(out) == 0 && !noPackages {
		return nil, fmt.Errorf("go list -deps -test ./...: %s", firstLine(stderr))
	}
	seenErr := map[string]bool{}
	addErr := func(msg string) {
		if msg = firstLine(msg); msg != "" && !seenErr[msg] && !progressLine(msg) {
			seenErr[msg] = true
			rep.Errors = append(rep.Errors, msg)
		}
	}
	if err != nil && !noPackages {
		for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
			addErr(l)
		}
	}
	dec = json.NewDecoder(bytes.NewReader(out))
	for {
		var p goListPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list -deps printed bad JSON: %v", err)
		}
		if p.Error != nil {
			addErr(p.Error.Err)
		}
		for _, de := range p.DepsErrors {
			addErr(de.Err)
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
		if m.Replace != nil {
			if m.Replace.Version == "" {
				continue
			}
			m = m.Replace
		}
		graph[module.Version{Path: m.Path, Version: m.Version}] = true
	}

	// The verdict: the user's own kind of build, -mod=readonly on the
	// untouched copies, must load every package offline.
	_, stderr, err = runGo(ctx, pr.Dir, checkEnv, append([]string{"list", "-deps", "-test"}, pkgs...)...)
	if err != nil && !strings.Contains(stderr, "matched no packages") {
		for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
			addErr(l)
		}
	}

	// Judge each needed version.
	var patterns []string
	for mv := range graph {
		patterns = append(patterns, mv.Path+"@"+mv.Version)
	}
	vrep := &VerifyReport{}
	if len(patterns) > 0 { // none would mean everything
		if vrep, err = NewVerifier().Verify(ctx, snap, VerifyOptions{Patterns: patterns, ZipCache: DefaultZipCache()}); err != nil {
			return nil, err
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
			if p.Kind == cachescan.KindDirPartial && v != nil && v.HasZip && v.HasZipHash {
				continue
			}
			om.Problems = append(om.Problems, p)
		}
		switch {
		case v == nil || !v.HasMod:
			om.State = StateMissing
		case len(om.Problems) > 0:
			om.State = StateDamaged
		case pkgs && !(v.State == "complete" || v.State == "extractable" || (v.State == "partial" && v.HasZip && v.HasZipHash)):
			om.State = StateIncomplete
		default:
			om.State = StateReady
		}
		rep.Modules = append(rep.Modules, om)
		rep.Counts[om.State]++
	}
	sort.Slice(rep.Modules, func(i, j int) bool {
		a, b := rep.Modules[i], rep.Modules[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return semver.Compare(a.Version, b.Version) < 0
	})
	rep.Ready = len(rep.Errors) == 0 && rep.Counts[StateReady] == len(rep.Modules)
	return rep, nil
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

// offlineEnv is the user's environment with the network off, the caches
// the snapshot describes, and the project's files copied aside: -modfile
// for a module, a go.work with absolute paths for a workspace. -mod=mod lets
// the go command resolve what go.sum lacks without failing, in the copies.
func offlineEnv(snap *cachescan.Snapshot) (discover, check []string, cleanup func(), err error) {
	pr := snap.Project
	tmp, err := os.MkdirTemp("", "modscope-offline-")
	if err != nil {
		return nil, nil, nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	// Discovery resolves what go.sum or go.mod lack in the copies; the
	// verdict is then taken with -mod=readonly, as the user's build runs.
	flags, checkFlags := "-mod=mod", ""
	work := "off"
	if pr.GoWork != "" {
		data, err := os.ReadFile(pr.GoWork)
		if err != nil {
			cleanup()
			return nil, nil, nil, err
		}
		wf, err := modfile.ParseWork(pr.GoWork, data, nil)
		if err != nil {
			cleanup()
			return nil, nil, nil, err
		}
		// A copy with absolute paths, so that it works from elsewhere.
		abs := func(p string) string {
			if filepath.IsAbs(p) {
				return p
			}
			return filepath.Join(filepath.Dir(pr.GoWork), filepath.FromSlash(p))
		}
		work = filepath.Join(tmp, "go.work")
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
		if err := os.WriteFile(work, []byte(b.String()), 0o666); err != nil {
			cleanup()
			return nil, nil, nil, err
		}
		if sum, err := os.ReadFile(pr.GoWork + ".sum"); err == nil {
			os.WriteFile(work+".sum", sum, 0o666)
		}
		// The go command takes no -mod=mod in workspace mode.
		flags, checkFlags = "", ""
	} else {
		gomod := filepath.Join(pr.Dir, "go.mod")
		data, err := os.ReadFile(gomod)
		if err != nil {
			cleanup()
			return nil, nil, nil, err
		}
		f, err := modfile.Parse(gomod, data, nil)
		if err != nil {
			cleanup()
			return nil, nil, nil, err
		}
		// Local replaces are relative to the project, not to the copy.
		for _, r := range f.Replace {
			if r.New.Version == "" && !filepath.IsAbs(r.New.Path) {
				abs := filepath.Join(pr.Dir, filepath.FromSlash(r.New.Path))
				if err := f.AddReplace(r.Old.Path, r.Old.Version, abs, ""); err != nil {
					cleanup()
					return nil, nil, nil, err
				}
			}
		}
		f.Cleanup()
		out, err := f.Format()
		if err != nil {
			cleanup()
			return nil, nil, nil, err
		}
		// Two copies: discovery may change its own; the check needs the
		// user's files as they are.
		sum, sumErr := os.ReadFile(filepath.Join(pr.Dir, "go.sum"))
		for _, sub := range []string{"discover", "check"} {
			d := filepath.Join(tmp, sub)
			os.MkdirAll(d, 0o777)
			if err := os.WriteFile(filepath.Join(d, "go.mod"), out, 0o666); err != nil {
				cleanup()
				return nil, nil, nil, err
			}
			if sumErr == nil {
				os.WriteFile(filepath.Join(d, "go.sum"), sum, 0o666)
			}
		}
		flags += " -modfile=" + filepath.Join(tmp, "discover", "go.mod")
		checkFlags = "-mod=readonly -modfile=" + filepath.Join(tmp, "check", "go.mod")
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOPROXY", "GOFLAGS", "GOWORK", "GOMODCACHE", "GOCACHE", "GOSUMDB":
			continue
		}
		env = append(env, kv)
	}
	// GOSUMDB=off: GOPROXY=off does not stop the go command from asking the
	// checksum database for a sum go.sum lacks; offline must not go online.
	env = append(env, "GOPROXY=off", "GOWORK="+work, "GOMODCACHE="+snap.ModCache.Root, "GOSUMDB=off")
	if snap.BuildCache.Root != "" {
		env = append(env, "GOCACHE="+snap.BuildCache.Root)
	}
	discover = append(append([]string(nil), env...), "GOFLAGS="+flags)
	check = append(append([]string(nil), env...), "GOFLAGS="+checkFlags)
	return discover, check, cleanup, nil
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
			blocked = append(blocked, m.Path+"@"+m.Version+" ("+m.State+")")
		}
	}
	if len(blocked) > 0 {
		return nil, fmt.Errorf("refusing to export: %s not ready: %s", pluralize(len(blocked), "version"), strings.Join(clipList(blocked, 5), ", "))
	}
	if len(rep.Errors) > 0 {
		return nil, fmt.Errorf("refusing to export: the go command cannot load the project offline: %s", rep.Errors[0])
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
