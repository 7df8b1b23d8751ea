package actions

import (
	"runtime"
	"sync"
	"sync/atomic"

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
