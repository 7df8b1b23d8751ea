package actions

import (
	"context"
	"errors"
	"sort"
	"strings"

	"modscope/cachescan"
)

// RepairPlan is what repairing every problem found does: removals the go
// command then redoes by itself offline (a modified tree is extracted again
// from its zip), rewrites, and fresh downloads for what only the network
// can bring back.
type RepairPlan struct {
	// Purge removes what needs no download, and rewrites stale lists.
	Purge *PurgePlan `json:"purge"`
	// Downloads are the versions fetched again (see Download: each is
	// replaced only once a checked fresh copy is in hand).
	Downloads []string `json:"downloads"`
	// Manual lists the problems repair leaves to a person, with their fix.
	Manual []cachescan.Problem `json:"manual,omitempty"`
}

// Empty reports whether the plan does nothing.
func (p *RepairPlan) Empty() bool {
	return len(p.Purge.Items) == 0 && len(p.Downloads) == 0
}

// PlanRepair plans the fix of every problem in found (the last scan's and
// verify's).
func PlanRepair(snap *cachescan.Snapshot, found []cachescan.Problem) *RepairPlan {
	plan := newPlan(snap)
	rp := &RepairPlan{Purge: plan, Downloads: []string{}}
	fixes, manual := problemVersions(snap, found, true)
	for _, m := range snap.ModCache.Modules {
		for _, v := range m.Versions {
			fx := fixes[v]
			if fx == nil {
				continue
			}
			if fx.download && !v.Active && v.State != cachescan.StateInvalid {
				rp.Downloads = append(rp.Downloads, m.Path+"@"+v.Version)
				continue
			}
			it := versionItem(snap, m, v, fx.parts, fx.extra)
			it.Reason = strings.Join(fx.kinds, ", ")
			plan.add(it)
		}
	}
	planProblemFiles(plan, snap, found, true)
	if it := buildProblemItem(snap.BuildCache.Root, found); it != nil {
		plan.add(it)
	}
	plan.Warnings = replaceWarnings(snap.Project, plan)
	plan.refuseRoots()
	rp.Manual = append(manual, plan.Manual...)
	plan.Manual = nil
	cachescan.SortProblems(rp.Manual)
	sort.Strings(rp.Downloads)
	if len(plan.Items) > 0 {
		plan.Running = RunningGo(plan.rootsTouched()...)
	}
	return rp
}

// RepairResult is what a repair did.
type RepairResult struct {
	Purge     []PurgeResult    `json:"purge"`
	Downloads []DownloadResult `json:"downloads"`
}

// Failed reports whether any step failed.
func (r *RepairResult) Failed() bool {
	for _, p := range r.Purge {
		if p.Err != "" {
			return true
		}
	}
	for _, d := range r.Downloads {
		if d.NeedsAction() {
			return true
		}
	}
	return false
}

// Run removes, rewrites, then downloads.
func (p *RepairPlan) Run(ctx context.Context, snap *cachescan.Snapshot, each func(PurgeResult), opt DownloadOptions) (*RepairResult, error) {
	if p.Empty() {
		return nil, errors.New("nothing to repair")
	}
	res := &RepairResult{Purge: p.Purge.Run(ctx, each)}
	if len(p.Downloads) > 0 && ctx.Err() == nil {
		res.Downloads = Download(ctx, snap, p.Downloads, opt)
	}
	return res, nil
}
