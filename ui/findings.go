package ui

import (
	tea "charm.land/bubbletea/v2"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
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

// inScope is the scope rule SaveVerify keeps findings by, so that the view
// and the findings file agree on what a verify replaced.
func inScope(patterns []string, p cachescan.Problem) bool { return actions.InVerifyScope(p, patterns) }

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

// earlierMsg carries what an earlier verify (a modscope verify, or this
// TUI in another session) found that still holds for snap.
type earlierMsg struct {
	snap  *cachescan.Snapshot
	found []cachescan.Problem
}

// loadEarlier reads, in a command, the findings an earlier verify kept for
// these cache roots and hashes them again (actions.Found, the step repair
// and purge --problems take on the command line), so that the views and
// the plans start from what the CLI would act on.
func (m *Model) loadEarlier() tea.Cmd {
	if m.findingsPath == "" || m.c.snap == nil {
		return nil
	}
	ctx, snap, path := m.ctx, m.c.snap, m.findingsPath
	return func() tea.Msg {
		found, err := actions.Found(ctx, snap, path, nil)
		if err != nil {
			return nil // only the earlier findings are missing: the scan's stand
		}
		return earlierMsg{snap, found}
	}
}

// earlier adds the earlier findings that neither the scan nor this
// session's verify already speaks for. A rescan or a verify that started
// since is newer: a result for another snapshot is dropped, and one within
// a scope verified since is left to that verify.
func (m *Model) earlier(msg earlierMsg) {
	if msg.snap != m.c.snap {
		return
	}
	type key struct{ kind, path string }
	known := map[key]bool{}
	for _, p := range m.allProblems() {
		known[key{p.Kind, p.Path}] = true
	}
	added := 0
	for _, p := range msg.found {
		if known[key{p.Kind, p.Path}] || !hashing(p) || m.found.replaced(p) {
			continue
		}
		known[key{p.Kind, p.Path}] = true
		m.found.list = append(m.found.list, p)
		added++
	}
	if added == 0 {
		return
	}
	m.refreshProblems(false, false)
	m.status = report.Plural(int64(added), "problem") + " an earlier verify found still hold (4 shows them)"
}
