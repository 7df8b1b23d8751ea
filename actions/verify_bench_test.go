package actions

import (
	"archive/zip"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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

// BenchmarkInflate inflates every entry of the zips under
// $MODSCOPE_BENCH_MODCACHE/cache/download, read into memory first: with
// compress/flate as archive/zip has it, and with the decoder verify uses
// (klauspost/compress's, pooled, on the zip's bytes). Run with -cpu 1.
func BenchmarkInflate(b *testing.B) {
	mod := os.Getenv("MODSCOPE_BENCH_MODCACHE")
	if mod == "" {
		b.Skip("set MODSCOPE_BENCH_MODCACHE to a module cache")
	}
	var zips []*memZip
	var total int64
	filepath.WalkDir(filepath.Join(mod, "cache", "download"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".zip") && d.Type().IsRegular() {
			if data, err := os.ReadFile(p); err == nil {
				zips = append(zips, &memZip{b: data, size: int64(len(data))})
			}
		}
		return nil
	})
	buf := make([]byte, 128<<10)
	inflate := func(b *testing.B, dcomp zip.Decompressor) {
		var n int64
		for _, m := range zips {
			z, err := zip.NewReader(m, m.size)
			if err != nil {
				continue
			}
			if dcomp != nil {
				z.RegisterDecompressor(zip.Deflate, dcomp)
			}
			for _, f := range z.File {
				r, err := f.Open()
				if err != nil {
					b.Fatal(err)
				}
				c, err := io.CopyBuffer(io.Discard, r, buf)
				r.Close()
				if err != nil {
					b.Fatal(err)
				}
				n += c
			}
		}
		total = n
	}
	for _, bc := range []struct {
		name  string
		dcomp zip.Decompressor
	}{{"compress-flate", nil}, {"klauspost", newInflater}} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				inflate(b, bc.dcomp)
			}
			b.SetBytes(total)
		})
	}
}
