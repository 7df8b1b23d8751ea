package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// A audits the cache offline against a file:// database: the vulnerable
// version gets a marker on its row and a group in the Problems view, the
// fixed one none; the findings survive a rescan while the version stays.
func TestAuditKey(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	db := t.TempDir()
	write := func(rel, data string) {
		os.MkdirAll(filepath.Dir(filepath.Join(db, rel)), 0o777)
		if err := os.WriteFile(filepath.Join(db, rel), []byte(data), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	const when = "2026-01-10T00:00:00Z"
	write("index/db.json", `{"modified":"`+when+`"}`)
	write("index/modules.json", `[{"path":"example.com/a","vulns":[{"id":"GO-2026-0001","modified":"`+when+`","fixed":"1.1.0"}]}]`)
	write("ID/GO-2026-0001.json", `{"id":"GO-2026-0001","modified":"`+when+`","published":"`+when+`","aliases":["CVE-2026-1"],
		"summary":"Parse panics on long input","affected":[{"package":{"name":"example.com/a","ecosystem":"Go"},
		"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.1.0"}]}],
		"ecosystem_specific":{"imports":[{"path":"example.com/a","symbols":["Parse"]}]}}],"database_specific":{"url":"https://pkg.go.dev/vuln/GO-2026-0001"}}`)
	t.Setenv("GOVULNDB", "file://"+db)

	m, _ := actionModel(t, 100, 30, func(c *cachetest.Cache) {
		c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
		c.Add(cachetest.Mod("example.com/a", "v1.1.0"))
	})
	before := len(m.allProblems())
	hit(m, "A")
	if m.found.auditing {
		t.Fatal("the audit did not finish")
	}
	var got []cachescan.Problem
	for _, p := range m.allProblems() {
		if p.Kind == cachescan.KindVulnerable {
			got = append(got, p)
		}
	}
	if len(got) != 1 || got[0].Version != "v1.0.0" || !strings.Contains(got[0].Detail, "GO-2026-0001") {
		t.Fatalf("after A: %d problems (was %d), vulnerable %+v; want example.com/a v1.0.0 with GO-2026-0001", len(m.allProblems()), before, got)
	}
	if n := m.mods.tree.byVersion["example.com/a@v1.0.0"]; n == nil || n.sev[0]+n.sev[1]+n.sev[2] == 0 {
		t.Error("the vulnerable version's row has no marker")
	}
	if n := m.mods.tree.byVersion["example.com/a@v1.1.0"]; n == nil || n.sev[0]+n.sev[1]+n.sev[2] != 0 {
		t.Error("the fixed version's row has a marker")
	}
	if !strings.Contains(m.status, "database") {
		t.Errorf("status %q does not say how old the database is", m.status)
	}
	hit(m, "r")
	if len(m.found.audit) != 1 {
		t.Errorf("after r: %d audit findings; want the one still cached", len(m.found.audit))
	}

	t.Setenv("GOVULNDB", "file://"+filepath.Join(db, "missing"))
	hit(m, "A")
	if !strings.HasPrefix(m.status, "audit: ") {
		t.Errorf("an unreadable database: status %q; want the audit's one-line error", m.status)
	}
}
