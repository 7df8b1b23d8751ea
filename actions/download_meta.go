package actions

import (
	"context"
	"fmt"
	"strings"

	"modscope/cachescan"
)

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
