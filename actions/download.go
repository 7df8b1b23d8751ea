package actions

import (
	"context"
	"sync"
	"time"

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
	// Bytes and Total, while StepInstalling: the bytes of the fresh copy
	// written into the cache so far, of Total (what the fresh files in the
	// temporary cache hold: .info, .mod, zip and the extracted tree). An
	// event comes as installing starts, after each MiB and at the end.
	// While fetching, the go command says nothing of its progress: both 0.
	Bytes int64 `json:"bytes,omitempty"`
	Total int64 `json:"total,omitempty"`
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
	progress := func(e DownloadEvent) {
		if opt.Progress != nil {
			mu.Lock()
			opt.Progress(e)
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
			progress(DownloadEvent{Target: t, Step: StepFetching})
			r := downloadOne(ctx, snap, t, opt, progress)
			if r.Error != "" && r.Explanations == nil {
				r.Explanations = Explain(r.Error)
				progress(DownloadEvent{Target: t, Step: StepFailed})
			} else {
				progress(DownloadEvent{Target: t, Step: StepDone})
			}
			results[i] = r
		}()
	}
	wg.Wait()
	return results
}

// downloadOne is one target's download, in three steps that each read
// one way: fetch into a temporary cache (download_fetch.go), judge the
// fresh copy against go.sum and the cached copy, reading only
// (download_judge.go), then settle: remove what the judgement condemns
// and install the fresh copy, through the confined layer
// (download_install.go). A version cached as metadata only takes the same
// steps for its .info and .mod (download_meta.go).
func downloadOne(ctx context.Context, snap *cachescan.Snapshot, target string, opt DownloadOptions, progress func(DownloadEvent)) DownloadResult {
	j, failed := startJob(snap, target, opt, progress)
	if j == nil {
		return failed
	}
	defer j.close()
	if old := snap.ModCache.FindVersion(j.path, j.version); old != nil && !old.HasZip && !old.HasDir && !old.Toolchain && !opt.Code && !ReplaceTarget(snap.Project, j.path, j.version) {
		return j.downloadMetadata(ctx, old)
	}
	got, errText := j.fetch(ctx)
	if errText != "" {
		return j.fail("%s", errText)
	}
	if old := snap.ModCache.FindVersion(got.Path, got.Version); old != nil && old.Active {
		return j.fail("%s@%s is the active toolchain: the go command running now lives there", got.Path, got.Version)
	}
	return j.settle(got, j.judge(got))
}
