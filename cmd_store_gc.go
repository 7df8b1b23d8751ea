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
	a := storeFlags(fs, cfg)
	gosum := fs.String("gosum", "", "")
	var change changeOpts
	planFlags(fs, &change)
	var policy store.GCPolicy
	var projects listFlag
	olderThan := ""
	fs.IntVar(&policy.KeepLatest, "keep-latest", 0, "")
	fs.StringVar(&olderThan, "older-than", "", "")
	fs.BoolVar(&policy.Unused, "unused", false, "")
	fs.Var(&projects, "projects", "")
	fs.BoolVar(&policy.Damaged, "damaged", false, "")
	fs.BoolVar(&policy.ProvenWrong, "proven-wrong", false, "")
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
		case *gosum != "" && !policy.ProvenWrong:
			return "--gosum says what --proven-wrong compares with: add --proven-wrong"
		case !policy.Any():
			return "store gc needs a policy: --keep-latest N, --older-than AGE, --unused --projects DIR, --damaged or --proven-wrong" + seeFlags
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
		return storeGC(ctx, cfg, a, change, policy, projects, *gosum)
	}
}

func storeGC(ctx context.Context, cfg *config, a *storeArgs, change changeOpts, policy store.GCPolicy, projects []string, gosum string) int {
	stderr := cfg.stderr
	if !storeURL(cfg, a) {
		return exitFailed
	}
	rawURL, patterns := a.URL, a.Patterns
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
	var sums *store.GoSum
	if gosum != "" {
		g, err := readGoSum(gosum)
		if err != nil {
			return fail(stderr, err)
		}
		sums = g
	}
	layout, _ := store.ParseLayout(a.layout)
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
		rep, err := store.Scan(ctx, s, inv, store.ScanOptions{Workers: a.workers})
		stop()
		if err != nil {
			return fail(stderr, err)
		}
		damage = rep.Damage
	}
	if policy.ProvenWrong {
		proven, code, ok := provenWrong(ctx, cfg, s, inv, a, sums)
		if !ok {
			return code
		}
		damage = append(damage, proven...)
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

// provenWrong is what store verify proves wrong, for --proven-wrong:
// hashed now against the go.sum, else the checksum database. A version
// that could not be verified (the database unreachable) is proven
// nothing and stays; a security error of the database (a tree that does
// not verify) stops the gc, whose proofs would come from it.
func provenWrong(ctx context.Context, cfg *config, s *store.Store, inv *store.Inventory, a *storeArgs, gosum *store.GoSum) ([]store.Damage, int, bool) {
	var sums store.Sums = gosum
	var db *actions.SumDB
	if gosum == nil {
		db = actions.NewSumDB(ctx, cachescan.ResolveEnv(ctx), false)
		sums = db
	}
	opts := verifyOptions(ctx, a, sums)
	stop := showProgress(cfg.stderr, func() string { return "hashing the store's zips and .mod files…" })
	rep, err := store.Verify(ctx, s, inv, opts)
	stop()
	if err != nil {
		return nil, fail(cfg.stderr, err), false
	}
	if db != nil {
		if sec := db.SecurityErrors(); len(sec) > 0 {
			fmt.Fprintf(cfg.stderr, "modscope: the checksum database failed a security check (%s): nothing deleted; run modscope store verify and check GOSUMDB\n", cachescan.Printable(firstLine(sec[0])))
			return nil, exitProblems, false
		}
	}
	if n := rep.ErrorCount(); n > 0 && !cfg.jsonOut {
		fmt.Fprintf(cfg.stdout, "Not verified (kept): %s; modscope store verify says why\n", report.Plural(int64(n), "version"))
	}
	return rep.Damage, exitOK, true
}
