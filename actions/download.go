package actions

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"modscope/actions/confine"
	"modscope/cachescan"
)

// DownloadOptions tunes Download.
type DownloadOptions struct {
	// Timeout bounds each go command; a proxy that hangs is given up on.
	// 0 means DefaultDownloadTimeout.
	Timeout time.Duration
	// Jobs bounds the versions fetched at once; 0 means 4.
	Jobs int
	// Found are problems known beyond the snapshot's (a verify's), to say
	// what was wrong with a replaced copy.
	Found []cachescan.Problem
	// Code fetches a version's zip and tree even when the cache holds it
	// as metadata only (.info and .mod): by default only those are
	// fetched again, unless the version is the target of a replace
	// directive of the project (whose code the project builds with).
	Code bool
	// Progress, if not nil, is called (from several goroutines, one call
	// at a time) as each version moves on.
	Progress func(DownloadEvent)
}

// DefaultDownloadTimeout is how long one go mod download may take.
const DefaultDownloadTimeout = 10 * time.Minute

// DownloadEvent is a step of one version's download.
type DownloadEvent struct {
	Target string       `json:"target"`
	Step   DownloadStep `json:"step"`
}

// DownloadStep is where one version's download is.
type DownloadStep string

const (
	// StepFetching: the go command fetches into the temporary cache.
	StepFetching DownloadStep = "fetching"
	// StepInstalling: the fresh files are being put into the user's cache.
	StepInstalling DownloadStep = "installing"
	// StepDone: finished with a verdict other than VerdictFailed.
	StepDone DownloadStep = "done"
	// StepFailed: finished with VerdictFailed.
	StepFailed DownloadStep = "failed"
)

// Settled: the version's download is over, one way or the other.
func (s DownloadStep) Settled() bool { return s == StepDone || s == StepFailed }

// Verdict is what the fresh copy of a downloaded version says about the
// cached one.
type Verdict string

// Verdicts of a download.
const (
	// VerdictFixed: the cached copy was damaged; the fresh one replaced it.
	VerdictFixed Verdict = "fixed"
	// VerdictSame: the cached copy was already identical to a fresh one.
	VerdictSame Verdict = "same"
	// VerdictNew: nothing of it was cached; it is now.
	VerdictNew Verdict = "new"
	// VerdictUpstream: the fresh copy differs from the project's go.sum: the
	// module changed upstream (a retagged version, or a proxy serving other
	// content).
	VerdictUpstream Verdict = "upstream-changed"
	// VerdictGoSumWrong: the checksum database vouches for the fresh copy
	// and the project's go.sum disagrees: go.sum is wrong, the cache holds
	// the vouched-for copy.
	VerdictGoSumWrong Verdict = "gosum-wrong"
	// VerdictFailed: the go command could not fetch it; the cache is as it was.
	VerdictFailed Verdict = "failed"
)

// NeedsAction reports whether a person must act on the result: it failed,
// the module changed upstream, or go.sum is wrong.
func (r DownloadResult) NeedsAction() bool {
	return r.Verdict == VerdictFailed || r.Verdict == VerdictUpstream || r.Verdict == VerdictGoSumWrong
}

// Verdicts lists the verdicts in the order reports count them.
var Verdicts = []Verdict{VerdictFixed, VerdictSame, VerdictNew, VerdictUpstream, VerdictGoSumWrong, VerdictFailed}

// DownloadResult is what happened to one requested version.
type DownloadResult struct {
	Target  string  `json:"target"`
	Module  string  `json:"module,omitempty"`
	Version string  `json:"version,omitempty"`
	Verdict Verdict `json:"verdict"`
	// Detail says what the verdict rests on, in a sentence.
	Detail string `json:"detail"`
	// Replaced: the cache's old copy was removed and the fresh one put in.
	Replaced bool `json:"replaced"`
	// Sum and GoModSum are the fresh copy's hashes; OldSum is the cache's
	// ziphash before; GoSum the project's go.sum hashes for the version.
	Sum      string   `json:"sum,omitempty"`
	GoModSum string   `json:"goModSum,omitempty"`
	OldSum   string   `json:"oldSum,omitempty"`
	GoSum    []string `json:"goSum,omitempty"`
	// Checked says what vouched for the fresh copy.
	Checked string `json:"checked,omitempty"`
	// Error is the go command's error (its JSON Error, or its stderr when
	// it printed no JSON), or modscope's own.
	Error string `json:"error,omitempty"`
	// Explanations come from the knowledge base, for Error.
	Explanations []Explanation `json:"explanations,omitempty"`
}

// Download fetches fresh copies of module versions through the user's own
// go command and puts them in place of the cached ones, never leaving the
// cache without a version it had unless a verified fresh copy is in hand:
//
//  1. `go mod download -json` into a temporary module cache, run in an
//     empty directory (no go.mod: the user's go.mod and go.sum are never
//     touched) with the user's GOPROXY, GOSUMDB, GONOSUMDB, GOPRIVATE,
//     GONOPROXY and GOINSECURE, GOFLAGS reduced to -modcacherw, and
//     GOTOOLCHAIN=local. Its JSON, stderr and exit status are all read:
//     fatal errors print no JSON.
//  2. The fresh hash is compared with the project's go.sum. If they differ,
//     the module changed upstream: the fresh copy is not installed, and the
//     cached one stays if it matches go.sum (it is removed if it does not).
//  3. Otherwise the version is purged (with the go command's lock and
//     order, metadata included) and modscope copies the fresh files from
//     the temporary cache into place itself, through the confined layer
//     (installFresh): the go command would follow links planted there.
func Download(ctx context.Context, snap *cachescan.Snapshot, targets []string, opt DownloadOptions) []DownloadResult {
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultDownloadTimeout
	}
	if opt.Jobs <= 0 {
		opt.Jobs = 4
	}
	var mu sync.Mutex
	progress := func(target string, step DownloadStep) {
		if opt.Progress != nil {
			mu.Lock()
			opt.Progress(DownloadEvent{Target: target, Step: step})
			mu.Unlock()
		}
	}
	results := make([]DownloadResult, len(targets))
	if err := CheckDownloadSetup(snap.Env); err != nil {
		// No download can work here: every target says why, nothing runs.
		var why []Explanation
		if se, ok := err.(*SetupError); ok {
			why = []Explanation{{ID: "download-setup", Cause: se.Cause, Fix: se.Fix}}
		}
		for i, t := range targets {
			results[i] = DownloadResult{Target: t, Verdict: VerdictFailed, Error: err.Error(), Detail: "nothing in the cache was changed", Explanations: why}
		}
		return results
	}
	sem := make(chan struct{}, opt.Jobs)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			progress(t, StepFetching)
			r := downloadOne(ctx, snap, t, opt, func() { progress(t, StepInstalling) })
			if r.Error != "" && r.Explanations == nil {
				r.Explanations = Explain(r.Error)
				progress(t, StepFailed)
			} else {
				progress(t, StepDone)
			}
			results[i] = r
		}()
	}
	wg.Wait()
	return results
}

func downloadOne(ctx context.Context, snap *cachescan.Snapshot, target string, opt DownloadOptions, installing func()) (r DownloadResult) {
	timeout := opt.Timeout
	r = DownloadResult{Target: target, Verdict: VerdictFailed}
	fail := func(format string, args ...any) DownloadResult {
		r.Verdict = VerdictFailed
		r.Error = fmt.Sprintf(format, args...)
		if r.Detail == "" {
			r.Detail = "nothing in the cache was changed"
		}
		return r
	}
	if err := CheckTarget(target); err != nil {
		return fail("%v", err)
	}
	if snap.ModCache.Root == "" {
		return fail("no module cache")
	}
	if path, vers, _ := strings.Cut(target, "@"); snap.ModCache.FindVersion(path, vers) != nil && snap.ModCache.FindVersion(path, vers).Active {
		return fail("%s is the active toolchain: the go command running now lives there", target)
	}
	tmp, err := os.MkdirTemp("", "modscope-download-")
	if err != nil {
		return fail("making a temporary directory: %v; set TMPDIR to a writable directory", err)
	}
	defer confine.RemoveScratch(tmp) // under os.TempDir, which CheckDownloadSetup checked
	work, fresh := filepath.Join(tmp, "work"), filepath.Join(tmp, "modcache")
	os.Mkdir(work, 0o777)
	gocache := snap.BuildCache.Root
	if gocache == "" {
		gocache = "off"
	}

	path, vers, _ := strings.Cut(target, "@")
	if old := snap.ModCache.FindVersion(path, vers); old != nil && !old.HasZip && !old.HasDir && !old.Toolchain && !opt.Code && !ReplaceTarget(snap.Project, path, vers) {
		return downloadMetadata(ctx, snap, r, old, target, work, fresh, gocache, opt, installing)
	}

	// 1. Fetch through the user's proxies into the temporary cache.
	env := fetchEnv(snap, fresh, gocache)
	got, errText := goModDownload(ctx, work, env, target, timeout)
	if errText != "" {
		return fail("%s", errText)
	}
	r.Module, r.Version, r.Sum, r.GoModSum = got.Path, got.Version, got.Sum, got.GoModSum
	r.Checked = checkedBy(snap.Env, got.Path)
	mv := got.Path + "@" + got.Version

	// 2. Compare with go.sum and with the cached copy, part by part.
	old := snap.ModCache.FindVersion(got.Path, got.Version)
	if old != nil && old.Active {
		return fail("%s is the active toolchain: the go command running now lives there", mv)
	}
	kinds := problemKinds(snap, opt.Found, got.Path, got.Version) // what the scan and verify found wrong
	var oc oldCopy
	if old != nil {
		r.OldSum = old.ZipHash
		oc = hashOld(old, mv)
	}
	gosum, gomodSum := snap.Project.Sum(got.Path, got.Version)
	r.GoSum = gosum
	upstream, mismatch := "", ""
	switch {
	case len(gosum) > 0 && !contains(gosum, got.Sum):
		upstream = fmt.Sprintf("the fresh copy hashes to %s, the project's go.sum says %s", got.Sum, strings.Join(gosum, ", "))
		mismatch = fmt.Sprintf("verifying %s: checksum mismatch\n\tdownloaded: %s\n\tgo.sum:     %s", mv, got.Sum, gosum[0])
	case len(gomodSum) > 0 && got.GoModSum != "" && !contains(gomodSum, got.GoModSum):
		upstream = fmt.Sprintf("the fresh go.mod hashes to %s, the project's go.sum says %s", got.GoModSum, strings.Join(gomodSum, ", "))
		mismatch = fmt.Sprintf("verifying %s/go.mod: checksum mismatch\n\tdownloaded: %s\n\tgo.sum:     %s", mv, got.GoModSum, gomodSum[0])
	case len(gosum) == 0 && strings.HasPrefix(r.Checked, "nothing") && oc.consistent() && oc.content() != got.Sum:
		// Nothing vouches for either copy, and the cached one is whole:
		// only a person can tell which is right.
		r.Verdict = VerdictUpstream
		r.Error = fmt.Sprintf("verifying %s: checksum mismatch\n\tdownloaded: %s\n\tcached:     %s", mv, got.Sum, oc.content())
		r.Detail = "the fresh copy hashes to " + got.Sum + ", the cached copy (whole: its zip and tree agree with its ziphash) to " + oc.content() +
			"; nothing vouches for either (" + r.Checked + "), so the cached copy stays. The module changed upstream, or a proxy serves other content: find out which before you trust it"
		return r
	}
	gosumWrong := ""
	if upstream != "" && strings.HasPrefix(r.Checked, "the checksum database") {
		// Only the part go.sum and the database disagree on counts.
		kept := ""
		switch {
		case len(gosum) > 0 && !contains(gosum, got.Sum):
			if (oc.zip != "" && contains(gosum, oc.zip)) || (oc.dir != "" && contains(gosum, oc.dir)) {
				kept = "content"
			}
		case oc.mod != "" && contains(gomodSum, oc.mod):
			kept = "go.mod"
		}
		if kept != "" {
			// The cache and go.sum agree on content the database never
			// vouched for: only a person can tell where it came from, and
			// it may be the only copy of what the project pinned.
			r.Verdict = VerdictGoSumWrong
			r.Detail = upstream + "; the cached copy's " + kept + " matches go.sum, but " + r.Checked +
				" vouches for the fresh copy: go.sum and the cache hold content the public database never saw (fetched while GONOSUMDB, GOPRIVATE or GOSUMDB=off covered it, a retag, or tampering). Nothing was changed: find out where it came from; to take the vouched copy, " +
				goSumMend(got.Path, got.Version, mv)
			return r
		}
		// The database is append-only and vouched for the fresh copy: the
		// go.sum line is the wrong one. The cache gets the vouched copy.
		gosumWrong = upstream + "; " + r.Checked + " vouches for the fresh copy, so go.sum is wrong (a hand edit, a bad merge, or a line written under another GOSUMDB): " +
			goSumMend(got.Path, got.Version, mv)
		upstream = ""
		kinds = slices.DeleteFunc(kinds, func(k string) bool { return k == cachescan.KindGoSumMismatch || k == cachescan.KindGoSumWrong })
	}
	defer func() {
		if gosumWrong == "" {
			return
		}
		if r.Verdict == VerdictFailed {
			r.Detail += "; also, " + gosumWrong
			return
		}
		if r.Verdict == VerdictSame {
			gosumWrong = "the cached copy is the vouched one and stays; " + gosumWrong
		} else {
			gosumWrong = r.Detail + "; " + gosumWrong
		}
		// No error to explain: the knowledge base's go.sum mismatch says
		// never to edit go.sum, and here go.sum is what is wrong.
		r.Verdict, r.Detail, r.Error = VerdictGoSumWrong, gosumWrong, ""
	}()
	if upstream != "" {
		// A copy that contradicts go.sum is never installed: every build
		// of the project would refuse it anyway.
		r.Verdict, r.Error = VerdictUpstream, mismatch
		// Of the cached copy, only the parts that contradict go.sum go:
		// a part go.sum vouches for is what the project needs.
		parts, kept := 0, oc.matches(gosum, gomodSum)
		if old != nil {
			switch {
			case len(gosum) > 0 && (old.HasZip || old.HasDir) && !contains(gosum, oc.zip) && !contains(gosum, oc.dir):
				parts |= partTree | partZip | partZipHash
			case oc.zip != "" && contains(gosum, oc.zip) && old.ZipHash != oc.zip:
				// A good zip with a wrong ziphash: the go command hashes the
				// zip again and extracts it again, offline.
				parts |= partTree | partZipHash
			case oc.zip != "" && contains(gosum, oc.zip) && old.HasDir && oc.dir != oc.zip:
				parts |= partTree // edited: extracted again from the good zip
			}
			if len(gomodSum) > 0 && old.HasMod && !contains(gomodSum, oc.mod) {
				parts |= partMod | partInfo
			}
		}
		switch {
		case parts == 0 && kept != "":
			r.Detail = upstream + "; the cached copy's " + kept + " matches go.sum, so it stays"
		case parts == 0:
			r.Detail = upstream + "; nothing was installed"
		default:
			plan := newPlan(snap)
			plan.add(versionItem(snap, snap.ModCache.Find(got.Path), old, parts, nil))
			if res := plan.Execute(); !res[0].Removed {
				r.Detail = upstream + "; the cached copy does not match go.sum either, and removing it failed: " + res[0].Err + res[0].Kept
			} else if kept != "" {
				r.Detail = upstream + "; of the cached copy, what contradicts go.sum (or its own zip) was removed and its " + kept + ", which matches, stays; the fresh copy was not installed"
			} else {
				r.Detail = upstream + "; the cached copy did not match go.sum either and was removed; the fresh one was not installed"
			}
		}
		r.Detail += ". The module changed upstream (a retagged version, or a proxy serving other content): find out why before you touch go.sum"
		return r
	}
	if old != nil && len(kinds) == 0 && oc.zip == got.Sum && old.ZipHash == got.Sum && oc.mod == got.GoModSum && old.HasInfo && (!old.HasDir || oc.dir == got.Sum) {
		r.Verdict = VerdictSame
		r.Detail = "the cached copy (zip and tree) is identical to the fresh one: left as it was"
		if len(gosum) > 0 {
			r.Detail += "; it matches the project's go.sum"
		}
		return r
	}

	// 3. Purge the cached copy, then install the fresh one, offline. Not
	// cancelled half-way: between the two the version would be lost.
	if err := installEntries(snap, got.Path, got.Version); err != nil {
		r := fail("%v", err)
		r.Explanations = refusedEntry
		return r
	}
	installing()
	// From here on nothing takes the context: between the purge and the
	// install the version would be lost.
	unlock := lockVersion(mv) // two targets may name the same version
	defer unlock()
	if old != nil {
		parts := partTree | partZip | partZipHash
		if oc.mod != got.GoModSum || len(kinds) > 0 {
			parts |= partMod | partInfo
		}
		plan := newPlan(snap)
		plan.add(versionItem(snap, snap.ModCache.Find(got.Path), old, parts, nil))
		if res := plan.Execute(); !res[0].Removed {
			return fail("removing the cached copy: %s%s", res[0].Err, res[0].Kept)
		}
	}
	if err := installFresh(snap, fresh, got.Path, got.Version, false); err != nil {
		r.Detail = "the old copy was removed and installing the fresh one failed: the go command downloads it again when a build needs it"
		return fail("installing the fresh copy: %v", err)
	}
	r.Replaced = true
	switch {
	case old == nil:
		r.Verdict = VerdictNew
		r.Detail = "fetched and in the cache"
	case !old.HasZip && !old.HasDir:
		r.Verdict = VerdictNew
		r.Detail = "the cache held its metadata only: its code (zip and tree) fetched and in the cache"
		if ReplaceTarget(snap.Project, got.Path, got.Version) {
			r.Detail += ", as the project builds with it (the target of a replace directive)"
		}
	default:
		r.Verdict = VerdictFixed
		switch {
		case oc.content() != "" && oc.content() != got.Sum:
			r.Detail = "the cached copy hashed to " + oc.content() + ", the fresh one (" + r.Checked + ") to " + got.Sum + ": local corruption, now fixed"
		case oc.dir != "" && oc.dir != got.Sum:
			r.Detail = "the cached tree had been changed (it hashed to " + oc.dir + ", not " + got.Sum + "): local corruption, now fixed"
		case len(kinds) > 0:
			r.Detail = "the cached copy had " + strings.Join(kinds, ", ") + "; the fresh copy replaced it"
		default:
			r.Detail = "the cached copy was " + string(old.State) + "; the fresh copy replaced it"
		}
	}
	if len(gosum) > 0 {
		r.Detail += "; it matches the project's go.sum"
	}
	return r
}
