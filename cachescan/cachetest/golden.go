package cachetest

import (
	"context"
	"encoding/json"
	"modscope/cachescan"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// GoldenSnapshot scans the kit's fixture (healthy entries and every kind of
// damage) plus a project with replace directives, at the tests' clock and
// with uniform sizes. It then rewrites the temp directory to /cache and
// moves every time the kit dated from the clock as if the clock were
// Reference, so that views are the same on every machine, file
// system and day.
func GoldenSnapshot(t testing.TB) *cachescan.Snapshot {
	t.Helper()
	c := New(t)
	c.Healthy()
	c.Damage()
	root := filepath.Dir(c.ModCache)
	proj := filepath.Join(root, "proj")
	os.MkdirAll(filepath.Join(root, "lib"), 0o777)
	os.WriteFile(filepath.Join(root, "lib", "go.mod"), []byte("module example.com/lib\n"), 0o666)
	os.MkdirAll(proj, 0o777)
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte(`module example.com/proj

go 1.23.4

require (
	example.com/good v1.1.0
	example.com/partial v1.0.0
	example.com/absent v0.1.0
	example.com/lib v0.0.0
)

replace example.com/lib => ../lib

replace example.com/up v1.0.0 => example.com/good v1.0.0
`), 0o666)
	env := cachescan.Env{GOVERSION: "go1.22.0", GOTOOLCHAIN: "auto", GOHOSTOS: "linux", GOHOSTARCH: "amd64"}
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Clock: Clock(), UniformSizes: true,
		Env: env, ModCache: c.ModCache, BuildCache: c.BuildCache, ProjectDir: proj,
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.ReplaceAll(string(data), root, "/cache"))
	var out cachescan.Snapshot
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	rebase(&out, Reference().Sub(Now()))
	out.Clock = cachescan.Fixed(out.ScannedAt)
	out.DurationMS = 12
	return &out
}

// rebase moves the times of a snapshot of kit fixtures that come from the
// clock (the scan's, file times, trim.txt and testexpire.txt) by d. The
// .info times are the modules' own, as a proxy serves them: they stay.
func rebase(snap *cachescan.Snapshot, d time.Duration) {
	move := func(t *time.Time) {
		if t != nil && !t.IsZero() {
			*t = t.Add(d)
		}
	}
	move(&snap.ScannedAt)
	move(snap.BuildCache.TrimTime)
	move(snap.BuildCache.TestExpire)
	for _, m := range snap.ModCache.Modules {
		if m.List != nil {
			move(&m.List.ModTime)
		}
		for _, v := range m.Versions {
			for i := range v.Files {
				move(&v.Files[i].ModTime)
			}
		}
	}
}
