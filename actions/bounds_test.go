package actions

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	modzip "golang.org/x/mod/zip"

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

// TestVerifyHugeMod: a 3 GiB sparse .mod (no disk) is mod-invalid, and
// verify reads no more of it than the scan's cap.
func TestVerifyHugeMod(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/huge", "v1.0.0"))
	cachetest.Writable(e.DL, func() {
		f, err := os.OpenFile(e.Mod, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(3 << 30); err != nil {
			t.Fatal(err)
		}
		f.Close()
	})
	snap := scanOnly(t, c, cachescan.Options{SkipZipCheck: true})
	// Verify reports it even when the scan did not see it so.
	snap.Problems = nil
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := NewVerifier()
	rep, err := v.Verify(context.Background(), snap, VerifyOptions{Jobs: 1})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2*cachescan.MaxSmallFile+(8<<20) {
		t.Errorf("verify allocated %d MiB for a 3 GiB .mod", alloc>>20)
	}
	if n := v.Progress().BytesDone; n > cachescan.MaxSmallFile {
		t.Errorf("verify hashed %d bytes", n)
	}
	found := false
	for _, p := range rep.Problems {
		found = found || (p.Kind == cachescan.KindModInvalid && p.Path == e.Mod && strings.Contains(p.Detail, "larger than"))
	}
	if !found {
		t.Errorf("no mod-invalid for the .mod; problems %+v", rep.Problems)
	}
	// With the scan's own mod-invalid, verify adds no second one.
	snap = scanOnly(t, c, cachescan.Options{SkipZipCheck: true})
	rep, err = NewVerifier().Verify(context.Background(), snap, VerifyOptions{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		if p.Kind == cachescan.KindModInvalid {
			t.Errorf("a second mod-invalid: %+v", p)
		}
	}
}

// TestSumDBCacheCapped: a huge cached tile is refused, not read whole.
func TestSumDBCacheCapped(t *testing.T) {
	root := t.TempDir()
	tile := filepath.Join(root, "cache", "download", "sumdb", "sum.golang.org", "tile", "8", "0", "000")
	os.MkdirAll(filepath.Dir(tile), 0o777)
	f, err := os.Create(tile)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(3 << 30)
	f.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = (&sumDBOps{modcache: root}).ReadCache("sum.golang.org/tile/8/0/000")
	runtime.ReadMemStats(&after)
	if !errors.Is(err, cachescan.ErrTooLarge) {
		t.Errorf("err %v, want ErrTooLarge", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*cachescan.MaxSmallFile {
		t.Errorf("%d MiB allocated for a 3 GiB tile", alloc>>20)
	}
}

// TestVerifyHugeTree: a sparse 3 GiB file in a tree is dir-modified after
// reading no more than a module zip may hold.
func TestVerifyHugeTree(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/bigtree", "v1.0.0"))
	cachetest.Writable(e.Dir, func() {
		f, err := os.Create(filepath.Join(e.Dir, "big.dat"))
		if err != nil {
			t.Fatal(err)
		}
		f.Truncate(3 << 30)
		f.Close()
	})
	snap := scanOnly(t, c, cachescan.Options{SkipZipCheck: true})
	v := NewVerifier()
	rep, err := v.Verify(context.Background(), snap, VerifyOptions{Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if n := v.Progress().BytesDone; n > modzip.MaxZipFile+(1<<20) {
		t.Errorf("verify hashed %d MiB", n>>20)
	}
	found := false
	for _, p := range rep.Problems {
		found = found || (p.Kind == cachescan.KindDirModified && strings.Contains(p.Detail, "more than a module zip may"))
	}
	if !found {
		t.Errorf("no dir-modified for the tree; problems %+v", rep.Problems)
	}
}
