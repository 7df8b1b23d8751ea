package main

// The commands that change the caches: purge, repair and download.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// purgeFlags is purge: it plans the removal of what the targets name,
// shows the plan, asks (default no), and removes it with the go command's
// locks and order.
func purgeFlags(fs *flag.FlagSet, cfg *config) runFunc {
	cacheFlags(fs, cfg)
	var change changeOpts
	readOnlyFlag(fs, &change)
	planFlags(fs, &change)
	var t actions.Targets
	var projects listFlag
	buildCache, olderThan := false, ""
	fs.BoolVar(&t.Metadata, "metadata", false, "")
	fs.BoolVar(&t.Problems, "problems", false, "")
	fs.IntVar(&t.KeepLatest, "keep-latest", 0, "")
	fs.BoolVar(&t.Unused, "unused", false, "")
	fs.Var(&projects, "projects", "")
	fs.BoolVar(&t.Toolchains, "toolchains", false, "")
	fs.BoolVar(&t.VCS, "vcs", false, "")
	fs.BoolVar(&t.SumDBCache, "sumdb-cache", false, "")
	fs.BoolVar(&buildCache, "build-cache", false, "")
	fs.StringVar(&olderThan, "older-than", "", "")
	fs.BoolVar(&t.BuildCorrupt, "corrupt", false, "")
	fs.BoolVar(&t.BuildAll, "all", false, "")
	fs.BoolVar(&t.TestCache, "test-cache", false, "")
	fs.BoolVar(&t.FuzzCache, "fuzz-cache", false, "")
	fs.BoolVar(&t.StaleIndex, "stale-index", false, "")
	var au auditPurge
	fs.BoolVar(&au.vulnerable, "vulnerable", false, "")
	fs.BoolVar(&au.retracted, "retracted", false, "")
	fs.StringVar(&au.vulndb, "vulndb", "", "")
	fs.BoolVar(&au.offline, "offline", false, "")
	cfg.check(checkCombination, func() string {
		if au.vulnerable || au.retracted {
			t.Audit = map[actions.AuditKey]string{} // filled in by the audit
			if t.Metadata {
				return "--metadata: --vulnerable and --retracted keep the .mod and .info (a module's latest .mod is where retractions are read); purge those by name with --metadata"
			}
		} else if au.vulndb != "" || au.offline {
			return "--vulndb and --offline say how --vulnerable and --retracted audit: add one of them"
		}
		if msg := checkTargets(&t, buildCache, olderThan, projects, cfg.set["keep-latest"] && t.KeepLatest == 0); msg != "" {
			return msg
		}
		for _, d := range projects {
			if err := mustBeDir("--projects", d); err != nil {
				return cachescan.Printable(err.Error()) + "; name directories that hold your projects"
			}
		}
		return ""
	})
	cfg.check(checkCeiling, func() string {
		if t.KeepLatest > maxKeepLatest {
			return fmt.Sprintf("--keep-latest %d: at most %d%s", t.KeepLatest, maxKeepLatest, seeFlags)
		}
		return ""
	})
	return func(ctx context.Context, cfg *config) int {
		return purge(ctx, cfg, change, t, projects, au)
	}
}

// auditPurge is purge's --vulnerable and --retracted: which findings of
// an audit run first it removes, and how that audit reads the database.
type auditPurge struct {
	vulnerable, retracted bool
	vulndb                string
	offline               bool
}

func (a auditPurge) kinds() []actions.AuditKind {
	var ks []actions.AuditKind
	if a.vulnerable {
		ks = append(ks, actions.AuditVulnerable)
	}
	if a.retracted {
		ks = append(ks, actions.AuditRetracted)
	}
	return ks
}

// auditForPurge runs the audit whose vulnerable or retracted versions no
// project uses the purge removes, and puts them in t.Audit with their
// reasons. ok false: the exit status is code, the message printed.
func auditForPurge(ctx context.Context, cfg *config, snap *cachescan.Snapshot, t *actions.Targets, au auditPurge) (rep *actions.AuditReport, code int, ok bool) {
	stderr := cfg.stderr
	if t.Used == nil {
		if snap.Project == nil {
			fmt.Fprintln(stderr, "modscope: --vulnerable and --retracted need a project, whose versions they keep: run modscope in a module, or name --projects DIR")
			return nil, exitFailed, false
		}
		if len(snap.Project.Errors) > 0 {
			fmt.Fprintf(stderr, "modscope: the project's files do not read cleanly (%s): fix them first, or every version they name would look unused\n", cachescan.Printable(snap.Project.Errors[0]))
			return nil, exitFailed, false
		}
		t.Used = actions.ProjectUsage(snap.Project)
	}
	if none := actions.Unmatched(snap, cfg.args); len(none) > 0 {
		fmt.Fprintf(stderr, "modscope: no cached version matches %s; modscope scan lists what is cached\n", cachescan.Printable(strings.Join(none, " ")))
		return nil, exitFailed, false
	}
	vulndb := au.vulndb
	if vulndb == "" {
		vulndb = os.Getenv("GOVULNDB")
	}
	rep, code, ok = runAudit(ctx, cfg, snap, actions.AuditOptions{
		Patterns: cfg.args, Offline: au.offline, Used: t.Used,
		VulnDB: actions.VulnDBOptions{URL: vulndb, Cache: actions.DefaultVulnDBCache(), Clock: snap.Clock},
	})
	if !ok {
		return nil, code, false
	}
	t.Audit = rep.PurgeTargets(au.kinds()...).Audit
	return rep, exitOK, true
}

func purge(ctx context.Context, cfg *config, change changeOpts, t actions.Targets, projects []string, au auditPurge) int {
	stderr := cfg.stderr
	if refuseReadOnly(change, stderr) || refuseRoots(cfg, t, stderr) {
		return exitFailed
	}
	if !anyTarget(cfg.args, t) {
		fmt.Fprintln(stderr, "modscope: purge needs targets: path@version, path, path/..., or a policy (--problems, --unused...); see modscope --help")
		return exitFailed
	}
	if err := actions.CheckPatterns(cfg.args); err != nil {
		return fail(stderr, err)
	}
	snap, code, ok := runScan(ctx, cfg)
	if !ok {
		return code
	}
	t.Patterns = cfg.args
	if len(projects) > 0 {
		u, err := actions.FindUsage(projects, snap.ModCache.Root, snap.BuildCache.Root)
		if err != nil {
			return fail(stderr, err)
		}
		t.Used = u
	}
	if t.Problems || t.BuildCorrupt {
		found, err := foundProblems(ctx, snap, false, 0, stderr)
		if err != nil {
			return fail(stderr, err)
		}
		if t.BuildCorrupt {
			// Build outputs are only known corrupt by hashing them all.
			v := actions.NewVerifier()
			stop := showProgress(stderr, func() string {
				p := v.Progress()
				return fmt.Sprintf("hashing build outputs: %s/%s", report.Count(p.ItemsDone), report.Count(p.Items))
			})
			rep, err := v.Verify(ctx, snap, actions.VerifyOptions{BuildOnly: true})
			stop()
			if err != nil {
				return fail(stderr, err)
			}
			found = append(found, rep.Problems...)
		}
		t.Found = found
	}
	var vulndb *actions.VulnDBStatus
	if t.Audit != nil {
		rep, code, ok := auditForPurge(ctx, cfg, snap, &t, au)
		if !ok {
			return code
		}
		vulndb = rep.VulnDB
	}
	plan, err := actions.Plan(snap, t)
	if err != nil {
		return fail(stderr, err)
	}
	if !cfg.jsonOut {
		if vulndb != nil {
			fmt.Fprintf(cfg.stdout, "Audited with %s: %s\n", cachescan.Printable(vulndb.URL), report.VulnDBAge(vulndb, snap.Clock.Now()))
		}
		report.WritePurgePlan(cfg.stdout, plan)
	}
	planDoc := struct {
		Plan   *actions.PurgePlan    `json:"plan"`
		VulnDB *actions.VulnDBStatus `json:"vulndb,omitempty"`
	}{plan, vulndb}
	if change.dryRun {
		if !output(cfg, planDoc, nil) {
			return exitFailed
		}
		return exitOK
	}
	if !slices.ContainsFunc(plan.Items, func(it *actions.PurgeItem) bool { return it.Refused == "" }) {
		// Nothing it may remove: no question to ask.
		if !output(cfg, planDoc, nil) {
			return exitFailed
		}
		if len(plan.Manual) > 0 || plan.Blocked() {
			return exitProblems
		}
		return exitOK
	}
	if ok, code := confirm(ctx, change.yes, question(plan), cfg.stdin, stderr); !ok {
		return code
	}
	results := runPlan(ctx, plan, stderr)
	failed := plan.Blocked()
	for _, r := range results {
		failed = failed || r.Err != ""
	}
	doc := struct {
		Plan    *actions.PurgePlan    `json:"plan"`
		VulnDB  *actions.VulnDBStatus `json:"vulndb,omitempty"`
		Results []actions.PurgeResult `json:"results"`
	}{plan, vulndb, results}
	if !output(cfg, doc, func(w io.Writer) error { report.WritePurgeResults(w, results); return nil }) {
		return exitFailed
	}
	if failed {
		return exitProblems
	}
	return exitOK
}

// repairFlags is repair: it applies the fix of every problem the scan and
// the last verify found (or, with --verify, a verify run now).
func repairFlags(fs *flag.FlagSet, cfg *config) runFunc {
	cacheFlags(fs, cfg)
	var change changeOpts
	readOnlyFlag(fs, &change)
	planFlags(fs, &change)
	verify := fs.Bool("verify", false, "")
	timeout := timeoutFlag(fs, cfg)
	return func(ctx context.Context, cfg *config) int {
		return repair(ctx, cfg, change, *verify, actions.DownloadOptions{Timeout: *timeout})
	}
}

func repair(ctx context.Context, cfg *config, change changeOpts, verify bool, dopts actions.DownloadOptions) int {
	stderr := cfg.stderr
	if refuseReadOnly(change, stderr) || refuseRoots(cfg, actions.Targets{}, stderr) {
		return exitFailed
	}
	snap, code, ok := runScan(ctx, cfg)
	if !ok {
		return code
	}
	found, err := foundProblems(ctx, snap, verify, 0, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	plan := actions.PlanRepair(snap, found)
	if !cfg.jsonOut {
		report.WriteRepairPlan(cfg.stdout, plan, len(found))
	}
	var noDownloads error
	if len(plan.Downloads) > 0 {
		if noDownloads = actions.CheckDownloadSetup(cfg.env); noDownloads != nil {
			fmt.Fprintf(stderr, "modscope: the downloads will not run: %s\n", cachescan.Printable(noDownloads.Error()))
		}
	}
	if change.dryRun || plan.Empty() {
		if !output(cfg, struct {
			Plan *actions.RepairPlan `json:"plan"`
		}{plan}, nil) {
			return exitFailed
		}
		if len(plan.Manual) > 0 {
			return exitProblems
		}
		return exitOK
	}
	if ok, code := confirm(ctx, change.yes, "Repair?", cfg.stdin, stderr); !ok {
		return code
	}
	results := runPlan(ctx, plan.Purge, stderr)
	res := &actions.RepairResult{Purge: results}
	if len(plan.Downloads) > 0 && ctx.Err() == nil && noDownloads == nil {
		dopts.Found = found
		res.Downloads = runDownloads(ctx, snap, plan.Downloads, dopts, stderr)
	}
	doc := struct {
		Plan   *actions.RepairPlan   `json:"plan"`
		Result *actions.RepairResult `json:"result"`
	}{plan, res}
	if !output(cfg, doc, func(w io.Writer) error {
		report.WritePurgeResults(w, res.Purge)
		report.WriteDownloadResults(w, res.Downloads)
		return nil
	}) {
		return exitFailed
	}
	if res.Failed() || len(plan.Manual) > 0 || (len(plan.Downloads) > 0 && noDownloads != nil) {
		return exitProblems
	}
	return exitOK
}

// downloadFlags is download: it fetches fresh copies of module versions
// through the go command and replaces the cached ones once the fresh ones
// are checked.
func downloadFlags(fs *flag.FlagSet, cfg *config) runFunc {
	jobs := jobsFlag(fs, cfg)
	cacheFlags(fs, cfg)
	var change changeOpts
	readOnlyFlag(fs, &change)
	timeout := timeoutFlag(fs, cfg)
	code := fs.Bool("code", false, "fetch the zip and tree of a version cached as metadata only")
	return func(ctx context.Context, cfg *config) int {
		return download(ctx, cfg, change, actions.DownloadOptions{Timeout: *timeout, Jobs: *jobs, Code: *code})
	}
}

func download(ctx context.Context, cfg *config, change changeOpts, dopts actions.DownloadOptions) int {
	stderr := cfg.stderr
	if refuseReadOnly(change, stderr) || refuseRoots(cfg, actions.Targets{}, stderr) {
		return exitFailed
	}
	if len(cfg.args) == 0 {
		fmt.Fprintln(stderr, "modscope: download needs module versions: path@version (or path@latest)")
		return exitFailed
	}
	var targets []string
	for _, a := range cfg.args {
		if err := actions.CheckTarget(a); err != nil {
			return fail(stderr, err)
		}
		if !slices.Contains(targets, a) {
			targets = append(targets, a) // each version is fetched once
		}
	}
	if err := actions.CheckDownloadSetup(cfg.env); err != nil {
		return fail(stderr, err)
	}
	snap, code, ok := runScan(ctx, cfg)
	if !ok {
		return code
	}
	results := runDownloads(ctx, snap, targets, dopts, stderr)
	if !output(cfg, results, func(w io.Writer) error { report.WriteDownloadResults(w, results); return nil }) {
		return exitFailed
	}
	for _, r := range results {
		if r.NeedsAction() {
			return exitProblems
		}
	}
	return exitOK
}
