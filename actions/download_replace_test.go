package actions

import (
	"context"
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
