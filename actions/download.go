package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"

	"modscope/actions/confine"
	"modscope/assets"
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

// goSumMend says how to put a version's go.sum lines right.
func goSumMend(path, version, mv string) string {
	return "restore the line (git checkout go.sum), or delete the lines of " + path + " " + version + " from go.sum and run go mod download " + mv
}

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

// Explanation is a knowledge-base entry that matches an error.
type Explanation struct {
	ID    string `json:"id"`
	Cause string `json:"cause"`
	Fix   string `json:"fix"`
}

// Explain classifies an error text with the knowledge base, each
// explanation once (one go command's stderr can repeat an error).
func Explain(text string) []Explanation {
	var out []Explanation
	for _, m := range assets.Explain(text) {
		e := Explanation{ID: m.Error.ID, Cause: m.Cause(), Fix: m.Fix()}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// goDownload is one object of `go mod download -json`.
type goDownload struct {
	Path, Version, Error, Info, GoMod, Zip, Dir, Sum, GoModSum string
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

// CheckTarget says what is wrong with a download target, if anything: it
// is one path@version (or path@latest, or another query the go command
// takes), with no space, control, format character or invalid UTF-8.
func CheckTarget(target string) error {
	if err := checkTargetText(target); err != nil {
		return err
	}
	path, _, _ := strings.Cut(target, "@")
	if err := module.CheckPath(path); err != nil {
		return fmt.Errorf("%q: %v; copy the path from go.mod", target, err)
	}
	if path == "golang.org/fips140" {
		return errors.New("golang.org/fips140 comes with Go, no proxy serves it: purge its tree and the go command extracts it again")
	}
	return nil
}

// CheckDownloadSetup says, before anything is fetched, why no download can
// work here: GOPROXY=off forbids the network, and the temporary directory
// must be outside any module and free of GOPROXY's separators.
func CheckDownloadSetup(env cachescan.Env) error {
	if strings.TrimSpace(env.GOPROXY) == "off" {
		return &SetupError{"GOPROXY=off", "a download needs the network, and GOPROXY=off forbids it",
			"run it with GOPROXY=https://proxy.golang.org,direct (or your proxy) for this command"}
	}
	tmp := os.TempDir()
	if strings.ContainsAny(tmp, ",|") {
		return &SetupError{"the temporary directory " + tmp + " has a , or | in its path",
			"the fetched copies are served from it through GOPROXY, which would split the path there", "set TMPDIR to another directory"}
	}
	if gomod := goModAbove(filepath.Join(tmp, "x")); gomod != "" {
		return &SetupError{gomod + " is at or above the temporary directory " + tmp,
			"the go command would work in that module and could change it", "set TMPDIR to a directory outside any module"}
	}
	return nil
}

// SetupError is why no download can work here: what is wrong, why it
// matters, and the fix.
type SetupError struct{ What, Cause, Fix string }

func (e *SetupError) Error() string { return e.What + ": " + e.Cause + "; " + e.Fix }

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
	if old := snap.ModCache.FindVersion(path, vers); old != nil && !old.HasZip && !old.HasDir && !old.Toolchain {
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
	case old == nil || (!old.HasZip && !old.HasDir):
		r.Verdict = VerdictNew
		r.Detail = "fetched and in the cache"
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

// fetchEnv is the environment of step 1: the user's proxies and checksum
// database, into the temporary module cache fresh.
func fetchEnv(snap *cachescan.Snapshot, fresh, gocache string) []string {
	return downloadEnv(snap.Env, map[string]string{
		"GOMODCACHE": fresh, "GOCACHE": gocache,
		"GOFLAGS": "-modcacherw", // so that the temporary cache can be removed
		"GOPROXY": snap.Env.GOPROXY, "GOSUMDB": snap.Env.GOSUMDB, "GONOSUMDB": snap.Env.GONOSUMDB,
		"GOPRIVATE": snap.Env.GOPRIVATE, "GONOPROXY": snap.Env.GONOPROXY, "GOINSECURE": snap.Env.GOINSECURE,
	})
}

// problemKinds lists the kinds of the known problems of a version.
func problemKinds(snap *cachescan.Snapshot, found []cachescan.Problem, path, version string) []string {
	var kinds []string
	for _, p := range append(append([]cachescan.Problem(nil), snap.Problems...), found...) {
		if p.Module == path && p.Version == version && !contains(kinds, p.Kind) {
			kinds = append(kinds, p.Kind)
		}
	}
	return kinds
}

// downloadMetadata is Download for a version the cache holds as metadata
// only (.info and .mod, for the module graph): only those are fetched,
// checked against go.sum's /go.mod line, and replaced; the version's code
// is not added to the cache.
func downloadMetadata(ctx context.Context, snap *cachescan.Snapshot, r DownloadResult, old *cachescan.Version, target, work, fresh, gocache string, opt DownloadOptions, installing func()) DownloadResult {
	fail := func(format string, args ...any) DownloadResult {
		r.Verdict, r.Error = VerdictFailed, fmt.Sprintf(format, args...)
		if r.Detail == "" {
			r.Detail = "nothing in the cache was changed"
		}
		return r
	}
	got, errText := fetchMetadata(ctx, work, fetchEnv(snap, fresh, gocache), target, opt.Timeout)
	if errText != "" {
		return fail("%s", errText)
	}
	r.Module, r.Version, r.GoModSum = got.Path, got.Version, got.GoModSum
	r.Checked = checkedBy(snap.Env, got.Path)
	mv := got.Path + "@" + got.Version
	kinds := problemKinds(snap, opt.Found, got.Path, got.Version)
	oc := hashOld(old, mv)
	_, gomodSum := snap.Project.Sum(got.Path, got.Version)
	r.GoSum = gomodSum
	vouched := strings.HasPrefix(r.Checked, "the checksum database")
	switch {
	case len(gomodSum) > 0 && !contains(gomodSum, got.GoModSum) && vouched:
		// The database vouched for the fresh go.mod: go.sum is wrong, and
		// nothing in the cache changes for it.
		r.Verdict = VerdictGoSumWrong
		r.Detail = "the fresh go.mod hashes to " + got.GoModSum + ", the project's go.sum says " + strings.Join(gomodSum, ", ") +
			"; " + r.Checked + " vouches for the fresh one, so go.sum is wrong: " + goSumMend(got.Path, got.Version, mv) + "; nothing in the cache was changed"
		return r
	case len(gomodSum) > 0 && !contains(gomodSum, got.GoModSum):
		r.Verdict = VerdictUpstream
		r.Error = fmt.Sprintf("verifying %s/go.mod: checksum mismatch\n\tdownloaded: %s\n\tgo.sum:     %s", mv, got.GoModSum, gomodSum[0])
		r.Detail = "the fresh go.mod hashes to " + got.GoModSum + ", the project's go.sum says " + strings.Join(gomodSum, ", ")
		if contains(gomodSum, oc.mod) {
			r.Detail += "; the cached go.mod matches go.sum, so it stays"
		} else {
			plan := newPlan(snap)
			plan.add(versionItem(snap, snap.ModCache.Find(got.Path), old, partMod|partInfo, nil))
			if res := plan.Execute(); res[0].Removed {
				r.Detail += "; the cached go.mod did not match go.sum either and was removed; the fresh one was not installed"
			}
		}
		r.Detail += ". The module changed upstream: find out why before you touch go.sum"
		return r
	case len(kinds) == 0 && oc.mod == got.GoModSum && old.HasInfo:
		r.Verdict = VerdictSame
		r.Detail = "the cached .mod (metadata only) is identical to the fresh one: left as it was"
		return r
	case len(gomodSum) == 0 && strings.HasPrefix(r.Checked, "nothing") && len(kinds) == 0 && oc.mod != "" && oc.mod != got.GoModSum:
		r.Verdict = VerdictUpstream
		r.Error = fmt.Sprintf("verifying %s/go.mod: checksum mismatch\n\tdownloaded: %s\n\tcached:     %s", mv, got.GoModSum, oc.mod)
		r.Detail = "the fresh go.mod differs from the cached one and nothing vouches for either (" + r.Checked + "): the cached one stays"
		return r
	}
	if err := installEntries(snap, got.Path, got.Version); err != nil {
		r := fail("%v", err)
		r.Explanations = refusedEntry
		return r
	}
	installing()
	unlock := lockVersion(mv)
	defer unlock()
	// A ziphash without its zip and tree (ziphash-invalid, zip-missing)
	// goes too: metadata only is .info and .mod.
	parts := partMod | partInfo
	if old.HasZipHash {
		parts |= partZipHash
	}
	plan := newPlan(snap)
	plan.add(versionItem(snap, snap.ModCache.Find(got.Path), old, parts, nil))
	if res := plan.Execute(); !res[0].Removed {
		return fail("removing the cached metadata: %s%s", res[0].Err, res[0].Kept)
	}
	r.Replaced = true
	if err := installFresh(snap, fresh, got.Path, got.Version, true); err != nil {
		r.Detail = "the old .mod and .info were removed and installing the fresh ones failed: the go command fetches them again when it needs them"
		return fail("installing the fresh metadata: %v", err)
	}
	r.Verdict = VerdictFixed
	r.Detail = "fresh .info and .mod replaced the cached ones"
	if len(kinds) > 0 {
		r.Detail = "the cached metadata had " + strings.Join(kinds, ", ") + "; fresh .info and .mod replaced it"
	}
	r.Detail += " (metadata only, as it was: the version's code is still not cached)"
	return r
}

// refusedEntry explains installEntries' refusal.
var refusedEntry = []Explanation{{ID: "entry-refused",
	Cause: "an entry a download of this version writes is a symlink, or of another type than the go command writes; modscope changes nothing through it, and the go command would follow it",
	Fix:   linkFix}}

// installEntries checks, before the cached copy is purged, that none of
// the entries installFresh opens or creates (the download directory and
// those above it, list, .lock, .partial, the download files, the tree) is
// a link or of another type than the go command writes. installFresh
// refuses them too, through the confined layer, but by then the old copy
// would be gone: this refuses while nothing has changed.
func installEntries(snap *cachescan.Snapshot, path, version string) error {
	root := snap.ModCache.Root
	escPath, err := module.EscapePath(path)
	if err != nil {
		return err
	}
	escVer, err := module.EscapeVersion(version)
	if err != nil {
		return err
	}
	v := &cachescan.Version{EscapedVersion: escVer,
		DownloadDir: filepath.Join(root, "cache", "download", filepath.FromSlash(escPath), "@v")}
	return versionEntries(root, &cachescan.Module{EscapedPath: escPath}, v, true)
}

// oldCopy holds the hashes of a cached version's parts, "" where a part is
// missing or unreadable.
type oldCopy struct {
	zip, dir, mod, ziphash string
}

func hashOld(v *cachescan.Version, mv string) oldCopy {
	oc := oldCopy{ziphash: v.ZipHash}
	if v.HasZip {
		oc.zip = zipHash(v)
	}
	if v.HasDir && !v.Toolchain {
		// Not dirhash.HashDir: it follows links (one to /dev/zero never
		// ends) and blocks on a FIFO. dirSums does neither and stops at
		// what a module zip may hold.
		if sums, err := dirSums(v.Dir, mv, nil, func(int64) error { return nil }, make([]byte, 64<<10)); err == nil {
			oc.dir, _ = h1(sums)
		}
	}
	if v.HasMod {
		mod := filepath.Join(v.DownloadDir, v.EscapedVersion+".mod")
		if data, err := cachescan.ReadSmall(mod, 0); err == nil {
			oc.mod = goModSum(data)
		}
	}
	return oc
}

// content is the copy's content hash: the zip's, else the tree's.
func (oc oldCopy) content() string {
	if oc.zip != "" {
		return oc.zip
	}
	return oc.dir
}

// consistent reports whether the copy is whole: its zip and its tree (those
// present) hash to its ziphash.
func (oc oldCopy) consistent() bool {
	return oc.ziphash != "" && oc.content() == oc.ziphash && (oc.dir == "" || oc.dir == oc.ziphash)
}

// matches names the first part that agrees with go.sum, or "".
func (oc oldCopy) matches(gosum, gomodSum []string) string {
	switch {
	case oc.zip != "" && contains(gosum, oc.zip):
		return "zip"
	case oc.dir != "" && contains(gosum, oc.dir):
		return "tree"
	case oc.mod != "" && contains(gomodSum, oc.mod):
		return "go.mod"
	}
	return ""
}

// goModAbove returns a go.mod at or above dir, or "".
func goModAbove(dir string) string {
	for {
		if fi, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && !fi.IsDir() {
			return filepath.Join(dir, "go.mod")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

var versionLocks sync.Map // "path@version" -> *sync.Mutex

// lockVersion serializes the replacing of one version within this process.
func lockVersion(mv string) func() {
	mu, _ := versionLocks.LoadOrStore(mv, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	return mu.(*sync.Mutex).Unlock
}

// zipHash hashes a cached version's zip, or "" if it cannot.
func zipHash(v *cachescan.Version) string {
	h, err := dirhash.HashZip(filepath.Join(v.DownloadDir, v.EscapedVersion+".zip"), dirhash.Hash1)
	if err != nil {
		return ""
	}
	return h
}

// checkedBy says what vouched for a fresh download made outside a module:
// the checksum database, unless GOSUMDB is off or the path is private.
func checkedBy(env cachescan.Env, path string) string {
	if env.GOSUMDB == "off" {
		return "nothing: GOSUMDB=off, so only the project's go.sum can vouch for it"
	}
	nosum := env.GONOSUMDB
	if nosum == "" {
		nosum = env.GOPRIVATE
	}
	if nosum != "" && module.MatchPrefixPatterns(nosum, path) {
		return "nothing: GONOSUMDB/GOPRIVATE matches it, so only the project's go.sum can vouch for it"
	}
	name := env.GOSUMDB
	if name == "" {
		name = "sum.golang.org"
	}
	name, _, _ = strings.Cut(strings.Fields(name)[0], "+") // the name, not its key
	return "the checksum database " + name
}

// goModDownload runs `go mod download -json target` and returns its one
// module, or the error to report: the JSON Error, else stderr (fatal errors
// print no JSON), else the exit status.
func goModDownload(ctx context.Context, dir string, env []string, target string, timeout time.Duration) (goDownload, string) {
	return runModDownload(ctx, dir, env, target, timeout, false)
}

// fetchMetadata fetches only a version's .info and .mod (`go list -m`), for
// a version the cache holds as metadata only: a download must not turn it
// into a zip and a tree.
func fetchMetadata(ctx context.Context, dir string, env []string, target string, timeout time.Duration) (goDownload, string) {
	return runModDownload(ctx, dir, env, target, timeout, true)
}

func runModDownload(ctx context.Context, dir string, env []string, target string, timeout time.Duration, meta bool) (goDownload, string) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := []string{"mod", "download", "-json", target}
	if meta {
		args = []string{"list", "-m", "-json", target}
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var got goDownload
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var d struct {
			goDownload
			Error json.RawMessage // a string from go mod download, {"Err"} from go list
		}
		if dec.Decode(&d) != nil {
			break
		}
		got = d.goDownload
		var e struct{ Err string }
		if json.Unmarshal(d.Error, &got.Error) != nil && json.Unmarshal(d.Error, &e) == nil {
			got.Error = e.Err
		}
	}
	if meta && got.GoMod != "" && got.Error == "" {
		h, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) { return os.Open(got.GoMod) })
		if err != nil {
			got.Error = "reading the fetched go.mod: " + err.Error()
		}
		got.GoModSum = h
	}
	verb := "go mod download"
	if meta {
		verb = "go list -m"
	}
	stderrText := strings.TrimSpace(stderr.String())
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return got, fmt.Sprintf("%s %s: no answer within %s, stopped (--timeout)", verb, target, timeout)
	case ctx.Err() != nil:
		return got, "cancelled"
	case got.Error != "":
		if stderrText != "" && !strings.Contains(got.Error, stderrText) {
			return got, got.Error + "\n" + stderrText
		}
		return got, got.Error
	case err != nil && stderrText != "":
		return got, stderrText
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return got, fmt.Sprintf("%s %s failed (%v) and said nothing", verb, target, err)
		}
		return got, fmt.Sprintf("running the go command: %v; is go on PATH?", err)
	case meta && got.GoModSum == "":
		return got, fmt.Sprintf("go list -m %s printed no go.mod", target)
	case !meta && (got.Sum == "" || got.Zip == ""):
		return got, fmt.Sprintf("go mod download %s printed no zip and no sum", target)
	}
	return got, ""
}

// downloadEnv is the environment of the go commands a download runs: the
// user's, without anything that ties it to a project, with set applied.
func downloadEnv(user cachescan.Env, set map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := set[k]; ok {
			continue
		}
		switch k {
		case "GOWORK", "GOTOOLCHAIN", "GO111MODULE", "GOFLAGS":
			continue
		}
		env = append(env, kv)
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	env = append(env, "GOWORK=off", "GOTOOLCHAIN=local", "GO111MODULE=on")
	if _, ok := set["GOFLAGS"]; !ok {
		env = append(env, "GOFLAGS=")
	}
	return env
}

// hasFlag reports whether a GOFLAGS value has the flag.
func hasFlag(goflags, flag string) bool {
	for _, f := range strings.Fields(goflags) {
		if f == flag || strings.HasPrefix(f, flag+"=true") {
			return true
		}
	}
	return false
}

// fileURL is a file:// URL for a local directory, as GOPROXY takes it.
func fileURL(dir string) string {
	p := filepath.ToSlash(dir)
	if runtime.GOOS == "windows" {
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}
