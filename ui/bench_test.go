package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// syntheticSnapshot makes a snapshot whose Modules tree has about n nodes:
// modules under a few hosts, one version each with its files and tree.
func syntheticSnapshot(n int) *cachescan.Snapshot {
	snap := &cachescan.Snapshot{}
	mc := &snap.ModCache
	mc.Root = "/cache/mod"
	t := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	// Each module adds about 10 nodes: owner segment (shared by 10), module,
	// version, download, 5 files, tree.
	for i := 0; i < n/10; i++ {
		path := fmt.Sprintf("github.com/owner%d/repo%d", i/10, i)
		v := &cachescan.Version{Version: "v1.0.0", State: "complete", HasDir: true, HasZip: true, HasZipHash: true,
			DownloadDir: "/cache/mod/cache/download/" + path + "/@v", Dir: "/cache/mod/" + path + "@v1.0.0",
			Tree: cachescan.Size{Bytes: int64(4096 * (i%50 + 1)), ApparentBytes: int64(3000 * (i%50 + 1)), Files: 20}}
		for _, suf := range []string{".info", ".mod", ".zip", ".ziphash", ".lock"} {
			v.Files = append(v.Files, cachescan.File{Name: "v1.0.0" + suf, Bytes: 4096, ApparentBytes: int64(100 + i%900), ModTime: t})
			v.Download.Add(cachescan.Size{Bytes: 4096, ApparentBytes: int64(100 + i%900), Files: 1})
		}
		v.Size = v.Download
		v.Size.Add(v.Tree)
		m := &cachescan.Module{Path: path, EscapedPath: path, Versions: []*cachescan.Version{v}, Size: v.Size}
		mc.Modules = append(mc.Modules, m)
		mc.Size.Add(m.Size)
	}
	return snap
}

func benchKeyToFrame(b *testing.B, nodes int) {
	m := New(context.Background(), cachescan.Options{Clock: cachetest.Clock()}, syntheticSnapshot(nodes))
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	// The widest directory: github.com's owners, then one owner's repos.
	m.Update(press("enter")[0])
	down, up := press("j")[0], press("k")[0]
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key := down
		if i%200 >= 100 {
			key = up
		}
		m.Update(key)
		_ = m.View()
	}
	b.ReportMetric(float64(m.mods.tree.count), "nodes")
}

// BenchmarkKeyToFrame10k measures one key press and the frame after it in
// a tree of 10,000 nodes; BenchmarkKeyToFrame100k in one of 100,000.
func BenchmarkKeyToFrame10k(b *testing.B)  { benchKeyToFrame(b, 10_000) }
func BenchmarkKeyToFrame100k(b *testing.B) { benchKeyToFrame(b, 100_000) }

// BenchmarkFilter100k measures one filter keystroke over 100,000 nodes.
func BenchmarkFilter100k(b *testing.B) {
	m := New(context.Background(), cachescan.Options{Clock: cachetest.Clock()}, syntheticSnapshot(100_000))
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(press("/")[0])
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(press("7")[0])
		_ = m.View()
		m.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
		_ = m.View()
	}
}

// BenchmarkBuildTree100k measures turning a snapshot into the Modules tree.
func BenchmarkBuildTree100k(b *testing.B) {
	snap := syntheticSnapshot(100_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buildTree(snap, snap.Problems)
	}
}
