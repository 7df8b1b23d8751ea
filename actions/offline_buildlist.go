package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"modscope/assets"
)

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
