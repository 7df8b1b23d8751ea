package actions

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

var testConfigDir = func() string {
	d, err := os.MkdirTemp("", "modscope-test-config-")
	if err != nil {
		return os.TempDir()
	}
	return d
}()

// proxyOf writes the modules into a file:// proxy and returns its URL.
func proxyOf(t *testing.T, mods ...cachetest.Module) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "proxy")
	cachetest.WriteProxy(t, dir, mods...)
	return fileURL(dir)
}

// downloadOf downloads one target with a minute's timeout.
func downloadOf(snap *cachescan.Snapshot, target string) DownloadResult {
	return Download(context.Background(), snap, []string{target}, DownloadOptions{Timeout: time.Minute})[0]
}

// sumDBOf is the GOSUMDB value of a fakeSumDB.
func sumDBOf(vkey string, srv *httptest.Server) string {
	return vkey + " " + srv.URL + "/sumdb/sum.example"
}

// downloadWorld isolates the go commands a download runs from the
// user's settings, and returns a project directory whose go.sum holds
// the given lines.
func downloadWorld(t *testing.T, gosum string) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	root := t.TempDir()
	t.Setenv("GOENV", "off")
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOPATH", filepath.Join(root, "gopath"))
	t.Setenv("HOME", root)
	// The go command's telemetry may still write under the user config
	// directory after it exits: keep that out of the test's temp dir.
	t.Setenv("XDG_CONFIG_HOME", testConfigDir)
	proj := filepath.Join(root, "proj")
	os.MkdirAll(proj, 0o777)
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/proj\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n"), 0o666)
	os.WriteFile(filepath.Join(proj, "go.sum"), []byte(gosum), 0o666)
	os.WriteFile(filepath.Join(proj, "main.go"), []byte("package main\n\nimport \"example.com/lib\"\n\nfunc main() { println(lib.Hello()) }\n"), 0o666)
	return proj
}

func scanFor(t *testing.T, c *cachetest.Cache, proj, goproxy string) *cachescan.Snapshot {
	t.Helper()
	return scanSumDB(t, c, proj, goproxy, "off")
}

// scanSumDB scans with GOSUMDB set to gosumdb (sumDBOf gives a
// fakeSumDB's).
func scanSumDB(t *testing.T, c *cachetest.Cache, proj, goproxy, gosumdb string) *cachescan.Snapshot {
	t.Helper()
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Clock: cachetest.Clock(), Env: cachescan.Env{GOPROXY: goproxy, GOSUMDB: gosumdb, GOVERSION: runtime.Version(), GOCACHE: c.BuildCache},
		ModCache: c.ModCache, BuildCache: c.BuildCache, ProjectDir: proj})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestDownloadFixesLocalCorruption: the cache holds a copy whose zip,
// ziphash and tree agree with each other but not with go.sum (the case
// go mod verify passes and every build fails). A download through a
// file:// proxy replaces it, says it was local corruption, and the real
// go command then builds the project offline.
func TestDownloadFixesLocalCorruption(t *testing.T) {
	lib := cachetest.Mod("example.com/lib", "v1.0.0")
	proxy := proxyOf(t, lib)
	good := cachetest.New(t).AddDownload(lib)
	proj := downloadWorld(t, good.GoSum())

	c := cachetest.New(t)
	tampered := cachetest.Mod("example.com/lib", "v1.0.0")
	tampered.Files["lib.go"] = "package lib\n\nfunc Hello() string { return \"tampered\" }\n"
	bad := c.Add(tampered)
	snap := scanFor(t, c, proj, proxy)

	res := Download(context.Background(), snap, []string{"example.com/lib@v1.0.0"}, DownloadOptions{Timeout: time.Minute})
	r := res[0]
	if r.Verdict != VerdictFixed || !r.Replaced || r.Sum != good.Sum || r.OldSum != bad.Sum || !strings.Contains(r.Detail, "local corruption") {
		t.Fatalf("result = %+v", r)
	}
	if data, _ := os.ReadFile(bad.ZipHash); string(data) != good.Sum {
		t.Errorf("ziphash after = %q, want %q", data, good.Sum)
	}
	after := scanFor(t, c, proj, "off")
	if len(after.Problems) != 0 {
		t.Errorf("problems after: %+v", after.Problems)
	}
	goRun(t, proj, []string{"GOPROXY=off", "GOSUMDB=off", "GOFLAGS=-mod=mod", "GOMODCACHE=" + c.ModCache,
		"GOCACHE=" + c.BuildCache, "GOTOOLCHAIN=local", "GOWORK=off", "GOENV=off", "HOME=" + os.Getenv("HOME"),
		"PATH=" + os.Getenv("PATH")}, "build", "./...")
}

// TestDownloadKeepsTheCopyGoSumTrusts: the proxy now serves other content
// for the version (a retag); the cached copy matches go.sum. Nothing is
// installed, the cached copy stays, and the explanation is the go.sum
// checksum mismatch.
func TestDownloadKeepsTheCopyGoSumTrusts(t *testing.T) {
	lib := cachetest.Mod("example.com/lib", "v1.0.0")
	retag := cachetest.Mod("example.com/lib", "v1.0.0")
	retag.Files["lib.go"] = "package lib\n\nfunc Hello() string { return \"retagged\" }\n"
	proxy := proxyOf(t, retag)
	c := cachetest.New(t)
	e := c.Add(lib)
	proj := downloadWorld(t, e.GoSum())
	snap := scanFor(t, c, proj, proxy)

	r := downloadOf(snap, "example.com/lib@v1.0.0")
	if r.Verdict != VerdictUpstream || r.Replaced || !strings.Contains(r.Detail, "stays") {
		t.Fatalf("result = %+v", r)
	}
	if len(r.Explanations) == 0 || r.Explanations[0].ID != "gosum-mismatch" {
		t.Errorf("explanations = %+v", r.Explanations)
	}
	if data, _ := os.ReadFile(filepath.Join(e.Dir, "lib.go")); !strings.Contains(string(data), "hello from") {
		t.Errorf("the cached tree changed: %q", data)
	}
	if data, _ := os.ReadFile(e.ZipHash); string(data) != e.Sum {
		t.Errorf("the ziphash changed: %q", data)
	}
}

// TestDownloadThroughAFailingProxy serves the module over HTTP and fails
// in each of the ways proxies fail; every download ends in the right
// explanation, and the cached copy is untouched when the fetch fails.
func TestDownloadThroughAFailingProxy(t *testing.T) {
	lib := cachetest.Mod("example.com/lib", "v1.0.0")
	retag := cachetest.Mod("example.com/lib", "v1.0.0")
	retag.Files["lib.go"] = "package lib\n\nfunc Hello() string { return \"served by a bad proxy\" }\n"
	goodDir, badDir := filepath.Join(t.TempDir(), "good"), filepath.Join(t.TempDir(), "bad")
	cachetest.WriteProxy(t, goodDir, lib)
	cachetest.WriteProxy(t, badDir, retag)
	mode := ""
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch mode {
		case "404":
			http.Error(w, "not found: example.com/lib@v1.0.0: invalid version: unknown revision v1.0.0", http.StatusNotFound)
		case "410":
			http.Error(w, "not found: example.com/lib@v1.0.0: gone", http.StatusGone)
		case "500":
			http.Error(w, "internal error", http.StatusInternalServerError)
		case "hang":
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		case "wrong-zip":
			if strings.HasSuffix(r.URL.Path, ".zip") {
				http.FileServer(http.Dir(badDir)).ServeHTTP(w, r)
				return
			}
			http.FileServer(http.Dir(goodDir)).ServeHTTP(w, r)
		default:
			http.FileServer(http.Dir(goodDir)).ServeHTTP(w, r)
		}
	}))
	defer srv.Close()
	defer close(hang)

	for _, tc := range []struct {
		mode        string
		verdict     Verdict
		explanation string
	}{
		{"404", VerdictFailed, "proxy-404"},
		{"410", VerdictFailed, "proxy-410"},
		{"500", VerdictFailed, "proxy-500"},
		{"hang", VerdictFailed, "no-answer"},
		{"wrong-zip", VerdictUpstream, "gosum-mismatch"},
		{"ok", VerdictSame, ""},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			mode = tc.mode
			c := cachetest.New(t)
			e := c.Add(lib)
			proj := downloadWorld(t, e.GoSum())
			snap := scanFor(t, c, proj, srv.URL)
			r := Download(context.Background(), snap, []string{"example.com/lib@v1.0.0"}, DownloadOptions{Timeout: 3 * time.Second})[0]
			if r.Verdict != tc.verdict {
				t.Fatalf("verdict %q, want %q: %+v", r.Verdict, tc.verdict, r)
			}
			if tc.explanation != "" && (len(r.Explanations) == 0 || r.Explanations[0].ID != tc.explanation) {
				t.Errorf("explanations %+v, want %s; error %q", r.Explanations, tc.explanation, r.Error)
			}
			if tc.verdict != VerdictSame {
				if data, _ := os.ReadFile(e.ZipHash); string(data) != e.Sum {
					t.Errorf("the cached copy changed on a failed download: ziphash %q", data)
				}
				if _, err := os.Stat(filepath.Join(e.Dir, "lib.go")); err != nil {
					t.Errorf("the cached tree went on a failed download: %v", err)
				}
			}
		})
	}
}

// TestDownloadRefusals: a target without a version, and the active
// toolchain, are refused before anything runs.
func TestDownloadRefusals(t *testing.T) {
	if err := CheckTarget("example.com/lib"); err == nil {
		t.Error("a target without a version was accepted")
	}
	if err := CheckTarget("example.com/lib@latest"); err != nil {
		t.Errorf("path@latest refused: %v", err)
	}
	c := cachetest.New(t)
	tc := c.AddToolchain("go1.99.0", "linux", "amd64")
	env := cachescan.Env{GOVERSION: "go1.26.8", GOTOOLCHAIN: "go1.99.0", GOHOSTOS: "linux", GOHOSTARCH: "amd64"}
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), Env: env, ModCache: c.ModCache})
	if err != nil {
		t.Fatal(err)
	}
	r := Download(context.Background(), snap, []string{tc.Path + "@" + tc.Version}, DownloadOptions{})[0]
	if r.Verdict != VerdictFailed || !strings.Contains(r.Error, "active toolchain") {
		t.Errorf("result = %+v", r)
	}
}

// TestDownloadOfMetadataOnly: a version cached for the module graph only
// (.info and .mod) gets fresh metadata, not a zip and a tree.
func TestDownloadOfMetadataOnly(t *testing.T) {
	lib := cachetest.Mod("example.com/lib", "v1.0.0")
	proxy := proxyOf(t, lib)
	c := cachetest.New(t)
	e := c.AddMetadata(lib)
	os.WriteFile(e.Info, []byte(`{"Version":"v9.9.9","Time":"2024-01-02T03:04:05Z"}`), 0o666)
	proj := downloadWorld(t, "example.com/lib v1.0.0/go.mod "+e.GoModSum+"\n")
	snap := scanFor(t, c, proj, proxy)
	r := downloadOf(snap, "example.com/lib@v1.0.0")
	if r.Verdict != VerdictFixed || !r.Replaced || r.GoModSum != e.GoModSum || !strings.Contains(r.Detail, "info-invalid") {
		t.Fatalf("result %+v", r)
	}
	if exists(e.Zip) || exists(e.Dir) {
		t.Error("a metadata-only version got a zip or a tree")
	}
	if after := scanFor(t, c, proj, "off"); len(after.Problems) != 0 {
		t.Errorf("left: %+v", after.Problems)
	}
	// Once more: the same metadata now, left as it is.
	snap = scanFor(t, c, proj, proxy)
	if r := downloadOf(snap, "example.com/lib@v1.0.0"); r.Verdict != VerdictSame {
		t.Errorf("second download: %+v", r)
	}
}

// TestDownloadFixesAnEditedTree: zip and ziphash are right, the tree was
// edited: the version is replaced and the verdict says the tree changed.
func TestDownloadFixesAnEditedTree(t *testing.T) {
	lib := cachetest.Mod("example.com/lib", "v1.0.0")
	proxy := proxyOf(t, lib)
	c := cachetest.New(t)
	e := c.Add(lib)
	cachetest.Writable(e.Dir, func() {
		os.WriteFile(filepath.Join(e.Dir, "lib.go"), []byte("package lib // edited\n"), 0o644)
	})
	proj := downloadWorld(t, e.GoSum())
	snap := scanFor(t, c, proj, proxy)
	r := downloadOf(snap, "example.com/lib@v1.0.0")
	if r.Verdict != VerdictFixed || !strings.Contains(r.Detail, "tree had been changed") {
		t.Fatalf("result %+v", r)
	}
	if data, _ := os.ReadFile(filepath.Join(e.Dir, "lib.go")); strings.Contains(string(data), "edited") {
		t.Error("the edited tree is still there")
	}
}

// TestDownloadRunsGoAsTheIssueSays: a fake go command on PATH records how
// it is run: in an empty directory, with the user's proxy and checksum
// settings, GOFLAGS reduced to -modcacherw, GOTOOLCHAIN=local, no
// workspace; its failure (no JSON, exit 1) is reported with its stderr.
func TestDownloadRunsGoAsTheIssueSays(t *testing.T) {
	bin, record := t.TempDir(), filepath.Join(t.TempDir(), "record")
	script := "#!/bin/sh\n{ echo \"cwd=$(pwd)\"; echo \"files=$(ls -A | tr '\\n' ' ')\"; echo \"args=$*\"; env; } >> " + record + "\n" +
		"echo 'go: example.com/a@v1.0.0: fake failure' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(script), 0o777); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("GOFLAGS", "-mod=vendor")
	t.Setenv("GOTOOLCHAIN", "go1.99.0")
	t.Setenv("GOWORK", "/somewhere/go.work")
	c := cachetest.New(t)
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache})
	if err != nil {
		t.Fatal(err)
	}
	snap.Env = cachescan.Env{GOPROXY: "https://proxy.example,direct", GOSUMDB: "sum.example", GONOSUMDB: "nosum.example",
		GOPRIVATE: "private.example", GONOPROXY: "noproxy.example", GOINSECURE: "insecure.example", GOFLAGS: "-mod=mod -modcacherw"}
	res := Download(context.Background(), snap, []string{"example.com/a@v1.0.0"}, DownloadOptions{Timeout: time.Minute})
	if len(res) != 1 || res[0].Verdict != VerdictFailed || !strings.Contains(res[0].Error, "fake failure") {
		t.Fatalf("results %+v", res)
	}
	data, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			got[k] = v
		}
	}
	want := map[string]string{
		"files": "", "args": "mod download -json example.com/a@v1.0.0",
		"GOPROXY": "https://proxy.example,direct", "GOSUMDB": "sum.example", "GONOSUMDB": "nosum.example",
		"GOPRIVATE": "private.example", "GONOPROXY": "noproxy.example", "GOINSECURE": "insecure.example",
		"GOFLAGS": "-modcacherw", "GOTOOLCHAIN": "local", "GOWORK": "off",
	}
	for k, v := range want {
		if strings.TrimSpace(got[k]) != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if got["GOMODCACHE"] == c.ModCache || got["GOMODCACHE"] == "" || !strings.HasPrefix(got["cwd"], os.TempDir()) {
		t.Errorf("fetched into %q from %q: want a temporary cache and directory", got["GOMODCACHE"], got["cwd"])
	}
}

// TestDownloadSaysGoSumIsWrong: go.sum has a wrong line for a version the
// checksum database vouches for (the cached copy is right). The database
// is append-only, so go.sum is what is wrong: the cached copy stays, and
// the verdict says to mend go.sum, never that the module changed upstream.
func TestDownloadSaysGoSumIsWrong(t *testing.T) {
	lib := cachetest.Mod("example.com/lib", "v1.0.0")
	proxy := proxyOf(t, lib)
	c := cachetest.New(t)
	e := c.Add(lib)
	vkey, srv := fakeSumDB(t, map[string]*cachetest.Entry{"example.com/lib@v1.0.0": e}, "")
	wrong := "example.com/lib v1.0.0 h1:AAAAw1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=\nexample.com/lib v1.0.0/go.mod " + e.GoModSum + "\n"
	proj := downloadWorld(t, wrong)
	snap := scanSumDB(t, c, proj, proxy, sumDBOf(vkey, srv))
	r := downloadOf(snap, "example.com/lib@v1.0.0")
	if r.Verdict != VerdictGoSumWrong || !strings.Contains(r.Detail, "go.sum is wrong") || strings.Contains(r.Detail, "changed upstream") {
		t.Fatalf("result = %+v", r)
	}
	for _, path := range []string{e.Dir, e.Zip, e.ZipHash} {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the vouched-for cached copy lost %s: %v", path, err)
		}
	}
	// verify --sumdb says the same, and repair leaves it to a person.
	rep, err := NewVerifier().Verify(context.Background(), snap, VerifyOptions{SumDB: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Kind != cachescan.KindGoSumWrong || !strings.Contains(rep.Problems[0].Fix, "leave the cache alone") {
		t.Fatalf("verify --sumdb: %+v (errors %q)", rep.Problems, rep.SumDBErrors)
	}
	if plan := PlanRepair(snap, rep.Problems); len(plan.Purge.Items) != 0 || len(plan.Downloads) != 0 || len(plan.Manual) != 1 {
		t.Errorf("repair plan: purge %+v, downloads %v, manual %+v", plan.Purge.Items, plan.Downloads, plan.Manual)
	}
}

// TestDownloadGoSumWrongChangesNothingItShouldNot: when the cache and
// go.sum agree on content the checksum database never vouched for, that
// copy may be the only one of what the project pinned: it stays, and the
// verdict says so. A metadata-only version whose go.sum /go.mod line the
// database contradicts keeps its .mod.
func TestDownloadGoSumWrongChangesNothingItShouldNot(t *testing.T) {
	lib := cachetest.Mod("example.com/lib", "v1.0.0")
	proxy := proxyOf(t, lib)
	real := cachetest.New(t).AddDownload(lib)
	vkey, srv := fakeSumDB(t, map[string]*cachetest.Entry{"example.com/lib@v1.0.0": real}, "")

	c := cachetest.New(t)
	pinned := cachetest.Mod("example.com/lib", "v1.0.0")
	pinned.Files["lib.go"] = "package lib\n\nfunc Hello() string { return \"pinned\" }\n"
	e := c.Add(pinned)
	proj := downloadWorld(t, e.GoSum())
	r := downloadOf(scanSumDB(t, c, proj, proxy, sumDBOf(vkey, srv)), "example.com/lib@v1.0.0")
	if r.Verdict != VerdictGoSumWrong || r.Replaced || !strings.Contains(r.Detail, "Nothing was changed") {
		t.Fatalf("cache and go.sum agree, the database does not: %+v", r)
	}
	if data, _ := os.ReadFile(filepath.Join(e.Dir, "lib.go")); !strings.Contains(string(data), "pinned") {
		t.Errorf("the pinned copy was replaced: %q", data)
	}

	m := cachetest.New(t)
	meta := m.AddMetadata(lib)
	proj = downloadWorld(t, "example.com/lib v1.0.0/go.mod h1:AAAAw1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=\n")
	r = downloadOf(scanSumDB(t, m, proj, proxy, sumDBOf(vkey, srv)), "example.com/lib@v1.0.0")
	if r.Verdict != VerdictGoSumWrong || !strings.Contains(r.Detail, "go.sum is wrong") {
		t.Fatalf("metadata only, go.sum wrong: %+v", r)
	}
	if _, err := os.Stat(meta.Mod); err != nil {
		t.Errorf("the vouched-for .mod went: %v", err)
	}
}

// TestVerifyGoSumWrongNeedsAWholeCopy: a zip replaced by content go.sum
// pins, under a ziphash the database agrees with, is the cache's fault
// (zip-modified), never "go.sum is wrong".
func TestVerifyGoSumWrongNeedsAWholeCopy(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/lib", "v1.0.0"))
	other := cachetest.Mod("example.com/lib", "v1.0.0")
	other.Files["lib.go"] = "package lib\n\nfunc Hello() string { return \"other\" }\n"
	data, err := cachetest.ZipBytes(other)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(e.Zip, data, 0o666)
	otherSum := cachetest.New(t).AddDownload(other).Sum
	vkey, srv := fakeSumDB(t, map[string]*cachetest.Entry{"example.com/lib@v1.0.0": e}, "")
	proj := downloadWorld(t, "example.com/lib v1.0.0 "+otherSum+"\nexample.com/lib v1.0.0/go.mod "+e.GoModSum+"\n")
	snap := scanSumDB(t, c, proj, "", sumDBOf(vkey, srv))
	rep, err := NewVerifier().Verify(context.Background(), snap, VerifyOptions{SumDB: true})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, p := range rep.Problems {
		kinds[p.Kind] = true
	}
	if kinds[cachescan.KindGoSumWrong] || !kinds[cachescan.KindZipModified] {
		t.Errorf("a replaced zip go.sum pins: %+v", rep.Problems)
	}
}
