package actions

import (
	"context"
	"fmt"
	"strings"

	"modscope/cachescan"
)

// downloadMetadata is Download for a version the cache holds as metadata
// only (.info and .mod, for the module graph): only those are fetched,
// judged against go.sum's /go.mod line, and replaced; the version's code
// is not added to the cache (DownloadOptions.Code and a replace
// directive's target ask for it: see downloadOne).
func (j *downloadJob) downloadMetadata(ctx context.Context, old *cachescan.Version) DownloadResult {
	got, errText := j.fetchMetadata(ctx)
	if errText != "" {
		return j.fail("%s", errText)
	}
	return j.settle(got, j.judgeMetadata(got, old))
}

// judgeMetadata is step 2 for a metadata-only version: the fresh go.mod
// against go.sum's /go.mod line and the cached .mod.
func (j *downloadJob) judgeMetadata(got goDownload, old *cachescan.Version) judgement {
	snap, r := j.snap, &j.r
	mv := got.Path + "@" + got.Version
	jd := judgement{meta: true, old: old, oc: hashOld(old, mv), kinds: problemKinds(snap, j.opt.Found, got.Path, got.Version)}
	oc, kinds := jd.oc, jd.kinds
	_, gomodSum := snap.Project.Sum(got.Path, got.Version)
	r.GoSum = gomodSum
	vouched := j.vouched == vouchedBySumDB
	switch {
	case len(gomodSum) > 0 && !contains(gomodSum, got.GoModSum) && vouched:
		// The database vouched for the fresh go.mod: go.sum is wrong, and
		// nothing in the cache changes for it.
		r.Verdict = VerdictGoSumWrong
		r.Detail = "the fresh go.mod hashes to " + got.GoModSum + ", the project's go.sum says " + strings.Join(gomodSum, ", ") +
			"; " + r.Checked + " vouches for the fresh one, so go.sum is wrong: " + goSumMend(got.Path, got.Version, mv) + "; nothing in the cache was changed"
		jd.final = true
	case len(gomodSum) > 0 && !contains(gomodSum, got.GoModSum):
		r.Verdict = VerdictUpstream
		r.Error = fmt.Sprintf("verifying %s/go.mod: checksum mismatch\n\tdownloaded: %s\n\tgo.sum:     %s", mv, got.GoModSum, gomodSum[0])
		r.Detail = "the fresh go.mod hashes to " + got.GoModSum + ", the project's go.sum says " + strings.Join(gomodSum, ", ")
		jd.tail = ". The module changed upstream: find out why before you touch go.sum"
		if contains(gomodSum, oc.mod) {
			r.Detail += "; the cached go.mod matches go.sum, so it stays" + jd.tail
			jd.final = true
		} else {
			jd.remove = partMod | partInfo
			jd.removed = "; the cached go.mod did not match go.sum either and was removed; the fresh one was not installed"
		}
	case len(kinds) == 0 && oc.mod == got.GoModSum && old.HasInfo:
		r.Verdict = VerdictSame
		r.Detail = "the cached .mod (metadata only) is identical to the fresh one: left as it was"
		jd.final = true
	case len(gomodSum) == 0 && j.vouched == vouchedByNothing && len(kinds) == 0 && oc.mod != "" && oc.mod != got.GoModSum:
		r.Verdict = VerdictUpstream
		r.Error = fmt.Sprintf("verifying %s/go.mod: checksum mismatch\n\tdownloaded: %s\n\tcached:     %s", mv, got.GoModSum, oc.mod)
		r.Detail = "the fresh go.mod differs from the cached one and nothing vouches for either (" + r.Checked + "): the cached one stays"
		jd.final = true
	default:
		// A ziphash without its zip and tree (ziphash-invalid, zip-missing)
		// goes too: metadata only is .info and .mod.
		jd.install, jd.remove = true, partMod|partInfo
		if old.HasZipHash {
			jd.remove |= partZipHash
		}
	}
	return jd
}
