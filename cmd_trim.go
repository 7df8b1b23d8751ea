package main

// trim: the step before a CI cache save.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// trimFlags is trim: it keeps what is in use (the build-cache entries
// used since --used-since, the module versions the projects need, the
// active toolchain) and removes the rest, least recently used first,
// until both caches fit --max-size.
func trimFlags(fs *flag.FlagSet, cfg *config) runFunc {
	cacheFlags(fs, cfg)
	var change changeOpts
	readOnlyFlag(fs, &change)
	planFlags(fs, &change)
	var projects listFlag
	maxSize, usedSince := "", ""
	fs.StringVar(&maxSize, "max-size", "", "")
	fs.StringVar(&usedSince, "used-since", "", "")
	fs.Var(&projects, "projects", "")
	var opts actions.TrimOptions
	cfg.check(checkCombination, func() string {
		if maxSize == "" {
			return "trim needs --max-size SIZE, like 2GiB: the cap on both caches together"
		}
		n, err := actions.ParseSize(maxSize)
		if err != nil {
			return "--max-size: " + cachescan.Printable(err.Error())
		}
		opts.MaxSize = n
		for _, d := range projects {
			if err := mustBeDir("--projects", d); err != nil {
				return cachescan.Printable(err.Error()) + "; name directories that hold your projects"
			}
		}
		return ""
	})
	return func(ctx context.Context, cfg *config) int {
		if usedSince != "" {
			now := time.Now()
			if c := clockOf(ctx); c != nil {
				now = c.Now()
			}
			t, err := actions.ParseTime(usedSince, now)
			if err != nil {
				fmt.Fprintln(cfg.stderr, "modscope: --used-since: "+cachescan.Printable(err.Error()))
				return exitFailed
			}
			if t.After(now) {
				fmt.Fprintf(cfg.stderr, "modscope: --used-since %s is after now (%s): record the job's start on this machine, with its clock (date -u +%%FT%%TZ)\n",
					t.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
				return exitFailed
			}
			opts.UsedSince = t
		}
		return trim(ctx, cfg, change, opts, projects)
	}
}

func trim(ctx context.Context, cfg *config, change changeOpts, opts actions.TrimOptions, projects []string) int {
	stderr := cfg.stderr
	// Both caches change: both roots are checked as purge checks them.
	if refuseReadOnly(change, stderr) || refuseRoots(cfg, actions.Targets{BuildAll: true}, stderr) {
		return exitFailed
	}
	snap, code, ok := runScan(ctx, cfg)
	if !ok {
		return code
	}
	if len(projects) > 0 {
		u, err := actions.FindUsage(projects, snap.ModCache.Root, snap.BuildCache.Root)
		if err != nil {
			return fail(stderr, err)
		}
		opts.Used = u
	}
	tp, err := actions.PlanTrim(snap, opts)
	if err != nil {
		return fail(stderr, err)
	}
	if !cfg.jsonOut {
		report.WriteTrimPlan(cfg.stdout, tp)
	}
	// The exit status: 1 when the cap is missed or an item is refused for
	// what a person must mend, or fails.
	status := func(results []actions.PurgeResult) int {
		failed := !tp.Fits() || tp.Purge.Blocked()
		for _, r := range results {
			failed = failed || r.Err != ""
		}
		if failed {
			return exitProblems
		}
		return exitOK
	}
	type trimDoc struct {
		Trim    *actions.TrimPlan     `json:"trim"`
		Results []actions.PurgeResult `json:"results,omitempty"`
		Summary string                `json:"summary"`
	}
	runnable := false
	for _, it := range tp.Purge.Items {
		runnable = runnable || it.Refused == ""
	}
	if change.dryRun || !runnable {
		summary := report.TrimSummary(tp, nil, false)
		if !runnable {
			summary = report.TrimSummary(tp, nil, true)
		}
		if !output(cfg, trimDoc{Trim: tp, Summary: summary}, func(w io.Writer) error { _, err := fmt.Fprintln(w, summary); return err }) {
			return exitFailed
		}
		missed(tp, stderr)
		return status(nil)
	}
	if ok, code := confirm(ctx, change.yes, question(tp.Purge), cfg.stdin, stderr); !ok {
		return code
	}
	results := runPlan(ctx, tp.Purge, stderr)
	summary := report.TrimSummary(tp, results, true)
	if !output(cfg, trimDoc{Trim: tp, Results: results, Summary: summary}, func(w io.Writer) error {
		if err := report.WritePurgeResults(w, results); err != nil {
			return err
		}
		_, err := fmt.Fprintln(w, summary)
		return err
	}) {
		return exitFailed
	}
	missed(tp, stderr)
	return status(results)
}

// missed says, when the caches cannot fit the cap, by how much.
func missed(tp *actions.TrimPlan, stderr io.Writer) {
	if !tp.Fits() {
		fmt.Fprintf(stderr, "modscope: trim: the cap %s is missed by %s: what may not go (in use, and the caches' own files) takes %s; raise --max-size\n",
			report.HumanBytes(tp.MaxSize), report.HumanBytes(tp.Missed), report.HumanBytes(tp.After))
	}
}
