package actions

import (
	"path/filepath"
	"strings"
	"sync"

	"modscope/cachescan"
)

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
	escPath, escVer, err := escaped(path, version)
	if err != nil {
		return err
	}
	v := &cachescan.Version{EscapedVersion: escVer,
		DownloadDir: filepath.Join(root, "cache", "download", filepath.FromSlash(escPath), "@v")}
	return versionEntries(root, &cachescan.Module{EscapedPath: escPath}, v, true)
}

var versionLocks sync.Map // "path@version" -> *sync.Mutex

// lockVersion serializes the replacing of one version within this process.
func lockVersion(mv string) func() {
	mu, _ := versionLocks.LoadOrStore(mv, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	return mu.(*sync.Mutex).Unlock
}

// settle is step 3: the changes the judgement calls for, then the verdict.
// Nothing here takes the context: between removing the cached copy and
// installing the fresh one the version would be lost.
func (j *downloadJob) settle(got goDownload, jd judgement) DownloadResult {
	return jd.finish(j.change(got, jd))
}

// change removes what the judgement condemns and installs the fresh copy.
func (j *downloadJob) change(got goDownload, jd judgement) DownloadResult {
	r := &j.r
	switch {
	case jd.final:
		return *r
	case !jd.install:
		// The fresh copy contradicts go.sum: only the cached parts that do
		// too go.
		if res := j.removeCached(jd); res.Removed {
			r.Detail += jd.removed
		} else if jd.notRemoved != "" {
			r.Detail += jd.notRemoved + res.Err + res.Kept
		}
		r.Detail += jd.tail
		return *r
	}
	if err := installEntries(j.snap, got.Path, got.Version); err != nil {
		res := j.fail("%v", err)
		res.Explanations = refusedEntry
		return res
	}
	total := freshSize(j.fresh, got.Path, got.Version, jd.meta)
	j.progress(DownloadEvent{Target: j.target, Step: StepInstalling, Total: total})
	unlock := lockVersion(got.Path + "@" + got.Version) // two targets may name the same version
	defer unlock()
	what := "copy"
	if jd.meta {
		what = "metadata"
	}
	if jd.old != nil && jd.remove != 0 {
		if res := j.removeCached(jd); !res.Removed {
			return j.fail("removing the cached %s: %s%s", what, res.Err, res.Kept)
		}
		r.Replaced = jd.meta // the metadata's old copy is gone: replaced, whatever follows
	}
	copied := installMeter(total, func(done int64) {
		j.progress(DownloadEvent{Target: j.target, Step: StepInstalling, Bytes: done, Total: total})
	})
	if err := installFresh(j.snap, j.fresh, got.Path, got.Version, jd.meta, copied); err != nil {
		r.Detail = "the old copy was removed and installing the fresh one failed: the go command downloads it again when a build needs it"
		if jd.meta {
			r.Detail = "the old .mod and .info were removed and installing the fresh ones failed: the go command fetches them again when it needs them"
		}
		return j.fail("installing the fresh %s: %v", what, err)
	}
	r.Replaced = true
	r.Verdict, r.Detail = jd.freshVerdict(j.snap, got, r.Checked)
	return *r
}

// freshVerdict is the verdict and detail once the fresh copy is in.
func (jd judgement) freshVerdict(snap *cachescan.Snapshot, got goDownload, checked string) (Verdict, string) {
	old, oc, kinds := jd.old, jd.oc, jd.kinds
	var detail string
	switch {
	case jd.meta:
		detail = "fresh .info and .mod replaced the cached ones"
		if len(kinds) > 0 {
			detail = "the cached metadata had " + strings.Join(kinds, ", ") + "; fresh .info and .mod replaced it"
		}
		return VerdictFixed, detail + " (metadata only, as it was: the version's code is still not cached)"
	case old == nil:
		return VerdictNew, "fetched and in the cache" + jd.matchesGoSum()
	case !old.HasZip && !old.HasDir:
		detail = "the cache held its metadata only: its code (zip and tree) fetched and in the cache"
		if ReplaceTarget(snap.Project, got.Path, got.Version) {
			detail += ", as the project builds with it (the target of a replace directive)"
		}
		return VerdictNew, detail + jd.matchesGoSum()
	case oc.content() != "" && oc.content() != got.Sum:
		detail = "the cached copy hashed to " + oc.content() + ", the fresh one (" + checked + ") to " + got.Sum + ": local corruption, now fixed"
	case oc.dir != "" && oc.dir != got.Sum:
		detail = "the cached tree had been changed (it hashed to " + oc.dir + ", not " + got.Sum + "): local corruption, now fixed"
	case len(kinds) > 0:
		detail = "the cached copy had " + strings.Join(kinds, ", ") + "; the fresh copy replaced it"
	default:
		detail = "the cached copy was " + string(old.State) + "; the fresh copy replaced it"
	}
	return VerdictFixed, detail + jd.matchesGoSum()
}

// matchesGoSum ends the detail of a fresh copy the project's go.sum lists.
func (jd judgement) matchesGoSum() string {
	if len(jd.gosum) > 0 {
		return "; it matches the project's go.sum"
	}
	return ""
}

// finish turns the result into VerdictGoSumWrong when the judgement found
// go.sum wrong: the cache now holds (or still holds) the vouched-for copy.
func (jd judgement) finish(r DownloadResult) DownloadResult {
	if jd.gosumWrong == "" {
		return r
	}
	if r.Verdict == VerdictFailed {
		r.Detail += "; also, " + jd.gosumWrong
		return r
	}
	why := r.Detail + "; " + jd.gosumWrong
	if r.Verdict == VerdictSame {
		why = "the cached copy is the vouched one and stays; " + jd.gosumWrong
	}
	// No error to explain: the knowledge base's go.sum mismatch says
	// never to edit go.sum, and here go.sum is what is wrong.
	r.Verdict, r.Detail, r.Error = VerdictGoSumWrong, why, ""
	return r
}

// removeCached removes the judgement's parts of the cached copy as a purge
// does (the version's lock, the go command's order).
func (j *downloadJob) removeCached(jd judgement) PurgeResult {
	plan := newPlan(j.snap)
	plan.add(versionItem(j.snap, j.snap.ModCache.Find(j.r.Module), jd.old, jd.remove, nil))
	return plan.Execute()[0]
}
