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
	old := DoctorTimeout
	DoctorTimeout = 300 * time.Millisecond
	defer func() { DoctorTimeout = old }()

	vkey := "sum.example+12345678+AAAA"
	env := cachescan.Env{GOPROXY: good.URL + "," + broken.URL + "|" + hang.URL + ",file:///nonexistent/dir,ftp://x,direct", GOSUMDB: vkey,
		GOPRIVATE: "corp.example.com"}
	project := &cachescan.Project{Requires: []cachescan.Require{{Path: "corp.example.com/lib", Version: "v1.0.0"}, {Path: "rsc.io/quote", Version: "v1.5.2"}}}
	findings := Doctor(context.Background(), env, project)
	byCheck := map[string]Finding{}
	for _, f := range findings {
		byCheck[f.Check] = f
	}
	expect := func(check string, ok bool, detail string) {
		t.Helper()
		f, found := byCheck[check]
		if !found || f.OK != ok || !strings.Contains(f.Detail, detail) {
			t.Errorf("%s: %+v; want ok=%v with %q", check, f, ok, detail)
		}
	}
	expect("GOPROXY entry "+good.URL, true, "answers")
	expect("GOPROXY entry "+broken.URL, false, "500 Internal Server Error")
	expect("GOPROXY entry "+hang.URL, false, "deadline exceeded")
	expect("GOPROXY entry file:///nonexistent/dir", false, "no such directory")
	expect("GOPROXY entry ftp://x", false, "invalid proxy URL scheme")
	expect("GOPROXY entry direct", true, "version control")
	expect("checksum database (GOSUMDB="+vkey+")", true, good.URL+"/sumdb/sum.example")
	expect("GOPRIVATE/GONOPROXY/GONOSUMDB", true, "1 require(s) fetched directly (corp.example.com/lib)")

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
