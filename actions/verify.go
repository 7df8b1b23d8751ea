package actions

import (
	"context"
	"sort"
	"strings"
	"sync"

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
