package actions

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"modscope/cachescan/cachetest"
)

// TestDownloadCompletesAReplaceTarget: a version cached as metadata only
// (.info and .mod) that a replace directive of the project points at gets
// its zip and tree, since the project builds with its code; asked with
// Code, any metadata-only version does; without either it stays metadata
// only.
func TestDownloadCompletesAReplaceTarget(t *testing.T) {
	b := cachetest.Mod("example.com/b", "v1.2.3")
	other := cachetest.Mod("example.com/other", "v1.0.0")
	proxy := proxyOf(t, b, other)
	c := cachetest.New(t)
	eb, eo := c.AddMetadata(b), c.AddMetadata(other)
	proj := downloadWorld(t, "")
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/proj\n\ngo 1.21\n\nrequire example.com/a v1.0.0\n\nreplace example.com/a => example.com/b v1.2.3\n"), 0o666)
	snap := scanFor(t, c, proj, proxy)

	r := downloadOf(snap, "example.com/b@v1.2.3")
	if r.Verdict != VerdictNew || !r.Replaced || !strings.Contains(r.Detail, "replace directive") {
		t.Fatalf("replace target: %+v", r)
	}
	if !exists(eb.Zip) || !exists(eb.ZipHash) || !exists(filepath.Join(eb.Dir, "go.mod")) {
		t.Error("the replace target did not get its zip, ziphash and tree")
	}
	r = downloadOf(snap, "example.com/other@v1.0.0")
	if exists(eo.Zip) || exists(eo.Dir) {
		t.Errorf("a metadata-only version that is no replace target got its code: %+v", r)
	}
	r = Download(context.Background(), snap, []string{"example.com/other@v1.0.0"}, DownloadOptions{Timeout: time.Minute, Code: true})[0]
	if r.Verdict != VerdictNew || !exists(eo.Zip) || !exists(eo.Dir) {
		t.Errorf("with Code: %+v", r)
	}
	if after := scanFor(t, c, proj, "off"); len(after.Problems) != 0 {
		t.Errorf("left: %+v", after.Problems)
	}
}

// TestDownloadReportsInstalledBytes: while a version is installed, its
// events count the bytes written into the cache against the fresh copy's
// total, which is what the installed files hold.
func TestDownloadReportsInstalledBytes(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 8; i++ {
		files[fmt.Sprintf("f%d.go", i)] = strings.Repeat("// filler\n", 30000) // 300 kB each
	}
	lib := cachetest.Module{Path: "example.com/lib", Version: "v1.0.0", Files: files}
	proxy := proxyOf(t, lib)
	c := cachetest.New(t)
	proj := downloadWorld(t, "")
	snap := scanFor(t, c, proj, proxy)
	var events []DownloadEvent
	r := Download(context.Background(), snap, []string{"example.com/lib@v1.0.0"}, DownloadOptions{Timeout: time.Minute,
		Progress: func(e DownloadEvent) { events = append(events, e) }})[0]
	if r.Verdict != VerdictNew {
		t.Fatalf("result %+v", r)
	}
	e := cachetest.Paths(c.ModCache, lib)
	var want int64
	for _, f := range []string{e.Info, e.Mod, e.Zip} {
		fi, err := os.Lstat(f)
		if err != nil {
			t.Fatal(err)
		}
		want += fi.Size()
	}
	filepath.WalkDir(e.Dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			fi, _ := d.Info()
			want += fi.Size()
		}
		return nil
	})
	var installing []DownloadEvent
	for _, ev := range events {
		if ev.Step == StepInstalling {
			installing = append(installing, ev)
		}
	}
	if len(installing) < 3 {
		t.Fatalf("installing events %+v: want the start, a few MiB steps and the end", installing)
	}
	last := installing[len(installing)-1]
	for i, ev := range installing {
		if ev.Total != want || (i > 0 && ev.Bytes <= installing[i-1].Bytes) {
			t.Errorf("event %d %+v: want a total of %d and bytes growing", i, ev, want)
		}
	}
	if installing[0].Bytes != 0 || last.Bytes != want {
		t.Errorf("installing went from %d to %d bytes of %d", installing[0].Bytes, last.Bytes, want)
	}
}
