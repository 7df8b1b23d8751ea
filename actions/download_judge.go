package actions

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/dirhash"

	"modscope/cachescan"
)

// goSumMend says how to put a version's go.sum lines right.
func goSumMend(path, version, mv string) string {
	return "restore the line (git checkout go.sum), or delete the lines of " + path + " " + version + " from go.sum and run go mod download " + mv
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

// zipHash hashes a cached version's zip, or "" if it cannot.
func zipHash(v *cachescan.Version) string {
	h, err := dirhash.HashZip(filepath.Join(v.DownloadDir, v.EscapedVersion+".zip"), dirhash.Hash1)
	if err != nil {
		return ""
	}
	return h
}

// judgement is step 2's answer: what the fresh copy says about the cached
// one, and what is to change. Judging only reads (it hashes the cached
// copy); settle makes the changes.
type judgement struct {
	meta  bool // a metadata-only version: .info and .mod only
	old   *cachescan.Version
	oc    oldCopy
	kinds []string // what the scan and verify found wrong with it
	gosum []string // the project's go.sum lines for its content
	// final: nothing is to change, the result stands as judged.
	final bool
	// remove are the parts of the cached copy that go; install: the fresh
	// copy goes in after them.
	remove  int
	install bool
	// Without install, the detail goes on with removed or, when the
	// removal fails, with notRemoved and the error ("" adds nothing), then
	// tail.
	removed, notRemoved, tail string
	// gosumWrong, when set, is why go.sum is wrong: the verdict becomes
	// VerdictGoSumWrong once settled (see finish).
	gosumWrong string
}

// upstreamTail ends the detail of a copy that contradicts go.sum.
const upstreamTail = ". The module changed upstream (a retagged version, or a proxy serving other content): find out why before you touch go.sum"

// judge is step 2: the fresh copy against the project's go.sum and the
// cached copy, part by part. The result learns the verdict when nothing is
// to change.
func (j *downloadJob) judge(got goDownload) judgement {
	snap, r := j.snap, &j.r
	mv := got.Path + "@" + got.Version
	jd := judgement{old: snap.ModCache.FindVersion(got.Path, got.Version)}
	jd.kinds = problemKinds(snap, j.opt.Found, got.Path, got.Version)
	old := jd.old
	if old != nil {
		r.OldSum = old.ZipHash
		jd.oc = hashOld(old, mv)
	}
	oc := jd.oc
	gosum, gomodSum := snap.Project.Sum(got.Path, got.Version)
	r.GoSum, jd.gosum = gosum, gosum
	upstream, mismatch := "", ""
	switch {
	case len(gosum) > 0 && !contains(gosum, got.Sum):
		upstream = fmt.Sprintf("the fresh copy hashes to %s, the project's go.sum says %s", got.Sum, strings.Join(gosum, ", "))
		mismatch = fmt.Sprintf("verifying %s: checksum mismatch\n\tdownloaded: %s\n\tgo.sum:     %s", mv, got.Sum, gosum[0])
	case len(gomodSum) > 0 && got.GoModSum != "" && !contains(gomodSum, got.GoModSum):
		upstream = fmt.Sprintf("the fresh go.mod hashes to %s, the project's go.sum says %s", got.GoModSum, strings.Join(gomodSum, ", "))
		mismatch = fmt.Sprintf("verifying %s/go.mod: checksum mismatch\n\tdownloaded: %s\n\tgo.sum:     %s", mv, got.GoModSum, gomodSum[0])
	case len(gosum) == 0 && j.vouched == vouchedByNothing && oc.consistent() && oc.content() != got.Sum:
		// Nothing vouches for either copy, and the cached one is whole:
		// only a person can tell which is right.
		r.Verdict = VerdictUpstream
		r.Error = fmt.Sprintf("verifying %s: checksum mismatch\n\tdownloaded: %s\n\tcached:     %s", mv, got.Sum, oc.content())
		r.Detail = "the fresh copy hashes to " + got.Sum + ", the cached copy (whole: its zip and tree agree with its ziphash) to " + oc.content() +
			"; nothing vouches for either (" + r.Checked + "), so the cached copy stays. The module changed upstream, or a proxy serves other content: find out which before you trust it"
		jd.final = true
		return jd
	}
	if upstream != "" && j.vouched == vouchedBySumDB {
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
			jd.final = true
			return jd
		}
		// The database is append-only and vouched for the fresh copy: the
		// go.sum line is the wrong one. The cache gets the vouched copy.
		jd.gosumWrong = upstream + "; " + r.Checked + " vouches for the fresh copy, so go.sum is wrong (a hand edit, a bad merge, or a line written under another GOSUMDB): " +
			goSumMend(got.Path, got.Version, mv)
		upstream = ""
		jd.kinds = slices.DeleteFunc(jd.kinds, func(k string) bool { return k == cachescan.KindGoSumMismatch || k == cachescan.KindGoSumWrong })
	}
	if upstream != "" {
		// A copy that contradicts go.sum is never installed: every build
		// of the project would refuse it anyway.
		r.Verdict, r.Error = VerdictUpstream, mismatch
		j.upstream(&jd, upstream, gomodSum)
		return jd
	}
	if old != nil && len(jd.kinds) == 0 && oc.zip == got.Sum && old.ZipHash == got.Sum && oc.mod == got.GoModSum && old.HasInfo && (!old.HasDir || oc.dir == got.Sum) {
		r.Verdict = VerdictSame
		r.Detail = "the cached copy (zip and tree) is identical to the fresh one: left as it was"
		if len(gosum) > 0 {
			r.Detail += "; it matches the project's go.sum"
		}
		jd.final = true
		return jd
	}
	// The cached copy goes (its metadata too when it differs or had a
	// problem), the fresh one comes.
	jd.install = true
	if old != nil {
		jd.remove = partTree | partZip | partZipHash
		if oc.mod != got.GoModSum || len(jd.kinds) > 0 {
			jd.remove |= partMod | partInfo
		}
	}
	return jd
}

// upstream judges a cached copy when the fresh one contradicts go.sum: of
// it, only the parts that contradict go.sum go (a part go.sum vouches for
// is what the project needs); nothing is installed. detail starts the
// result's detail.
func (j *downloadJob) upstream(jd *judgement, detail string, gomodSum []string) {
	old, oc, gosum := jd.old, jd.oc, jd.gosum
	kept := oc.matches(gosum, gomodSum)
	if old != nil {
		switch {
		case len(gosum) > 0 && (old.HasZip || old.HasDir) && !contains(gosum, oc.zip) && !contains(gosum, oc.dir):
			jd.remove |= partTree | partZip | partZipHash
		case oc.zip != "" && contains(gosum, oc.zip) && old.ZipHash != oc.zip:
			// A good zip with a wrong ziphash: the go command hashes the
			// zip again and extracts it again, offline.
			jd.remove |= partTree | partZipHash
		case oc.zip != "" && contains(gosum, oc.zip) && old.HasDir && oc.dir != oc.zip:
			jd.remove |= partTree // edited: extracted again from the good zip
		}
		if len(gomodSum) > 0 && old.HasMod && !contains(gomodSum, oc.mod) {
			jd.remove |= partMod | partInfo
		}
	}
	j.r.Detail, jd.tail = detail, upstreamTail
	switch {
	case jd.remove == 0 && kept != "":
		jd.final = true
		j.r.Detail += "; the cached copy's " + kept + " matches go.sum, so it stays" + upstreamTail
	case jd.remove == 0:
		jd.final = true
		j.r.Detail += "; nothing was installed" + upstreamTail
	case kept != "":
		jd.removed = "; of the cached copy, what contradicts go.sum (or its own zip) was removed and its " + kept + ", which matches, stays; the fresh copy was not installed"
	default:
		jd.removed = "; the cached copy did not match go.sum either and was removed; the fresh one was not installed"
	}
	jd.notRemoved = "; the cached copy does not match go.sum either, and removing it failed: "
}
