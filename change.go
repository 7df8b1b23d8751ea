package main

// What the commands that change the caches (purge, repair, download,
// in cmd_change.go) share: their checks, the question, the progress of
// a plan and of downloads.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"modscope/actions"
	"modscope/actions/confine"
	"modscope/cachescan"
	"modscope/report"
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
	case len(projects) > 0 && !t.Unused && t.Audit == nil:
		return "--projects says which projects --unused (or --vulnerable, --retracted) keeps versions for: add --unused"
	case t.KeepLatest < 0 || keepLatestZero:
		return "--keep-latest needs a positive count: 1 keeps only the latest version"
	}
	return ""
}

// anyTarget reports whether purge was given something to remove.
func anyTarget(args []string, t actions.Targets) bool {
	return len(args) > 0 || t.Problems || t.KeepLatest > 0 || t.Unused || t.Toolchains || t.VCS ||
		t.SumDBCache || t.Audit != nil || t.BuildOlderThan > 0 || t.BuildCorrupt || t.BuildAll || t.TestCache || t.FuzzCache || t.StaleIndex
}

// foundProblems is what repair and purge --problems fix: the fresh scan's
// problems, plus what hashing finds now (with verify) or, without it, what
// the last verify found and still holds.
func foundProblems(ctx context.Context, snap *cachescan.Snapshot, verify bool, jobs int, stderr io.Writer) ([]cachescan.Problem, error) {
	if verify {
		v := actions.NewVerifier()
		stop := showProgress(stderr, func() string {
			p := v.Progress()
			return fmt.Sprintf("verifying: %s/%s items, %s hashed", report.Count(p.ItemsDone), report.Count(p.Items), report.HumanBytes(p.BytesDone))
		})
		rep, err := v.Verify(ctx, snap, actions.VerifyOptions{Jobs: jobs, ZipCache: actions.DefaultZipCache()})
		stop()
		if err != nil {
			return nil, err
		}
		saveFindings(snap, rep, nil)
		return append(append([]cachescan.Problem(nil), snap.Problems...), rep.Problems...), nil
	}
	stop := func() {}
	found, err := actions.Found(ctx, snap, actions.DefaultFindings(), func() {
		stop = showProgress(stderr, func() string { return "checking again what the last verify found…" })
	})
	stop()
	return found, err
}

// saveFindings keeps what a verify found for a later repair; failing to
// keep them only means repair finds less, so it is not an error.
func saveFindings(snap *cachescan.Snapshot, rep *actions.VerifyReport, patterns []string) {
	actions.SaveVerify(actions.DefaultFindings(), snap, rep, patterns)
}

// confirm asks on a terminal, defaulting to no; without a terminal and
// without --yes the answer is no. The question goes to stderr so that
// --json output stays one document. Ctrl+C while it waits answers no.
func confirm(ctx context.Context, yes bool, question string, stdin io.Reader, stderr io.Writer) (bool, int) {
	if yes {
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
func refuseReadOnly(c changeOpts, stderr io.Writer) bool {
	if !c.readOnly || c.dryRun {
		return false
	}
	next := "add --dry-run to see the plan, or drop --read-only"
	if !c.canDryRun {
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
func refuseRoots(cfg *config, t actions.Targets, stderr io.Writer) bool {
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
	if t.BuildAll || t.BuildOlderThan > 0 || t.BuildCorrupt || t.TestCache || t.FuzzCache || t.StaleIndex {
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
		return fmt.Sprintf("removing: %d/%d items (%s/%s paths), %s freed", done, total, report.Count(n), report.Count(paths), report.HumanBytes(max(bytes, freed)))
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

// runDownloads fetches with one progress line per version on stderr.
func runDownloads(ctx context.Context, snap *cachescan.Snapshot, targets []string, opts actions.DownloadOptions, stderr io.Writer) []actions.DownloadResult {
	opts.Progress = func(e actions.DownloadEvent) {
		if !e.Step.Settled() && e.Bytes == 0 { // installing reports its bytes too: one line a step
			fmt.Fprintf(stderr, "%s %s…\n", e.Step, cachescan.Printable(e.Target))
		}
	}
	return actions.Download(ctx, snap, targets, opts)
}
