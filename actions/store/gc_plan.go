package store

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"modscope/actions"
)

// GCPolicy says which versions a store's gc deletes. Each policy selects
// versions; a version goes when any policy selects it and no protection
// keeps it. The protections:
//
//   - A version a project of Used needs (its code, or only its go.mod in
//     a module graph) is never deleted, whatever the policy, unless it is
//     proven wrong: a build that reads it would break, and a wrong one
//     breaks it anyway (the go command refuses a hash mismatch).
//   - KeepLatest, OlderThan and Unused never delete a module's latest
//     version (the one @latest resolves to), and leave metadata-only
//     versions (a proxy layout's .mod and .info without a zip) alone:
//     module graphs read them, and they are a few hundred bytes.
//     Damaged and ProvenWrong delete those too.
type GCPolicy struct {
	// KeepLatest keeps the n latest versions holding a zip of each
	// module (releases by semver, pseudo-versions by their time, as
	// purge --keep-latest) and selects the others.
	KeepLatest int
	// OlderThan selects the versions whose newest file was written more
	// than this long ago. An object store records when an object was
	// written, never when it was last read: "older than" is written long
	// ago, not unused for long (what Athens #2046 asks for, by last
	// request, needs the proxy's own access log, which modscope cannot
	// see). A version fetched every day but written a year ago is old.
	OlderThan time.Duration
	// Unused selects the versions no project in Used needs.
	Unused bool
	Used   *actions.Usage
	// Damaged selects the versions the damage given to PlanGC names
	// (Scan's and Verify's); ProvenWrong only those whose damage is
	// Proven (a hash shown to differ from the checksum database or
	// go.sum, after Athens' -verify-storage -purge).
	Damaged     bool
	ProvenWrong bool
	// Patterns narrow every policy to the versions they match, as
	// purge's (actions.Match).
	Patterns []string
}

// Any reports whether the policy selects anything at all.
func (p GCPolicy) Any() bool {
	return p.KeepLatest > 0 || p.OlderThan > 0 || p.Unused || p.Damaged || p.ProvenWrong
}

// GCItem is one version the plan deletes: every key it has.
type GCItem struct {
	Module  string   `json:"module"`
	Version string   `json:"version"`
	Reasons []string `json:"reasons"`
	// Keys are in the order Run deletes them: the zip first, the .mod
	// last, so that a run stopped midway leaves a version the proxy
	// protocol still serves (metadata only) or a whole one.
	Keys  []string `json:"keys"`
	Bytes int64    `json:"bytes"`
	// Proven: the version is deleted because it is proven wrong.
	Proven bool `json:"proven,omitempty"`
}

// GCKept is a version a policy selected that a protection keeps.
type GCKept struct {
	Module  string `json:"module"`
	Version string `json:"version"`
	Why     string `json:"why"`
}

// GCList is a proxy layout's @v/list the plan rewrites without the
// versions it deletes, or deletes with the module's last version. Without
// it the list would name versions that are gone: `go list -m -versions`
// shows them and `go get m@latest` may pick one and fail with a 404.
type GCList struct {
	Module string   `json:"module"`
	Key    string   `json:"key"`
	Drop   []string `json:"drop"`
	// Delete: no version of the module is left in the store.
	Delete bool `json:"delete,omitempty"`
}

// GCPlan is what a gc would do. Nothing is deleted until Run.
type GCPlan struct {
	URL      string    `json:"url"`
	Layout   string    `json:"layout"`
	Items    []*GCItem `json:"items"`
	Kept     []GCKept  `json:"kept,omitempty"`
	Lists    []GCList  `json:"lists,omitempty"`
	Bytes    int64     `json:"bytes"`
	Objects  int       `json:"objects"`
	Versions int       `json:"versionsInStore"`
	// Truncated: the listing stopped at its key limit, so versions past
	// it are not in the plan (and keep-latest saw only part of a module).
	Truncated bool `json:"truncated,omitempty"`
	layout    Layout
}

// deleteOrder is the order of a version's files in a plan: the zip and
// the go command's own files first, then the .info, the .mod last. A
// version stopped after its zip is metadata only, which the proxy
// protocol serves (a version the go command only reads the go.mod of);
// stopped after its .info, the .mod alone still answers a module graph.
var deleteOrder = []FileKind{FileZip, FileZipHash, FilePartial, FileLock, FileInfo, FileMod}

// PlanGC plans a gc of the inventory under the policy; damage is what Scan
// and Verify found (only the policy's Damaged and ProvenWrong read it).
// A pattern that matches no version in the store is an error: a typo must
// not pass for a clean store.
func PlanGC(inv *Inventory, p GCPolicy, damage []Damage, now time.Time) (*GCPlan, error) {
	if !p.Any() {
		return nil, errors.New("gc needs a policy: --keep-latest N, --older-than AGE, --unused --projects DIR, --damaged or --proven-wrong")
	}
	if p.Unused && p.Used == nil {
		return nil, errors.New("--unused needs --projects DIR: the projects whose versions it keeps")
	}
	if p.KeepLatest < 0 || p.OlderThan < 0 {
		return nil, errors.New("--keep-latest and --older-than take positive values")
	}
	if err := actions.CheckPatterns(p.Patterns); err != nil {
		return nil, err
	}
	if inv.Layout == LayoutUnknown && len(inv.Modules) > 0 {
		return nil, errors.New("the store's layout is unknown: give --layout proxy or --layout athens")
	}
	plan := &GCPlan{URL: inv.URL, Layout: inv.Layout.String(), Versions: inv.Versions(), Truncated: inv.Truncated, layout: inv.Layout}
	type vkey struct{ path, vers string }
	damaged := map[vkey][]string{}
	proven := map[vkey]bool{}
	for _, d := range damage {
		if d.Version == "" {
			continue // the module's listing, not a version: not gc's to fix
		}
		k := vkey{d.Module, d.Version}
		if !hasString(damaged[k], d.Kind) {
			damaged[k] = append(damaged[k], d.Kind)
		}
		proven[k] = proven[k] || d.Proven
	}
	matched := make([]bool, len(p.Patterns))
	for _, m := range inv.Modules {
		var withZip []string
		for _, v := range m.Versions {
			if v.Has(FileZip) {
				withZip = append(withZip, v.Version)
			}
		}
		keep := map[string]bool{}
		if p.KeepLatest > 0 {
			keep = actions.LatestVersions(withZip, p.KeepLatest)
		}
		latest := actions.LatestVersions(withZip, 1)
		var gone []string
		for _, v := range m.Versions {
			if len(p.Patterns) > 0 {
				hit := false
				for i, pat := range p.Patterns {
					if actions.Match([]string{pat}, m.Path, v.Version) {
						matched[i], hit = true, true
					}
				}
				if !hit {
					continue
				}
			}
			k := vkey{m.Path, v.Version}
			var reasons []string
			// The policies that keep a module's newest and its metadata.
			var soft []string
			if p.KeepLatest > 0 && v.Has(FileZip) && !keep[v.Version] {
				if p.KeepLatest == 1 {
					soft = append(soft, "not the latest")
				} else {
					soft = append(soft, fmt.Sprintf("not among the %d latest", p.KeepLatest))
				}
			}
			if p.OlderThan > 0 && !v.Newest.IsZero() && now.Sub(v.Newest) > p.OlderThan {
				age := now.Sub(v.Newest).Truncate(time.Hour)
				if age >= 48*time.Hour {
					age = age.Truncate(24 * time.Hour)
				}
				soft = append(soft, "written "+actions.FormatAge(age)+" ago")
			}
			code, mod := false, false
			if p.Used != nil {
				code, mod = p.Used.Needs(m.Path, v.Version)
			}
			if p.Unused && !mod {
				soft = append(soft, "no project needs it")
			}
			var why string
			if len(soft) > 0 {
				switch {
				case !v.Has(FileZip):
					why, soft = "metadata only: module graphs read it", nil
				case latest[v.Version]:
					why, soft = "the module's latest version", nil
				}
			}
			reasons = append(reasons, soft...)
			isProven := (p.ProvenWrong || p.Damaged) && proven[k]
			if p.Damaged && len(damaged[k]) > 0 || isProven {
				reasons = append(reasons, damaged[k]...)
			}
			if mod && !isProven && (len(reasons) > 0 || why != "") {
				why = "a project's module graph reads its go.mod"
				if code {
					why = "in a project's build list"
				}
				reasons = nil
			}
			if len(reasons) == 0 {
				if why != "" {
					plan.keep(m.Path, v.Version, why)
				}
				continue
			}
			it := &GCItem{Module: m.Path, Version: v.Version, Reasons: reasons, Proven: isProven}
			for _, kind := range deleteOrder {
				if o := v.File(kind); o != nil {
					it.Keys = append(it.Keys, o.Key)
					it.Bytes += o.Size
				}
			}
			plan.Items = append(plan.Items, it)
			plan.Bytes += it.Bytes
			plan.Objects += len(it.Keys)
			gone = append(gone, v.Version)
		}
		if m.List != nil && len(gone) > 0 {
			plan.Lists = append(plan.Lists, GCList{Module: m.Path, Key: m.List.Key, Drop: gone, Delete: len(gone) == len(m.Versions)})
			if len(gone) == len(m.Versions) {
				plan.Objects++
				plan.Bytes += m.List.Size
			}
		}
	}
	var none []string
	for i, ok := range matched {
		if !ok {
			none = append(none, p.Patterns[i])
		}
	}
	if len(none) > 0 {
		return nil, fmt.Errorf("no version in the store matches %s; modscope store scan lists what it holds", strings.Join(none, " "))
	}
	return plan, nil
}

func (plan *GCPlan) keep(path, vers, why string) {
	plan.Kept = append(plan.Kept, GCKept{Module: path, Version: vers, Why: why})
}

// Empty reports whether the plan deletes nothing.
func (plan *GCPlan) Empty() bool { return len(plan.Items) == 0 }

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
