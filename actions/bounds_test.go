package actions

import (
	"context"
	"runtime"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

func scanOnly(t *testing.T, c *cachetest.Cache, opt cachescan.Options) *cachescan.Snapshot {
	t.Helper()
	opt.Env = cachescan.Env{GOVERSION: "go1.26.8", GOTOOLCHAIN: "local", GOHOSTOS: "linux", GOHOSTARCH: "amd64"}
	opt.ModCache, opt.BuildCache = c.ModCache, c.BuildCache
	snap, err := cachescan.NewScanner().Scan(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestVerifyHugeJobs: --jobs 1000000000 on two versions starts two
// workers, not a billion buffers. Memory is measured, not time.
func TestVerifyHugeJobs(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	c.Add(cachetest.Mod("example.com/b", "v1.0.0"))
	snap := scanOnly(t, c, cachescan.Options{})
	for _, jobs := range []int{2000, 1_000_000_000} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		v := NewVerifier()
		rep, err := v.Verify(context.Background(), snap, VerifyOptions{Jobs: jobs})
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Versions != 2 || len(rep.Problems) != 0 {
			t.Errorf("jobs %d: %d versions, problems %+v", jobs, rep.Versions, rep.Problems)
		}
		// Each worker holds a 256 KiB buffer: 2000 of them are 500 MiB.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
			t.Fatalf("jobs %d: verify allocated %d MiB for two versions", jobs, alloc>>20)
		}
		if items := v.Progress().Items; v.workers < 1 || int64(v.workers) > items || v.workers > MaxJobs {
			t.Errorf("jobs %d: %d workers for %d items", jobs, v.workers, items)
		}
	}
	if n := workerCount(0, 1_000_000); n != min(runtime.GOMAXPROCS(0), MaxJobs) {
		t.Errorf("default workers = %d", n)
	}
	if n := workerCount(5, 0); n != 1 {
		t.Errorf("workers for no item = %d, want 1", n)
	}
}
