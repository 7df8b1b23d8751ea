package cachescan_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// BenchmarkScanFixture scans a small cache with every kind of entry and
// problem: the scanner's fixed costs.
func BenchmarkScanFixture(b *testing.B) {
	c := cachetest.New(b)
	c.Healthy()
	c.Damage()
	opts := cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := cachescan.NewScanner().Scan(context.Background(), opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanLarge scans the synthetic cache that bench/scan.sh makes
// (go run ./bench/gencache -dir $MODSCOPE_BENCH_DIR); it is skipped when
// MODSCOPE_BENCH_DIR is not set.
func BenchmarkScanLarge(b *testing.B) {
	dir := os.Getenv("MODSCOPE_BENCH_DIR")
	if dir == "" {
		b.Skip("set MODSCOPE_BENCH_DIR to a cache made by bench/gencache")
	}
	// gencache dates its entries from the system's clock: so does this scan.
	opts := cachescan.Options{ModCache: filepath.Join(dir, "mod"), BuildCache: filepath.Join(dir, "gocache")}
	for i := 0; i < b.N; i++ {
		snap, err := cachescan.NewScanner().Scan(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(snap.ModCache.Files+snap.BuildCache.Files), "files/op")
	}
}

// BenchmarkScanLargeModCache scans the module cache of BenchmarkScanLarge
// alone: the full scan that bench/scan.sh compares with du -s.
func BenchmarkScanLargeModCache(b *testing.B) {
	dir := os.Getenv("MODSCOPE_BENCH_DIR")
	if dir == "" {
		b.Skip("set MODSCOPE_BENCH_DIR to a cache made by bench/gencache")
	}
	opts := cachescan.Options{ModCache: filepath.Join(dir, "mod")}
	for i := 0; i < b.N; i++ {
		if _, err := cachescan.NewScanner().Scan(context.Background(), opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRescanLarge scans the synthetic cache of BenchmarkScanLarge again
// with the scan index of a first scan: the cost of an unchanged cache. The
// first scan is made once per test process (the benchmark function runs
// once per b.N tried), so that a CPU profile is mostly the rescans'.
func BenchmarkRescanLarge(b *testing.B) {
	dir := os.Getenv("MODSCOPE_BENCH_DIR")
	if dir == "" {
		b.Skip("set MODSCOPE_BENCH_DIR to a cache made by bench/gencache")
	}
	rescanIndex.once.Do(func() {
		tmp, err := os.MkdirTemp("", "modscope-rescan-bench-")
		if err != nil {
			rescanIndex.err = err
			return
		}
		rescanIndex.path = filepath.Join(tmp, "index")
		opts := cachescan.Options{ModCache: filepath.Join(dir, "mod"), Index: rescanIndex.path}
		_, rescanIndex.err = cachescan.NewScanner().Scan(context.Background(), opts)
	})
	if rescanIndex.err != nil {
		b.Fatal(rescanIndex.err)
	}
	opts := cachescan.Options{ModCache: filepath.Join(dir, "mod"), Index: rescanIndex.path}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := cachescan.NewScanner()
		if _, err := s.Scan(context.Background(), opts); err != nil {
			b.Fatal(err)
		}
		trees, files := s.IndexHits()
		b.ReportMetric(float64(trees), "kept-trees/op")
		b.ReportMetric(float64(files), "kept-files/op")
		b.ReportMetric(float64(s.ListingHits()), "kept-listings/op")
	}
}

var rescanIndex struct {
	once sync.Once
	path string
	err  error
}
