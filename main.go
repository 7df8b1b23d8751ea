// Command modscope browses, checks and cleans the Go module cache
// (GOMODCACHE) and build cache (GOCACHE).
package main

import (
	"context"
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

	"modscope/actions"
	"modscope/assets"
	"modscope/cachescan"
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

// A command is one of modscope's subcommands, after the go command's
// base.Command: its name, its usage line, the flags it takes and what
// runs it.
type command struct {
	// name is what selects it; "" is the default (the TUI in a terminal,
	// the report otherwise).
	name string
	// usageLine is the command's line in assets/usage.txt.
	usageLine string
	// args says what the command takes after its flags.
	args argKind
	// flags declares the command's own flags on fs, the shared ones
	// through the helpers below (jsonFlag, cacheFlags, ...), and returns
	// the function that runs the command: it reads the values the parse
	// left in the variables the declarations bound.
	flags func(fs *flag.FlagSet, cfg *config) runFunc
}

// runFunc runs a parsed command and returns its exit status.
type runFunc func(ctx context.Context, cfg *config) int

// argKind is what a command takes after its flags.
type argKind int

const (
	noArgs   argKind = iota // nothing: an argument is an error
	patterns                // module patterns or targets: none starts with "-"
	text                    // free text (explain's pasted error)
)

// commands is the command table, in the order of the usage text.
var commands = []*command{
	{name: "", usageLine: "modscope [flags]", flags: defaultFlags},
	{name: "scan", usageLine: "modscope scan [flags]", flags: scanFlags},
	{name: "verify", usageLine: "modscope verify [flags] [PATTERN...]", args: patterns, flags: verifyFlags},
	{name: "explain", usageLine: "modscope explain [TEXT]", args: text, flags: explainFlags},
	{name: "purge", usageLine: "modscope purge [flags] TARGET... | POLICY...", args: patterns, flags: purgeFlags},
	{name: "download", usageLine: "modscope download [flags] path@version...", args: patterns, flags: downloadFlags},
	{name: "repair", usageLine: "modscope repair [flags]", flags: repairFlags},
	{name: "trim", usageLine: "modscope trim --max-size SIZE [flags]", flags: trimFlags},
	{name: "doctor", usageLine: "modscope doctor [flags]", flags: doctorFlags},
	{name: "offline", usageLine: "modscope offline [flags]", flags: offlineFlags},
	{name: "audit", usageLine: "modscope audit [flags] [PATTERN...]", args: patterns, flags: auditFlags},
	{name: "seal", usageLine: "modscope seal [flags]", flags: sealFlags},
	{name: "store scan", usageLine: "modscope store scan [flags] URL", args: patterns, flags: storeScanFlags},
	{name: "store verify", usageLine: "modscope store verify [flags] URL [PATTERN...]", args: patterns, flags: storeVerifyFlags},
	{name: "store gc", usageLine: "modscope store gc [flags] URL [PATTERN...]", args: patterns, flags: storeGCFlags},
}

// lookup is the command named name, or nil.
func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// run parses the command line and runs a command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runIO(ctx, args, os.Stdin, stdout, stderr)
}

// runIO is run with the standard input given.
func runIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	name := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "store" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		// modscope store scan|verify|gc: the store's verbs are commands
		// of their own, each with its flags.
		name, args = name+" "+args[0], args[1:]
	}
	if name == "help" {
		fmt.Fprint(stdout, assets.Usage())
		return exitOK
	}
	cmd := lookup(name)
	if cmd == nil {
		fmt.Fprintf(stderr, "modscope: unknown command %q; run modscope --help for the commands\n", cachescan.Printable(name))
		return exitFailed
	}
	cfg := &config{stdin: stdin, stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet(strings.TrimSpace("modscope "+name), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runCmd := cmd.flags(fs, cfg)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, assets.Usage())
			return exitOK
		}
		fmt.Fprintf(stderr, "modscope: %s; run modscope --help for the flags\n", cachescan.Printable(err.Error()))
		return exitFailed
	}
	cfg.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { cfg.set[f.Name] = true })
	slices.SortStableFunc(cfg.checks, func(a, b flagCheck) int { return int(a.order - b.order) })
	for _, c := range cfg.checks {
		if msg := c.check(); msg != "" {
			fmt.Fprintf(stderr, "modscope: %s\n", msg)
			return exitFailed
		}
	}
	cfg.args = fs.Args()
	switch cmd.args {
	case noArgs:
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "modscope: unexpected argument %q; run modscope --help for the flags\n", cachescan.Printable(fs.Arg(0)))
			return exitFailed
		}
	case patterns:
		for _, a := range fs.Args() {
			if strings.HasPrefix(a, "-") {
				fmt.Fprintf(stderr, "modscope: flags go before patterns: %q; run modscope --help\n", cachescan.Printable(a))
				return exitFailed
			}
		}
	}
	if cfg.roots != nil {
		if err := cfg.resolve(ctx); err != nil {
			fmt.Fprintf(stderr, "modscope: %s\n", cachescan.Printable(err.Error()))
			return exitFailed
		}
		if os.Getenv("GOGC") == "" {
			// The walk and the zip checks make millions of short-lived
			// small objects: a heap target of 3x the live heap instead of
			// 2x cuts the collector's CPU, while the peak stays near half
			// of what 5x (400) cost (bench/gencache's 280,000 files:
			// 67 MiB instead of 97 MiB, for 0.03 s more CPU of 1.1 s).
			debug.SetGCPercent(200)
		}
	}
	return runCmd(ctx, cfg)
}

// config is what parsing a command line gives the command: where the
// caches and the project are, how to print, and where. A command's own
// flags live in its flags function.
type config struct {
	env  cachescan.Env
	opts cachescan.Options
	// args are the arguments after the flags.
	args    []string
	jsonOut bool
	noColor bool

	stdin          io.Reader
	stdout, stderr io.Writer

	// roots holds the --modcache, --gocache and --project values of a
	// command that reads the caches (cacheFlags); nil for explain.
	roots *rootFlags
	// checks are what the flag helpers verify once the flags are parsed;
	// the first that says something stops the command with exit 2.
	checks []flagCheck
	// set holds the names of the flags the command line gave.
	set map[string]bool
}

// rootFlags are the flags that place the caches and the project.
type rootFlags struct{ modcache, gocache, project string }

// A flagCheck checks parsed flags: it returns "" when they are fine,
// else the message (without "modscope: ").
type flagCheck struct {
	order checkOrder
	check func() string
}

// checkOrder is when a check runs: a command line with several mistakes
// is told about the first in this order, then in the order declared.
type checkOrder int

const (
	checkCombination checkOrder = iota // purge's targets and --projects
	checkNegative                      // a negative --jobs or --workers
	checkTimeout                       // --timeout 0 or below
	checkCeiling                       // a number past its ceiling
)

// check adds a check of the parsed flags.
func (cfg *config) check(order checkOrder, f func() string) {
	cfg.checks = append(cfg.checks, flagCheck{order, f})
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

const seeFlags = "; run modscope --help for the flags"

// jsonFlag declares --json.
func jsonFlag(fs *flag.FlagSet, cfg *config) {
	fs.BoolVar(&cfg.jsonOut, "json", false, "")
}

// cacheFlags declares the flags of every command that reads the caches:
// --json, --modcache, --gocache, --project, --workers and --no-color.
func cacheFlags(fs *flag.FlagSet, cfg *config) {
	jsonFlag(fs, cfg)
	cfg.roots = &rootFlags{}
	fs.StringVar(&cfg.roots.modcache, "modcache", "", "")
	fs.StringVar(&cfg.roots.gocache, "gocache", "", "")
	fs.StringVar(&cfg.roots.project, "project", "", "")
	fs.IntVar(&cfg.opts.Workers, "workers", 0, "")
	fs.BoolVar(&cfg.noColor, "no-color", false, "")
	countChecks(cfg, "workers", &cfg.opts.Workers, maxWorkers, " (0: 4 x CPUs)")
}

// countChecks checks a count flag: not negative, not past its ceiling.
func countChecks(cfg *config, name string, n *int, ceiling int, zero string) {
	cfg.check(checkNegative, func() string {
		if *n < 0 {
			return "--jobs and --workers take a positive count (0: as many as CPUs)" + seeFlags
		}
		return ""
	})
	cfg.check(checkCeiling, func() string {
		if *n > ceiling {
			return fmt.Sprintf("--%s %d: at most %d%s%s", name, *n, ceiling, zero, seeFlags)
		}
		return ""
	})
}

// jobsFlag declares --jobs. A command declares it before cacheFlags: its
// ceiling is checked before --workers's.
func jobsFlag(fs *flag.FlagSet, cfg *config) *int {
	jobs := fs.Int("jobs", 0, "")
	countChecks(cfg, "jobs", jobs, maxJobs, " (0: as many as CPUs)")
	return jobs
}

// timeoutFlag declares --timeout, one go command's time limit.
func timeoutFlag(fs *flag.FlagSet, cfg *config) *time.Duration {
	timeout := fs.Duration("timeout", actions.DefaultDownloadTimeout, "")
	cfg.check(checkTimeout, func() string {
		if *timeout <= 0 {
			return "--timeout must be positive, like 2m" + seeFlags
		}
		return ""
	})
	cfg.check(checkCeiling, func() string {
		if *timeout > maxTimeout {
			return fmt.Sprintf("--timeout %s: at most %s, like 10m%s", *timeout, strings.TrimSuffix(maxTimeout.String(), "0m0s"), seeFlags)
		}
		return ""
	})
	return timeout
}

// changeOpts are the flags of the commands that change the caches.
type changeOpts struct {
	readOnly bool
	// dryRun and canDryRun: whether --dry-run was given, and whether the
	// command takes it.
	dryRun, canDryRun bool
	yes               bool
}

// readOnlyFlag declares --read-only.
func readOnlyFlag(fs *flag.FlagSet, c *changeOpts) {
	fs.BoolVar(&c.readOnly, "read-only", false, "")
}

// planFlags declares --dry-run and --yes, of the commands that show a plan
// and ask before they carry it out.
func planFlags(fs *flag.FlagSet, c *changeOpts) {
	c.canDryRun = true
	fs.BoolVar(&c.dryRun, "dry-run", false, "")
	fs.BoolVar(&c.yes, "yes", false, "")
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

// output writes a command's result, as JSON with --json, else as text,
// and reports a failed write (a full disk, a closed pipe) in one line; it
// returns false then, and the command exits with exitFailed.
func output(cfg *config, doc any, text func(io.Writer) error) bool {
	var err error
	if cfg.jsonOut {
		err = writeJSON(cfg.stdout, doc)
	} else if text != nil {
		err = text(cfg.stdout)
	}
	if err != nil {
		fmt.Fprintf(cfg.stderr, "modscope: writing the report: %s; check where the output goes (a full disk, a closed pipe)\n", cachescan.Printable(err.Error()))
		return false
	}
	return true
}

// resolve works out the cache roots and the project: flags first, then the
// go command's settings.
func (cfg *config) resolve(ctx context.Context) error {
	modcache, gocache, project := cfg.roots.modcache, cfg.roots.gocache, cfg.roots.project
	env := cachescan.ResolveEnv(ctx)
	cfg.env = env
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
			return err
		}
		if err := mustBeDir("--modcache", cfg.opts.ModCache); err != nil {
			return err
		}
	}
	cfg.opts.BuildCache = env.GOCACHE
	if gocache == "off" || (gocache == "" && env.GOCACHE == "off") {
		cfg.opts.BuildCache = ""
	} else if gocache != "" {
		if cfg.opts.BuildCache, err = abs("gocache", gocache); err != nil {
			return err
		}
		if err := mustBeDir("--gocache", cfg.opts.BuildCache); err != nil {
			return err
		}
	}
	if cfg.opts.ModCache == "" {
		return errors.New("cannot locate the module cache: neither GOMODCACHE nor GOPATH is set and there is no home directory; pass --modcache DIR")
	}
	start := project
	if start == "" {
		if start, err = os.Getwd(); err != nil {
			return fmt.Errorf("cannot read the working directory: %v; pass --project DIR", err)
		}
	} else if err := mustBeDir("--project", start); err != nil {
		return err
	}
	cfg.opts.ProjectDir = cachescan.FindProject(start)
	if project != "" && cfg.opts.ProjectDir == "" {
		return fmt.Errorf("--project %s: no go.mod or go.work there or above", project)
	}
	cfg.opts.Env = env
	cfg.opts.Clock = clockOf(ctx)
	return nil
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
