package actions

import (
	"context"
	"slices"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
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

// buildList asks the go command, in the discovery copy, which versions the
// build needs: the map holds each, true when the build imports packages
// from it (its zip or tree is needed), false when only its .mod is read.
//
// Since Go 1.17 a build reads the go.mod of every module the main module
// requires, and of the modules it imports packages from; modules the graph
// prunes away are not read. Before 1.17 every module in the graph is.
// Versions the go command stops on are worked around (offline_workaround.go)
// and the listing asked again, until nothing new needs it.
func (o *offline) buildList(ctx context.Context) (map[module.Version]bool, error) {
	pr := o.snap.Project
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
			return nil, err
		}
		retry, err := o.listPackages(ctx, graph, all)
		if err != nil {
			return nil, err
		}
		if len(retry) == 0 || pass >= len(pr.Requires)+5 {
			break
		}
		if err := o.workAroundAll(retry); err != nil {
			return nil, err
		}
	}
	// A version the discovery had to work around is needed whatever the
	// listing could say of it.
	for _, mv := range o.worked {
		if _, ok := graph[mv]; !ok {
			graph[mv] = false
		}
	}
	return graph, nil
}

// listGraph fills graph with the versions whose .mod the build reads, and
// all with every version of the module graph.
func (o *offline) listGraph(ctx context.Context, direct map[string]bool, unpruned bool, graph, all map[module.Version]bool) error {
	pr, rep := o.snap.Project, o.rep
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
		err := decodeEach(out, "go list -m all", "go list -m -json all", func(m *goListModule) {
			if m.Main {
				return
			}
			mv, ok := o.target(m)
			if !ok {
				return
			}
			all[mv] = true
			if m.Error != nil {
				o.addErr(mv.String() + ": " + strings.TrimPrefix(m.Error.Err, mv.String()+": "))
				if o.workable(mv) {
					retry = append(retry, mv)
				}
			}
			if direct[m.Path+"@"+m.Version] {
				graph[mv] = false
			}
		})
		if err != nil {
			return err
		}
		if len(retry) == 0 || round > len(pr.Requires)+5 {
			break
		}
		if err := o.workAroundAll(retry); err != nil {
			return err
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
	// The packages: every module a build or test of ./... imports from.
	out, ok := o.runDiscover(ctx, "go list -deps -test", append([]string{"list", "-e", "-deps", "-test", "-json=ImportPath,Module,Error,DepsErrors"}, o.patterns...)...)
	if !ok {
		o.rep.Notes = append(o.rep.Notes, "the go command could not list the packages offline; which versions the build needs the packages of is not known")
	}
	err = decodeEach(out, "go list -deps", "go list -deps -test ./...", func(p *goListPackage) {
		o.addPackageErrs(p)
		if p.Error != nil {
			// A version the go command cannot load the packages of (its
			// .mod does not parse, its go.sum line disagrees): worked
			// around when the cache has a copy, so that what its
			// packages import is followed.
			if k, ok := errorVersion(p.Error.Err); ok && all[k] && o.workable(k) && !slices.Contains(retry, k) {
				retry = append(retry, k)
			}
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
			return
		}
		if mv, ok := o.target(m); ok {
			graph[mv] = true
		}
	})
	if err != nil {
		return nil, err
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
