package actions

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"

	"modscope/cachescan"
)

// Findings are what the last verify found, kept so that a later repair
// fixes them without hashing the whole cache again.
type Findings struct {
	ModCache string              `json:"modcache"`
	GoCache  string              `json:"gocache"`
	At       time.Time           `json:"at"`
	Problems []cachescan.Problem `json:"problems"`
}

// DefaultFindings is where verify keeps its findings: the user's cache
// directory, next to the zip hashes.
func DefaultFindings() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "modscope", "last-verify.json")
}

// findingsFile holds the findings of several cache pairs: a verify of
// another GOMODCACHE must not forget what was found in this one.
type findingsFile struct {
	Caches []Findings `json:"caches"`
}

// maxFindings bounds the cache pairs kept; the least recent goes first.
const maxFindings = 32

// SaveFindings records what a verify found for f's cache roots. A verify
// of some versions only (patterns) replaces the findings about those
// versions and keeps the rest; a whole verify (no patterns) replaces all.
// The file is replaced whole, under a lock, so concurrent verifies and
// readers never see half of it.
func SaveFindings(path string, f Findings, patterns []string) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return err
	}
	unlock, err := lockedfile.MutexAt(path + ".lock").Lock()
	if err != nil {
		return err
	}
	defer unlock()
	file := readFindings(path)
	kept := file.Caches[:0]
	for _, old := range file.Caches {
		if old.ModCache != f.ModCache || old.GoCache != f.GoCache {
			kept = append(kept, old)
			continue
		}
		if len(patterns) == 0 {
			continue
		}
		var still []cachescan.Problem
		for _, p := range old.Problems {
			if !InVerifyScope(p, patterns) {
				still = append(still, p)
			}
		}
		f.Problems = append(still, f.Problems...)
	}
	f.Problems = uniqueProblems(f.Problems)
	file.Caches = append(kept, f)
	sort.SliceStable(file.Caches, func(i, j int) bool { return file.Caches[i].At.After(file.Caches[j].At) })
	if len(file.Caches) > maxFindings {
		file.Caches = file.Caches[:maxFindings]
	}
	data, err := json.Marshal(file)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o666); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// uniqueProblems drops repeated findings (a build output found again by
// a later verify is one problem).
func uniqueProblems(ps []cachescan.Problem) []cachescan.Problem {
	seen := map[[4]string]bool{}
	out := ps[:0]
	for _, p := range ps {
		k := [4]string{p.Kind, p.Module, p.Version, p.Path}
		if !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}

// readFindings reads the findings file; one written by an older modscope
// (a single Findings) reads as one entry.
func readFindings(path string) findingsFile {
	var file findingsFile
	data, err := os.ReadFile(path)
	if err != nil {
		return file
	}
	if json.Unmarshal(data, &file) == nil && file.Caches != nil {
		return file
	}
	var one Findings
	if json.Unmarshal(data, &one) == nil && one.ModCache != "" {
		return findingsFile{Caches: []Findings{one}}
	}
	return findingsFile{}
}

// LoadFindings reads the findings verify kept for these cache roots; nil
// when there are none.
func LoadFindings(path, modcache, gocache string) *Findings {
	if path == "" {
		return nil
	}
	for _, f := range readFindings(path).Caches {
		if f.ModCache == modcache && f.GoCache == gocache {
			return &f
		}
	}
	return nil
}

// Recheck hashes again only what the findings name, against a fresh
// snapshot, and returns the problems that still hold: a repair acts on the
// present, not on what was true when verify ran.
func Recheck(ctx context.Context, snap *cachescan.Snapshot, f *Findings) ([]cachescan.Problem, error) {
	if f == nil {
		return nil, nil
	}
	var patterns []string
	sumdb, sumdbCache := false, false
	var out []cachescan.Problem
	buf := make([]byte, 256<<10)
	for _, p := range f.Problems {
		k := cachescan.LookupKind(p.Kind)
		if k == nil || !k.Verify {
			continue // the fresh scan has it if it still holds
		}
		switch {
		case p.Kind == cachescan.KindOutputCorrupt:
			id := strings.TrimSuffix(filepath.Base(p.Path), "-d")
			res := verifyOutput(p.Path, id, snap.Clock, func(int64) error { return ctx.Err() }, buf)
			out = append(out, res.problems...)
		case p.Kind == cachescan.KindSumDBCache || p.Kind == cachescan.KindSumDBSecurity:
			sumdbCache = true
		case p.Module != "":
			mv := p.Module + "@" + p.Version
			if !contains(patterns, mv) {
				patterns = append(patterns, mv)
			}
			sumdb = sumdb || p.Kind == cachescan.KindSumDBMismatch
		}
	}
	if len(patterns) > 0 {
		rep, err := NewVerifier().Verify(ctx, snap, VerifyOptions{Patterns: patterns, SumDB: sumdb, ZipCache: DefaultZipCache()})
		if err != nil {
			return nil, err
		}
		out = append(out, rep.Problems...)
	}
	if sumdbCache {
		found, _ := checkSumDBCache(snap)
		out = append(out, found...)
	}
	return out, ctx.Err()
}

// Carry returns the verify findings worth keeping across a rescan after an
// action: a scan does not hash, so it cannot find them again. Kept are
// those about entries that still exist and that the action did not touch
// (touched holds "path@version").
func Carry(found []cachescan.Problem, snap *cachescan.Snapshot, touched map[string]bool) []cachescan.Problem {
	var out []cachescan.Problem
	for _, pr := range found {
		if k := cachescan.LookupKind(pr.Kind); k == nil || !k.Verify {
			continue
		}
		if pr.Module != "" && (touched[pr.Module+"@"+pr.Version] || snap.ModCache.FindVersion(pr.Module, pr.Version) == nil) {
			continue
		}
		if pr.Path != "" {
			if _, err := os.Lstat(pr.Path); err != nil {
				continue
			}
		}
		out = append(out, pr)
	}
	return out
}

// The steps the CLI and the TUI share around a verify: Found before a
// repair or a purge of problems, SaveVerify after a verify, Carry across a
// rescan after an action.

// Found is what repair and purge --problems act on: the snapshot's own
// problems (the scan's), plus the findings an earlier verify of these
// cache roots kept at path that still hold, hashed again now against snap
// (Recheck: a repair acts on the present). recheck, if not nil, is called
// just before that hashing starts, for a progress display; it is not
// called when there is nothing to check again. No findings file (or path
// "") is no error: only the scan's problems come back.
func Found(ctx context.Context, snap *cachescan.Snapshot, path string, recheck func()) ([]cachescan.Problem, error) {
	found := append([]cachescan.Problem(nil), snap.Problems...)
	last := LoadFindings(path, snap.ModCache.Root, snap.BuildCache.Root)
	if last == nil || len(last.Problems) == 0 {
		return found, nil
	}
	if recheck != nil {
		recheck()
	}
	still, err := Recheck(ctx, snap, last)
	if err != nil {
		return nil, err
	}
	return append(found, still...), nil
}

// SaveVerify keeps what a verify of snap's caches found at path, for a
// later Found: the findings within scope (the patterns the verify was
// given; nil: it covered everything) are replaced by rep's, those outside
// it are kept. Path "" keeps nothing. A failure only means a later repair
// hashes more; callers may ignore it.
func SaveVerify(path string, snap *cachescan.Snapshot, rep *VerifyReport, scope []string) error {
	if rep == nil {
		return nil
	}
	return SaveFindings(path, Findings{ModCache: snap.ModCache.Root, GoCache: snap.BuildCache.Root,
		At: snap.Clock.Now(), Problems: append([]cachescan.Problem(nil), rep.Problems...)}, scope)
}

// InVerifyScope reports whether a verify of scope (its patterns; none:
// everything) speaks for p, so that its findings replace p: every problem
// when the scope is whole, else those of the module versions the patterns
// match (a build output's belongs to no version, so a verify of some
// versions leaves it). SaveVerify keeps the findings outside the scope by
// this rule; a view that clears its hashing results as a verify starts
// uses it too (with cachescan.LookupKind(p.Kind).Verify: the scan's own
// problems stay).
func InVerifyScope(p cachescan.Problem, scope []string) bool {
	return len(scope) == 0 || (p.Module != "" && Match(scope, p.Module, p.Version))
}
