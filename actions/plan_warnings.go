package actions

import (
	"path/filepath"
	"slices"
	"strings"

	"modscope/cachescan"
)

// rootsTouched are the cache roots whose users a plan can break: a
// process that uses only the other one is no concern.
func (p *PurgePlan) rootsTouched() []string {
	var mod, build bool
	for _, it := range p.Items {
		switch it.Kind {
		case ItemBuild, ItemFuzz, ItemTestCache:
			build = true
		default:
			mod = true
		}
	}
	var roots []string
	if mod {
		roots = append(roots, p.root)
	}
	if build {
		roots = append(roots, p.gocache)
	}
	return roots
}

// networkWarnings are the plan's warnings about fetching again what goes.
func networkWarnings(snap *cachescan.Snapshot, plan *PurgePlan, projects bool) []string {
	code := false
	for _, it := range plan.Items {
		code = code || (it.Kind == ItemVersion && it.Refused == "" && it.ver != nil &&
			(it.ver.HasZip && containsSuffix(it.Paths, ".zip") || it.tree && !it.ver.HasZip && it.ver.HasDir))
	}
	if !code {
		return nil
	}
	var out []string
	if strings.TrimSpace(snap.Env.GOPROXY) == "off" {
		out = append(out, "GOPROXY=off: the go command cannot fetch what goes again until GOPROXY allows the network")
	}
	if snap.Project == nil && !projects {
		out = append(out, "no project was checked (run it in a module, or pass --project): a build that needs what goes fetches it again")
	}
	return out
}

// containsSuffix reports whether a path in paths ends with suffix.
func containsSuffix(paths []string, suffix string) bool {
	for _, p := range paths {
		if strings.HasSuffix(p, suffix) {
			return true
		}
	}
	return false
}

// replaceWarnings says which versions the plan removes are the target of
// a replace directive of the project (replace a => b v1.2.3): the project
// builds with that code, whatever its require lines say, so its next
// build needs it again (from the network, unless the tree comes back from
// its zip).
func replaceWarnings(pr *cachescan.Project, plan *PurgePlan) []string {
	if pr == nil {
		return nil
	}
	var out []string
	for _, it := range plan.Items {
		if it.Kind != ItemVersion || it.Refused != "" || len(it.Paths) == 0 {
			continue
		}
		if r := replaceOf(pr, it.Module, it.Version); r != nil {
			file := "go.mod"
			if r.Source != "" {
				file = filepath.Base(r.Source)
			}
			w := it.Module + " " + it.Version + " is the target of a replace directive in " + file + ": the project builds with it"
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out
}

// ReplaceTarget reports whether path@version is the module target of a
// replace directive of the project (replace a => path version): the
// project builds with its code, so a download fetches its zip and tree
// even when the cache holds its metadata only.
func ReplaceTarget(pr *cachescan.Project, path, version string) bool {
	return replaceOf(pr, path, version) != nil
}

// replaceOf is the project's first replace directive whose module target
// is path@version, or nil.
func replaceOf(pr *cachescan.Project, path, version string) *cachescan.Replace {
	if pr == nil {
		return nil
	}
	for i, r := range pr.Replaces {
		if !r.Local && r.NewPath == path && r.NewVersion == version {
			return &pr.Replaces[i]
		}
	}
	return nil
}
