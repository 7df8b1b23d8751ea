package actions

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"modscope/cachescan"
)

func TestDoctor(t *testing.T) {
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/golang.org/x/mod/@v/list":
			w.Write([]byte("v0.42.0\n"))
		case "/sumdb/sum.example/supported":
		case "/sumdb/sum.example/latest":
			w.Write([]byte("go.sum database tree\n1\nAAAA\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer good.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }))
	defer broken.Close()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer hang.Close()
	// A proxy that serves no public module, one that drops every
	// connection, and one that answers what nobody knows.
	notServed := httptest.NewServer(http.NotFoundHandler())
	defer notServed.Close()
	closer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer closer.Close()
	teapot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	defer teapot.Close()
	old := DoctorTimeout
	DoctorTimeout = 300 * time.Millisecond
	defer func() { DoctorTimeout = old }()

	vkey := "sum.example+12345678+AAAA"
	env := cachescan.Env{GOPROXY: good.URL + "," + broken.URL + "|" + hang.URL + ",file:///nonexistent/dir,ftp://x," +
		notServed.URL + "," + closer.URL + "," + teapot.URL + ",direct", GOSUMDB: vkey,
		GOPRIVATE: "corp.example.com"}
	project := &cachescan.Project{Requires: []cachescan.Require{{Path: "corp.example.com/lib", Version: "v1.0.0"}, {Path: "rsc.io/quote", Version: "v1.5.2"}}}
	findings := Doctor(context.Background(), env, project)
	byCheck := map[string]Finding{}
	for _, f := range findings {
		byCheck[f.Check] = f
	}
	// explained is the knowledge-base entry a failure must get: each
	// failure is explained by what it is, or by nothing ("").
	expect := func(check string, ok bool, detail, explained string) {
		t.Helper()
		f, found := byCheck[check]
		if !found || f.OK != ok || !strings.Contains(f.Detail, detail) {
			t.Errorf("%s: %+v; want ok=%v with %q", check, f, ok, detail)
			return
		}
		var ids []string
		for _, e := range f.Explanations {
			ids = append(ids, e.ID)
		}
		if strings.Join(ids, " ") != explained {
			t.Errorf("%s: explained as %v, want %q; detail %q", check, ids, explained, f.Detail)
		}
	}
	expect("GOPROXY entry "+good.URL, true, "answers", "")
	expect("GOPROXY entry "+broken.URL, false, "500 Internal Server Error", "proxy-500")
	expect("GOPROXY entry "+hang.URL, false, "deadline exceeded", "request-timeout")
	expect("GOPROXY entry file:///nonexistent/dir", false, "no such directory", "proxy-file-missing")
	expect("GOPROXY entry ftp://x", false, "invalid proxy URL scheme", "goproxy-syntax")
	// The probe asks for a module that exists: a 404 is about the proxy,
	// not a typo in a module path.
	expect("GOPROXY entry "+notServed.URL, false, "404 Not Found", "probe-not-served")
	expect("GOPROXY entry "+closer.URL, false, "EOF", "connection-closed")
	expect("GOPROXY entry "+teapot.URL, false, "418 I'm a teapot", "")
	expect("GOPROXY entry direct", true, "version control", "")
	expect("checksum database (GOSUMDB="+vkey+")", true, good.URL+"/sumdb/sum.example", "")
	expect("GOPRIVATE/GONOPROXY/GONOSUMDB", true, "1 require(s) fetched directly (corp.example.com/lib)", "")

	// The checksum database: failing behind the proxy's mirror, and
	// hanging. Neither is the proxy failing for a module.
	sumdbDown := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sumdb/sum.example/supported":
		case "/sumdb/sum.example/latest":
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	defer sumdbDown.Close()
	check := "checksum database (GOSUMDB=" + vkey + ")"
	for _, tc := range []struct{ goproxy, detail, explained string }{
		{sumdbDown.URL, "503 Service Unavailable", "sumdb-server-error"},
		{hang.URL, "unreachable through GOPROXY", "sumdb-unreachable"},
	} {
		byCheck = map[string]Finding{}
		for _, f := range Doctor(context.Background(), cachescan.Env{GOPROXY: tc.goproxy, GOSUMDB: vkey}, nil) {
			byCheck[f.Check] = f
		}
		expect(check, false, tc.detail, tc.explained)
	}

	// Private requires with no direct entry cannot be fetched at all.
	env.GOPROXY = good.URL
	findings = Doctor(context.Background(), env, project)
	var lookup bool
	for _, f := range findings {
		lookup = lookup || (!f.OK && strings.Contains(f.Detail, "disabled by GOPRIVATE/GONOPROXY"))
	}
	if !lookup {
		t.Errorf("GOPRIVATE without direct went unnoticed: %+v", findings)
	}
}
