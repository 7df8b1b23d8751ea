package main

import (
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"modscope/cachescan/cachetest"
)

// auditServer serves a one-entry vulnerability database as vuln.go.dev
// does (each endpoint .json.gz); while down is set it drops every
// connection, as a failing network does.
func auditServer(t *testing.T) (*httptest.Server, *atomic.Bool) {
	t.Helper()
	// Dated from the tests' clock: five days before it.
	mod := auditModified().Format(time.RFC3339)
	files := map[string]string{
		"index/db":      `{"modified":"` + mod + `"}`,
		"index/modules": `[{"path":"example.com/vuln","vulns":[{"id":"GO-2024-0001","modified":"` + mod + `","fixed":"1.2.0"}]}]`,
		"ID/GO-2024-0001": `{"id":"GO-2024-0001","modified":"` + mod + `","summary":"Parser panics",` +
			`"affected":[{"package":{"name":"example.com/vuln","ecosystem":"Go"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}`,
	}
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		data, ok := files[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".json.gz")]
		if !ok || !strings.HasSuffix(r.URL.Path, ".json.gz") {
			http.NotFound(w, r)
			return
		}
		zw := gzip.NewWriter(w)
		zw.Write([]byte(data))
		zw.Close()
	}))
	t.Cleanup(srv.Close)
	return srv, &down
}

// auditModified is the test database's date: five days before the
// tests' clock, whatever day they run at.
func auditModified() time.Time { return cachetest.Now().Add(-5 * 24 * time.Hour) }

// auditEnv isolates the go command and the user cache directory, where
// the audit keeps its copy of the database.
func auditEnv(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	for k, v := range map[string]string{"HOME": home, "XDG_CACHE_HOME": filepath.Join(home, ".cache"), "LocalAppData": filepath.Join(home, "AppData"),
		"GOPROXY": "off", "GOFLAGS": "", "GOENV": "off", "GOTOOLCHAIN": "local", "GOSUMDB": "off", "GOVULNDB": ""} {
		t.Setenv(k, v)
	}
}

// TestAuditCommandNetworkAndCopy: audit reads an https-style database and
// keeps a copy; when the network then fails it audits from the copy and
// says so in one line on stderr with how old the data is and what to do;
// the report says it too; --json carries the status. With no copy and no
// network it exits 2 with the next step.
func TestAuditCommandNetworkAndCopy(t *testing.T) {
	auditEnv(t)
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/vuln", "v1.0.0"))
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/app\n\ngo 1.22\n\nrequire example.com/vuln v1.0.0\n"), 0o666)
	srv, down := auditServer(t)
	args := []string{"audit", "--modcache", c.ModCache, "--project", proj, "--vulndb", srv.URL}

	code, out, errOut := runMain(t, args...)
	if code != 1 || errOut != "" || !strings.Contains(out, "  modified "+auditModified().Format(time.DateOnly)+" (5 days old), checked now\n") ||
		!strings.Contains(out, "  example.com/vuln@v1.0.0  in the build\n") {
		t.Fatalf("online: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}

	down.Store(true)
	code, out, errOut = runMain(t, args...)
	wantErr := "modscope: the vulnerability database could not be reached ("
	wantTail := "); using the copy kept earlier (modified " + auditModified().Format(time.DateOnly) +
		" (5 days old), from the copy fetched less than an hour ago); run again with the network for newer data, or pass --offline\n"
	if code != 1 || !strings.HasPrefix(errOut, wantErr) || !strings.HasSuffix(errOut, wantTail) || strings.Count(errOut, "\n") != 1 {
		t.Errorf("network down: exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "from the copy fetched less than an hour ago") || !strings.Contains(out, "the network failed (") ||
		!strings.Contains(out, "GO-2024-0001: Parser panics") {
		t.Errorf("network down: stdout:\n%s", out)
	}
	code, out, _ = runMain(t, append(args, "--json")...)
	var doc struct {
		AffectsProject bool `json:"affectsProject"`
		VulnDB         struct {
			Source       string `json:"source"`
			NetworkError string `json:"networkError"`
		} `json:"vulndb"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 1 || !doc.AffectsProject || doc.VulnDB.Source != "cache" || doc.VulnDB.NetworkError == "" {
		t.Errorf("--json, network down: exit %d, %v, %+v", code, err, doc)
	}

	// A new user cache directory holds no copy.
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	code, out, errOut = runMain(t, args...)
	if code != 2 || out != "" || !strings.Contains(errOut, "and no copy was kept; connect and run again, or pass --vulndb file:///DIR") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("no network, no copy: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
