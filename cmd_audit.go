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
	rep, code, ok := runAudit(ctx, cfg, snap, actions.AuditOptions{
		Patterns: cfg.args,
		Offline:  offline,
		VulnDB:   actions.VulnDBOptions{URL: vulndb, Cache: actions.DefaultVulnDBCache(), Clock: snap.Clock},
	})
	if !ok {
		return code
	}
	now := snap.Clock.Now()
	if !output(cfg, rep, func(w io.Writer) error { return report.WriteAudit(w, rep, now) }) {
		return exitFailed
	}
	if rep.AffectsProject {
		return exitProblems
	}
	return exitOK
}

// runAudit runs an audit with a progress line and says on stderr, in one
// line each with the next step, when the database or GOPROXY could not
// be reached. ok false: the database could not be read (exit 2, said).
func runAudit(ctx context.Context, cfg *config, snap *cachescan.Snapshot, opts actions.AuditOptions) (*actions.AuditReport, int, bool) {
	stderr := cfg.stderr
	stop := showProgress(stderr, func() string { return "auditing: reading the vulnerability database and the latest go.mod files…" })
	rep, err := actions.Audit(ctx, snap, opts)
	stop()
	if err != nil {
		var dbErr *actions.VulnDBError
		if errors.As(err, &dbErr) {
			fmt.Fprintf(stderr, "modscope: %s\n", dbErr.Msg)
			return nil, exitFailed, false
		}
		return nil, fail(stderr, err), false
	}
	now := snap.Clock.Now()
	if st := rep.VulnDB; st.NetworkError != "" {
		fmt.Fprintf(stderr, "modscope: the vulnerability database could not be reached (%s); using the copy kept earlier (%s); run again with the network for newer data, or pass --offline\n",
			st.NetworkError, report.VulnDBAge(st, now))
	}
	if rep.ProxyError != "" {
		fmt.Fprintf(stderr, "modscope: GOPROXY could not be asked (%s); retractions and deprecations come from the cached go.mod files; run again with the network, or pass --offline\n", rep.ProxyError)
	}
	return rep, exitOK, true
}
