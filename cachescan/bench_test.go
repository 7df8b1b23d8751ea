package cachescan_test

import (
	"context"
	"os"
	"path/filepath"
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

// BenchmarkRescanLarge scans the synthetic cache of BenchmarkScanLarge again
// with the scan index of a first scan: the cost of an unchanged cache.
func BenchmarkRescanLarge(b *testing.B) {
	dir := os.Getenv("MODSCOPE_BENCH_DIR")
	if dir == "" {
		b.Skip("set MODSCOPE_BENCH_DIR to a cache made by bench/gencache")
	}
	opts := cachescan.Options{ModCache: filepath.Join(dir, "mod"), Index: filepath.Join(b.TempDir(), "index")}
	if _, err := cachescan.NewScanner().Scan(context.Background(), opts); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := cachescan.NewScanner().Scan(context.Background(), opts); err != nil {
			b.Fatal(err)
		}
	}
}
