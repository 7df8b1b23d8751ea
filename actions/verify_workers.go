package actions

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"modscope/cachescan"
)

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

// name is the job's "path@version", or its output's path.
func (j job) name() string {
	if j.ver != nil {
		return j.mod.Path + "@" + j.ver.Version
	}
	return j.out
}

// run hashes the work on a pool of workers, with hash, and gathers what
// they found into a report; the progress counters follow it. After a
// cancel, an item cut short counts as done but adds nothing: what it found
// is no verdict.
func (v *Verifier) run(ctx context.Context, work []job, jobs int, hash func(job, counter, []byte) result) *VerifyReport {
	v.items.Store(int64(len(work)))
	var total int64
	for _, j := range work {
		total += j.size
	}
	v.bytes.Store(total)
	jobs = workerCount(jobs, len(work))
	v.workers = jobs

	c := &collector{rep: &VerifyReport{Problems: []cachescan.Problem{}, Hashes: map[string]VersionHashes{},
		RecentWindowSeconds: int64(RecentOutputWindow / time.Second)}, sumErrs: map[string]bool{}}
	next := make(chan job)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			count := func(n int64) error { v.bytesDone.Add(n); return ctx.Err() }
			for j := range next {
				name := j.name()
				v.current.Store(&name)
				res := hash(j, count, buf)
				if ctx.Err() == nil {
					v.addFound(res.problems)
					c.add(j, res)
				}
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
	return c.rep
}

// addFound makes problems visible to FoundSince.
func (v *Verifier) addFound(ps []cachescan.Problem) {
	if len(ps) == 0 {
		return
	}
	v.mu.Lock()
	v.found = append(v.found, ps...)
	v.mu.Unlock()
}

// collector gathers the workers' results into one report.
type collector struct {
	mu      sync.Mutex
	rep     *VerifyReport
	sumErrs map[string]bool // checksum-database failures said already
}

func (c *collector) add(j job, res result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rep := c.rep
	rep.Problems = append(rep.Problems, res.problems...)
	rep.Skipped = append(rep.Skipped, res.skipped...)
	rep.NotCheckable = append(rep.NotCheckable, res.notCheckable...)
	if res.sumChecked {
		rep.SumDBChecked++
	}
	if res.sumErr != "" && !c.sumErrs[res.sumErr] {
		c.sumErrs[res.sumErr] = true
		rep.SumDBErrors = append(rep.SumDBErrors, res.sumErr)
	}
	rep.Bytes += res.bytes
	switch {
	case j.ver != nil:
		rep.Versions++
		rep.Hashes[j.name()] = res.hashes
	case res.recent:
		rep.SkippedRecent++
	default:
		rep.Outputs++
	}
}
