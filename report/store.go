package report

import (
	"fmt"
	"io"
	"strings"

	"modscope/cachescan"
)

// WriteStoreReport is the report of a team module store's snapshot
// (modscope --store URL without a terminal): the store, its versions by
// state, the biggest modules and the damage. A store has no build cache
// and no project, and its paths are keys inside it, not paths to export.
func WriteStoreReport(w io.Writer, snap *cachescan.Snapshot, layout string) error {
	r := &report{w: w, store: true}
	mc := &snap.ModCache
	r.line("modscope --store  %s  (%.2f s)", snap.ScannedAt.UTC().Format("2006-01-02 15:04 MST"), float64(snap.DurationMS)/1000)
	r.line("")
	r.line("Store         %s (%s layout), read-only", p(mc.Root), p(layout))
	r.line("  %s in %s", HumanBytes(mc.Bytes), Plural(mc.Files, "object"))
	count := map[cachescan.VersionState]int64{}
	var versions int64
	for _, m := range mc.Modules {
		for _, v := range m.Versions {
			count[v.State]++
			versions++
		}
	}
	r.line("  %s, %s", Plural(int64(len(mc.Modules)), "module"), Plural(versions, "version"))
	var parts []string
	for _, s := range cachescan.VersionStates {
		if n := count[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) > 0 {
		r.line("  %s", strings.Join(parts, ", "))
	}
	if mc.Other.Files > 0 {
		r.line("  other keys %s (%s)", HumanBytes(mc.Other.Bytes), Plural(mc.Other.Files, "object"))
	}
	r.biggest(mc)
	r.problems(snap)
	r.line("")
	r.para(0, "modscope store verify hashes the store's versions; modscope store gc --damaged deletes the damaged ones.")
	return r.err
}
