// Command modscope browses, checks and cleans the Go module cache
// (GOMODCACHE) and build cache (GOCACHE).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"

	"modscope/actions"
	"modscope/assets"
	"modscope/cachescan"
	"modscope/ui"
)

// Exit statuses.
const (
	exitOK       = 0
	exitProblems = 1
	exitFailed   = 2
	// exitInterrupted is the shell's status for a command ended by Ctrl+C.
	exitInterrupted = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	// The first ctrl+c cancels the work; a second one kills the process.
	go func() { <-ctx.Done(); stop() }()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run parses the command line and runs a command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "", "scan":
		return scanCmd(ctx, cmd, args, stdout, stderr)
	case "verify":
		return verifyCmd(ctx, args, stdout, stderr)
	case "offline":
		return offlineCmd(ctx, args, stdout, stderr)
	case "explain":
		return explainCmd(args, os.Stdin, stdout, stderr)
	case "doctor":
		return doctorCmd(ctx, args, stdout, stderr)
	case "purge":
		return purgeCmd(ctx, args, os.Stdin, stdout, stderr)
	case "repair":
		return repairCmd(ctx, args, os.Stdin, stdout, stderr)
	case "download":
		return downloadCmd(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, assets.Usage())
		return exitOK
	}
	fmt.Fprintf(stderr, "modscope: unknown command %q; run modscope --help for the commands\n", cachescan.Printable(cmd))
	return exitFailed
}

// The numeric flags' ceilings: a value past one is a typo or hostile, and
// would cost memory or time for nothing (a worker past the cores only
// waits, a timeout of years never fires).
const (
	maxJobs       = actions.MaxJobs
	maxWorkers    = cachescan.MaxWorkers
	maxKeepLatest = 10000
	maxTimeout    = 24 * time.Hour
	maxOlderThan  = 36500 * 24 * time.Hour
)

// checkCeilings says which numeric flag is past its ceiling.
func checkCeilings(jobs, workers, keepLatest int, timeout time.Duration) string {
	switch {
	case jobs > maxJobs:
		return fmt.Sprintf("--jobs %d: at most %d (0: as many as CPUs)", jobs, maxJobs)
	case workers > maxWorkers:
		return fmt.Sprintf("--workers %d: at most %d (0: 4 x CPUs)", workers, maxWorkers)
	case keepLatest > maxKeepLatest:
		return fmt.Sprintf("--keep-latest %d: at most %d", keepLatest, maxKeepLatest)
	case timeout > maxTimeout:
		return fmt.Sprintf("--timeout %s: at most %s, like 10m", timeout, strings.TrimSuffix(maxTimeout.String(), "0m0s"))
	}
	return ""
}

// config is what every command needs: where the caches and the project
// are, and how to print.
type config struct {
	env      cachescan.Env
	opts     cachescan.Options
	jsonOut  bool
	noColor  bool
	args     []string
	jobs     int
	sumDB    bool
	export   string
	zipCache string
	dryRun   bool
	yes      bool
	metadata bool
	readOnly bool
	// canDryRun: the command takes --dry-run (purge, repair).
	canDryRun bool
	// purge's targets beyond its arguments, repair's and download's flags.
	targets  actions.Targets
	projects []string
	verify   bool
	timeout  time.Duration
}

// parse reads the flags every command shares, plus verify's --jobs; it
// returns the exit status to stop with when the command line is wrong.
func parse(ctx context.Context, name string, args []string, positional bool, stdout, stderr io.Writer) (config, int, bool) {
	flags := flag.NewFlagSet("modscope "+name, flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	jsonOut := flags.Bool("json", false, "")
	modcache := flags.String("modcache", "", "")
	gocache := flags.String("gocache", "", "")
	project := flags.String("project", "", "")
	workers := flags.Int("workers", 0, "")
	noColor := flags.Bool("no-color", false, "")
	jobs, sumDB, export, rehash := 0, false, "", false
	dryRun, yes, metadata, readOnly := false, false, false, false
	var t actions.Targets
	var projects listFlag
	buildCache, olderThan, verify, timeout := false, "", false, actions.DefaultDownloadTimeout
	if name == "" || name == "purge" || name == "repair" || name == "download" {
		flags.BoolVar(&readOnly, "read-only", false, "")
	}
	if name == "purge" || name == "repair" {
		flags.BoolVar(&dryRun, "dry-run", false, "")
		flags.BoolVar(&yes, "yes", false, "")
	}
	if name == "purge" {
		flags.BoolVar(&metadata, "metadata", false, "")
		flags.BoolVar(&t.Problems, "problems", false, "")
		flags.IntVar(&t.KeepLatest, "keep-latest", 0, "")
		flags.BoolVar(&t.Unused, "unused", false, "")
		flags.Var(&projects, "projects", "")
		flags.BoolVar(&t.Toolchains, "toolchains", false, "")
		flags.BoolVar(&t.VCS, "vcs", false, "")
		flags.BoolVar(&t.SumDBCache, "sumdb-cache", false, "")
		flags.BoolVar(&buildCache, "build-cache", false, "")
		flags.StringVar(&olderThan, "older-than", "", "")
		flags.BoolVar(&t.BuildCorrupt, "corrupt", false, "")
		flags.BoolVar(&t.BuildAll, "all", false, "")
		flags.BoolVar(&t.TestCache, "test-cache", false, "")
		flags.BoolVar(&t.FuzzCache, "fuzz-cache", false, "")
	}
	if name == "repair" {
		flags.BoolVar(&verify, "verify", false, "")
	}
	if name == "download" {
		flags.IntVar(&jobs, "jobs", 0, "")
	}
	if name == "download" || name == "repair" || name == "" {
		flags.DurationVar(&timeout, "timeout", timeout, "")
	}
	if name == "verify" {
		flags.IntVar(&jobs, "jobs", 0, "")
		flags.BoolVar(&sumDB, "sumdb", false, "")
		flags.BoolVar(&rehash, "rehash", false, "")
	}
	if name == "offline" {
		flags.StringVar(&export, "export", "", "")
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, assets.Usage())
			return config{}, exitOK, false
		}
		fmt.Fprintf(stderr, "modscope: %s; run modscope --help for the flags\n", cachescan.Printable(err.Error()))
		return config{}, exitFailed, false
	}
	keepZero := false
	flags.Visit(func(f *flag.Flag) { keepZero = keepZero || (f.Name == "keep-latest" && t.KeepLatest == 0) })
	if msg := checkTargets(&t, buildCache, olderThan, projects, keepZero); msg != "" {
		fmt.Fprintf(stderr, "modscope: %s\n", msg)
		return config{}, exitFailed, false
	}
	for _, d := range projects {
		if err := mustBeDir("--projects", d); err != nil {
			fmt.Fprintf(stderr, "modscope: %s; name directories that hold your projects\n", cachescan.Printable(err.Error()))
			return config{}, exitFailed, false
		}
	}
	if jobs < 0 || *workers < 0 {
		fmt.Fprintln(stderr, "modscope: --jobs and --workers take a positive count (0: as many as CPUs); run modscope --help for the flags")
		return config{}, exitFailed, false
	}
	if timeout <= 0 {
		fmt.Fprintln(stderr, "modscope: --timeout must be positive, like 2m; run modscope --help for the flags")
		return config{}, exitFailed, false
	}
	if msg := checkCeilings(jobs, *workers, t.KeepLatest, timeout); msg != "" {
		fmt.Fprintf(stderr, "modscope: %s; run modscope --help for the flags\n", msg)
		return config{}, exitFailed, false
	}
	if flags.NArg() > 0 && !positional {
		fmt.Fprintf(stderr, "modscope: unexpected argument %q; run modscope --help for the flags\n", cachescan.Printable(flags.Arg(0)))
		return config{}, exitFailed, false
	}
	for _, a := range flags.Args() {
		if strings.HasPrefix(a, "-") {
			fmt.Fprintf(stderr, "modscope: flags go before patterns: %q; run modscope --help\n", cachescan.Printable(a))
			return config{}, exitFailed, false
		}
	}
	cfg, err := resolve(ctx, *modcache, *gocache, *project)
	if err != nil {
		fmt.Fprintf(stderr, "modscope: %s\n", cachescan.Printable(err.Error()))
		return config{}, exitFailed, false
	}
	cfg.opts.Workers, cfg.jsonOut, cfg.noColor, cfg.args, cfg.jobs, cfg.sumDB = *workers, *jsonOut, *noColor, flags.Args(), jobs, sumDB
	if !rehash {
		cfg.zipCache = actions.DefaultZipCache()
	}
	cfg.dryRun, cfg.yes, cfg.metadata, cfg.readOnly = dryRun, yes, metadata, readOnly
	cfg.canDryRun = name == "purge" || name == "repair"
	cfg.targets, cfg.projects, cfg.verify, cfg.timeout = t, projects, verify, timeout
	if export != "" {
		if cfg.export, err = filepath.Abs(export); err != nil {
			fmt.Fprintf(stderr, "modscope: --export %s: %v\n", cachescan.Printable(export), err)
			return config{}, exitFailed, false
		}
	}
	if os.Getenv("GOGC") == "" {
		// The walk makes millions of short-lived small objects: a larger
		// heap target cuts the collector's share of the CPU by about a
		// third, for some tens of MB on a 500,000-file cache.
		debug.SetGCPercent(400)
	}
	return cfg, 0, true
}

func scanCmd(ctx context.Context, name string, args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := parse(ctx, name, args, false, stdout, stderr)
	if !ok {
		return code
	}
	// Without a subcommand, a terminal gets the TUI; anything else (a pipe,
	// a file, CI) gets the report.
	if f, ok := stdout.(*os.File); ok && name == "" && !cfg.jsonOut && isTerminal(f) && isTerminal(os.Stdin) {
		if err := ui.Run(ctx, cfg.opts, ui.RunOptions{NoColor: cfg.noColor, ReadOnly: cfg.readOnly, Timeout: cfg.timeout}); err != nil {
			fmt.Fprintf(stderr, "modscope: %s; modscope scan prints the same as a report\n", err)
			return exitFailed
		}
		return exitOK
	}
	snap, code, ok := runScan(ctx, cfg, stderr)
	if !ok {
		return code
	}
	return finish(stdout, stderr, cfg, snap, snap, nil)
}

// runScan scans with a progress line on a terminal's stderr.
func runScan(ctx context.Context, cfg config, stderr io.Writer) (*cachescan.Snapshot, int, bool) {
	scanner := cachescan.NewScanner()
	stop := showProgress(stderr, func() string {
		p := scanner.Progress()
		return fmt.Sprintf("scanning: %s files, %s", ui.Count(p.Files), ui.HumanBytes(p.Bytes))
	})
	snap, err := scanner.Scan(ctx, cfg.opts)
	stop()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, fail(stderr, err), false
		}
		fmt.Fprintf(stderr, "modscope: %s; check the path, or pass --modcache/--gocache\n", cachescan.Printable(err.Error()))
		return nil, exitFailed, false
	}
	return snap, 0, true
}

// verifyCmd scans, then hashes what the patterns select.
func verifyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := parse(ctx, "verify", args, true, stdout, stderr)
	if !ok {
		return code
	}
	if err := actions.CheckPatterns(cfg.args); err != nil {
		fmt.Fprintf(stderr, "modscope: %s\n", cachescan.Printable(err.Error()))
		return exitFailed
	}
	// Verify opens every zip anyway: the structural check happens there.
	cfg.opts.SkipZipCheck = true
	snap, code, ok := runScan(ctx, cfg, stderr)
	if !ok {
		return code
	}
	if none := actions.Unmatched(snap, cfg.args); len(none) > 0 {
		fmt.Fprintf(stderr, "modscope: no cached version matches %s; modscope scan lists what is cached\n", cachescan.Printable(strings.Join(none, " ")))
		return exitFailed
	}
	v := actions.NewVerifier()
	stop := showProgress(stderr, func() string {
		p := v.Progress()
		return fmt.Sprintf("verifying: %s/%s items, %s hashed  %s", ui.Count(p.ItemsDone), ui.Count(p.Items),
			ui.HumanBytes(p.BytesDone), cachescan.Printable(p.Current))
	})
	rep, err := v.Verify(ctx, snap, actions.VerifyOptions{Jobs: cfg.jobs, Patterns: cfg.args, SumDB: cfg.sumDB, ZipCache: cfg.zipCache, CheckZips: true})
	stop()
	if err != nil {
		return fail(stderr, err)
	}
	saveFindings(snap, rep.Problems, cfg.args)
	// The report: the scan's problems for what the patterns select, and
	// what hashing found.
	shown := *snap
	shown.Problems = nil
	// A name the go command did not write has its problem (path-invalid)
	// under no module: it is found by where it is.
	var invalid []string
	for _, m := range snap.ModCache.Modules {
		for _, v := range m.Versions {
			if v.State == "invalid" && len(cfg.args) > 0 && actions.Match(cfg.args, m.Path, v.Version) {
				invalid = append(invalid, v.Dir, v.DownloadDir)
			}
		}
	}
	for _, p := range snap.Problems {
		if len(cfg.args) == 0 || (p.Module != "" && actions.Match(cfg.args, p.Module, p.Version)) ||
			(p.Module == "" && p.Path != "" && slices.Contains(invalid, p.Path)) {
			shown.Problems = append(shown.Problems, p)
		}
	}
	shown.Problems = append(shown.Problems, rep.Problems...)
	cachescan.SortProblems(shown.Problems)
	if shown.Problems == nil {
		shown.Problems = []cachescan.Problem{}
	}
	return finish(stdout, stderr, cfg, &shown, &verified{&shown, rep}, rep)
}

// offlineCmd answers whether the project builds and tests offline, and
// with --export writes what it needs as a GOPROXY directory.
func offlineCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := parse(ctx, "offline", args, false, stdout, stderr)
	if !ok {
		return code
	}
	if cfg.opts.ProjectDir == "" {
		fmt.Fprintln(stderr, "modscope: no go.mod or go.work here or above; run it in a module, or pass --project DIR")
		return exitFailed
	}
	snap, code, ok := runScan(ctx, cfg, stderr)
	if !ok {
		return code
	}
	stop := showProgress(stderr, func() string { return "asking the go command what the build needs, offline…" })
	rep, err := actions.Offline(ctx, snap)
	stop()
	if err != nil {
		fmt.Fprintf(stderr, "modscope: %s\n", cachescan.Printable(err.Error()))
		return exitFailed
	}
	var exported *actions.ExportResult
	var exportErr error
	if cfg.export != "" {
		exported, exportErr = actions.Export(snap, rep, cfg.export)
	}
	doc := struct {
		*actions.OfflineReport
		Export      *actions.ExportResult `json:"export,omitempty"`
		ExportError string                `json:"exportError,omitempty"`
	}{OfflineReport: rep, Export: exported}
	if exportErr != nil {
		doc.ExportError = exportErr.Error()
	}
	if cfg.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(doc)
	} else {
		err = ui.WriteOffline(stdout, rep, exported, exportErr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "modscope: writing the report: %v\n", err)
		return exitFailed
	}
	if exportErr != nil {
		fmt.Fprintf(stderr, "modscope: %s\n", cachescan.Printable(exportErr.Error()))
		return exitProblems
	}
	if !rep.Ready {
		return exitProblems
	}
	return exitOK
}

// explainCmd classifies go command errors, from its arguments or stdin,
// with the knowledge base: the cause in a line, then the fix.
func explainCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("modscope explain", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	jsonOut := flags.Bool("json", false, "")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, assets.Usage())
			return exitOK
		}
		fmt.Fprintf(stderr, "modscope: %s; run modscope --help for the flags\n", cachescan.Printable(err.Error()))
		return exitFailed
	}
	text := strings.Join(flags.Args(), " ")
	if text == "" {
		if f, ok := stdin.(*os.File); ok && isTerminal(f) {
			fmt.Fprintln(stderr, "modscope: paste the go command's error after modscope explain, or pipe it in: go build ./... 2>&1 | modscope explain")
			return exitFailed
		}
		data, err := io.ReadAll(io.LimitReader(stdin, 16<<20))
		if err != nil {
			fmt.Fprintf(stderr, "modscope: reading stdin: %v\n", err)
			return exitFailed
		}
		text = string(data)
	}
	// Paths in the module cache name their module exactly once its root
	// is known.
	if env := cachescan.ResolveEnv(context.Background()); env.GOMODCACHE != "" {
		assets.CacheRoots = append(assets.CacheRoots, env.GOMODCACHE)
	}
	reading := assets.Read(text)
	if *jsonOut {
		// An error the knowledge base does not know is an element too,
		// marked unrecognised, so that a script sees it was not explained.
		type out struct {
			ID           string `json:"id"`
			Title        string `json:"title"`
			Text         string `json:"text"`
			Cause        string `json:"cause"`
			Fix          string `json:"fix"`
			Unrecognised bool   `json:"unrecognised,omitempty"`
		}
		doc := []out{}
		for _, m := range reading.Matches {
			doc = append(doc, out{ID: m.Error.ID, Title: m.Error.Title, Text: m.Text, Cause: m.Cause(), Fix: m.Fix()})
		}
		for _, l := range reading.Unrecognised {
			doc = append(doc, out{ID: "unrecognised", Title: "not in the knowledge base", Text: l,
				Cause: "not in the knowledge base", Fix: assets.UnrecognisedFix, Unrecognised: true})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(doc)
	} else {
		ui.WriteExplain(stdout, reading)
	}
	// Success is every error explained: a paste whose real failure is the
	// one line modscope does not know must not look handled.
	if len(reading.Matches) == 0 || len(reading.Unrecognised) > 0 {
		return exitProblems
	}
	return exitOK
}

// doctorCmd probes the setup behind most go mod tidy failures.
func doctorCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := parse(ctx, "doctor", args, false, stdout, stderr)
	if !ok {
		return code
	}
	var project *cachescan.Project
	if cfg.opts.ProjectDir != "" {
		// Only the project: no cache walk.
		snap, err := cachescan.NewScanner().Scan(ctx, cachescan.Options{Env: cfg.env, ProjectDir: cfg.opts.ProjectDir, Clock: cfg.opts.Clock})
		if err == nil {
			project = snap.Project
		}
	}
	findings := actions.Doctor(ctx, cfg.env, project)
	bad := false
	for _, f := range findings {
		bad = bad || !f.OK
	}
	if cfg.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(findings)
	} else {
		ui.WriteDoctor(stdout, cfg.env, findings)
	}
	if bad {
		return exitProblems
	}
	return exitOK
}

// fail reports an error that ends a command in one line and returns the
// exit status: 130 when Ctrl+C ended it, as shells expect.
func fail(stderr io.Writer, err error) int {
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "modscope: interrupted; nothing more was changed")
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "modscope: %s\n", cachescan.Printable(err.Error()))
	return exitFailed
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// verified is verify's JSON document: the snapshot, plus what was hashed.
type verified struct {
	*cachescan.Snapshot
	Verify *actions.VerifyReport `json:"verify"`
}

// finish prints the report or the JSON document and picks the exit status.
func finish(stdout, stderr io.Writer, cfg config, snap *cachescan.Snapshot, doc any, rep *actions.VerifyReport) int {
	var err error
	if cfg.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(doc)
	} else {
		err = ui.WriteReport(stdout, snap)
		if err == nil && rep != nil {
			err = ui.WriteVerifySummary(stdout, rep)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "modscope: writing the report: %v\n", err)
		return exitFailed
	}
	if cachescan.HasErrors(snap.Problems) {
		return exitProblems
	}
	if rep != nil && len(rep.SumDBErrors) > 0 {
		// --sumdb was asked for and could not be done.
		return exitProblems
	}
	return exitOK
}

// resolve works out the cache roots and the project: flags first, then the
// go command's settings.
func resolve(ctx context.Context, modcache, gocache, project string) (config, error) {
	env := cachescan.ResolveEnv(ctx)
	cfg := config{env: env}
	abs := func(flagName, dir string) (string, error) {
		a, err := filepath.Abs(dir)
		if err != nil {
			return "", fmt.Errorf("--%s %s: %v", flagName, dir, err)
		}
		return a, nil
	}
	var err error
	cfg.opts.ModCache = env.GOMODCACHE
	if modcache != "" {
		if cfg.opts.ModCache, err = abs("modcache", modcache); err != nil {
			return cfg, err
		}
		if err := mustBeDir("--modcache", cfg.opts.ModCache); err != nil {
			return cfg, err
		}
	}
	cfg.opts.BuildCache = env.GOCACHE
	if gocache == "off" || (gocache == "" && env.GOCACHE == "off") {
		cfg.opts.BuildCache = ""
	} else if gocache != "" {
		if cfg.opts.BuildCache, err = abs("gocache", gocache); err != nil {
			return cfg, err
		}
		if err := mustBeDir("--gocache", cfg.opts.BuildCache); err != nil {
			return cfg, err
		}
	}
	if cfg.opts.ModCache == "" {
		return cfg, errors.New("cannot locate the module cache: neither GOMODCACHE nor GOPATH is set and there is no home directory; pass --modcache DIR")
	}
	start := project
	if start == "" {
		if start, err = os.Getwd(); err != nil {
			return cfg, fmt.Errorf("cannot read the working directory: %v; pass --project DIR", err)
		}
	} else if err := mustBeDir("--project", start); err != nil {
		return cfg, err
	}
	cfg.opts.ProjectDir = cachescan.FindProject(start)
	if project != "" && cfg.opts.ProjectDir == "" {
		return cfg, fmt.Errorf("--project %s: no go.mod or go.work there or above", project)
	}
	cfg.opts.Env = env
	cfg.opts.Clock = clockOf(ctx)
	return cfg, nil
}

// clockKey is the context key of the clock a run measures ages from.
type clockKey struct{}

// withClock gives a run a clock other than the system's: tests give theirs,
// to which their fixtures are dated.
func withClock(ctx context.Context, c cachescan.Clock) context.Context {
	return context.WithValue(ctx, clockKey{}, c)
}

// clockOf is the clock withClock gave ctx; nil (the system's) otherwise.
func clockOf(ctx context.Context) cachescan.Clock {
	c, _ := ctx.Value(clockKey{}).(cachescan.Clock)
	return c
}

// mustBeDir rejects a flag's directory that does not exist, with a next step.
func mustBeDir(flagName, dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if flagName == "--modcache" || flagName == "--gocache" {
			// Only a root the go command reports is shown as empty
			// before its first use: a root you name is meant to exist.
			return fmt.Errorf("%s %s: no such directory; check the path (a root you name must exist)", flagName, dir)
		}
		return fmt.Errorf("%s %s: no such directory; check the path", flagName, dir)
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("%s %s: %v", flagName, dir, err)
	case !fi.IsDir():
		return fmt.Errorf("%s %s: not a directory", flagName, dir)
	}
	return nil
}

func isTerminal(f *os.File) bool { return term.IsTerminal(f.Fd()) }

// fitLine cuts a progress line to the terminal's width: a line that
// wraps leaves rows that \r and erase-line do not clear.
func fitLine(line string, f *os.File) string {
	width, _, err := term.GetSize(f.Fd())
	if err != nil || width < 2 {
		return line
	}
	return ansi.Truncate(line, width-1, "…")
}

// showProgress writes a live progress line to w while work runs, if w is
// a terminal. The returned function stops it and clears the line.
func showProgress(w io.Writer, line func() string) func() {
	f, ok := w.(*os.File)
	if !ok || !isTerminal(f) {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\x1b[K")
				return
			case <-t.C:
				fmt.Fprintf(w, "\r\x1b[K%s", fitLine(line(), f))
			}
		}
	}()
	return func() { close(done); <-finished }
}
