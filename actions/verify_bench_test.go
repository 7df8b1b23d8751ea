package actions

import (
	"context"
	"os"
	"strings"
	"testing"

	"modscope/cachescan"
)

// BenchmarkVerifyList verifies, with every zip inflated (--rehash), the
// versions listed one path@version a line in $MODSCOPE_BENCH_LIST, of the
// module cache $MODSCOPE_BENCH_MODCACHE: a project's build list, as
// bench/verify.sh measures against go mod verify.
func BenchmarkVerifyList(b *testing.B) {
	mod, list := os.Getenv("MODSCOPE_BENCH_MODCACHE"), os.Getenv("MODSCOPE_BENCH_LIST")
	if mod == "" || list == "" {
		b.Skip("set MODSCOPE_BENCH_MODCACHE to a module cache and MODSCOPE_BENCH_LIST to a file of path@version lines")
	}
	data, err := os.ReadFile(list)
	if err != nil {
		b.Fatal(err)
	}
	patterns := strings.Fields(string(data))
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{ModCache: mod, SkipZipCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := NewVerifier().Verify(context.Background(), snap, VerifyOptions{Patterns: patterns, CheckZips: true})
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Problems) > 0 {
			b.Fatalf("problems: %v", rep.Problems)
		}
		b.SetBytes(rep.Bytes)
	}
}
