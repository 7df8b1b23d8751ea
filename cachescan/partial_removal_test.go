package cachescan_test

import (
	"os"
	"strings"
	"testing"

	"modscope/cachescan/cachetest"
)

// TestPartialWithoutZipIsAnInterruptedRemoval: a .partial beside a tree
// with no zip is what a purge that failed midway leaves (the go command
// extracts only from a zip it holds), and the scan says so, with a fix
// that does not re-extract from the missing zip; with the zip it is still
// a crashed extraction.
func TestPartialWithoutZipIsAnInterruptedRemoval(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/halfgone", "v1.0.0"))
	os.Remove(e.Zip)
	os.Remove(e.ZipHash)
	os.WriteFile(e.Partial, nil, 0o666)
	x := c.Add(cachetest.Mod("example.com/crashed", "v1.0.0"))
	os.WriteFile(x.Partial, nil, 0o666)
	got := map[string]string{}
	for _, p := range scan(t, c, "").Problems {
		if p.Kind == "dir-partial" {
			got[p.Module] = p.Detail + " | " + p.Fix
		}
	}
	if d := got["example.com/halfgone"]; !strings.Contains(d, "removal was interrupted") || !strings.Contains(d, "modscope purge example.com/halfgone@v1.0.0") {
		t.Errorf("no zip: %q", d)
	}
	if d := got["example.com/crashed"]; !strings.Contains(d, "extraction crashed") {
		t.Errorf("with the zip: %q", d)
	}
}
