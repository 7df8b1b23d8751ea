package actions

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/module"

	"modscope/cachescan"
)

// VerifyOptions says what to verify.
type VerifyOptions struct {
	// Jobs bounds the versions hashed at once; 0 means GOMAXPROCS. No
	// more workers start than there are items, nor more than MaxJobs.
	Jobs int
	// Patterns selects module versions: "path", "path/..." or
	// "path@version". None means every version and the build cache.
	Patterns []string
	// SumDB also looks every version up in the checksum database (GOSUMDB
	// through GOPROXY), as the go command would; this needs the network.
	SumDB bool
	// ZipCache is the file of zip hashes from earlier runs (see zipCache);
	// "" hashes every zip in full.
	ZipCache string
	// CheckZips runs x/mod/zip's structural checks (zip-corrupt) here, for
	// a snapshot scanned with SkipZipCheck: the zips are opened once.
	CheckZips bool
	// BuildOnly hashes the build cache's outputs and no module version.
	BuildOnly bool
}

// VerifyProgress is a point-in-time copy of a running verify's counters.
type VerifyProgress struct {
	Items     int64 `json:"items"`
	ItemsDone int64 `json:"itemsDone"`
	// Bytes estimates what will be read from sizes on disk; BytesDone is
	// what was hashed, zips uncompressed, so it can pass Bytes.
	Bytes     int64  `json:"bytes"`
	BytesDone int64  `json:"bytesDone"`
	Current   string `json:"current"`
	Done      bool   `json:"done"`
}

// VerifyReport is what verify found beyond the scan.
type VerifyReport struct {
	// Problems are the hashing problems (zip-modified, dir-modified,
	// mod-modified, gosum-mismatch, output-corrupt).
	Problems []cachescan.Problem `json:"problems"`
	// Versions counts the module versions hashed, Outputs the build
	// outputs, Bytes what was read.
	Versions int64 `json:"versions"`
	Outputs  int64 `json:"outputs"`
	Bytes    int64 `json:"bytes"`
	// Skipped lists what a running go command was writing at that moment.
	Skipped []Skipped `json:"skipped,omitempty"`
	// NotCheckable lists, with --sumdb, the versions the checksum database
	// does not cover (GONOSUMDB, GOPRIVATE, GOSUMDB=off).
	NotCheckable []Skipped `json:"notCheckable,omitempty"`
	// SumDBErrors are the distinct failures reaching the checksum database,
	// one line each.
	SumDBErrors []string `json:"sumdbErrors,omitempty"`
	// SumDBChecked counts the versions looked up.
	SumDBChecked int64 `json:"sumdbChecked"`
	// SumDBCacheUnchecked counts the cached checksum-database lookups the
	// cached tiles cannot prove against the newest tree the go command has
	// seen ($GOPATH/pkg/sumdb/<db>/latest), so that they could not be
	// checked offline; SumDBCacheNote says so in a line. Normal: latest
	// moves with every lookup, tiles are cached only as lookups need them.
	SumDBCacheUnchecked int64  `json:"sumdbCacheUnchecked,omitempty"`
	SumDBCacheNote      string `json:"sumdbCacheNote,omitempty"`
	// Hashes holds the hashes computed per "path@version".
	Hashes map[string]VersionHashes `json:"hashes"`
}

// Skipped is an item verify left alone, and why.
type Skipped struct {
	Module  string `json:"module,omitempty"`
	Version string `json:"version,omitempty"`
	Path    string `json:"path"`
	Reason  string `json:"reason"`
}

// VersionHashes are the hashes verify computed for one module version.
type VersionHashes struct {
	Zip   string `json:"zip,omitempty"`
	Dir   string `json:"dir,omitempty"`
	GoMod string `json:"goMod,omitempty"`
}

// Verifier runs one verify and exposes its progress while it runs.
type Verifier struct {
	items, itemsDone, bytes, bytesDone atomic.Int64
	current                            atomic.Pointer[string]
	done                               atomic.Bool

	mu    sync.Mutex
	found []cachescan.Problem // problems so far, for a UI to show as they come

	workers int // the workers the last Verify started, for tests
}

// MaxJobs is the most workers Verify starts, whatever Jobs says: each
// holds a read buffer, and hashing is bound by the disk and the cores long
// before.
const MaxJobs = 256

// workerCount is how many workers hash n items when asked for jobs: never
// more than the items, nor MaxJobs, and at least one.
func workerCount(jobs, n int) int {
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	return max(1, min(jobs, n, MaxJobs))
}

// FoundSince returns the problems found after the first n, while Verify
// runs or after; a UI polls it to update as results arrive.
func (v *Verifier) FoundSince(n int) []cachescan.Problem {
	v.mu.Lock()
	defer v.mu.Unlock()
	if n >= len(v.found) {
		return nil
	}
	return append([]cachescan.Problem(nil), v.found[n:]...)
}

// NewVerifier returns a verifier ready to Verify.
func NewVerifier() *Verifier { return &Verifier{} }

// Progress returns the counters; safe to call from any goroutine.
func (v *Verifier) Progress() VerifyProgress {
	p := VerifyProgress{
		Items: v.items.Load(), ItemsDone: v.itemsDone.Load(),
		Bytes: v.bytes.Load(), BytesDone: v.bytesDone.Load(), Done: v.done.Load(),
	}
	if c := v.current.Load(); c != nil {
		p.Current = *c
	}
	return p
}

// job is one thing to hash: a module version or a build output.
type job struct {
	size int64
	mod  *cachescan.Module
	ver  *cachescan.Version
	out  string // a -d path
	id   string // the -d's expected SHA-256, hex
}

// Verify hashes what the snapshot describes: every selected version's zip,
// extracted tree and .mod, against the ziphash and the project's go.sum,
// and (without patterns) every build-cache output against its name. It
// takes no locks, reads only, and skips a version whose lock a go command
// holds. Largest items go first so that the pool ends together.
func (v *Verifier) Verify(ctx context.Context, snap *cachescan.Snapshot, opt VerifyOptions) (*VerifyReport, error) {
	defer v.done.Store(true)
	var work []job
	for _, m := range snap.ModCache.Modules {
		for _, ver := range m.Versions {
			if opt.BuildOnly || !Match(opt.Patterns, m.Path, ver.Version) || ver.State == cachescan.StateInvalid {
				continue
			}
			size := ver.Tree.ApparentBytes
			for _, f := range ver.Files {
				if strings.HasSuffix(f.Name, ".zip") || strings.HasSuffix(f.Name, ".mod") {
					size += f.ApparentBytes
				}
			}
			work = append(work, job{size: size, mod: m, ver: ver})
		}
	}
	if len(opt.Patterns) == 0 && snap.BuildCache.Exists && snap.BuildCache.CacheProg == "" {
		outs, err := listOutputs(snap.BuildCache.Root)
		if err != nil {
			return nil, err
		}
		// An output the scan found with the wrong size cannot have the
		// right hash: that problem is the precise one, said once.
		sized := map[string]bool{}
		for _, p := range snap.Problems {
			if p.Kind == cachescan.KindOutputSizeMismatch {
				sized[p.Path] = true
			}
		}
		for _, o := range outs {
			if !sized[o.out] {
				work = append(work, o)
			}
		}
	}
	sort.SliceStable(work, func(i, j int) bool { return work[i].size > work[j].size })
	v.items.Store(int64(len(work)))
	var total int64
	for _, j := range work {
		total += j.size
	}
	v.bytes.Store(total)
	jobs := workerCount(opt.Jobs, len(work))
	v.workers = jobs

	rep := &VerifyReport{Problems: []cachescan.Problem{}, Hashes: map[string]VersionHashes{}}
	zc := openZipCache(opt.ZipCache)
	var db *sumDBChecker
	if opt.SumDB {
		db = newSumDBChecker(ctx, snap.Env, snap.ModCache.Root, false)
	}
	// Zips the scan already found zip-corrupt are never inflated.
	corrupt := map[string]bool{}
	for _, p := range snap.Problems {
		if p.Kind == cachescan.KindZipCorrupt && p.Module != "" {
			corrupt[p.Module+"@"+p.Version] = true
		}
	}
	var mu sync.Mutex
	sumErrs := map[string]bool{}
	next := make(chan job)
	var wg sync.WaitGroup
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			count := func(n int64) error { v.bytesDone.Add(n); return ctx.Err() }
			for j := range next {
				var res result
				if j.ver != nil {
					name := j.mod.Path + "@" + j.ver.Version
					v.current.Store(&name)
					res = verifyVersion(snap, j.mod, j.ver, zc, opt.CheckZips, corrupt[name], count, buf)
					if db != nil && len(res.skipped) == 0 {
						checkSumDB(db, j.mod, j.ver, &res)
					}
				} else {
					v.current.Store(&j.out)
					res = verifyOutput(j.out, j.id, snap.Clock, count, buf)
				}
				if ctx.Err() != nil {
					// Cancelled mid-item: what it found is not a verdict.
					v.itemsDone.Add(1)
					continue
				}
				if len(res.problems) > 0 {
					v.mu.Lock()
					v.found = append(v.found, res.problems...)
					v.mu.Unlock()
				}
				mu.Lock()
				rep.Problems = append(rep.Problems, res.problems...)
				rep.Skipped = append(rep.Skipped, res.skipped...)
				rep.NotCheckable = append(rep.NotCheckable, res.notCheckable...)
				if res.sumChecked {
					rep.SumDBChecked++
				}
				if res.sumErr != "" && !sumErrs[res.sumErr] {
					sumErrs[res.sumErr] = true
					rep.SumDBErrors = append(rep.SumDBErrors, res.sumErr)
				}
				rep.Bytes += res.bytes
				if j.ver != nil {
					rep.Versions++
					rep.Hashes[j.mod.Path+"@"+j.ver.Version] = res.hashes
				} else {
					rep.Outputs++
				}
				mu.Unlock()
				v.itemsDone.Add(1)
			}
		}()
	}
	for _, j := range work {
		select {
		case next <- j:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var after []cachescan.Problem // found after the hashing, shown as the rest
	if len(opt.Patterns) == 0 && !opt.BuildOnly {
		found, unchecked := checkSumDBCache(snap)
		after = found
		rep.SumDBCacheUnchecked, rep.SumDBCacheNote = int64(unchecked), sumDBCacheNote(snap, unchecked)
	}
	zc.save() // only saves time next run: a failure to write is no failure
	if db != nil && db.ops != nil {
		if msgs := db.ops.securityErrors(); len(msgs) > 0 {
			after = append(after, securityProblem(db.cfg, db.ops.gopath, msgs[:1]))
		}
	}
	rep.Problems = append(rep.Problems, after...)
	v.mu.Lock()
	v.found = append(v.found, after...)
	v.mu.Unlock()
	cachescan.SortProblems(rep.Problems)
	sort.Slice(rep.NotCheckable, func(i, j int) bool { return rep.NotCheckable[i].Module < rep.NotCheckable[j].Module })
	sort.Slice(rep.Skipped, func(i, j int) bool { return rep.Skipped[i].Path < rep.Skipped[j].Path })
	return rep, nil
}

// CheckPatterns says what is wrong with a pattern before anything is
// matched: an empty one, a version without a path, an empty version, or a
// glob path.Match cannot read.
func CheckPatterns(patterns []string) error {
	for _, p := range patterns {
		if exact, ok := strings.CutPrefix(p, "="); ok && exact != "" {
			continue // matched as written
		}
		pp, pv, hasV := strings.Cut(p, "@")
		switch {
		case strings.TrimSpace(p) == "":
			return errors.New("an empty pattern: name path@version, path, path/... or a glob like golang.org/x/*")
		case pp == "":
			return fmt.Errorf("bad pattern %q: a version needs its module path, like example.com/m%s", p, p)
		case hasV && pv == "":
			return fmt.Errorf("bad pattern %q: name the version after @, or drop the @ for every version", p)
		case strings.ContainsAny(pp, "*?["):
			if _, err := path.Match(pp, ""); err != nil {
				return fmt.Errorf("bad pattern %q: %v; globs are as in GOPRIVATE, like golang.org/x/*", p, err)
			}
		}
	}
	return nil
}

// Unmatched returns the patterns that select no cached module version: a
// typo must not pass for a verified or purged target.
func Unmatched(snap *cachescan.Snapshot, patterns []string) []string {
	var none []string
	for _, p := range patterns {
		one := []string{p}
		found := false
		for _, m := range snap.ModCache.Modules {
			for _, v := range m.Versions {
				if Match(one, m.Path, v.Version) {
					found = true
					break
				}
			}
			if found {
				break
			}
		}
		if !found {
			none = append(none, p)
		}
	}
	return none
}

// Match reports whether a module version is selected by the patterns:
// "path", "path/..." (the path and everything below it) or "path@version",
// with globs as in GOPRIVATE; "=path" and "=path@version" match exactly,
// for names taken from the cache, which are untrusted and may hold * or
// "...". No patterns select everything.
func Match(patterns []string, modPath, version string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if exact, ok := strings.CutPrefix(p, "="); ok {
			if exact == modPath || exact == modPath+"@"+version {
				return true
			}
			continue
		}
		pp, pv, hasV := strings.Cut(p, "@")
		if hasV && pv != version {
			continue
		}
		if prefix, ok := strings.CutSuffix(pp, "/..."); ok {
			if modPath == prefix || strings.HasPrefix(modPath, prefix+"/") {
				return true
			}
			continue
		}
		if strings.ContainsAny(pp, "*?[") {
			// Globs as in GOPRIVATE: they match a path prefix.
			if module.MatchPrefixPatterns(pp, modPath) {
				return true
			}
			continue
		}
		if pp == modPath {
			return true
		}
	}
	return false
}

// result is what hashing one item found.
type result struct {
	problems     []cachescan.Problem
	skipped      []Skipped
	notCheckable []Skipped
	sumChecked   bool
	sumErr       string
	hashes       VersionHashes
	bytes        int64
	sumFile      string // the go.sum or go.work.sum a gosum-mismatch quotes
}

// verifyVersion hashes one version. scanCorrupt: the scan found its zip
// zip-corrupt, so it is not inflated at all (a zip bomb fails x/mod/zip's
// checks); the scan's problem stands for it.
func verifyVersion(snap *cachescan.Snapshot, m *cachescan.Module, ver *cachescan.Version, zc *zipCache, checkZips, scanCorrupt bool, count counter, buf []byte) result {
	var res result
	counted := func(n int64) error { res.bytes += n; return count(n) }
	mv := m.Path + "@" + ver.Version
	base := filepath.Join(ver.DownloadDir, ver.EscapedVersion)
	if cachescan.LockHeld(base + ".lock") {
		res.skipped = append(res.skipped, Skipped{m.Path, ver.Version, base + ".lock", "a go command holds the version's lock: it is being written"})
		return res
	}
	add := func(kind, at, detail, fix string) {
		p := cachescan.Problem{Kind: kind, Module: m.Path, Version: ver.Version, Path: at, Detail: detail, Fix: fix}
		if k := cachescan.LookupKind(kind); k != nil {
			p.Severity = k.Severity
		}
		res.problems = append(res.problems, p)
	}
	sums, modSums := snap.Project.Sum(m.Path, ver.Version)
	download := cachescan.DownloadCmd(mv)
	q := cachescan.ShellQuote

	var zs fileSums
	zipOK := false // a zip that cannot be read is zip-corrupt: the scan reports it
	if ver.HasZip {
		var check func() (cachescan.Problem, bool)
		if checkZips {
			// The scan left the structural check to this pass.
			check = func() (cachescan.Problem, bool) { return cachescan.ZipProblem(m.Path, ver.Version, base+".zip") }
		}
		h, entries, zp, err := hashZip(base+".zip", zc, check, scanCorrupt, counted, buf)
		if zp == nil && err != nil && checkZips {
			if p, bad := cachescan.ZipProblem(m.Path, ver.Version, base+".zip"); bad {
				zp = &p
			}
		}
		var ze *zipError
		if zp == nil && !scanCorrupt && errors.As(err, &ze) {
			// It passed x/mod/zip's checks, yet cannot be inflated within
			// them: the go command fails on it too.
			p := cachescan.Problem{Kind: cachescan.KindZipCorrupt, Module: m.Path, Version: ver.Version, Path: base + ".zip", Detail: ze.detail}
			if k := cachescan.LookupKind(p.Kind); k != nil {
				p.Severity = k.Severity
			}
			zp = &p
		}
		if zp != nil {
			zp.Fix = fixRemove(ver, base, true) + "; " + download
			res.problems = append(res.problems, *zp)
		} else if err != nil && !scanCorrupt && !errors.As(err, &ze) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			// Neither corrupt nor hashed: said, not dropped.
			add(cachescan.KindUnreadable, base+".zip", "the zip could not be hashed: "+err.Error(),
				"check it (ls -l, dmesg for I/O errors), then verify again")
		}
		if err == nil {
			zipOK, zs, res.hashes.Zip = true, entries, h
			if ver.ZipHash != "" && h != ver.ZipHash {
				add(cachescan.KindZipModified, base+".zip",
					fmt.Sprintf("the zip hashes to %s, its ziphash says %s%s", h, ver.ZipHash, sumTriage(h, ver.ZipHash, sums, snap.Project.SumFile(m.Path, ver.Version, h), snap.Project.SumFile(m.Path, ver.Version, ver.ZipHash))),
					fixRemove(ver, base, true)+"; "+download)
			}
		}
	}
	// The hash the tree must have: the ziphash, else go.sum, else the zip.
	want, wantFrom := ver.ZipHash, "the ziphash"
	if want == "" && len(sums) > 0 {
		want, wantFrom = sums[0], snap.Project.SumFile(m.Path, ver.Version, sums[0])
	}
	if want == "" && res.hashes.Zip != "" {
		want, wantFrom = res.hashes.Zip, "the zip"
	}
	if want == "" && m.Path == "golang.org/fips140" && ver.HasDir {
		// Extracted from the Go distribution, not downloaded: the tree
		// must hash like $GOROOT/lib/fips140/<v>.zip.
		goZip := filepath.Join(snap.Env.GOROOT, "lib", "fips140", ver.Version+".zip")
		if snap.Env.GOROOT != "" {
			if zs, err := zipSums(goZip, counted, buf); err == nil {
				want, _ = h1(zs)
				wantFrom = goZip
			}
		}
		if want == "" {
			res.skipped = append(res.skipped, Skipped{m.Path, ver.Version, ver.Dir, "no " + goZip + " to compare the tree with"})
		}
	}
	if ver.HasDir && !ver.HasPartial && ver.State != cachescan.StateExtracting {
		var skip func(string) bool
		var copies map[string]string
		if ver.Toolchain {
			// The go command copies every _go.mod to a go.mod beside it
			// after extracting: those copies are not in the zip.
			copies = map[string]string{}
			skip = func(name string) bool {
				if path.Base(name) != "go.mod" {
					return false
				}
				twin := path.Join(path.Dir(name), "_go.mod")
				if _, err := os.Lstat(filepath.Join(ver.Dir, filepath.FromSlash(strings.TrimPrefix(twin, mv+"/")))); err == nil {
					copies[name] = twin
					return true
				}
				return false
			}
		}
		ds, err := dirSums(ver.Dir, mv, skip, counted, buf)
		if err == nil {
			res.hashes.Dir, err = h1(ds)
		}
		switch {
		case err != nil:
			add(cachescan.KindDirModified, ver.Dir, "cannot hash the tree: "+err.Error(), fixRemove(ver, base, false))
		case want != "" && res.hashes.Dir != want:
			detail := fmt.Sprintf("the tree hashes to %s, %s says %s", res.hashes.Dir, wantFrom, want)
			if zs == nil && zipOK {
				// The zip's hash came from the cache: read its entries now,
				// for the list of files that differ.
				zs, _ = zipSums(base+".zip", counted, buf)
			}
			if zs != nil {
				added, missing, changed := diffSums(ds, zs, mv)
				detail += describeDiff(added, missing, changed)
			}
			fix := fixRemove(ver, base, false) + "  (the go command extracts it again from the zip, offline)"
			switch {
			case m.Path == "golang.org/fips140" && !ver.HasZip:
				fix = fixRemove(ver, base, false) + "  (the go command extracts it again from " + filepath.Join(snap.Env.GOROOT, "lib", "fips140") + " when GOFIPS140 asks for it, offline)"
			case !ver.HasZip:
				fix = fixRemove(ver, base, false) + "; " + download
			}
			add(cachescan.KindDirModified, ver.Dir, detail, fix)
		}
		for cp, twin := range copies {
			// go.mod files, held to the scan's cap: a bigger one differs.
			a, errA := cachescan.ReadSmall(filepath.Join(ver.Dir, filepath.FromSlash(strings.TrimPrefix(cp, mv+"/"))), 0)
			b, errB := cachescan.ReadSmall(filepath.Join(ver.Dir, filepath.FromSlash(strings.TrimPrefix(twin, mv+"/"))), 0)
			if errA != nil || errB != nil || string(a) != string(b) {
				add(cachescan.KindDirModified, ver.Dir, strings.TrimPrefix(cp, mv+"/")+" differs from the _go.mod it copies",
					"remove the toolchain (chmod -R u+w, rm -rf) and let GOTOOLCHAIN switching fetch it again")
			}
		}
	}
	if ver.HasMod {
		// The scan's cap: a .mod past it is mod-invalid, never read whole.
		var hint int64
		for _, f := range ver.Files {
			if f.Name == ver.EscapedVersion+".mod" {
				hint = f.ApparentBytes
			}
		}
		data, err := cachescan.ReadSmall(base+".mod", hint)
		if errors.Is(err, cachescan.ErrTooLarge) && !hasProblem(snap.Problems, cachescan.KindModInvalid, base+".mod") {
			add(cachescan.KindModInvalid, base+".mod", "cannot read: "+err.Error(),
				"rm "+q(base+".mod")+"  (the go command fetches it again; needs the network)")
		}
		if err == nil {
			counted(int64(len(data)))
			res.hashes.GoMod = goModSum(data)
			if len(modSums) > 0 && !contains(modSums, res.hashes.GoMod) {
				add(cachescan.KindModModified, base+".mod",
					fmt.Sprintf("the .mod hashes to %s, %s says %s", res.hashes.GoMod, snap.Project.SumFile(m.Path, ver.Version+"/go.mod", modSums[0]), modSums[0]),
					"rm "+q(base+".mod")+"  (the go command fetches it again; needs the network)")
			}
		}
	}
	// go.sum against what the cache would hand the go command: the
	// ziphash when there is one (it is what builds check), else the zip.
	have := ver.ZipHash
	if have == "" {
		have = res.hashes.Zip
	}
	if len(sums) > 0 && have != "" && !contains(sums, have) {
		res.sumFile = snap.Project.SumFile(m.Path, ver.Version, sums[0])
		detail := fmt.Sprintf("the cache has %s, %s says %s", have, res.sumFile, sums[0])
		switch {
		case res.hashes.Zip != "" && contains(sums, res.hashes.Zip):
			detail += "; the zip itself matches " + res.sumFile + ": only the ziphash is wrong (local corruption)"
		case res.hashes.Zip != "":
			detail += "; the zip agrees with the cache: download it again to tell local corruption from an upstream change"
		}
		add(cachescan.KindGoSumMismatch, base+".ziphash", detail, fixRemove(ver, base, true)+"; "+download)
	}
	return res
}

// hasProblem reports whether the scan already found a problem of this kind
// at this path.
func hasProblem(ps []cachescan.Problem, kind, at string) bool {
	for _, p := range ps {
		if p.Kind == kind && p.Path == at {
			return true
		}
	}
	return false
}

// sumTriage says which side of a zip-modified a go.sum (or go.work.sum:
// zipFile and hashFile name the file with each line) agrees with.
func sumTriage(zipHash, zipHashFile string, sums []string, zipFile, hashFile string) string {
	switch {
	case contains(sums, zipHash):
		return "; " + zipFile + " agrees with the zip: the ziphash is wrong"
	case contains(sums, zipHashFile):
		return "; " + hashFile + " agrees with the ziphash: the zip was changed"
	}
	return ""
}

func describeDiff(added, missing, changed []string) string {
	var parts []string
	if len(changed) > 0 {
		parts = append(parts, "changed: "+clip(changed))
	}
	if len(added) > 0 {
		parts = append(parts, "added: "+clip(added))
	}
	if len(missing) > 0 {
		parts = append(parts, "missing: "+clip(missing))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, "; ")
}

func clip(names []string) string {
	if len(names) > 5 {
		return strings.Join(names[:5], ", ") + fmt.Sprintf(" and %d more", len(names)-5)
	}
	return strings.Join(names, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fixRemove is the command that takes a version's tree (and, with zip, its
// zip and ziphash) out of the cache in the go command's safe order.
func fixRemove(ver *cachescan.Version, base string, zip bool) string {
	dir := ""
	if ver.HasDir {
		dir = ver.Dir
	}
	if zip {
		return cachescan.RemoveCmd(dir, base, base+".zip", base+".ziphash")
	}
	return cachescan.RemoveCmd(dir, base)
}

// listOutputs finds every -d output of a build cache, with its size.
func listOutputs(root string) ([]job, error) {
	var out []job
	for i := 0; i < 256; i++ {
		dir := filepath.Join(root, fmt.Sprintf("%02x", i))
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue // missing or not a directory: the scan reports it
		}
		for _, e := range ents {
			name := e.Name()
			if len(name) != 66 || !strings.HasSuffix(name, "-d") {
				continue
			}
			if _, err := hex.DecodeString(name[:64]); err != nil {
				continue
			}
			var size int64
			if fi, err := e.Info(); err == nil {
				size = fi.Size()
			}
			out = append(out, job{size: size, out: filepath.Join(dir, name), id: name[:64]})
		}
	}
	return out, nil
}

// verifyOutput checks that an output's SHA-256 is its name; for a -d
// directory, the one file inside.
func verifyOutput(p, id string, clock cachescan.Clock, count counter, buf []byte) result {
	var res result
	counted := func(n int64) error { res.bytes += n; return count(n) }
	fi, err := os.Lstat(p)
	if err != nil {
		return res // removed meanwhile (trimmed): nothing to check
	}
	// The go command writes all but the last byte, checks, then writes the
	// last: an output written in the last minutes may be mid-write.
	if clock.Now().Sub(fi.ModTime()) < 2*time.Minute {
		return res
	}
	file := p
	if fi.IsDir() {
		ents, err := os.ReadDir(p)
		if err != nil || len(ents) != 1 || !ents[0].Type().IsRegular() {
			return res // output-size-mismatch: the scan reports it
		}
		file = filepath.Join(p, ents[0].Name())
	} else if !fi.Mode().IsRegular() {
		return res
	}
	f, err := os.Open(file)
	if err != nil {
		return res
	}
	sum, err := hashReader(f, counted, buf)
	after, statErr := f.Stat()
	f.Close()
	if err != nil || statErr != nil || clock.Now().Sub(after.ModTime()) < 2*time.Minute {
		return res
	}
	if got := hex.EncodeToString(sum[:]); got != id {
		pr := cachescan.Problem{Kind: cachescan.KindOutputCorrupt, Severity: cachescan.SeverityError, Path: p,
			Detail: "its content hashes to " + got[:12] + "…, not its name: the compiler or linker reading it crashes or misbuilds",
			Fix:    "rm -rf " + cachescan.ShellQuote(p) + "  (the go command rebuilds it)"}
		res.problems = append(res.problems, pr)
	}
	return res
}

// checkSumDB compares a version's hashes with the checksum database.
func checkSumDB(db *sumDBChecker, m *cachescan.Module, ver *cachescan.Version, res *result) {
	if why := db.notCheckable(m.Path); why != "" {
		res.notCheckable = append(res.notCheckable, Skipped{m.Path, ver.Version, ver.DownloadDir, why})
		return
	}
	have := ver.ZipHash
	if have == "" {
		have = res.hashes.Zip
	}
	if have == "" {
		// No zip and no ziphash: the tree itself is what the go command
		// uses, so the tree is what the database must vouch for.
		have = res.hashes.Dir
	}
	if have == "" && res.hashes.GoMod == "" {
		return // nothing of it to compare
	}
	zip, gomod, err := db.lookup(m.Path, ver.Version)
	if err != nil {
		res.sumErr = sumDBErrLine(err)
		return
	}
	res.sumChecked = true
	base := filepath.Join(ver.DownloadDir, ver.EscapedVersion)
	mv := m.Path + "@" + ver.Version
	q := cachescan.ShellQuote
	// Only when every part hashed agrees with the database: a ziphash is
	// just a text file, and a zip or tree that differs is the cache's fault.
	if have != "" && zip != "" && have == zip && (res.hashes.Zip == "" || res.hashes.Zip == zip) && (res.hashes.Dir == "" || res.hashes.Dir == zip) {
		// The database vouches for the cache: a go.sum that disagrees is
		// the wrong one, and removing the cached copy fixes nothing.
		for i := range res.problems {
			if pr := &res.problems[i]; pr.Kind == cachescan.KindGoSumMismatch && pr.Module == m.Path && pr.Version == ver.Version {
				pr.Kind = cachescan.KindGoSumWrong
				sf := res.sumFile
				pr.Detail = fmt.Sprintf("%s says %s; the cache and %s agree on %s: %s is wrong", sf, firstWord(pr.Detail, sf+" says "), db.cfg.name, zip, sf)
				pr.Fix = "leave the cache alone; in the project, restore the " + sf + " line (git checkout " + sf + "), or delete the lines of " +
					m.Path + " " + ver.Version + " from " + sf + " and run go mod download " + mv
			}
		}
	}
	if have != "" && zip != "" && have != zip {
		detail := sumDBMismatchDetail(db.cfg.name, zip, ver.ZipHash, res.hashes)
		res.problems = append(res.problems, cachescan.Problem{Kind: cachescan.KindSumDBMismatch, Severity: cachescan.SeverityError,
			Module: m.Path, Version: ver.Version, Path: base + ".ziphash", Detail: detail,
			Fix: fixRemove(ver, base, true) + "; " + cachescan.DownloadCmd(mv)})
	}
	if res.hashes.GoMod != "" && gomod != "" && res.hashes.GoMod != gomod {
		res.problems = append(res.problems, cachescan.Problem{Kind: cachescan.KindModModified, Severity: cachescan.SeverityError,
			Module: m.Path, Version: ver.Version, Path: base + ".mod",
			Detail: fmt.Sprintf("the .mod hashes to %s, %s says %s", res.hashes.GoMod, db.cfg.name, gomod),
			Fix:    "rm " + q(base+".mod") + "  (the go command fetches it again; needs the network)"})
	}
}

// sumDBMismatchDetail says what differs from the database's hash want:
// the ziphash (what builds check), and whether the zip and the extracted
// tree agree with the database (only the ziphash is wrong: local
// corruption) or not (the cached copy is not what the database vouches
// for). An empty hash is a part the cache does not have.
func sumDBMismatchDetail(db, want, ziphash string, h VersionHashes) string {
	var parts, agree, differ []string
	if ziphash != "" {
		if ziphash != want {
			differ = append(differ, "the ziphash")
		}
		parts = append(parts, "the ziphash says "+ziphash)
	}
	for _, part := range []struct{ name, hash string }{{"the zip", h.Zip}, {"the tree", h.Dir}} {
		switch {
		case part.hash == "":
			parts = append(parts, "no "+strings.TrimPrefix(part.name, "the ")+" to compare")
		case part.hash == want:
			agree = append(agree, part.name)
			parts = append(parts, part.name+" agrees with "+db)
		default:
			differ = append(differ, part.name)
			parts = append(parts, part.name+" hashes to "+part.hash)
		}
	}
	detail := db + " says " + want + "; " + strings.Join(parts, ", ")
	switch {
	case len(agree) > 0 && len(differ) == 1 && differ[0] == "the ziphash":
		detail += ": only the ziphash is wrong (local corruption)"
	case len(agree) == 0:
		detail += ": the cached copy is not what " + db + " vouches for (download it again to tell local damage from an upstream change)"
	default:
		verb := " agree, "
		if len(agree) == 1 {
			verb = " agrees, "
		}
		detail += ": " + strings.Join(agree, " and ") + verb + strings.Join(differ, " and ") + " not (local corruption)"
	}
	return detail
}

// sumDBErrLine makes a failure one clear line: an outage names no module,
// so that it is one line however many modules it stopped.
func sumDBErrLine(err error) string {
	if isUnreachable(err) {
		return "checksum database unreachable: " + firstLine(unreachableLine(err)) + "; check GOPROXY, GOSUMDB and the network (HTTPS_PROXY)"
	}
	if strings.HasPrefix(err.Error(), "initializing sumdb.Client") {
		return "checksum database: " + firstLine(err.Error()) + "; nothing was checked against it (a misbehaving server or proxy, a bad GOSUMDB key, or a corrupt $GOPATH/pkg/sumdb latest)"
	}
	line := "checksum database: " + firstLine(err.Error())
	// The server says why it refused (the client wraps the error as text).
	if _, resp, ok := strings.Cut(err.Error(), "\n\tserver response: "); ok {
		line += " (server response: " + firstLine(resp) + ")"
	}
	return line
}

// firstWord returns the word after the marker in s ("" without it).
func firstWord(s, marker string) string {
	_, after, ok := strings.Cut(s, marker)
	if !ok {
		return ""
	}
	w, _, _ := strings.Cut(after, " ")
	return strings.TrimRight(w, ";,")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// checkSumDBCache authenticates every cached lookup against the cached
// tiles, offline, as the go command would on its next lookup of it. A
// lookup the cached tiles cannot prove against latest (the newest tree the
// go command has seen, which moves with any lookup from any module cache,
// while tiles are cached only as lookups need them) cannot be checked
// offline: it is counted in unchecked, never a problem. One that fails is a
// corrupt cache (doc: "downloaded inconsistent tile"), which the go command
// never repairs by itself.
func checkSumDBCache(snap *cachescan.Snapshot) (out []cachescan.Problem, unchecked int) {
	cfg, err := parseGOSUMDB(snap.Env.GOSUMDB)
	if err != nil || cfg.off || snap.ModCache.Root == "" {
		return nil, 0
	}
	dbRoot := filepath.Join(snap.ModCache.Root, "cache", "download", "sumdb", cfg.name)
	lookups := filepath.Join(dbRoot, "lookup")
	var files []string
	filepath.WalkDir(lookups, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		return nil, 0
	}
	db := newSumDBChecker(context.Background(), snap.Env, snap.ModCache.Root, true)
	if db.client == nil {
		return nil, 0
	}
	for i, f := range files {
		rel, _ := filepath.Rel(lookups, f)
		rel = filepath.ToSlash(rel)
		at := strings.LastIndex(rel, "@")
		if at < 0 {
			continue
		}
		path, err1 := module.UnescapePath(rel[:at])
		vers, err2 := module.UnescapeVersion(rel[at+1:])
		if err1 != nil || err2 != nil {
			continue
		}
		db.ops.takeWanted()
		_, err := db.client.Lookup(path, vers)
		if len(db.ops.securityErrors()) > 0 {
			// A fork: evidence, not cache damage. Stop here.
			return []cachescan.Problem{securityProblem(db.cfg, db.ops.gopath, db.ops.securityErrors()[:1])}, 0
		}
		if err == nil {
			continue
		}
		msg := err.Error()
		// The client remembers a tile it could not read, so a later lookup
		// needing it fails without asking again: tell by the message too.
		needsNetwork := db.ops.takeWanted() || strings.Contains(msg, errOffline.Error())
		init := strings.Index(msg, "initializing sumdb.Client")
		if needsNetwork {
			if init >= 0 {
				// The client cannot start without tiles of latest the
				// cache lacks: no lookup can be checked offline.
				return out, unchecked + len(files) - i
			}
			unchecked++
			continue
		}
		if init >= 0 {
			// Not this lookup: every lookup would say so. Once, naming the
			// real culprit: the cached tiles, or the key or latest tree.
			p := cachescan.Problem{Kind: cachescan.KindSumDBCache, Severity: cachescan.SeverityWarning,
				Detail: "the checksum database client cannot start: " + firstLine(msg[init:])}
			if strings.Contains(msg, "tile") {
				p.Path = filepath.Join(dbRoot, "tile")
				p.Fix = "rm -rf " + cachescan.ShellQuote(p.Path) + "  (fetched and authenticated again)"
			} else {
				// latest is the go command's memory of the tree it has
				// seen (fork detection): never offered for deletion.
				p.Path = filepath.Join(db.ops.gopath, "pkg", "sumdb", db.cfg.name, "latest")
				p.Fix = "check GOSUMDB: the key must be the one that signed " + cachescan.ShellQuote(p.Path) +
					" (the go command fails the same way); that file is the go command's fork-detection memory: keep it (see go help module-auth)"
			}
			return []cachescan.Problem{p}, 0
		}
		out = append(out, cachescan.Problem{Kind: cachescan.KindSumDBCache, Severity: cachescan.SeverityWarning,
			Module: path, Version: vers, Path: f,
			Detail: "fails authentication: " + firstLine(strings.TrimPrefix(msg, path+"@"+vers+": ")),
			Fix:    "rm -rf " + cachescan.ShellQuote(filepath.Join(dbRoot, "tile")) + " " + cachescan.ShellQuote(f) + "  (fetched and authenticated again)"})
	}
	return out, unchecked
}

// sumDBCacheNote says in a line that n cached lookups could not be checked
// offline, and why that is no problem.
func sumDBCacheNote(snap *cachescan.Snapshot, n int) string {
	if n == 0 {
		return ""
	}
	latest := "$GOPATH/pkg/sumdb latest"
	if cfg, err := parseGOSUMDB(snap.Env.GOSUMDB); err == nil && !cfg.off {
		if list := filepath.SplitList(snap.Env.GOPATH); len(list) > 0 && list[0] != "" {
			latest = filepath.Join(list[0], "pkg", "sumdb", cfg.name, "latest")
		}
	}
	return pluralize(n, "cached checksum-database lookup") + " could not be checked offline: the cached tiles do not reach the newest tree the go command has seen (" +
		latest + "), which is normal; verify --sumdb checks the versions online"
}

// hashZip returns a zip's h1 hash. A zip the cache knows is read raw and,
// if its bytes are unchanged, not inflated; its entry sums are then nil.
// The raw hash and the content hash come from one open file, and are only
// recorded together if the file did not change meanwhile (a download or a
// repair replacing it at the same size). check, when not nil, runs
// x/mod/zip's structural checks, unless the cache says these bytes passed
// them; a problem it finds is returned, with a *zipError, and nothing of
// that zip is inflated. corrupt: the scan found it zip-corrupt already, so
// it is not read at all.
func hashZip(zip string, zc *zipCache, check func() (cachescan.Problem, bool), corrupt bool, count counter, buf []byte) (string, fileSums, *cachescan.Problem, error) {
	if corrupt {
		return "", nil, nil, &zipError{"zip-corrupt: not inflated"}
	}
	f, err := os.Open(zip)
	if err != nil {
		return "", nil, nil, err
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return "", nil, nil, err
	}
	size := before.Size()
	rawHash := func() ([32]byte, error) {
		return hashReader(io.NewSectionReader(f, 0, size), count, buf)
	}
	var raw [32]byte
	haveRaw := false
	if zc.known(zip, size) {
		if raw, err = rawHash(); err != nil {
			return "", nil, nil, err
		}
		haveRaw = true
		if h, checked, ok := zc.lookup(zip, size, raw); ok && (checked || check == nil) {
			return h, nil, nil, nil
		}
	}
	if check != nil {
		if p, bad := check(); bad {
			// Never inflate a zip that fails the checks: they are what
			// bounds the inflating.
			return "", nil, &p, &zipError{p.Detail}
		}
	}
	zs, err := zipSumsFrom(f, size, count, buf)
	if err != nil {
		return "", nil, nil, err
	}
	h, err := h1(zs)
	if err != nil {
		return "", nil, nil, err
	}
	if zc.path != "" {
		if !haveRaw {
			if raw, err = rawHash(); err != nil {
				return h, zs, nil, nil
			}
		}
		after, err := f.Stat()
		if err == nil && after.Size() == size && after.ModTime().Equal(before.ModTime()) && os.SameFile(before, after) {
			zc.record(zip, size, raw, h, check != nil)
		}
	}
	return h, zs, nil, nil
}
