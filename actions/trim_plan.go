package actions

import (
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"modscope/cachescan"
)

// buildUnit is what a trim removes of the build cache at once: an action
// entry and, when no other action still names it, its output; or an
// output no action names; or an action entry the go command cannot read.
type buildUnit struct {
	when  time.Time // the action's mtime: its last use
	paths []string  // the -a first, then the -d
	size  cachescan.Size
}

// entryRec is one -a or -d entry as listed.
type entryRec struct {
	path  string
	mtime time.Time
	size  cachescan.Size
	out   string // an action's output ID (hex), "" when unreadable
}

// listBuildUnits lists the build cache's entries (the *-a and *-d names
// in the 256 entry directories, as the go command's trim sees them) and
// groups those not in use into units, least recently used first. In use,
// with a cut-off, are the entries whose mtime is not before it and the
// outputs the actions in use name: kept is what they occupy.
func listBuildUnits(root string, cutoff time.Time) (units []*buildUnit, kept cachescan.Size) {
	actions := map[string]*entryRec{}
	outputs := map[string]*entryRec{}
	buf := make([]byte, actionSizeBytes+1)
	eachEntryDir(root, func(dir string, ents []os.DirEntry) {
		for _, e := range ents {
			name := e.Name()
			if !isEntryName(name) {
				continue // temp files of a go command writing: not ours
			}
			fi, err := e.Info()
			if err != nil {
				continue
			}
			path := filepath.Join(dir, name)
			r := &entryRec{path: path, mtime: fi.ModTime(), size: sizeOf(fi)}
			if fi.IsDir() {
				r.size = treeSize(path)
				r.size.Add(sizeOf(fi))
			}
			if name[65] == 'd' {
				outputs[name[:64]] = r
				continue
			}
			if fi.Mode().IsRegular() && fi.Size() == actionSizeBytes {
				r.out = readOutputID(path, buf)
			}
			actions[name[:64]] = r
		}
	})
	inUse := func(r *entryRec) bool { return !cutoff.IsZero() && !r.mtime.Before(cutoff) }
	keptOut := map[string]bool{}
	var old []*entryRec
	refs := map[string]int{} // the actions not in use naming each output
	for _, a := range actions {
		if inUse(a) {
			kept.Add(a.size)
			if a.out != "" {
				keptOut[a.out] = true
			}
			continue
		}
		old = append(old, a)
		if a.out != "" {
			refs[a.out]++
		}
	}
	for id, o := range outputs {
		if inUse(o) || keptOut[id] {
			keptOut[id] = true
			kept.Add(o.size)
		}
	}
	sort.Slice(old, func(i, j int) bool { return older(old[i].mtime, old[i].path, old[j].mtime, old[j].path) })
	for _, a := range old {
		u := &buildUnit{when: a.mtime, paths: []string{a.path}, size: a.size}
		if a.out != "" {
			refs[a.out]--
			// The output goes with the last action naming it, unless
			// an action in use names it.
			if o := outputs[a.out]; o != nil && refs[a.out] == 0 && !keptOut[a.out] {
				u.paths = append(u.paths, o.path)
				u.size.Add(o.size)
				keptOut[a.out] = true // taken
			}
		}
		units = append(units, u)
	}
	// Outputs no action names: each on its own, by its mtime.
	named := map[string]bool{}
	for _, a := range actions {
		if a.out != "" {
			named[a.out] = true
		}
	}
	for id, o := range outputs {
		if !keptOut[id] && !named[id] {
			units = append(units, &buildUnit{when: o.mtime, paths: []string{o.path}, size: o.size})
		}
	}
	return units, kept
}

// actionSizeBytes is the length of a v1 action entry.
const actionSizeBytes = 2 + 1 + 64 + 1 + 64 + 1 + 20 + 1 + 20 + 1

// readOutputID reads the output ID an action entry names, "" when the
// entry is not one the go command reads ("v1 <action> <output> ...").
func readOutputID(path string, buf []byte) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	n, _ := io.ReadFull(f, buf)
	f.Close()
	if n != actionSizeBytes || string(buf[:3]) != "v1 " || buf[3+64] != ' ' || buf[3+64+1+64] != ' ' {
		return ""
	}
	out := string(buf[3+64+1 : 3+64+1+64])
	if !isEntryName(out + "-d") {
		return ""
	}
	return out
}

// older orders by time, then by name: a total order, whatever the order
// the directories were read in.
func older(ti time.Time, ki string, tj time.Time, kj string) bool {
	if !ti.Equal(tj) {
		return ti.Before(tj)
	}
	return ki < kj
}

// sortCandidates orders what a trim may remove: least recently used (or,
// for a module version, downloaded) first.
func sortCandidates(cs []trimCandidate) {
	sort.SliceStable(cs, func(i, j int) bool { return older(cs[i].when, cs[i].key, cs[j].when, cs[j].key) })
}
