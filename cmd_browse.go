package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"modscope/actions/store"
	"modscope/cachescan"
	"modscope/report"
	"modscope/ui"
)

// modscope --store URL: the default command on a team module store in
// place of the caches. It lists and scans the store and shows the result
// as a read-only snapshot: the TUI in a terminal, the report or --json
// otherwise. Nothing of the store is changed; modscope store gc and
// modscope store verify are the store's own commands.

// browseFlags declares --store and --layout and returns where they land.
func browseFlags(fs *flag.FlagSet, cfg *config) (url, layout *string) {
	url = fs.String("store", "", "")
	layout = fs.String("layout", "auto", "")
	cfg.check(checkCombination, func() string {
		if *url == "" {
			if cfg.set["layout"] {
				return "--layout says how a --store names its files; give --store URL too" + seeFlags
			}
			return ""
		}
		for _, f := range []string{"modcache", "gocache", "project"} {
			if cfg.set[f] {
				return "--store browses a store, not the caches: drop --" + f + seeFlags
			}
		}
		if _, err := store.ParseLayout(*layout); err != nil {
			return "--layout: " + cachescan.Printable(err.Error())
		}
		return ""
	})
	return url, layout
}

// browseStore opens the store and shows it: in the TUI when tui, else as
// the report (or the JSON snapshot).
func browseStore(ctx context.Context, cfg *config, rawURL, layoutName string, tui bool) int {
	layout, _ := store.ParseLayout(layoutName) // checked with the flags
	s, err := store.Open(ctx, rawURL, layout)
	if err != nil {
		fmt.Fprintf(cfg.stderr, "modscope: %s\n", cachescan.Printable(err.Error()))
		return exitFailed
	}
	defer s.Close()
	clock := clockOf(ctx)
	load := func(ctx context.Context) (ui.StoreListing, error) {
		now := clock.Now()
		inv, err := s.List(ctx, now)
		if err != nil {
			return ui.StoreListing{}, err
		}
		rep, err := store.Scan(ctx, s, inv, store.ScanOptions{})
		if err != nil {
			return ui.StoreListing{}, err
		}
		l := ui.StoreListing{Snap: store.Snapshot(rep, now), Layout: s.Layout.String()}
		if inv.Truncated {
			l.Partial = "the first " + report.Count(store.MaxKeys) + " objects (give a prefix in the URL)"
		}
		return l, nil
	}
	if tui {
		err := ui.Run(ctx, cachescan.Options{Clock: clock}, ui.RunOptions{NoColor: cfg.noColor, ReadOnly: true,
			Store: &ui.Store{URL: s.URL, Load: load}})
		if err != nil {
			fmt.Fprintf(cfg.stderr, "modscope: %s; modscope --store URL --json prints the same without a terminal\n", err)
			return exitFailed
		}
		return exitOK
	}
	stop := showProgress(cfg.stderr, func() string { return "listing " + cachescan.Printable(s.URL) + "…" })
	l, err := load(ctx)
	stop()
	if err != nil {
		return fail(cfg.stderr, err)
	}
	snap, layoutFound := l.Snap, l.Layout
	if l.Partial != "" {
		warnTruncated(cfg)
	}
	if !output(cfg, snap, func(w io.Writer) error { return report.WriteStoreReport(w, snap, layoutFound) }) {
		return exitFailed
	}
	if cachescan.HasErrors(snap.Problems) {
		return exitProblems
	}
	return exitOK
}

// inTerminal: the default command's choice of the TUI.
func inTerminal(cfg *config) bool {
	f, ok := cfg.stdout.(*os.File)
	return ok && !cfg.jsonOut && isTerminal(f) && isTerminal(os.Stdin)
}
