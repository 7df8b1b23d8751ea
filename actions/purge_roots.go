package actions

import (
	"errors"

	"modscope/actions/confine"
	"modscope/cachescan"
)

// openRoots opens the roots the plan's items change; close releases them.
func (p *PurgePlan) openRoots() (close func()) {
	var mod, build bool
	for _, it := range p.Items {
		if it.Refused != "" {
			continue
		}
		if p.buildSide(it) {
			build = true
		} else {
			mod = true
			build = build || (it.Kind == ItemVersion && p.gocache != "") // the module index
		}
	}
	p.modRoot, p.modRootErr, p.buildRoot, p.buildRootErr = nil, nil, nil, nil
	if mod {
		p.modRoot, p.modRootErr = confine.Open(p.root, confine.ModCache)
	}
	if build {
		p.buildRoot, p.buildRootErr = confine.Open(p.gocache, confine.BuildCache)
	}
	return func() {
		if p.modRoot != nil {
			p.modRoot.Close()
		}
		if p.buildRoot != nil {
			p.buildRoot.Close()
		}
		p.modRoot, p.buildRoot = nil, nil
	}
}

// buildSide reports whether an item changes the build cache (else the
// module cache).
func (p *PurgePlan) buildSide(it *PurgeItem) bool {
	switch it.Kind {
	case ItemBuild, ItemTestCache, ItemFuzz:
		return true
	case ItemFile:
		return p.gocache != "" && len(it.Paths) > 0 && within(p.gocache, it.Paths[0])
	}
	return false
}

// refuseRoots refuses, with the reason, every item of a cache root that
// the confined layer will not open for changes ("/", a home directory, a
// GOCACHE without the go command's README), before the plan is shown.
func (p *PurgePlan) refuseRoots() {
	// Each root is checked once, when an item needs it.
	var errs [2]error
	var checked [2]bool
	check := func(build bool) error {
		i := 0
		if build {
			i = 1
		}
		if !checked[i] {
			checked[i] = true
			if build {
				errs[i] = confine.Check(p.gocache, confine.BuildCache)
			} else {
				errs[i] = confine.Check(p.root, confine.ModCache)
			}
		}
		return errs[i]
	}
	p.Size = cachescan.Size{}
	for _, it := range p.Items {
		if it.Refused == "" {
			if err := check(p.buildSide(it)); err != nil {
				it.Refused, it.Blocked = err.Error(), true
			}
		}
		if it.Refused == "" {
			p.Size.Add(it.Size)
		}
	}
	if p.Versions() > 0 && p.gocache != "" {
		if err := check(true); err != nil {
			p.Warnings = append(p.Warnings, "the build cache is not changed ("+err.Error()+"): the module index of removed trees stays; run go clean -cache if a build then fails")
		}
	}
}

// mod is the module-cache root, or why it cannot be changed.
func (p *PurgePlan) mod() (*confine.Root, error) {
	if p.modRoot == nil && p.modRootErr == nil {
		return nil, errors.New("the module cache was not opened")
	}
	return p.modRoot, p.modRootErr
}

// build is the build-cache root, or why it cannot be changed.
func (p *PurgePlan) build() (*confine.Root, error) {
	if p.buildRoot == nil && p.buildRootErr == nil {
		return nil, errors.New("the build cache was not opened")
	}
	return p.buildRoot, p.buildRootErr
}
