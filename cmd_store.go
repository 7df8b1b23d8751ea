package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"modscope/actions"
	"modscope/actions/store"
	"modscope/cachescan"
	"modscope/report"
)

// This file holds the `modscope store` commands' shared flags and the
// scan and verify commands. The store commands read a team's module
// store through gocloud.dev/blob, never the local caches: they take no
// cacheFlags.

// storeArgs are the flags every store command takes; URL is the store's
// URL (the first argument), Patterns the arguments after it.
type storeArgs struct {
	layout   string
	workers  int
	URL      string
	Patterns []string
}

// storeFlags declares --layout, --json and --workers, and checks them.
func storeFlags(fs *flag.FlagSet, cfg *config) *storeArgs {
	a := &storeArgs{}
	jsonFlag(fs, cfg)
	fs.StringVar(&a.layout, "layout", "auto", "")
	fs.IntVar(&a.workers, "workers", 0, "")
	countChecks(cfg, "workers", &a.workers, store.MaxWorkers, " (0: 8)")
	cfg.check(checkCombination, func() string {
		if _, err := store.ParseLayout(a.layout); err != nil {
			return "--layout: " + err.Error() + seeFlags
		}
		return ""
	})
	return a
}

// storeURL takes the store's URL from the arguments; "" when the command
// line has none (after saying so).
func storeURL(cfg *config, a *storeArgs) bool {
	if len(cfg.args) == 0 {
		fmt.Fprintln(cfg.stderr, "modscope: give the store's URL, e.g. modscope "+"store scan file:///var/lib/athens or s3://bucket?region=eu-west-1")
		return false
	}
	a.URL, a.Patterns = cfg.args[0], cfg.args[1:]
	return true
}

// openStore opens and lists the store of the command line. The error is
// one line with what to do; it names the store only by its redacted URL.
func openStore(ctx context.Context, cfg *config, a *storeArgs) (*store.Store, *store.Inventory, error) {
	layout, err := store.ParseLayout(a.layout)
	if err != nil {
		return nil, nil, err
	}
	s, err := store.Open(ctx, a.URL, layout)
	if err != nil {
		return nil, nil, err
	}
	inv, err := s.List(ctx, clockOf(ctx).Now())
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	if inv.Truncated {
		warnTruncated(cfg)
	}
	return s, inv, nil
}

// warnTruncated says that a listing stopped at the key limit.
func warnTruncated(cfg *config) {
	fmt.Fprintf(cfg.stderr, "modscope: the store has more than %d objects; only the first were looked at (give a prefix in the URL, e.g. ?prefix=github.com/)\n", store.MaxKeys)
}

func storeScanFlags(fs *flag.FlagSet, cfg *config) runFunc {
	a := storeFlags(fs, cfg)
	return func(ctx context.Context, cfg *config) int {
		if !storeURL(cfg, a) {
			return exitFailed
		}
		if len(a.Patterns) > 0 {
			fmt.Fprintf(cfg.stderr, "modscope: store scan takes one URL; unexpected %q%s\n", cachescan.Printable(a.Patterns[0]), seeFlags)
			return exitFailed
		}
		s, inv, err := openStore(ctx, cfg, a)
		if err != nil {
			return fail(cfg.stderr, err)
		}
		defer s.Close()
		rep, err := store.Scan(ctx, s, inv, store.ScanOptions{Workers: a.workers})
		if err != nil {
			return fail(cfg.stderr, err)
		}
		if cfg.jsonOut {
			if err := writeJSON(cfg.stdout, rep); err != nil {
				return fail(cfg.stderr, err)
			}
		} else {
			printStoreScan(cfg.stdout, rep)
		}
		if len(rep.ReadErrors) > 0 {
			return exitFailed
		}
		if len(rep.Damage) > 0 {
			return exitProblems
		}
		return exitOK
	}
}

// storeTopModules is how many of the largest modules the report names.
const storeTopModules = 10

func printStoreScan(w io.Writer, rep *store.ScanReport) {
	inv := rep.Inventory
	p := cachescan.Printable
	fmt.Fprintf(w, "store    %s\n", p(inv.URL))
	fmt.Fprintf(w, "layout   %s\n", inv.Layout)
	fmt.Fprintf(w, "modules  %s, versions %s, %s in %s objects\n", report.Count(int64(len(inv.Modules))), report.Count(int64(inv.Versions())), report.HumanBytes(inv.Size), report.Count(inv.Objects))
	if !rep.Newest.IsZero() {
		fmt.Fprintf(w, "newest   %s\noldest   %s\n", rep.Newest.UTC().Format(time.RFC3339), rep.Oldest.UTC().Format(time.RFC3339))
	}
	if inv.Other > 0 {
		fmt.Fprintf(w, "other    %s objects (%s) outside any module version\n", report.Count(inv.Other), report.HumanBytes(inv.OtherSize))
	}
	if len(rep.Modules) > 0 {
		fmt.Fprintln(w, "\nlargest modules:")
		for _, m := range rep.Modules[:min(len(rep.Modules), storeTopModules)] {
			fmt.Fprintf(w, "  %10s  %4d versions  %s\n", report.HumanBytes(m.Size), m.Versions, p(m.Path))
		}
	}
	printStoreDamage(w, rep.Damage)
	for _, e := range rep.ReadErrors {
		fmt.Fprintf(w, "cannot read %s; retry, and check that the credentials may read the bucket\n", p(e))
	}
	if len(rep.Damage) == 0 && len(rep.ReadErrors) == 0 {
		fmt.Fprintf(w, "\nno damage found in %s versions (hashes not checked: run modscope store verify)\n", report.Count(int64(rep.Checked)))
	}
}

func printStoreDamage(w io.Writer, dmg []store.Damage) {
	if len(dmg) == 0 {
		return
	}
	p := cachescan.Printable
	fmt.Fprintf(w, "\n%d damaged:\n", len(dmg))
	for _, d := range dmg {
		proven := ""
		if d.Proven {
			proven = " (proven)"
		}
		fmt.Fprintf(w, "  %s %s@%s%s: %s\n", d.Kind, p(d.Module), p(d.Version), proven, p(d.Detail))
		if d.Key != "" {
			fmt.Fprintf(w, "    key: %s\n", p(d.Key))
		}
		fmt.Fprintf(w, "    fix: %s\n", p(d.Fix))
	}
}

func storeVerifyFlags(fs *flag.FlagSet, cfg *config) runFunc {
	a := storeFlags(fs, cfg)
	gosum := fs.String("gosum", "", "")
	return func(ctx context.Context, cfg *config) int {
		if !storeURL(cfg, a) {
			return exitFailed
		}
		if err := actions.CheckPatterns(a.Patterns); err != nil {
			return fail(cfg.stderr, err)
		}
		var sums store.Sums
		var db *actions.SumDB
		if *gosum != "" {
			g, err := readGoSum(*gosum)
			if err != nil {
				return fail(cfg.stderr, err)
			}
			sums = g
		}
		s, inv, err := openStore(ctx, cfg, a)
		if err != nil {
			return fail(cfg.stderr, err)
		}
		defer s.Close()
		if sums == nil {
			db = actions.NewSumDB(ctx, cachescan.ResolveEnv(ctx), false)
			sums = db
		}
		opts := verifyOptions(ctx, a, sums)
		rep, err := store.Verify(ctx, s, inv, opts)
		if err != nil {
			return fail(cfg.stderr, err)
		}
		var security []string
		if db != nil {
			security = db.SecurityErrors()
		}
		if cfg.jsonOut {
			out := struct {
				*store.VerifyReport
				Security []string `json:"securityErrors,omitempty"`
			}{rep, security}
			if err := writeJSON(cfg.stdout, out); err != nil {
				return fail(cfg.stderr, err)
			}
		} else {
			printStoreVerify(cfg.stdout, rep, *gosum, security)
		}
		switch {
		case len(rep.Damage) > 0 || len(security) > 0:
			return exitProblems
		case len(rep.Errors) > 0:
			return exitFailed
		}
		return exitOK
	}
}

// maxGoSumFile bounds --gosum: a go.sum of a large project is a few MiB.
const maxGoSumFile = 256 << 20

func readGoSum(name string) (*store.GoSum, error) {
	f, err := os.Open(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--gosum %s: no such file; give a project's go.sum", name)
		}
		return nil, fmt.Errorf("--gosum %s: %v", name, err)
	}
	defer f.Close()
	g, err := store.ParseGoSum(io.LimitReader(f, maxGoSumFile))
	if err != nil {
		return nil, fmt.Errorf("--gosum %s: %v; give a go.sum the go command wrote", name, err)
	}
	g.Source = name
	return g, nil
}

func printStoreVerify(w io.Writer, rep *store.VerifyReport, gosum string, security []string) {
	p := cachescan.Printable
	source := "the checksum database (GOSUMDB)"
	if gosum != "" {
		source = p(gosum)
	}
	fmt.Fprintf(w, "store     %s\n", p(rep.URL))
	fmt.Fprintf(w, "against   %s\n", source)
	fmt.Fprintf(w, "verified  %s of %s versions\n", report.Count(int64(rep.Verified)), report.Count(int64(rep.Selected)))
	if rep.NotCheckable > 0 {
		fmt.Fprintf(w, "not checkable %s:", report.Count(int64(rep.NotCheckable)))
		for _, why := range sortedKeys(rep.NotCheckableWhy) {
			fmt.Fprintf(w, " %s %d;", p(why), rep.NotCheckableWhy[why])
		}
		fmt.Fprintln(w)
	}
	printStoreDamage(w, rep.Damage)
	for _, e := range rep.Errors {
		who := ""
		if e.Module != "" {
			who = p(e.Module) + "@" + p(e.Version) + ": "
		} else if e.Count > 1 {
			who = fmt.Sprintf("%d versions: ", e.Count)
		}
		fmt.Fprintf(w, "error: %s%s\n  next: %s\n", who, p(e.Detail), p(e.Fix))
	}
	for _, m := range security {
		fmt.Fprintf(w, "SECURITY ERROR from the checksum database: %s\n  next: do not repair automatically; keep $GOPATH/pkg/sumdb as evidence and report it (see go help module-auth)\n", p(firstLine(m)))
	}
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// verifyOptions are store verify's options, which store gc --proven-wrong
// shares: actions' zip hashing and its bomb checks, and the patterns.
func verifyOptions(ctx context.Context, a *storeArgs, sums store.Sums) store.VerifyOptions {
	opts := store.VerifyOptions{
		Workers: a.workers, Sums: sums,
		HashZip: func(r io.ReaderAt, size int64) (string, error) {
			return actions.HashZipAt(r, size, func(int64) error { return ctx.Err() })
		},
		IsZipDamage: actions.IsZipDamage,
	}
	if len(a.Patterns) > 0 {
		opts.Match = func(path, version string) bool { return actions.Match(a.Patterns, path, version) }
	}
	return opts
}
