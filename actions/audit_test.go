package actions

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// The audit's tests build a small vulnerability database in govulncheck's
// layout (index/db.json, index/modules.json, ID/<id>.json) in the test's
// directory, serve it over file:// or an httptest server, and audit real
// caches of the fixture kit. No test reaches the internet.

// dbModified is the test database's date.
var dbModified = time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)

func osvAffected(path string, pkgs []string, events ...OSVEvent) OSVAffected {
	var a OSVAffected
	a.Module.Path, a.Module.Ecosystem = path, "Go"
	a.Ranges = []OSVRange{{Type: "SEMVER", Events: events}}
	for _, p := range pkgs {
		a.EcosystemSpecific.Packages = append(a.EcosystemSpecific.Packages, OSVPackage{Path: p, Symbols: []string{"Parse"}})
	}
	return a
}

func osvEntry(id, summary string, aliases []string, affected ...OSVAffected) OSVEntry {
	e := OSVEntry{ID: id, Modified: dbModified, Published: dbModified, Summary: summary, Aliases: aliases, Affected: affected}
	e.DatabaseSpecific.URL = "https://pkg.go.dev/vuln/" + id
	return e
}

// writeVulnDB writes entries as a database under dir, with the index
// govulncheck's server derives from them.
func writeVulnDB(t *testing.T, dir string, modified time.Time, entries ...OSVEntry) {
	t.Helper()
	write := func(rel string, v any) {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), data, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	byModule := map[string][]vulnRef{}
	for _, e := range entries {
		write("ID/"+e.ID+".json", e)
		for _, a := range e.Affected {
			byModule[a.Module.Path] = append(byModule[a.Module.Path], vulnRef{ID: e.ID, Modified: e.Modified})
		}
	}
	var index []moduleIndex
	for p, vs := range byModule {
		index = append(index, moduleIndex{Path: p, Vulns: vs})
	}
	sort.Slice(index, func(i, j int) bool { return index[i].Path < index[j].Path })
	write("index/modules.json", index)
	write("index/db.json", map[string]time.Time{"modified": modified})
}

// dbServer serves a database directory the way vuln.go.dev does: each
// endpoint as .json.gz. It counts the entry requests; while down is set it
// drops every connection, as a network that fails does.
type dbServer struct {
	*httptest.Server
	ids  atomic.Int64
	down atomic.Bool
}

func serveVulnDB(t *testing.T, dir string) *dbServer {
	t.Helper()
	s := &dbServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		rel, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".json.gz")
		if !ok {
			http.NotFound(w, r)
			return
		}
		if strings.HasPrefix(rel, "ID/") {
			s.ids.Add(1)
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)+".json"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		zw := gzip.NewWriter(w)
		zw.Write(data)
		zw.Close()
	}))
	t.Cleanup(s.Close)
	return s
}

const (
	pseudoVuln = "v1.1.1-0.20240101000000-abcdefabcdef" // after v1.1.0, before the fix v1.2.0
	otherOld   = "v0.0.0-20230701000000-abcdefabcdef"   // inside the pseudo-version range
	otherNew   = "v0.0.0-20231001000000-abcdefabcdef"   // after its fix
)

// vulnFixture is a cache with vulnerable and fixed versions, a project
// that builds with one vulnerable version, and the database that says so.
func vulnFixture(t *testing.T) (snap *cachescan.Snapshot, dbDir string) {
	t.Helper()
	c := cachetest.New(t)
	for _, m := range []cachetest.Module{
		cachetest.Mod("example.com/vuln", "v1.0.0"),
		cachetest.Mod("example.com/vuln", pseudoVuln),
		cachetest.Mod("example.com/vuln", "v1.2.0"),
		cachetest.Mod("example.com/other", otherOld),
		cachetest.Mod("example.com/other", otherNew),
		cachetest.Mod("example.com/clean", "v1.0.0"),
	} {
		c.Add(m)
	}
	proj := t.TempDir()
	gomod := "module example.com/app\n\ngo 1.22\n\nrequire (\n\texample.com/vuln v1.0.0\n\texample.com/other " + otherNew + "\n)\n"
	if err := os.WriteFile(filepath.Join(proj, "go.mod"), []byte(gomod), 0o666); err != nil {
		t.Fatal(err)
	}
	dbDir = t.TempDir()
	withdrawn := osvEntry("GO-2024-0003", "Withdrawn report", nil, osvAffected("example.com/vuln", nil, OSVEvent{Introduced: "0"}))
	w := dbModified
	withdrawn.Withdrawn = &w
	writeVulnDB(t, dbDir, dbModified,
		osvEntry("GO-2024-0001", "Parser panics on \x1b[31mcrafted\u202e input", []string{"CVE-2024-0001", "GHSA-aaaa-bbbb-cccc"},
			osvAffected("example.com/vuln", []string{"example.com/vuln/parse"}, OSVEvent{Introduced: "0"}, OSVEvent{Fixed: "1.2.0"})),
		osvEntry("GO-2024-0002", "", nil,
			osvAffected("example.com/other", nil, OSVEvent{Introduced: "0.0.0-20230601000000-000000000000"}, OSVEvent{Fixed: "0.0.0-20230901000000-000000000000"})),
		withdrawn,
		osvEntry("GO-2024-0004", "Not in the cache", nil, osvAffected("example.com/absent", nil, OSVEvent{Introduced: "0"})),
	)
	// An entry of a module the cache lacks is never read: removing it
	// shows that the audit reads only what it needs.
	os.Remove(filepath.Join(dbDir, "ID", "GO-2024-0004.json"))
	// GO-2024-0002 has details, no summary: the first sentence serves.
	e2 := osvEntry("GO-2024-0002", "", nil,
		osvAffected("example.com/other", nil, OSVEvent{Introduced: "0.0.0-20230601000000-000000000000"}, OSVEvent{Fixed: "0.0.0-20230901000000-000000000000"}))
	e2.Details = "Requests can\nsmuggle headers. More text follows."
	data, _ := json.Marshal(e2)
	os.WriteFile(filepath.Join(dbDir, "ID", "GO-2024-0002.json"), data, 0o666)
	return scanCache(t, c, cachescan.Env{GOPROXY: "off"}, proj), dbDir
}

func dbURL(dir string) string { return "file://" + filepath.ToSlash(dir) }

// vulnLines sums up the vulnerable findings.
func vulnLines(rep *AuditReport) []string {
	var out []string
	for _, f := range rep.Findings {
		if f.Kind != AuditVulnerable {
			continue
		}
		s := f.Module + "@" + f.Version + " " + f.ID + " fixed=" + f.Fixed
		if f.InBuild {
			s += " in-build"
		}
		if f.Unused {
			s += " unused"
		}
		out = append(out, s)
	}
	return out
}

// TestAuditFileDB: a file:// database, read with no network at all,
// finds each affected cached version, a pseudo-version inside a range
// included, with its ID, aliases, summary, fix and packages; it says which
// the project builds with (exit 1 territory) and offers the rest, which no
// project uses, for purging. Withdrawn entries and fixed versions give
// nothing; an entry of a module that is not cached is never read.
func TestAuditFileDB(t *testing.T) {
	snap, dbDir := vulnFixture(t)
	rep, err := Audit(context.Background(), snap, AuditOptions{Offline: true, VulnDB: VulnDBOptions{URL: dbURL(dbDir)}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"example.com/other@" + otherOld + " GO-2024-0002 fixed=v0.0.0-20230901000000-000000000000 unused",
		"example.com/vuln@v1.0.0 GO-2024-0001 fixed=v1.2.0 in-build",
		"example.com/vuln@" + pseudoVuln + " GO-2024-0001 fixed=v1.2.0 unused",
	}
	if got := vulnLines(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("vulnerable:\n got %q\nwant %q", got, want)
	}
	if !rep.AffectsProject {
		t.Error("the project builds with example.com/vuln@v1.0.0: AffectsProject is false")
	}
	if rep.VulnDB.Source != "file" || !rep.VulnDB.Modified.Equal(dbModified) || rep.VulnDB.Missing != 0 {
		t.Errorf("status: %+v", rep.VulnDB)
	}
	var f AuditFinding
	for _, x := range rep.Findings {
		if x.Version == "v1.0.0" && x.ID == "GO-2024-0001" {
			f = x
		}
	}
	if f.Summary != "Parser panics on ?[31mcrafted? input" {
		t.Errorf("summary %q: the control and bidi characters must be gone", f.Summary)
	}
	if !reflect.DeepEqual(f.Aliases, []string{"CVE-2024-0001", "GHSA-aaaa-bbbb-cccc"}) || !reflect.DeepEqual(f.Packages, []string{"example.com/vuln/parse"}) ||
		f.URL != "https://pkg.go.dev/vuln/GO-2024-0001" {
		t.Errorf("finding %+v", f)
	}
	for _, x := range rep.Findings {
		if x.ID == "GO-2024-0002" && x.Summary != "Requests can smuggle headers." {
			t.Errorf("summary from details: %q", x.Summary)
		}
	}
	wantPurge := []string{"=example.com/other@" + otherOld, "=example.com/vuln@" + pseudoVuln}
	if !reflect.DeepEqual(rep.Purge, wantPurge) {
		t.Errorf("purge %q, want %q", rep.Purge, wantPurge)
	}
	// The purge planner takes the targets as they are.
	plan, err := Plan(snap, rep.PurgeTargets())
	if err != nil {
		t.Fatal(err)
	}
	if got := planned(plan); !reflect.DeepEqual(got, []string{"example.com/other@" + otherOld, "example.com/vuln@" + pseudoVuln}) {
		t.Errorf("planned %q", got)
	}
	// What the TUI marks rows with.
	by := rep.ByVersion()
	if len(by[AuditKey{"example.com/vuln", pseudoVuln}]) != 1 || len(by[AuditKey{"example.com/vuln", "v1.2.0"}]) != 0 {
		t.Errorf("ByVersion: %v", by)
	}
	// Patterns narrow the audit.
	rep, err = Audit(context.Background(), snap, AuditOptions{Offline: true, Patterns: []string{"example.com/other"}, VulnDB: VulnDBOptions{URL: dbURL(dbDir)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := vulnLines(rep); len(got) != 1 || rep.AffectsProject {
		t.Errorf("with a pattern: %q, affects %v", got, rep.AffectsProject)
	}
}

// TestOSVAffects: the range rules, as govulncheck applies them.
func TestOSVAffects(t *testing.T) {
	ev := func(kv ...string) []OSVEvent {
		var out []OSVEvent
		for i := 0; i < len(kv); i += 2 {
			if kv[i] == "i" {
				out = append(out, OSVEvent{Introduced: kv[i+1]})
			} else {
				out = append(out, OSVEvent{Fixed: kv[i+1]})
			}
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		ranges  []OSVRange
		version string
		want    bool
		fixed   string
	}{
		{"before the fix", []OSVRange{{"SEMVER", ev("i", "0", "f", "1.2.0")}}, "v1.1.9", true, "v1.2.0"},
		{"the fix", []OSVRange{{"SEMVER", ev("i", "0", "f", "1.2.0")}}, "v1.2.0", false, ""},
		{"a pre-release of the fix", []OSVRange{{"SEMVER", ev("i", "0", "f", "1.2.0")}}, "v1.2.0-rc.1", true, "v1.2.0"},
		{"a pseudo-version before the fix", []OSVRange{{"SEMVER", ev("i", "0", "f", "1.2.0")}}, "v1.1.1-0.20240101000000-abcdefabcdef", true, "v1.2.0"},
		{"a pseudo-version after the fix", []OSVRange{{"SEMVER", ev("i", "0", "f", "1.2.0")}}, "v1.2.1-0.20240101000000-abcdefabcdef", false, ""},
		{"before introduced", []OSVRange{{"SEMVER", ev("i", "1.1.0", "f", "1.2.0")}}, "v1.0.5", false, ""},
		{"introduced itself", []OSVRange{{"SEMVER", ev("i", "1.1.0", "f", "1.2.0")}}, "v1.1.0", true, "v1.2.0"},
		{"events out of order", []OSVRange{{"SEMVER", ev("f", "1.2.0", "i", "1.1.0")}}, "v1.1.5", true, "v1.2.0"},
		{"second interval", []OSVRange{{"SEMVER", ev("i", "0", "f", "1.2.0", "i", "2.0.0", "f", "2.1.3")}}, "v2.1.0", true, "v2.1.3"},
		{"between intervals", []OSVRange{{"SEMVER", ev("i", "0", "f", "1.2.0", "i", "2.0.0", "f", "2.1.3")}}, "v1.5.0", false, ""},
		{"no fix", []OSVRange{{"SEMVER", ev("i", "2.0.0")}}, "v2.5.0", true, ""},
		{"+incompatible", []OSVRange{{"SEMVER", ev("i", "0", "f", "4.0.0+incompatible")}}, "v3.2.0+incompatible", true, "v4.0.0+incompatible"},
		{"no ranges: every version", nil, "v9.9.9", true, ""},
		{"only a non-SEMVER range: every version", []OSVRange{{"GIT", ev("i", "abc")}}, "v9.9.9", true, ""},
		{"an invalid fix is ignored, never hides", []OSVRange{{"SEMVER", ev("i", "0", "f", "not.a.version")}}, "v1.0.0", true, ""},
		{"empty events", []OSVRange{{"SEMVER", nil}}, "v1.0.0", true, ""},
	} {
		a := OSVAffected{Ranges: tc.ranges}
		got, fixed := a.affects(tc.version)
		if got != tc.want || fixed != tc.fixed {
			t.Errorf("%s: affects(%s) = %v, %q; want %v, %q", tc.name, tc.version, got, fixed, tc.want, tc.fixed)
		}
	}
}

// retractFixture is a cache whose latest release's go.mod retracts two
// earlier versions (one through an interval) and deprecates the module,
// with a newer pre-release that does not: the latest is the release.
func retractFixture(t *testing.T) (*cachetest.Cache, string) {
	t.Helper()
	c := cachetest.New(t)
	latest := "// Deprecated: use example.com/r/v2 instead;\n// this line belongs to it \x1b]0;too\x07.\nmodule example.com/r\n\ngo 1.21\n\n" +
		"retract v1.0.0 // Broken build.\n\nretract (\n\t// Leaks \u202esecrets.\n\t[v1.0.1, v1.0.2]\n)\n"
	c.Add(cachetest.Mod("example.com/r", "v1.0.0"))
	c.Add(cachetest.Mod("example.com/r", "v1.0.1"))
	c.AddMetadata(cachetest.Module{Path: "example.com/r", Version: "v1.1.0", Files: map[string]string{"go.mod": latest}})
	c.Add(cachetest.Mod("example.com/r", "v1.2.0-rc.1"))
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/app\n\ngo 1.22\n\nrequire example.com/r v1.0.1\n"), 0o666)
	return c, proj
}

func emptyDB(t *testing.T) string {
	dir := t.TempDir()
	writeVulnDB(t, dir, dbModified)
	return dbURL(dir)
}

// auditLines sums up the retracted and deprecated findings.
func auditLines(rep *AuditReport) []string {
	var out []string
	for _, f := range rep.Findings {
		switch f.Kind {
		case AuditRetracted:
			out = append(out, "retracted "+f.Module+"@"+f.Version+" by "+f.From+" ("+f.Source+"): "+f.Rationale+map[bool]string{true: " in-build"}[f.InBuild])
		case AuditDeprecated:
			out = append(out, "deprecated "+f.Module+" "+strings.Join(f.Versions, ",")+" by "+f.From+" ("+f.Source+"): "+f.Message+" build="+f.BuildVersion)
		}
	}
	return out
}

// TestAuditRetractedAndDeprecatedOffline: retractions and the deprecation
// come from the .mod of the latest cached release (not the newer
// pre-release), with their comments cleaned of control and bidi
// characters, and the project's required version counts as in the build.
func TestAuditRetractedAndDeprecatedOffline(t *testing.T) {
	c, proj := retractFixture(t)
	snap := scanCache(t, c, cachescan.Env{GOPROXY: "off"}, proj)
	rep, err := Audit(context.Background(), snap, AuditOptions{Offline: true, VulnDB: VulnDBOptions{URL: emptyDB(t)}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"retracted example.com/r@v1.0.0 by v1.1.0 (cache): Broken build.",
		"retracted example.com/r@v1.0.1 by v1.1.0 (cache): Leaks ?secrets. in-build",
		"deprecated example.com/r v1.0.0,v1.0.1,v1.1.0,v1.2.0-rc.1 by v1.1.0 (cache): use example.com/r/v2 instead; this line belongs to it ?]0;too?. build=v1.0.1",
	}
	if got := auditLines(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
	if !rep.AffectsProject || rep.GoMods["cache"] != 1 {
		t.Errorf("affects %v, go.mods %v", rep.AffectsProject, rep.GoMods)
	}
	if !reflect.DeepEqual(rep.Purge, []string{"=example.com/r@v1.0.0"}) {
		t.Errorf("purge %q", rep.Purge)
	}
}

// TestAuditRetractionsThroughProxy: with the network, the latest go.mod
// comes from GOPROXY (a file:// proxy here) when the proxy knows a newer
// version than the cache; --offline, or GONOPROXY naming the module, keeps
// to the cache; a proxy that cannot be reached is said, and the cache
// stands in.
func TestAuditRetractionsThroughProxy(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/p", "v1.0.0"))
	proxy := t.TempDir()
	cachetest.WriteProxy(t, proxy, cachetest.Mod("example.com/p", "v1.0.0"),
		cachetest.Module{Path: "example.com/p", Version: "v1.1.0", Files: map[string]string{
			"go.mod": "// Deprecated: gone.\nmodule example.com/p\n\nretract v1.0.0 // Data loss.\n"}})
	db := emptyDB(t)
	audit := func(env cachescan.Env, offline bool) *AuditReport {
		t.Helper()
		rep, err := Audit(context.Background(), scanCache(t, c, env, ""), AuditOptions{Offline: offline, VulnDB: VulnDBOptions{URL: db, Offline: true}})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	want := []string{"retracted example.com/p@v1.0.0 by v1.1.0 (proxy): Data loss.", "deprecated example.com/p v1.0.0 by v1.1.0 (proxy): gone. build="}
	if got := auditLines(audit(cachescan.Env{GOPROXY: "file://" + filepath.ToSlash(proxy)}, false)); !reflect.DeepEqual(got, want) {
		t.Errorf("through the proxy:\n got %q\nwant %q", got, want)
	}
	if got := auditLines(audit(cachescan.Env{GOPROXY: "file://" + filepath.ToSlash(proxy)}, true)); len(got) != 0 {
		t.Errorf("offline: %q, want nothing (the cached v1.0.0 retracts nothing)", got)
	}
	if got := auditLines(audit(cachescan.Env{GOPROXY: "file://" + filepath.ToSlash(proxy), GONOPROXY: "example.com/*"}, false)); len(got) != 0 {
		t.Errorf("GONOPROXY: %q, want nothing", got)
	}
	// A proxy that is down: after "|" the next is asked; after "," not,
	// and the report says why.
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	if got := auditLines(audit(cachescan.Env{GOPROXY: down.URL + "|file://" + filepath.ToSlash(proxy)}, false)); !reflect.DeepEqual(got, want) {
		t.Errorf("down|file: %q", got)
	}
	rep := audit(cachescan.Env{GOPROXY: down.URL + ",file://" + filepath.ToSlash(proxy)}, false)
	if got := auditLines(rep); len(got) != 0 || rep.ProxyError == "" || rep.GoMods["cache"] != 1 {
		t.Errorf("down,file: %q, proxy error %q, go.mods %v", got, rep.ProxyError, rep.GoMods)
	}
}

// TestAuditHTTPDBCopy: an https-style database is fetched (.json.gz, as
// govulncheck fetches it) and kept; a second audit with the same database
// date fetches no entry again; when the server is gone the copy serves and
// the status says so and how old it is; a newer database refreshes the
// changed entries; --offline without a copy, or no network and no copy,
// is a VulnDBError that names the next step.
func TestAuditHTTPDBCopy(t *testing.T) {
	snap, dbDir := vulnFixture(t)
	srv := serveVulnDB(t, dbDir)
	ids := &srv.ids
	copyDir := t.TempDir()
	now := cachetest.Now()
	audit := func(url, cache string, at time.Time, offline bool) (*AuditReport, error) {
		return Audit(context.Background(), snap, AuditOptions{Offline: offline, VulnDB: VulnDBOptions{URL: url, Cache: cache, Clock: cachescan.Fixed(at)}})
	}
	first, err := audit(srv.URL, copyDir, now.Add(-3*time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	if first.VulnDB.Source != "network" || first.VulnDB.Fetched == nil || !first.VulnDB.Fetched.Equal(now.Add(-3*time.Hour)) || ids.Load() != 3 {
		t.Errorf("first: %+v, %d entries fetched (want the 3 of cached modules)", first.VulnDB, ids.Load())
	}
	if len(vulnLines(first)) != 3 {
		t.Errorf("first: %q", vulnLines(first))
	}
	second, err := audit(srv.URL, copyDir, now.Add(-2*time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	if ids.Load() != 3 || !reflect.DeepEqual(vulnLines(second), vulnLines(first)) {
		t.Errorf("second: %d entries fetched in all (the copy is current: want 3), %q", ids.Load(), vulnLines(second))
	}
	srv.down.Store(true)
	third, err := audit(srv.URL, copyDir, now, false)
	if err != nil {
		t.Fatal(err)
	}
	st := third.VulnDB
	if st.Source != "cache" || st.NetworkError == "" || st.Fetched == nil || !st.Fetched.Equal(now.Add(-2*time.Hour)) || !st.Modified.Equal(dbModified) {
		t.Errorf("server gone: %+v", st)
	}
	if !reflect.DeepEqual(vulnLines(third), vulnLines(first)) {
		t.Errorf("from the copy: %q", vulnLines(third))
	}
	offline, err := audit(srv.URL, copyDir, now, true)
	if err != nil || offline.VulnDB.Source != "cache" || offline.VulnDB.NetworkError != "" || len(vulnLines(offline)) != 3 {
		t.Errorf("--offline with the copy: %v, %+v", err, offline)
	}
	var dbErr *VulnDBError
	if _, err := audit(srv.URL, t.TempDir(), now, true); !errors.As(err, &dbErr) || !strings.Contains(err.Error(), "no copy") || !strings.Contains(err.Error(), "file:///") {
		t.Errorf("--offline, no copy: %v", err)
	}
	if _, err := audit(srv.URL, t.TempDir(), now, false); !errors.As(err, &dbErr) || !strings.Contains(err.Error(), "no copy was kept") {
		t.Errorf("no network, no copy: %v", err)
	}

	// A newer database: the changed entry is fetched again, the others
	// are not.
	later := dbModified.Add(24 * time.Hour)
	fixedSooner := osvEntry("GO-2024-0001", "Parser panics", nil,
		osvAffected("example.com/vuln", nil, OSVEvent{Introduced: "0"}, OSVEvent{Fixed: "1.1.0"}))
	fixedSooner.Modified = later
	data, _ := json.Marshal(fixedSooner)
	os.WriteFile(filepath.Join(dbDir, "ID", "GO-2024-0001.json"), data, 0o666)
	var index []moduleIndex
	raw, _ := os.ReadFile(filepath.Join(dbDir, "index", "modules.json"))
	json.Unmarshal(raw, &index)
	for i := range index {
		for j := range index[i].Vulns {
			if index[i].Vulns[j].ID == "GO-2024-0001" {
				index[i].Vulns[j].Modified = later
			}
		}
	}
	raw, _ = json.Marshal(index)
	os.WriteFile(filepath.Join(dbDir, "index", "modules.json"), raw, 0o666)
	raw, _ = json.Marshal(map[string]time.Time{"modified": later})
	os.WriteFile(filepath.Join(dbDir, "index", "db.json"), raw, 0o666)
	srv.down.Store(false)
	ids.Store(0)
	fresh, err := audit(srv.URL, copyDir, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := vulnLines(fresh); len(got) != 2 || ids.Load() != 1 || !fresh.VulnDB.Modified.Equal(later) {
		t.Errorf("a newer database: %q, %d entries fetched (want the 1 changed), %+v", got, ids.Load(), fresh.VulnDB)
	}
	ids.Store(0)
	fresh, err = audit(srv.URL, copyDir, now.Add(time.Hour), true)
	if err != nil || ids.Load() != 0 || !fresh.VulnDB.Modified.Equal(later) || len(vulnLines(fresh)) != 2 {
		t.Errorf("the refreshed copy, offline: %v, %d fetched, %+v", err, ids.Load(), fresh.VulnDB)
	}
}

// TestAuditHostileDB: what a database says is bounded and checked: a
// compressed answer that inflates past the cap fails the read, an entry
// past its cap or holding another ID is missing (and counted), an ID that
// would leave ID/ is never opened.
func TestAuditHostileDB(t *testing.T) {
	snap, dbDir := vulnFixture(t)
	defer func(a, b int64) { maxVulnDBIndex, maxVulnDBEntry = a, b }(maxVulnDBIndex, maxVulnDBEntry)

	// A gzip bomb as the modules index.
	maxVulnDBIndex = 1 << 20
	bomb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		zw := gzip.NewWriter(w)
		if strings.HasSuffix(r.URL.Path, "/db.json.gz") {
			zw.Write([]byte(`{"modified":"2026-01-10T00:00:00Z"}`))
		} else {
			zw.Write(bytes.Repeat([]byte(" "), 2<<20))
		}
		zw.Close()
	}))
	defer bomb.Close()
	_, err := Audit(context.Background(), snap, AuditOptions{VulnDB: VulnDBOptions{URL: bomb.URL, Cache: t.TempDir()}})
	var dbErr *VulnDBError
	if !errors.As(err, &dbErr) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a gzip bomb: %v", err)
	}

	// An oversized entry, an entry holding another ID, an ID with a path.
	maxVulnDBEntry = 4 << 10
	big := osvEntry("GO-2024-0001", strings.Repeat("x", 8<<10), nil, osvAffected("example.com/vuln", nil, OSVEvent{Introduced: "0"}))
	data, _ := json.Marshal(big)
	os.WriteFile(filepath.Join(dbDir, "ID", "GO-2024-0001.json"), data, 0o666)
	other := osvEntry("GO-2099-9999", "imposter", nil, osvAffected("example.com/other", nil, OSVEvent{Introduced: "0"}))
	data, _ = json.Marshal(other)
	os.WriteFile(filepath.Join(dbDir, "ID", "GO-2024-0002.json"), data, 0o666)
	index := []moduleIndex{
		{Path: "example.com/vuln", Vulns: []vulnRef{{ID: "GO-2024-0001"}, {ID: "../../secret"}}},
		{Path: "example.com/other", Vulns: []vulnRef{{ID: "GO-2024-0002"}}},
	}
	data, _ = json.Marshal(index)
	os.WriteFile(filepath.Join(dbDir, "index", "modules.json"), data, 0o666)
	os.WriteFile(filepath.Join(filepath.Dir(dbDir), "secret.json"), data, 0o666)
	rep, err := Audit(context.Background(), snap, AuditOptions{Offline: true, VulnDB: VulnDBOptions{URL: dbURL(dbDir)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(vulnLines(rep)) != 0 || rep.VulnDB.Missing != 2 || len(rep.VulnDB.Notes) != 3 {
		t.Errorf("hostile entries: %q, status %+v", vulnLines(rep), rep.VulnDB)
	}
	notes := strings.Join(rep.VulnDB.Notes, "\n")
	for _, want := range []string{"larger than", `holds entry "GO-2099-9999"`, `"../../secret" that is not an ID`} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

// TestAuditBuildListReplace: a replaced require builds with its
// replacement, not the required version; a directory replacement builds
// nothing from the cache.
func TestAuditBuildListReplace(t *testing.T) {
	snap, dbDir := vulnFixture(t)
	gomod := "module example.com/app\n\ngo 1.22\n\nrequire (\n\texample.com/vuln v1.0.0\n\texample.com/other " + otherOld + "\n)\n\n" +
		"replace example.com/vuln v1.0.0 => example.com/vuln " + pseudoVuln + "\n\nreplace example.com/other => ./other\n"
	os.WriteFile(filepath.Join(snap.Project.Dir, "go.mod"), []byte(gomod), 0o666)
	snap.Project = cachescan.ReadProject(filepath.Join(snap.Project.Dir, "go.mod"))
	rep, err := Audit(context.Background(), snap, AuditOptions{Offline: true, VulnDB: VulnDBOptions{URL: dbURL(dbDir)}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"example.com/other@" + otherOld + " GO-2024-0002 fixed=v0.0.0-20230901000000-000000000000",
		"example.com/vuln@v1.0.0 GO-2024-0001 fixed=v1.2.0",
		"example.com/vuln@" + pseudoVuln + " GO-2024-0001 fixed=v1.2.0 in-build",
	}
	if got := vulnLines(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("with replaces:\n got %q\nwant %q", got, want)
	}
	if !strings.Contains(rep.BuildList, "2 replaced") {
		t.Errorf("build list: %q", rep.BuildList)
	}
}

// TestAuditBuildListWorkspace: across a workspace's modules the build
// uses the highest required version of each module (minimal version
// selection), not the first one listed.
func TestAuditBuildListWorkspace(t *testing.T) {
	rep := &AuditReport{}
	build := rep.buildList(&cachescan.Project{Dir: "/w", GoWork: "/w/go.work", Go: "1.22", Requires: []cachescan.Require{
		{Path: "example.com/a", Version: "v1.2.0", Module: "example.com/one"},
		{Path: "example.com/a", Version: "v1.10.0", Module: "example.com/two"},
		{Path: "example.com/a", Version: "v1.9.0", Module: "example.com/three"},
	}})
	if !reflect.DeepEqual(build, map[string]string{"example.com/a": "v1.10.0"}) || !strings.Contains(rep.BuildList, "go.work") || len(rep.Notes) != 0 {
		t.Errorf("build %v, %q, notes %q", build, rep.BuildList, rep.Notes)
	}
	rep = &AuditReport{}
	rep.buildList(&cachescan.Project{Dir: "/p", Go: "1.16"})
	if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "before go 1.17") {
		t.Errorf("go 1.16: notes %q", rep.Notes)
	}
}

// TestAuditToolchains: a cached golang.org/toolchain is a Go release, so
// the database's stdlib and toolchain entries apply to it by Go version;
// the active one is the toolchain the project builds with.
func TestAuditToolchains(t *testing.T) {
	c := cachetest.New(t)
	c.AddToolchain("go1.21.0", "linux", "amd64")
	c.AddToolchain("go1.22.3", "linux", "amd64")
	dbDir := t.TempDir()
	writeVulnDB(t, dbDir, dbModified,
		osvEntry("GO-2023-0001", "net/http: request smuggling", nil,
			osvAffected("stdlib", []string{"net/http"}, OSVEvent{Introduced: "0"}, OSVEvent{Fixed: "1.21.1"}, OSVEvent{Introduced: "1.22.0-0"}, OSVEvent{Fixed: "1.22.2"})),
		osvEntry("GO-2023-0002", "cmd/go: code execution", nil,
			osvAffected("toolchain", []string{"cmd/go"}, OSVEvent{Introduced: "0"}, OSVEvent{Fixed: "1.20.5"})),
		osvEntry("GO-2023-0003", "crypto/tls: 1.22 only", nil,
			osvAffected("stdlib", []string{"crypto/tls"}, OSVEvent{Introduced: "1.22.0-rc.1"}, OSVEvent{Fixed: "1.22.4"})),
	)
	snap := scanCache(t, c, cachescan.Env{GOPROXY: "off"}, "")
	rep, err := Audit(context.Background(), snap, AuditOptions{Offline: true, VulnDB: VulnDBOptions{URL: dbURL(dbDir)}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"golang.org/toolchain@v0.0.1-go1.21.0.linux-amd64 GO-2023-0001 fixed=go1.21.1",
		"golang.org/toolchain@v0.0.1-go1.22.3.linux-amd64 GO-2023-0003 fixed=go1.22.4",
	}
	if got := vulnLines(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("toolchains:\n got %q\nwant %q", got, want)
	}
	if len(rep.Purge) != 0 || rep.AffectsProject {
		t.Errorf("purge %q, affects %v: toolchains are --toolchains' business, and no project runs one", rep.Purge, rep.AffectsProject)
	}
	// A project whose go line makes the go command switch to go1.21.0
	// builds with that toolchain.
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/app\n\ngo 1.21.0\n"), 0o666)
	snap = scanCache(t, c, cachescan.Env{GOPROXY: "off", GOVERSION: "go1.20.0", GOTOOLCHAIN: "auto", GOHOSTOS: "linux", GOHOSTARCH: "amd64"}, proj)
	rep, err = Audit(context.Background(), snap, AuditOptions{Offline: true, VulnDB: VulnDBOptions{URL: dbURL(dbDir)}})
	if err != nil {
		t.Fatal(err)
	}
	want[0] += " in-build"
	if got := vulnLines(rep); !reflect.DeepEqual(got, want) || !rep.AffectsProject {
		t.Errorf("the active toolchain:\n got %q\nwant %q", got, want)
	}
	for v, want := range map[string]string{
		"v0.0.1-go1.21.0.linux-amd64":   "v1.21.0",
		"v0.0.1-go1.21rc2.darwin-arm64": "v1.21.0-rc.2",
		"v0.0.1-go1.20.linux-amd64":     "v1.20.0",
		"v0.0.1-go1.22beta1.linux-386":  "v1.22.0-beta.1",
		"v0.0.1-go1.21.0":               "v1.21.0",
		"v0.0.1-gox.linux-amd64":        "",
		"v1.0.0":                        "",
	} {
		if got := toolchainSemver(v); got != want {
			t.Errorf("toolchainSemver(%s) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[string]string{"v1.21.1": "go1.21.1", "v1.20.0": "go1.20", "v1.21.0-rc.2": "go1.21rc2", "v1.19.3": "go1.19.3", "": ""} {
		if got := semverToGo(v); got != want {
			t.Errorf("semverToGo(%s) = %q, want %q", v, got, want)
		}
	}
}

// TestAuditCopyUnwritable: a copy that cannot be kept is noted, never an
// error of the audit: the data read from the network is used all the same.
func TestAuditCopyUnwritable(t *testing.T) {
	snap, dbDir := vulnFixture(t)
	srv := serveVulnDB(t, dbDir)
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o666)
	rep, err := Audit(context.Background(), snap, AuditOptions{Offline: true, VulnDB: VulnDBOptions{URL: srv.URL, Cache: notDir, Offline: false}})
	if err == nil {
		// --offline wins over the database's own option: no copy, no network.
		t.Fatalf("Offline with no copy: %+v", rep.VulnDB)
	}
	rep, err = Audit(context.Background(), snap, AuditOptions{VulnDB: VulnDBOptions{URL: srv.URL, Cache: notDir}})
	if err != nil {
		t.Fatal(err)
	}
	if len(vulnLines(rep)) != 3 || rep.VulnDB.Source != "network" || len(rep.VulnDB.Notes) != 1 || !strings.Contains(rep.VulnDB.Notes[0], "the copy could not be kept") {
		t.Errorf("unwritable copy: %q, %+v", vulnLines(rep), rep.VulnDB)
	}
}
