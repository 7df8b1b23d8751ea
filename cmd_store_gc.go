package main

// modscope store gc: delete versions from a team's module store by
// policy, a plan first, through the bucket's own API.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"modscope/actions"
	"modscope/actions/store"
	"modscope/cachescan"
	"modscope/report"
)

// storeGCFlags is store gc's flags: its policies, --dry-run and --yes,
// --json, --layout and --workers (Scan's, for --damaged).
func storeGCFlags(fs *flag.FlagSet, cfg *config) runFunc {
	jsonFlag(fs, cfg)
	var change changeOpts
	planFlags(fs, &change)
	var policy store.GCPolicy
	var projects listFlag
	olderThan, layout, workers := "", "", 0
	fs.IntVar(&policy.KeepLatest, "keep-latest", 0, "")
	fs.StringVar(&olderThan, "older-than", "", "")
	fs.BoolVar(&policy.Unused, "unused", false, "")
	fs.Var(&projects, "projects", "")
	fs.BoolVar(&policy.Damaged, "damaged", false, "")
	fs.StringVar(&layout, "layout", "", "")
	fs.IntVar(&workers, "workers", 0, "")
	countChecks(cfg, "workers", &workers, maxWorkers, " (0: 8)")
	cfg.check(checkCombination, func() string {
		if olderThan != "" {
			d, err := actions.ParseAge(olderThan)
			switch {
			case err != nil:
				return "--older-than: " + err.Error()
			case d == 0:
				return "--older-than 0 would be every version: give an age like 90d"
			case d > maxOlderThan:
				return "--older-than " + olderThan + ": at most " + actions.FormatAge(maxOlderThan) + " (100 years)"
			}
			policy.OlderThan = d
		}
		switch {
		case cfg.set["keep-latest"] && policy.KeepLatest <= 0:
			return "--keep-latest needs a positive count: 1 keeps only the latest version"
		case policy.Unused && len(projects) == 0:
			return "--unused needs --projects DIR: the projects whose versions the store keeps"
		case len(projects) > 0 && !policy.Unused:
			return "--projects says which projects --unused keeps versions for: add --unused"
		case !policy.Any():
			return "store gc needs a policy: --keep-latest N, --older-than AGE, --unused --projects DIR or --damaged" + seeFlags
		}
		if _, err := store.ParseLayout(layout); err != nil {
			return "--layout: " + err.Error()
		}
		return ""
	})
	cfg.check(checkCeiling, func() string {
		if policy.KeepLatest > maxKeepLatest {
			return fmt.Sprintf("--keep-latest %d: at most %d%s", policy.KeepLatest, maxKeepLatest, seeFlags)
		}
		return ""
	})
	return func(ctx context.Context, cfg *config) int {
		l, _ := store.ParseLayout(layout)
		return storeGC(ctx, cfg, change, policy, projects, l, workers)
	}
}

func storeGC(ctx context.Context, cfg *config, change changeOpts, policy store.GCPolicy, projects []string, layout store.Layout, workers int) int {
	stderr := cfg.stderr
	if len(cfg.args) == 0 {
		fmt.Fprintln(stderr, "modscope: store gc needs the store's URL: file:///dir, s3://bucket?region=..., gs://bucket or azblob://container")
		return exitFailed
	}
	rawURL, patterns := cfg.args[0], cfg.args[1:]
	if err := actions.CheckPatterns(patterns); err != nil {
		return fail(stderr, err)
	}
	now := time.Now()
	if c := clockOf(ctx); c != nil {
		now = c()
	}
	if policy.Unused {
		// A file:// store under a project directory holds go.mod files
		// (Athens' <v>/go.mod) that are no project's.
		u, err := actions.FindUsage(projects, fileStoreDir(rawURL))
		if err != nil {
			return fail(stderr, err)
		}
		policy.Used = u
	}
	policy.Patterns = patterns
	s, err := store.Open(ctx, rawURL, layout)
	if err != nil {
		return fail(stderr, err)
	}
	defer s.Close()
	stop := showProgress(stderr, func() string { return "listing " + cachescan.Printable(s.URL) + "…" })
	inv, err := s.List(ctx, now)
	stop()
	if err != nil {
		return fail(stderr, err)
	}
	if inv.Truncated {
		// Keep-latest would see part of a module, and the versions past
		// the limit would be left out without a word.
		fmt.Fprintf(stderr, "modscope: store %s: over %s keys, the listing stopped; gc a part at a time with ?prefix=example.com/ in the URL\n", cachescan.Printable(s.URL), report.Count(store.MaxKeys))
		return exitFailed
	}
	var damage []store.Damage
	if policy.Damaged {
		stop := showProgress(stderr, func() string { return "scanning the store for damage…" })
		rep, err := store.Scan(ctx, s, inv, store.ScanOptions{Workers: workers})
		stop()
		if err != nil {
			return fail(stderr, err)
		}
		damage = rep.Damage
	}
	plan, err := store.PlanGC(inv, policy, damage, now)
	if err != nil {
		return fail(stderr, err)
	}
	if !cfg.jsonOut {
		if err := report.WriteGCPlan(cfg.stdout, plan); err != nil {
			output(cfg, nil, func(io.Writer) error { return err })
			return exitFailed
		}
	}
	if change.dryRun || plan.Empty() {
		if !output(cfg, struct {
			Plan *store.GCPlan `json:"plan"`
		}{plan}, nil) {
			return exitFailed
		}
		return exitOK
	}
	q := "Delete them from the store?"
	if len(plan.Items) == 1 {
		q = "Delete it from the store?"
	}
	if ok, code := confirm(ctx, change.yes, q, cfg.stdin, stderr); !ok {
		return code
	}
	var mu sync.Mutex
	var last store.GCProgress
	stop = showProgress(stderr, func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("deleting: %s/%s objects, %s", report.Count(int64(last.Done)), report.Count(int64(last.Total)), report.HumanBytes(last.Bytes))
	})
	res := plan.Run(ctx, s, func(p store.GCProgress) { mu.Lock(); last = p; mu.Unlock() })
	stop()
	doc := struct {
		Plan   *store.GCPlan   `json:"plan"`
		Result *store.GCResult `json:"result"`
	}{plan, res}
	if !output(cfg, doc, func(w io.Writer) error { return report.WriteGCResult(w, res) }) {
		return exitFailed
	}
	switch {
	case res.Cancelled || errors.Is(ctx.Err(), context.Canceled):
		return exitInterrupted
	case len(res.Failures) > 0:
		return exitProblems
	}
	return exitOK
}

// fileStoreDir is a file:// store's directory, or "".
func fileStoreDir(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "file" || u.Path == "" {
		return ""
	}
	return filepath.FromSlash(u.Path)
}
