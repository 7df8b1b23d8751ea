package actions

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"modscope/cachescan"
)

// How a project uses a module version.
const (
	useNone    = iota
	useGraph   // only its go.mod: it is in the module graph
	useContent // its code: required, a replacement, or hashed in go.sum
)

// Usage is what a set of projects uses of the module cache, from their
// go.mod, go.work and go.sum files: a version whose code a build may need
// is required, a replacement, or has a go.sum line for its content; one
// whose go.mod alone is needed (module graph pruning reads it) has only a
// /go.mod line. go.sum keeps every version the go command needed, so this
// is a superset of the build list, read without running anything.
type Usage struct {
	// Files are the go.mod and go.work files read.
	Files []string `json:"files"`
	uses  map[string]int
	// goVersions are the Go versions the projects' toolchain and go
	// lines name ("go1.25.0"): a golang.org/toolchain version of one of
	// them is what GOTOOLCHAIN=auto switches to there.
	goVersions map[string]bool
}

// NamesToolchain reports whether a project's toolchain or go line names
// the Go version of a golang.org/toolchain version ("go1.25.0" for
// v0.0.1-go1.25.0.linux-amd64).
func (u *Usage) NamesToolchain(version string) bool {
	g := toolchainGo(version)
	return g != "" && u.goVersions[g]
}

func (u *Usage) of(path, version string) int { return u.uses[path+"@"+version] }

// Needs reports whether a project may need the version: code, its zip
// (required, a replacement, or a go.sum line for its content); mod, at
// least its go.mod (in a module graph).
func (u *Usage) Needs(path, version string) (code, mod bool) {
	how := u.of(path, version)
	return how >= useContent, how >= useGraph
}

func (u *Usage) mark(path, version string, how int) {
	if u.uses == nil {
		u.uses = map[string]int{}
	}
	if k := path + "@" + version; u.uses[k] < how {
		u.uses[k] = how
	}
}

// add records what one project uses.
func (u *Usage) add(p *cachescan.Project) {
	for _, r := range p.Requires {
		u.mark(r.Path, r.Version, useContent)
	}
	for _, r := range p.Replaces {
		if !r.Local && r.NewVersion != "" {
			u.mark(r.NewPath, r.NewVersion, useContent)
		}
	}
	for key := range p.Sums {
		path, vers, ok := strings.Cut(key, " ")
		if !ok {
			continue
		}
		if v, isMod := strings.CutSuffix(vers, "/go.mod"); isMod {
			u.mark(path, v, useGraph)
		} else {
			u.mark(path, vers, useContent)
		}
	}
	if u.goVersions == nil {
		u.goVersions = map[string]bool{}
	}
	if p.Toolchain != "" {
		u.goVersions[p.Toolchain] = true
	}
	for _, g := range append([]string{p.Go}, moduleGos(p)...) {
		if g != "" {
			// "go 1.21" switches to go1.21.0, the first release of 1.21.
			u.goVersions["go"+g] = true
			if strings.Count(g, ".") == 1 {
				u.goVersions["go"+g+".0"] = true
			}
		}
	}
	for _, m := range p.Modules {
		u.Files = append(u.Files, m.GoMod)
	}
	if p.GoWork != "" {
		u.Files = append(u.Files, p.GoWork)
	}
}

// moduleGos are the go lines of a project's main modules.
func moduleGos(p *cachescan.Project) []string {
	var gos []string
	for _, m := range p.Modules {
		gos = append(gos, m.Go)
	}
	return gos
}

// ProjectUsage is what one scanned project uses.
func ProjectUsage(p *cachescan.Project) *Usage {
	u := &Usage{}
	u.add(p)
	return u
}

// FindUsage reads every go.mod and go.work under dirs, skipping what the
// go command skips (testdata, vendor, names starting with . or _) and the
// cache roots in skip (the module cache holds thousands of go.mod files
// that are not projects). Symlinked directories are followed once each. A
// project file that does not read cleanly is an error: every version it
// names would otherwise look unused.
func FindUsage(dirs []string, skip ...string) (*Usage, error) {
	u := &Usage{}
	visited := map[string]bool{}
	// The walk goes through resolved paths: so must the roots it skips.
	for _, s := range skip {
		if real, err := filepath.EvalSymlinks(s); err == nil && real != s {
			skip = append(skip, real)
		}
	}
	for _, dir := range dirs {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("--projects %s: %w", dir, err)
		}
		before := len(u.Files)
		queue := []string{abs}
		for len(queue) > 0 {
			root := queue[0]
			queue = queue[1:]
			real, err := filepath.EvalSymlinks(root)
			if err != nil || visited[real] {
				continue
			}
			visited[real] = true
			var bad error
			root = real // WalkDir does not descend into a symlinked root
			filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if err != nil || bad != nil {
					return nil // unreadable below: skip it
				}
				name := d.Name()
				if d.Type()&fs.ModeSymlink != 0 {
					if fi, err := os.Stat(path); err == nil && fi.IsDir() && !skipDir(name) {
						queue = append(queue, path)
					}
					return nil
				}
				if d.IsDir() {
					if path != root && skipDir(name) {
						return filepath.SkipDir
					}
					for _, s := range skip {
						if s != "" && path == s {
							return filepath.SkipDir
						}
					}
					return nil
				}
				if (name == "go.mod" || name == "go.work") && d.Type().IsRegular() {
					p := cachescan.ReadProject(path)
					if len(p.Errors) > 0 {
						bad = fmt.Errorf("--projects: %s: %s: fix it (or move it away) first, or every version it names would look unused", path, p.Errors[0])
						return filepath.SkipAll
					}
					u.add(p)
				}
				return nil
			})
			if bad != nil {
				return nil, bad
			}
		}
		if len(u.Files) == before {
			return nil, fmt.Errorf("--projects %s: no go.mod or go.work under it", dir)
		}
	}
	return u, nil
}

// skipDir reports the directories the go command never takes a module from.
func skipDir(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
		name == "testdata" || name == "vendor" || name == "node_modules"
}
