package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"modscope/actions"
	"modscope/actions/confine"
	"modscope/cachescan"
	"modscope/ui"
)

// listFlag is a flag given several times, each value possibly a list
// separated as in GOPATH.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, string(filepath.ListSeparator)) }

func (l *listFlag) Set(s string) error {
	for _, v := range filepath.SplitList(s) {
		if v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// checkTargets finishes reading purge's target flags and says what is
// wrong with their combination.
func checkTargets(t *actions.Targets, buildCache bool, olderThan string, projects []string, keepLatestZero bool) string {
	if olderThan != "" {
		d, err := actions.ParseAge(olderThan)
		if err != nil {
			return "--older-than: " + err.Error()
		}
		if d == 0 {
			return "--older-than 0 is every entry: say --all"
		}
		if d > maxOlderThan {
			return "--older-than " + olderThan + ": at most " + actions.FormatAge(maxOlderThan) + " (100 years); --all takes every entry"
		}
		t.BuildOlderThan = d
	}
	build := t.BuildOlderThan > 0 || t.BuildCorrupt || t.BuildAll
	switch {
	case build && !buildCache:
		return "--older-than, --corrupt and --all need --build-cache too"
	case buildCache && !build:
		return "--build-cache needs --older-than DURATION, --corrupt or --all"
	case t.BuildAll && (t.BuildOlderThan > 0 || t.BuildCorrupt):
		return "--all already takes every build-cache entry: drop --older-than and --corrupt"
	case len(projects) > 0 && !t.Unused:
		return "--projects says which projects --unused keeps versions for: add --unused"
	case t.KeepLatest < 0 || keepLatestZero:
		return "--keep-latest needs a positive count: 1 keeps only the latest version"
	}
	return ""
}

// anyTarget reports whether purge was given something to remove.
func anyTarget(cfg config) bool {
	t := cfg.targets
	return len(cfg.args) > 0 || t.Problems || t.KeepLatest > 0 || t.Unused || t.Toolchains || t.VCS ||
		t.SumDBCache || t.BuildOlderThan > 0 || t.BuildCorrupt || t.BuildAll || t.TestCache || t.FuzzCache
}

// foundProblems is what repair and purge --problems fix: the fresh scan's
// problems, plus what hashing finds now (with verify) or, without it, what
// the last verify found and still holds.
func foundProblems(ctx context.Context, cfg config, snap *cachescan.Snapshot, verify bool, stderr io.Writer) ([]cachescan.Problem, error) {
	found := append([]cachescan.Problem(nil), snap.Problems...)
	if verify {
		v := actions.NewVerifier()
		stop := showProgress(stderr, func() string {
			p := v.Progress()
			return fmt.Sprintf("verifying: %s/%s items, %s hashed", ui.Count(p.ItemsDone), ui.Count(p.Items), ui.HumanBytes(p.BytesDone))
		})
		rep, err := v.Verify(ctx, snap, actions.VerifyOptions{Jobs: cfg.jobs, ZipCache: cfg.zipCache})
		stop()
		if err != nil {
			return nil, err
		}
		saveFindings(snap, rep.Problems, nil)
		return append(found, rep.Problems...), nil
	}
	last := actions.LoadFindings(actions.DefaultFindings(), snap.ModCache.Root, snap.BuildCache.Root)
	if last == nil || len(last.Problems) == 0 {
		return found, nil
	}
	stop := showProgress(stderr, func() string { return "checking again what the last verify found…" })
	still, err := actions.Recheck(ctx, snap, last)
	stop()
	if err != nil {
		return nil, err
	}
	return append(found, still...), nil
}

// saveFindings keeps what a verify found for a later repair; failing to
// keep them only means repair finds less, so it is not an error.
func saveFindings(snap *cachescan.Snapshot, problems []cachescan.Problem, patterns []string) {
	actions.SaveFindings(actions.DefaultFindings(), actions.Findings{
		ModCache: snap.ModCache.Root, GoCache: snap.BuildCache.Root, At: snap.ScannedAt, Problems: problems}, patterns)
}

// confirm asks on a terminal, defaulting to no; without a terminal and
// without --yes the answer is no. The question goes to stderr so that
// --json output stays one document. Ctrl+C while it waits answers no.
func confirm(ctx context.Context, cfg config, question string, stdin io.Reader, stderr io.Writer) (bool, int) {
	if cfg.yes {
		return true, exitOK
	}
	f, isFile := stdin.(*os.File)
	if !isFile || !askable(f) {
		fmt.Fprintln(stderr, "modscope: not a terminal and no --yes: nothing changed (add --yes, or --dry-run to see the plan)")
		return false, exitFailed
	}
	fmt.Fprint(stderr, question+" [y/N] ")
	answered := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		answered <- line
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(stderr, "\nNothing changed.")
		return false, exitInterrupted
	case answer := <-answered:
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(stderr, "Nothing changed.")
			return false, exitOK
		}
	}
	return true, exitOK
}

// askable reports whether confirm may ask on f (a variable for tests).
var askable = isTerminal

// refuseReadOnly says so and reports true when --read-only forbids what
// the command would do: anything but a --dry-run plan.
func refuseReadOnly(cfg config, stderr io.Writer) bool {
	if !cfg.readOnly || cfg.dryRun {
		return false
	}
	next := "add --dry-run to see the plan, or drop --read-only"
	if !cfg.canDryRun {
		next = "drop --read-only"
	}
	fmt.Fprintln(stderr, "modscope: --read-only: nothing is changed; "+next)
	return true
}

// refuseRoots stops a command that changes the caches before it scans
// when a root is one no cache can be ("/", the home directory or above
// it), or when build-cache targets name a GOCACHE without the go
// command's README: the confined layer would refuse every change anyway,
// and a scan of "/" would take long to say so.
func refuseRoots(cfg config, stderr io.Writer) bool {
	check := func(dir string, kind confine.Kind) bool {
		if dir == "" {
			return false
		}
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return false // nothing to change; the go command makes it
		}
		if err := confine.Check(dir, kind); err != nil {
			fmt.Fprintln(stderr, "modscope: "+cachescan.Printable(err.Error()))
			return true
		}
		return false
	}
	if check(cfg.opts.ModCache, confine.ModCache) {
		return true
	}
	if t := cfg.targets; t.BuildAll || t.BuildOlderThan > 0 || t.BuildCorrupt || t.TestCache || t.FuzzCache {
		return check(cfg.opts.BuildCache, confine.BuildCache)
	}
	return false
}

// question asks about a plan in its own words.
func question(plan *actions.PurgePlan) string {
	if len(plan.Items) == 1 {
		return "Remove it?"
	}
	return "Remove them?"
}

// runPlan runs a purge plan with a progress line.
func runPlan(ctx context.Context, plan *actions.PurgePlan, stderr io.Writer) []actions.PurgeResult {
	var mu sync.Mutex
	done, total := 0, len(plan.Items)
	var freed int64
	paths := plan.Paths()
	stop := showProgress(stderr, func() string {
		mu.Lock()
		defer mu.Unlock()
		n, bytes := plan.Progress()
		return fmt.Sprintf("removing: %d/%d items (%s/%s paths), %s freed", done, total, ui.Count(n), ui.Count(paths), ui.HumanBytes(max(bytes, freed)))
	})
	res := plan.Run(ctx, func(r actions.PurgeResult) {
		mu.Lock()
		done++
		freed += r.Freed.Bytes
		mu.Unlock()
	})
	stop()
	return res
}

// purgeCmd plans the removal of what the targets name, shows the plan,
// asks (default no), and removes it with the go command's locks and order.
func purgeCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, code, ok := parse(ctx, "purge", args, true, stdout, stderr)
	if !ok {
		return code
	}
	if refuseReadOnly(cfg, stderr) || refuseRoots(cfg, stderr) {
		return exitFailed
	}
	if !anyTarget(cfg) {
		fmt.Fprintln(stderr, "modscope: purge needs targets: path@version, path, path/..., or a policy (--problems, --unused...); see modscope --help")
		return exitFailed
	}
	if err := actions.CheckPatterns(cfg.args); err != nil {
		return fail(stderr, err)
	}
	snap, code, ok := runScan(ctx, cfg, stderr)
	if !ok {
		return code
	}
	t := cfg.targets
	t.Patterns, t.Metadata = cfg.args, cfg.metadata
	if len(cfg.projects) > 0 {
		u, err := actions.FindUsage(cfg.projects, snap.ModCache.Root, snap.BuildCache.Root)
		if err != nil {
			return fail(stderr, err)
		}
		t.Used = u
	}
	if t.Problems || t.BuildCorrupt {
		found, err := foundProblems(ctx, cfg, snap, false, stderr)
		if err != nil {
			return fail(stderr, err)
		}
		if t.BuildCorrupt {
			// Build outputs are only known corrupt by hashing them all.
			v := actions.NewVerifier()
			stop := showProgress(stderr, func() string {
				p := v.Progress()
				return fmt.Sprintf("hashing build outputs: %s/%s", ui.Count(p.ItemsDone), ui.Count(p.Items))
			})
			rep, err := v.Verify(ctx, snap, actions.VerifyOptions{Jobs: cfg.jobs, BuildOnly: true})
			stop()
			if err != nil {
				return fail(stderr, err)
			}
			found = append(found, rep.Problems...)
		}
		t.Found = found
	}
	plan, err := actions.Plan(snap, t)
	if err != nil {
		return fail(stderr, err)
	}
	if !cfg.jsonOut {
		ui.WritePurgePlan(stdout, plan)
	}
	if cfg.dryRun {
		if cfg.jsonOut {
			writeJSON(stdout, struct {
				Plan *actions.PurgePlan `json:"plan"`
			}{plan})
		}
		return exitOK
	}
	if !slices.ContainsFunc(plan.Items, func(it *actions.PurgeItem) bool { return it.Refused == "" }) {
		// Nothing it may remove: no question to ask.
		if cfg.jsonOut {
			writeJSON(stdout, struct {
				Plan *actions.PurgePlan `json:"plan"`
			}{plan})
		}
		if len(plan.Manual) > 0 || plan.Blocked() {
			return exitProblems
		}
		return exitOK
	}
	if ok, code := confirm(ctx, cfg, question(plan), stdin, stderr); !ok {
		return code
	}
	results := runPlan(ctx, plan, stderr)
	failed := plan.Blocked()
	for _, r := range results {
		failed = failed || r.Err != ""
	}
	if cfg.jsonOut {
		writeJSON(stdout, struct {
			Plan    *actions.PurgePlan    `json:"plan"`
			Results []actions.PurgeResult `json:"results"`
		}{plan, results})
	} else {
		ui.WritePurgeResults(stdout, results)
	}
	if failed {
		return exitProblems
	}
	return exitOK
}

// repairCmd applies the fix of every problem the scan and the last verify
// found (or, with --verify, a verify run now).
func repairCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, code, ok := parse(ctx, "repair", args, false, stdout, stderr)
	if !ok {
		return code
	}
	if refuseReadOnly(cfg, stderr) || refuseRoots(cfg, stderr) {
		return exitFailed
	}
	snap, code, ok := runScan(ctx, cfg, stderr)
	if !ok {
		return code
	}
	found, err := foundProblems(ctx, cfg, snap, cfg.verify, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	plan := actions.PlanRepair(snap, found)
	if !cfg.jsonOut {
		ui.WriteRepairPlan(stdout, plan, len(found))
	}
	var noDownloads error
	if len(plan.Downloads) > 0 {
		if noDownloads = actions.CheckDownloadSetup(cfg.env); noDownloads != nil {
			fmt.Fprintf(stderr, "modscope: the downloads will not run: %s\n", cachescan.Printable(noDownloads.Error()))
		}
	}
	if cfg.dryRun || plan.Empty() {
		if cfg.jsonOut {
			writeJSON(stdout, struct {
				Plan *actions.RepairPlan `json:"plan"`
			}{plan})
		}
		if len(plan.Manual) > 0 {
			return exitProblems
		}
		return exitOK
	}
	if ok, code := confirm(ctx, cfg, "Repair?", stdin, stderr); !ok {
		return code
	}
	results := runPlan(ctx, plan.Purge, stderr)
	res := &actions.RepairResult{Purge: results}
	if len(plan.Downloads) > 0 && ctx.Err() == nil && noDownloads == nil {
		res.Downloads = runDownloads(ctx, cfg, snap, plan.Downloads, found, stderr)
	}
	if cfg.jsonOut {
		writeJSON(stdout, struct {
			Plan   *actions.RepairPlan   `json:"plan"`
			Result *actions.RepairResult `json:"result"`
		}{plan, res})
	} else {
		ui.WritePurgeResults(stdout, res.Purge)
		ui.WriteDownloadResults(stdout, res.Downloads)
	}
	if res.Failed() || len(plan.Manual) > 0 || (len(plan.Downloads) > 0 && noDownloads != nil) {
		return exitProblems
	}
	return exitOK
}

// runDownloads fetches with one progress line per version on stderr.
func runDownloads(ctx context.Context, cfg config, snap *cachescan.Snapshot, targets []string, found []cachescan.Problem, stderr io.Writer) []actions.DownloadResult {
	return actions.Download(ctx, snap, targets, actions.DownloadOptions{
		Timeout: cfg.timeout, Jobs: cfg.jobs, Found: found,
		Progress: func(e actions.DownloadEvent) {
			if e.Step == "fetching" || e.Step == "installing" {
				fmt.Fprintf(stderr, "%s %s…\n", e.Step, cachescan.Printable(e.Target))
			}
		},
	})
}

// downloadCmd fetches fresh copies of module versions through the go
// command and replaces the cached ones once the fresh ones are checked.
func downloadCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := parse(ctx, "download", args, true, stdout, stderr)
	if !ok {
		return code
	}
	if refuseReadOnly(cfg, stderr) || refuseRoots(cfg, stderr) {
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
	cfg.args = targets
	if err := actions.CheckDownloadSetup(cfg.env); err != nil {
		return fail(stderr, err)
	}
	snap, code, ok := runScan(ctx, cfg, stderr)
	if !ok {
		return code
	}
	results := runDownloads(ctx, cfg, snap, cfg.args, nil, stderr)
	if cfg.jsonOut {
		writeJSON(stdout, results)
	} else {
		ui.WriteDownloadResults(stdout, results)
	}
	for _, r := range results {
		if r.NeedsAction() {
			return exitProblems
		}
	}
	return exitOK
}
