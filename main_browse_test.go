package main

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"modscope/actions/store/storetest"
	"modscope/cachescan"
)

// TestStoreBrowseReport: without a terminal, modscope --store prints the
// store's report, and --json the snapshot the TUI would show; neither
// changes the store.
func TestStoreBrowseReport(t *testing.T) {
	dir := t.TempDir()
	url := storetest.ProxyStore(t, dir)
	before := storetest.Files(t, dir)

	code, out, errOut := runMain(t, "--store", url)
	if code != exitProblems || errOut != "" {
		t.Fatalf("--store with a damaged version: exit %d, want 1; stderr %q", code, errOut)
	}
	for _, want := range []string{"Store         " + url + " (proxy layout), read-only", "4 modules, 5 versions",
		"3 complete, 1 metadata, 1 damaged", "example.com/good", cachescan.KindStoreMissingFile + " (error)",
		"example.com/broken@v1.0.0: no .info file", "modscope store gc"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"Build cache", "GOMODCACHE", "Project"} {
		if strings.Contains(out, bad) {
			t.Errorf("a store's report speaks of %q:\n%s", bad, out)
		}
	}

	code, out, errOut = runMain(t, "--store", url, "--json")
	var snap cachescan.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); code != exitProblems || err != nil {
		t.Fatalf("--store --json: exit %d, %v, stderr %q", code, err, errOut)
	}
	if snap.ModCache.Root != url || len(snap.ModCache.Modules) != 4 || len(snap.Problems) != 1 || snap.Problems[0].Kind != cachescan.KindStoreMissingFile {
		t.Errorf("--json: root %q, %d modules, problems %+v", snap.ModCache.Root, len(snap.ModCache.Modules), snap.Problems)
	}
	if v := snap.ModCache.FindVersion("example.com/good", "v1.0.0"); v == nil || v.State != cachescan.StateComplete || !v.HasZip {
		t.Errorf("--json: example.com/good@v1.0.0 is %+v", v)
	}
	if !maps.Equal(before, storetest.Files(t, dir)) {
		t.Error("browsing the store changed it")
	}

	// --layout athens on a proxy store finds no versions, and says so
	// by finding no modules rather than failing.
	code, out, _ = runMain(t, "--store", url, "--layout", "athens", "--json")
	if err := json.Unmarshal([]byte(out), &snap); code != exitOK || err != nil || len(snap.ModCache.Modules) != 0 {
		t.Errorf("--layout athens on a proxy store: exit %d, %v, %d modules", code, err, len(snap.ModCache.Modules))
	}
}

// TestStoreBrowseErrors: a store that cannot be opened, or flags that do
// not go with --store, fail with exit 2 and one line that says what to do.
func TestStoreBrowseErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--store", "file://" + t.TempDir() + "/none"}, "no such directory; give the store's root"},
		{[]string{"--store", "ftp://host/x"}, "cannot open ftp:// stores; use file://"},
		{[]string{"--store", "not a url"}, "not a URL: give file:///dir"},
		{[]string{"--store", "file:///x", "--layout", "flat"}, "use proxy, athens or auto"},
		{[]string{"--store", "file:///x", "--modcache", "/m"}, "--store browses a store, not the caches: drop --modcache"},
		{[]string{"--layout", "proxy"}, "give --store URL too"},
	} {
		code, out, errOut := runMain(t, c.args...)
		if code != exitFailed || out != "" || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", c.args, code, out, errOut, c.want)
		}
	}
}
