package actions

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"modscope/cachescan"
)

// BenchmarkVerifyLarge verifies the synthetic cache bench/gencache makes
// (set MODSCOPE_BENCH_DIR to it); it reports the bytes hashed per second.
func BenchmarkVerifyLarge(b *testing.B) {
	dir := os.Getenv("MODSCOPE_BENCH_DIR")
	if dir == "" {
		b.Skip("set MODSCOPE_BENCH_DIR to a cache made by bench/gencache")
	}
	// gencache dates its entries from the system's clock: so does this scan.
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		ModCache: filepath.Join(dir, "mod"), BuildCache: filepath.Join(dir, "gocache")})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := NewVerifier().Verify(context.Background(), snap, VerifyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(rep.Bytes)
	}
}
