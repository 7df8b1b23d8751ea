package ui

import (
	"modscope/actions"
	"modscope/cachescan"
)

// findings is what verify found in this session, kept beside the snapshot
// because a Snapshot is read-only once Scan returned. The tree and the
// Problems view read the scan's problems and these together (all).
type findings struct {
	list []cachescan.Problem
	// covered lists the scopes verified again since the scan (nil
	// inside: everything), whose earlier hashing results in the
	// snapshot a newer verify replaces.
	covered [][]string
}

// hashing says whether p is a result of hashing, which verify finds again.
func hashing(p cachescan.Problem) bool {
	k := cachescan.LookupKind(p.Kind)
	return k != nil && k.Verify
}

func inScope(patterns []string, p cachescan.Problem) bool {
	return patterns == nil || (p.Module != "" && actions.Match(patterns, p.Module, p.Version))
}

// begin drops what a verify of patterns is about to find again.
func (f *findings) begin(patterns []string) {
	var kept []cachescan.Problem
	for _, p := range f.list {
		if !(hashing(p) && inScope(patterns, p)) {
			kept = append(kept, p)
		}
	}
	f.list = kept
	f.covered = append(f.covered, patterns)
}

// all is the scan's problems, less those a later verify replaced, and the
// findings, sorted as the scan sorts them; a new slice every time.
func (f *findings) all(snap *cachescan.Snapshot) []cachescan.Problem {
	if snap == nil {
		return nil
	}
	out := make([]cachescan.Problem, 0, len(snap.Problems)+len(f.list))
	for _, p := range snap.Problems {
		if !f.replaced(p) {
			out = append(out, p)
		}
	}
	out = append(out, f.list...)
	cachescan.SortProblems(out)
	return out
}

// count is len(all(snap)) without building it: the tab shows it on
// every frame.
func (f *findings) count(snap *cachescan.Snapshot) int {
	if snap == nil {
		return 0
	}
	n := len(f.list)
	for _, p := range snap.Problems {
		if !f.replaced(p) {
			n++
		}
	}
	return n
}

// replaced says whether a later verify covers p, a result of the scan.
func (f *findings) replaced(p cachescan.Problem) bool {
	if len(f.covered) == 0 || !hashing(p) {
		return false
	}
	for _, c := range f.covered {
		if inScope(c, p) {
			return true
		}
	}
	return false
}
