package actions

import (
	"context"
	"sort"
	"strings"

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
	// SkippedRecent counts the build outputs left unhashed because they
	// were written less than RecentWindowSeconds before the clock: a build
	// may still be writing them. Verifying again later checks them.
	SkippedRecent       int64 `json:"skippedRecent"`
	RecentWindowSeconds int64 `json:"recentWindowSeconds"`
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
// holds. It never changes the snapshot: what it finds is in the report.
func (v *Verifier) Verify(ctx context.Context, snap *cachescan.Snapshot, opt VerifyOptions) (*VerifyReport, error) {
	defer v.done.Store(true)
	// 1. What to hash, largest first so that the pool ends together.
	work, err := planWork(snap, opt)
	if err != nil {
		return nil, err
	}
	// 2. Hash it on a pool of workers (verify_workers.go): each module
	// version (verify_version.go, and verify_sumdb.go with SumDB), each
	// build output (verify_outputs.go).
	h := newHashing(ctx, snap, opt)
	rep := v.run(ctx, work, opt.Jobs, h.hash)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// 3. What only the whole cache tells (verify_sumdb.go): the cached
	// checksum-database lookups, and a fork the database showed.
	after := h.finish(rep)
	rep.Problems = append(rep.Problems, after...)
	v.addFound(after)
	rep.sort()
	return rep, nil
}

// planWork lists what Verify hashes: the versions the patterns select (all
// without patterns; none with BuildOnly), and without patterns the build
// cache's outputs, except those the scan found with the wrong size (that
// problem is the precise one, said once).
func planWork(snap *cachescan.Snapshot, opt VerifyOptions) ([]job, error) {
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
	return work, nil
}

// hashing is what the workers of one Verify share.
type hashing struct {
	snap *cachescan.Snapshot
	opt  VerifyOptions
	zc   *zipCache
	db   *sumDBChecker // nil without SumDB
	// corrupt holds the versions whose zip the scan found zip-corrupt:
	// they are never inflated.
	corrupt map[string]bool
}

func newHashing(ctx context.Context, snap *cachescan.Snapshot, opt VerifyOptions) *hashing {
	h := &hashing{snap: snap, opt: opt, zc: openZipCache(opt.ZipCache), corrupt: map[string]bool{}}
	if opt.SumDB {
		h.db = newSumDBChecker(ctx, snap.Env, snap.ModCache.Root, false)
	}
	for _, p := range snap.Problems {
		if p.Kind == cachescan.KindZipCorrupt && p.Module != "" {
			h.corrupt[p.Module+"@"+p.Version] = true
		}
	}
	return h
}

// hash checks one job; it runs on many workers at once.
func (h *hashing) hash(j job, count counter, buf []byte) result {
	if j.ver == nil {
		return verifyOutput(j.out, j.id, h.snap.Clock, count, buf)
	}
	res := verifyVersion(h.snap, j.mod, j.ver, h.zc, h.opt.CheckZips, h.corrupt[j.name()], count, buf)
	if h.db != nil && len(res.skipped) == 0 {
		checkSumDB(h.db, j.mod, j.ver, &res)
	}
	return res
}

// finish runs the checks of the whole cache once the hashing is done, and
// saves the zip hashes for the next run; it returns what they found.
func (h *hashing) finish(rep *VerifyReport) []cachescan.Problem {
	var after []cachescan.Problem
	if len(h.opt.Patterns) == 0 && !h.opt.BuildOnly {
		found, unchecked := checkSumDBCache(h.snap)
		after = found
		rep.SumDBCacheUnchecked, rep.SumDBCacheNote = int64(unchecked), sumDBCacheNote(h.snap, unchecked)
	}
	h.zc.save() // only saves time next run: a failure to write is no failure
	if h.db != nil && h.db.ops != nil {
		if msgs := h.db.ops.securityErrors(); len(msgs) > 0 {
			after = append(after, securityProblem(h.db.cfg, h.db.ops.gopath, msgs[:1]))
		}
	}
	return after
}

// sort puts the report in the order it is shown.
func (rep *VerifyReport) sort() {
	cachescan.SortProblems(rep.Problems)
	sort.Slice(rep.NotCheckable, func(i, j int) bool { return rep.NotCheckable[i].Module < rep.NotCheckable[j].Module })
	sort.Slice(rep.Skipped, func(i, j int) bool { return rep.Skipped[i].Path < rep.Skipped[j].Path })
}
