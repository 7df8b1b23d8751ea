package actions

import (
	"path/filepath"

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
