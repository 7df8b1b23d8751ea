package cachescan_test

import (
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"modscope/cachescan"
)

// BenchmarkSnapshotJSON encodes a snapshot of 20,000 versions as scan
// --json does: the cost of the raw-name fields on names that need none.
func BenchmarkSnapshotJSON(b *testing.B) {
	snap := &cachescan.Snapshot{}
	for i := 0; i < 2000; i++ {
		m := &cachescan.Module{Path: fmt.Sprintf("example.com/m%d", i), EscapedPath: fmt.Sprintf("example.com/m%d", i)}
		for j := 0; j < 10; j++ {
			v := &cachescan.Version{Version: fmt.Sprintf("v1.0.%d", j), EscapedVersion: fmt.Sprintf("v1.0.%d", j),
				DownloadDir: "/home/u/go/pkg/mod/cache/download/" + m.Path + "/@v", Dir: "/home/u/go/pkg/mod/" + m.Path + "@v1.0.0"}
			for _, ext := range []string{".info", ".mod", ".zip", ".ziphash", ".lock"} {
				v.Files = append(v.Files, cachescan.File{Name: v.EscapedVersion + ext, Bytes: 4096, ApparentBytes: 100, ModTime: time.Unix(1e9, 0)})
			}
			m.Versions = append(m.Versions, v)
		}
		snap.ModCache.Modules = append(snap.ModCache.Modules, m)
		snap.Problems = append(snap.Problems, cachescan.Problem{Kind: "zip-corrupt", Module: m.Path, Version: "v1.0.0", Path: "/x/y"})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		enc := json.NewEncoder(io.Discard)
		enc.SetIndent("", "  ")
		if err := enc.Encode(snap); err != nil {
			b.Fatal(err)
		}
	}
}
