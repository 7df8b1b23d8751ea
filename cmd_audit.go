package main

// audit: vulnerable, retracted and deprecated versions in the module cache.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// auditFlags is audit: it scans the module cache, then matches every
// cached version against the Go vulnerability database and each module's
// latest go.mod.
func auditFlags(fs *flag.FlagSet, cfg *config) runFunc {
	cacheFlags(fs, cfg)
	vulndb := fs.String("vulndb", "", "")
	offline := fs.Bool("offline", false, "")
	return func(ctx context.Context, cfg *config) int {
		return audit(ctx, cfg, *vulndb, *offline)
	}
}

func audit(ctx context.Context, cfg *config, vulndb string, offline bool) int {
	stderr := cfg.stderr
	if err := actions.CheckPatterns(cfg.args); err != nil {
		return fail(stderr, err)
	}
	// The database as govulncheck finds it: the flag, then GOVULNDB.
	if vulndb == "" {
		vulndb = os.Getenv("GOVULNDB")
	}
	// Only the module cache matters, and no zip needs opening.
	cfg.opts.BuildCache = ""
	cfg.opts.SkipZipCheck = true
	snap, code, ok := runScan(ctx, cfg)
	if !ok {
		return code
	}
	if none := actions.Unmatched(snap, cfg.args); len(none) > 0 {
		fmt.Fprintf(stderr, "modscope: no cached version matches %s; modscope scan lists what is cached\n", cachescan.Printable(strings.Join(none, " ")))
		return exitFailed
	}
	stop := showProgress(stderr, func() string { return "auditing: reading the vulnerability database and the latest go.mod files…" })
	rep, err := actions.Audit(ctx, snap, actions.AuditOptions{
		Patterns: cfg.args,
		Offline:  offline,
		VulnDB:   actions.VulnDBOptions{URL: vulndb, Cache: actions.DefaultVulnDBCache(), Clock: snap.Clock},
	})
	stop()
	if err != nil {
		var dbErr *actions.VulnDBError
		if errors.As(err, &dbErr) {
			fmt.Fprintf(stderr, "modscope: %s\n", dbErr.Msg)
			return exitFailed
		}
		return fail(stderr, err)
	}
	now := snap.Clock.Now()
	if st := rep.VulnDB; st.NetworkError != "" {
		fmt.Fprintf(stderr, "modscope: the vulnerability database could not be reached (%s); using the copy kept earlier (%s); run again with the network for newer data, or pass --offline\n",
			st.NetworkError, report.VulnDBAge(st, now))
	}
	if rep.ProxyError != "" {
		fmt.Fprintf(stderr, "modscope: GOPROXY could not be asked (%s); retractions and deprecations come from the cached go.mod files; run again with the network, or pass --offline\n", rep.ProxyError)
	}
	if !output(cfg, rep, func(w io.Writer) error { return report.WriteAudit(w, rep, now) }) {
		return exitFailed
	}
	if rep.AffectsProject {
		return exitProblems
	}
	return exitOK
}
