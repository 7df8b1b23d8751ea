package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"modscope/actions"
	"modscope/assets"
	"modscope/cachescan"
	"modscope/report"
	"modscope/ui"
)

// The commands that only read: scan (and the default, the TUI), verify,
// offline, explain and doctor.

// defaultFlags is modscope without a command: the TUI in a terminal, the
// scan's report otherwise. The TUI changes the caches, so it takes
// --read-only, and --timeout for the downloads it runs. --store URL shows a
// team store instead, read-only (cmd_browse.go).
func defaultFlags(fs *flag.FlagSet, cfg *config) runFunc {
	cacheFlags(fs, cfg)
	var change changeOpts
	readOnlyFlag(fs, &change)
	timeout := timeoutFlag(fs, cfg)
	storeURL, layout := browseFlags(fs, cfg)
	return func(ctx context.Context, cfg *config) int {
		if *storeURL != "" {
			return browseStore(ctx, cfg, *storeURL, *layout, inTerminal(cfg))
		}
		// A terminal gets the TUI; anything else (a pipe, a file, CI)
		// gets the report.
		if inTerminal(cfg) {
			// The TUI's scans keep the scan index as scan does; ctrl+r
			// walks everything again.
			cfg.opts.Index = cachescan.DefaultIndexPath(cfg.opts.ModCache, cfg.opts.BuildCache)
			if err := ui.Run(ctx, cfg.opts, ui.RunOptions{NoColor: cfg.noColor, ReadOnly: change.readOnly, Timeout: *timeout}); err != nil {
				fmt.Fprintf(cfg.stderr, "modscope: %s; modscope scan prints the same as a report\n", err)
				return exitFailed
			}
			return exitOK
		}
		return scan(ctx, cfg)
	}
}

// scanFlags is scan: the report, or the snapshot as JSON. --rescan trusts
// nothing of the scan index and walks everything again.
func scanFlags(fs *flag.FlagSet, cfg *config) runFunc {
	cacheFlags(fs, cfg)
	rescan := fs.Bool("rescan", false, "")
	return func(ctx context.Context, cfg *config) int {
		cfg.opts.NoIndex = *rescan
		return scan(ctx, cfg)
	}
}

// scan prints the report or the snapshot. It keeps the scan index
// (cachescan.DefaultIndexPath): a second scan reuses what the first learnt
// about the module trees that have not changed.
func scan(ctx context.Context, cfg *config) int {
	cfg.opts.Index = cachescan.DefaultIndexPath(cfg.opts.ModCache, cfg.opts.BuildCache)
	snap, code, ok := runScan(ctx, cfg)
	if !ok {
		return code
	}
	return finish(cfg, snap, snap, nil)
}

// runScan scans with a progress line on a terminal's stderr.
func runScan(ctx context.Context, cfg *config) (*cachescan.Snapshot, int, bool) {
	scanner := cachescan.NewScanner()
	stop := showProgress(cfg.stderr, func() string {
		p := scanner.Progress()
		return fmt.Sprintf("scanning: %s files, %s", report.Count(p.Files), report.HumanBytes(p.Bytes))
	})
	snap, err := scanner.Scan(ctx, cfg.opts)
	stop()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, fail(cfg.stderr, err), false
		}
		fmt.Fprintf(cfg.stderr, "modscope: %s; check the path, or pass --modcache/--gocache\n", cachescan.Printable(err.Error()))
		return nil, exitFailed, false
	}
	return snap, 0, true
}

// verifyFlags is verify: it scans, then hashes what the patterns select.
func verifyFlags(fs *flag.FlagSet, cfg *config) runFunc {
	jobs := jobsFlag(fs, cfg)
	cacheFlags(fs, cfg)
	sumDB := fs.Bool("sumdb", false, "")
	rehash := fs.Bool("rehash", false, "")
	return func(ctx context.Context, cfg *config) int {
		zipCache := ""
		if !*rehash {
			zipCache = actions.DefaultZipCache()
		}
		return verify(ctx, cfg, actions.VerifyOptions{Jobs: *jobs, Patterns: cfg.args, SumDB: *sumDB, ZipCache: zipCache, CheckZips: true})
	}
}

func verify(ctx context.Context, cfg *config, vopts actions.VerifyOptions) int {
	stderr := cfg.stderr
	if err := actions.CheckPatterns(cfg.args); err != nil {
		fmt.Fprintf(stderr, "modscope: %s\n", cachescan.Printable(err.Error()))
		return exitFailed
	}
	// Verify opens every zip anyway: the structural check happens there.
	cfg.opts.SkipZipCheck = true
	snap, code, ok := runScan(ctx, cfg)
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
		return fmt.Sprintf("verifying: %s/%s items, %s hashed  %s", report.Count(p.ItemsDone), report.Count(p.Items),
			report.HumanBytes(p.BytesDone), cachescan.Printable(p.Current))
	})
	rep, err := v.Verify(ctx, snap, vopts)
	stop()
	if err != nil {
		return fail(stderr, err)
	}
	saveFindings(snap, rep, cfg.args)
	// The report: the scan's problems for what the patterns select, and
	// what hashing found.
	shown := *snap
	shown.Problems = nil
	// A name the go command did not write has its problem (path-invalid)
	// under no module: it is found by where it is.
	var invalid []string
	for _, m := range snap.ModCache.Modules {
		for _, v := range m.Versions {
			if v.State == cachescan.StateInvalid && len(cfg.args) > 0 && actions.Match(cfg.args, m.Path, v.Version) {
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
	return finish(cfg, &shown, &verified{&shown, rep}, rep)
}

// verified is verify's JSON document: the snapshot, plus what was hashed.
type verified struct {
	*cachescan.Snapshot
	Verify *actions.VerifyReport `json:"verify"`
}

// finish prints the report or the JSON document and picks the exit status.
func finish(cfg *config, snap *cachescan.Snapshot, doc any, rep *actions.VerifyReport) int {
	ok := output(cfg, doc, func(w io.Writer) error {
		err := report.WriteReport(w, snap)
		if err == nil && rep != nil {
			err = report.WriteVerifySummary(w, rep)
		}
		return err
	})
	if !ok {
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

// offlineFlags is offline: whether the project builds and tests offline,
// and with --export it writes what it needs as a GOPROXY directory.
func offlineFlags(fs *flag.FlagSet, cfg *config) runFunc {
	cacheFlags(fs, cfg)
	export := fs.String("export", "", "")
	return func(ctx context.Context, cfg *config) int {
		dir := ""
		if *export != "" {
			var err error
			if dir, err = filepath.Abs(*export); err != nil {
				fmt.Fprintf(cfg.stderr, "modscope: --export %s: %v\n", cachescan.Printable(*export), err)
				return exitFailed
			}
		}
		return offline(ctx, cfg, dir)
	}
}

func offline(ctx context.Context, cfg *config, export string) int {
	stderr := cfg.stderr
	if cfg.opts.ProjectDir == "" {
		fmt.Fprintln(stderr, "modscope: no go.mod or go.work here or above; run it in a module, or pass --project DIR")
		return exitFailed
	}
	snap, code, ok := runScan(ctx, cfg)
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
	if export != "" {
		exported, exportErr = actions.Export(snap, rep, export)
	}
	doc := struct {
		*actions.OfflineReport
		Export      *actions.ExportResult `json:"export,omitempty"`
		ExportError string                `json:"exportError,omitempty"`
	}{OfflineReport: rep, Export: exported}
	if exportErr != nil {
		doc.ExportError = exportErr.Error()
	}
	if !output(cfg, doc, func(w io.Writer) error { return report.WriteOffline(w, rep, exported, exportErr) }) {
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

// explainFlags is explain: it classifies go command errors, from its
// arguments or stdin, with the knowledge base: the cause in a line, then
// the fix.
func explainFlags(fs *flag.FlagSet, cfg *config) runFunc {
	jsonFlag(fs, cfg)
	return explain
}

func explain(ctx context.Context, cfg *config) int {
	stderr := cfg.stderr
	text := strings.Join(cfg.args, " ")
	if text == "" {
		if f, ok := cfg.stdin.(*os.File); ok && isTerminal(f) {
			fmt.Fprintln(stderr, "modscope: paste the go command's error after modscope explain, or pipe it in: go build ./... 2>&1 | modscope explain")
			return exitFailed
		}
		data, err := io.ReadAll(io.LimitReader(cfg.stdin, 16<<20))
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
	// An error the knowledge base does not know is an element too, marked
	// unrecognised, so that a script sees it was not explained.
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
	// The text report's write errors stay unreported, as before.
	if !output(cfg, doc, func(w io.Writer) error { report.WriteExplain(w, reading); return nil }) {
		return exitFailed
	}
	// Success is every error explained: a paste whose real failure is the
	// one line modscope does not know must not look handled.
	if len(reading.Matches) == 0 || len(reading.Unrecognised) > 0 {
		return exitProblems
	}
	return exitOK
}

// doctorFlags is doctor: it probes the setup behind most go mod tidy
// failures.
func doctorFlags(fs *flag.FlagSet, cfg *config) runFunc {
	cacheFlags(fs, cfg)
	return doctor
}

func doctor(ctx context.Context, cfg *config) int {
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
	if !output(cfg, findings, func(w io.Writer) error { report.WriteDoctor(w, cfg.env, findings); return nil }) {
		return exitFailed
	}
	if bad {
		return exitProblems
	}
	return exitOK
}
