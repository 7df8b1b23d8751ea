package actions

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/note"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// fakeSumDB serves a checksum database signed by a fresh key, through a
// proxy-style /sumdb/<name>/ prefix; lie names a module whose hash it
// misreports.
func fakeSumDB(t *testing.T, entries map[string]*cachetest.Entry, lie string) (vkey string, srv *httptest.Server) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, "sum.example")
	if err != nil {
		t.Fatal(err)
	}
	return vkey, fakeSumDBWithKey(t, skey, entries, lie)
}

func fakeSumDBWithKey(t *testing.T, skey string, entries map[string]*cachetest.Entry, lie string) *httptest.Server {
	t.Helper()
	ts := sumdb.NewTestServer(skey, func(path, vers string) ([]byte, error) {
		e := entries[path+"@"+vers]
		if e == nil {
			return nil, os.ErrNotExist
		}
		sum := e.Sum
		if path == lie {
			sum = "h1:LIESLIESLIESLIESLIESLIESLIESLIESLIESLIESLIE="
		}
		return []byte(path + " " + vers + " " + sum + "\n" + path + " " + vers + "/go.mod " + e.GoModSum + "\n"), nil
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/sumdb/sum.example/supported", func(w http.ResponseWriter, r *http.Request) {})
	mux.Handle("/sumdb/sum.example/", http.StripPrefix("/sumdb/sum.example", sumdb.NewServer(ts)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func verifyWithEnv(t *testing.T, c *cachetest.Cache, env cachescan.Env, sumDB bool) *VerifyReport {
	t.Helper()
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), Env: env, ModCache: c.ModCache})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := NewVerifier().Verify(context.Background(), snap, VerifyOptions{SumDB: sumDB})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestSumDB(t *testing.T) {
	c := cachetest.New(t)
	entries := map[string]*cachetest.Entry{}
	for _, m := range []cachetest.Module{
		cachetest.Mod("example.com/honest", "v1.0.0"),
		cachetest.Mod("example.com/tampered", "v1.0.0"),
		cachetest.Mod("example.com/private/lib", "v1.0.0"),
	} {
		e := c.Add(m)
		entries[m.Path+"@"+m.Version] = e
	}
	// A tree with no zip and no ziphash, edited: only the database can tell.
	orphan := c.Add(cachetest.Mod("example.com/orphan", "v1.0.0"))
	entries["example.com/orphan@v1.0.0"] = orphan
	os.Remove(orphan.Zip)
	os.Remove(orphan.ZipHash)
	cachetest.Writable(orphan.Dir, func() { os.WriteFile(filepath.Join(orphan.Dir, "x.go"), []byte("package lib\n"), 0o444) })
	vkey, srv := fakeSumDB(t, entries, "example.com/tampered")
	gopath := t.TempDir()
	env := cachescan.Env{GOSUMDB: vkey, GOPROXY: srv.URL, GOPATH: gopath, GONOSUMDB: "example.com/private"}

	rep := verifyWithEnv(t, c, env, true)
	if len(rep.SumDBErrors) != 0 {
		t.Fatalf("errors reaching the fake database: %q", rep.SumDBErrors)
	}
	mismatched := map[string]bool{}
	for _, p := range rep.Problems {
		if p.Kind == cachescan.KindSumDBMismatch {
			mismatched[p.Module] = true
		}
	}
	if len(rep.Problems) != 2 || !mismatched["example.com/tampered"] || !mismatched["example.com/orphan"] {
		t.Errorf("problems = %+v", rep.Problems)
	}
	if rep.SumDBChecked != 3 || len(rep.NotCheckable) != 1 || rep.NotCheckable[0].Module != "example.com/private/lib" {
		t.Errorf("checked %d, not checkable %+v", rep.SumDBChecked, rep.NotCheckable)
	}
	// Like the go command, it kept the authenticated lookups and tiles, and
	// the newest tree it saw.
	cached := filepath.Join(c.ModCache, "cache", "download", "sumdb", "sum.example")
	if _, err := os.Stat(filepath.Join(cached, "lookup", "example.com", "honest@v1.0.0")); err != nil {
		t.Errorf("no cached lookup: %v", err)
	}
	if _, err := os.Stat(filepath.Join(gopath, "pkg", "sumdb", "sum.example", "latest")); err != nil {
		t.Errorf("no latest: %v", err)
	}

	// Offline, without --sumdb: the cache authenticates as it is...
	env.GOPROXY = "off"
	if rep := verifyWithEnv(t, c, env, false); len(rep.Problems) != 0 {
		t.Errorf("a good checksum-database cache: %+v", rep.Problems)
	}
	// ...and not once a tile is damaged.
	var tiles []string
	filepath.WalkDir(filepath.Join(cached, "tile"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			tiles = append(tiles, p)
		}
		return nil
	})
	if len(tiles) == 0 {
		t.Fatal("no cached tiles")
	}
	for _, tile := range tiles {
		data, _ := os.ReadFile(tile)
		data[0] ^= 1
		os.WriteFile(tile, data, 0o666)
	}
	rep = verifyWithEnv(t, c, env, false)
	if len(rep.Problems) == 0 {
		t.Fatal("a corrupt tile went unnoticed")
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Kind != cachescan.KindSumDBCache || !strings.Contains(rep.Problems[0].Fix, "tile") {
		t.Errorf("corrupt tiles: want one problem naming the tiles, got %+v", rep.Problems)
	}
}

func TestSumDBOffAndUnreachable(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	c.Add(cachetest.Mod("example.com/b", "v1.0.0"))
	rep := verifyWithEnv(t, c, cachescan.Env{GOSUMDB: "off"}, true)
	if len(rep.NotCheckable) != 2 || rep.NotCheckable[0].Reason != "GOSUMDB=off" || len(rep.Problems) != 0 {
		t.Errorf("GOSUMDB=off: %+v", rep)
	}
	// A database that refuses connections: one line, no crash, no problem
	// blamed on the cache.
	_, vkey, _ := note.GenerateKey(rand.Reader, "sum.example")
	rep = verifyWithEnv(t, c, cachescan.Env{GOSUMDB: vkey + " http://127.0.0.1:1", GOPATH: t.TempDir()}, true)
	if len(rep.SumDBErrors) != 1 || !strings.Contains(rep.SumDBErrors[0], "connection refused") || len(rep.Problems) != 0 {
		t.Errorf("unreachable database: errors %q, problems %+v", rep.SumDBErrors, rep.Problems)
	}
	// A proxy that answers 500 on /supported: the database is unavailable.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }))
	defer bad.Close()
	rep = verifyWithEnv(t, c, cachescan.Env{GOSUMDB: vkey, GOPROXY: bad.URL, GOPATH: t.TempDir()}, true)
	if len(rep.SumDBErrors) != 1 || !strings.Contains(rep.SumDBErrors[0], "500") {
		t.Errorf("proxy answering 500: %q", rep.SumDBErrors)
	}
	// One that refuses a lookup with 400 and its reason: an answer about
	// these modules, shown with the server's words, not an outage.
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Go module host not permitted", http.StatusBadRequest)
	}))
	defer refuse.Close()
	rep = verifyWithEnv(t, c, cachescan.Env{GOSUMDB: vkey + " " + refuse.URL, GOPATH: t.TempDir()}, true)
	if len(rep.SumDBErrors) != 2 || strings.Contains(rep.SumDBErrors[0], "unreachable") ||
		!strings.Contains(rep.SumDBErrors[0], "host not permitted") || len(rep.Problems) != 0 {
		t.Errorf("a database refusing with 400: errors %q, problems %+v", rep.SumDBErrors, rep.Problems)
	}
	// One that hangs: the client gives up after its timeout.
	old := sumDBTimeout
	sumDBTimeout = 200 * time.Millisecond
	defer func() { sumDBTimeout = old }()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer hang.Close()
	rep = verifyWithEnv(t, c, cachescan.Env{GOSUMDB: vkey + " " + hang.URL, GOPATH: t.TempDir()}, true)
	if len(rep.SumDBErrors) != 1 || !strings.Contains(rep.SumDBErrors[0], "Timeout") {
		t.Errorf("hanging database: %q", rep.SumDBErrors)
	}
}

func TestParseGOSUMDB(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "sum.golang.org  ",
		"sum.golang.org":       "sum.golang.org  ",
		"sum.golang.google.cn": "sum.golang.org https://sum.golang.google.cn ",
		"off":                  "  off",
	} {
		c, err := parseGOSUMDB(in)
		got := c.name + " " + c.url + " "
		if c.off {
			got += "off"
		}
		if err != nil || got != want {
			t.Errorf("parseGOSUMDB(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := parseGOSUMDB("example.com"); err == nil {
		t.Error("a name without a key was accepted")
	}
}

// TestSumDBFork: a second server with the same key that signs another
// history cannot prove it extends the tree this machine saw: one clear
// line, nothing checked against it, nothing blamed on the cache.
func TestSumDBFork(t *testing.T) {
	c := cachetest.New(t)
	entries := map[string]*cachetest.Entry{}
	for _, m := range []cachetest.Module{cachetest.Mod("example.com/a", "v1.0.0"), cachetest.Mod("example.com/b", "v1.0.0")} {
		entries[m.Path+"@"+m.Version] = c.Add(m)
	}
	skey, vkey, _ := note.GenerateKey(rand.Reader, "sum.example")
	gopath := t.TempDir()
	honest := fakeSumDBWithKey(t, skey, entries, "")
	rep := verifyWithEnv(t, c, cachescan.Env{GOSUMDB: vkey + " " + honest.URL + "/sumdb/sum.example", GOPATH: gopath}, true)
	if len(rep.Problems) != 0 || rep.SumDBChecked != 2 {
		t.Fatalf("honest database: %+v", rep)
	}
	// The forked server logged another module first: its tree grows from a
	// different start, so it cannot extend the tree this machine has seen.
	other := cachetest.New(t).Add(cachetest.Mod("example.com/other", "v1.0.0"))
	forked := map[string]*cachetest.Entry{"example.com/other@v1.0.0": other}
	for k, e := range entries {
		forked[k] = e
	}
	forkSrv := fakeSumDBWithKey(t, skey, forked, "")
	os.RemoveAll(filepath.Join(c.ModCache, "cache", "download", "sumdb"))
	for _, m := range []string{"other", "a", "b"} {
		if resp, err := http.Get(forkSrv.URL + "/sumdb/sum.example/lookup/example.com/" + m + "@v1.0.0"); err == nil {
			resp.Body.Close()
		}
	}
	rep = verifyWithEnv(t, c, cachescan.Env{GOSUMDB: vkey + " " + forkSrv.URL + "/sumdb/sum.example", GOPATH: gopath}, true)
	if len(rep.Problems) != 0 || len(rep.SumDBErrors) != 1 || !strings.Contains(rep.SumDBErrors[0], "inconsistent") || rep.SumDBChecked != 0 {
		t.Errorf("fork: problems %+v, errors %q, checked %d", rep.Problems, rep.SumDBErrors, rep.SumDBChecked)
	}
	if p := securityProblem(sumDBConfig{name: "sum.example"}, gopath, []string{"SECURITY ERROR\ngo.sum database server misbehavior detected!"}); p.Severity != cachescan.SeverityError || strings.Contains(p.Fix, "rm ") || !strings.Contains(p.Detail, "misbehavior") {
		t.Errorf("security problem = %+v", p)
	}
}

// TestSumDBProxyChoice follows the go command: a proxy that answers 200 on
// /supported serves the database; 404 moves on; after "|", any error moves
// on, but the best error is kept when no entry is left.
func TestSumDBProxyChoice(t *testing.T) {
	answer := func(code int) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }))
		t.Cleanup(srv.Close)
		return srv
	}
	ok, missing, broken := answer(200), answer(404), answer(500)
	cfg := sumDBConfig{name: "sum.example", key: "k"}
	for _, tt := range []struct {
		proxy, base, err string
	}{
		{missing.URL + "," + ok.URL, ok.URL + "/sumdb/sum.example", ""},
		{missing.URL, "https://sum.example", ""},
		{broken.URL + "," + ok.URL, "", "500"},
		{broken.URL + "|" + ok.URL, ok.URL + "/sumdb/sum.example", ""},
		{broken.URL + "|" + missing.URL, "", "500"},
		{broken.URL + "|direct", "https://sum.example", ""},
		{"off", "https://sum.example", ""},
	} {
		o := newSumDBOps(context.Background(), cfg, cachescan.Env{GOPROXY: tt.proxy}, t.TempDir(), false)
		o.initBase()
		got := ""
		if o.baseErr != nil {
			got = o.baseErr.Error()
		}
		if o.base != tt.base || (tt.err == "") != (got == "") || !strings.Contains(got, tt.err) {
			t.Errorf("GOPROXY=%s: base %q, err %q; want %q, %q", tt.proxy, o.base, got, tt.base, tt.err)
		}
	}
}

// TestSumDBLatestNewerThanCachedTiles: $GOPATH/pkg/sumdb/<db>/latest is
// the newest tree the go command has seen, from any lookup by any module
// cache, while each module cache holds only the tiles its own lookups
// needed. A module cache whose tiles do not reach latest is normal: its
// lookups cannot be checked offline, which is no problem, and latest (the
// go command's fork-detection memory) is never offered for deletion.
func TestSumDBLatestNewerThanCachedTiles(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	c1, c2, gosumdb, gopath := latestNewerThanTiles(t)
	env := cachescan.Env{GOSUMDB: gosumdb, GOPROXY: "off", GOPATH: gopath}
	rep := verifyWithEnv(t, c1, env, false)
	if len(rep.Problems) != 0 {
		t.Errorf("latest newer than the cached tiles: %+v", rep.Problems)
	}
	if rep.SumDBCacheUnchecked != 2 || !strings.Contains(rep.SumDBCacheNote, "could not be checked offline") {
		t.Errorf("unchecked %d, note %q; want 2 lookups said to be unchecked offline", rep.SumDBCacheUnchecked, rep.SumDBCacheNote)
	}
	// The module cache whose tiles reach latest checks its lookup.
	if rep := verifyWithEnv(t, c2, env, false); len(rep.Problems) != 0 || rep.SumDBCacheUnchecked != 0 {
		t.Errorf("tiles that reach latest: problems %+v, unchecked %d", rep.Problems, rep.SumDBCacheUnchecked)
	}
	// Damaged tiles are still found, and the fix names the tiles, never
	// latest.
	tiles := filepath.Join(c2.ModCache, "cache", "download", "sumdb", "sum.example", "tile")
	filepath.WalkDir(tiles, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			data, _ := os.ReadFile(p)
			data[0] ^= 1
			os.WriteFile(p, data, 0o666)
		}
		return nil
	})
	rep = verifyWithEnv(t, c2, env, false)
	if len(rep.Problems) != 1 || rep.Problems[0].Kind != cachescan.KindSumDBCache || !strings.Contains(rep.Problems[0].Fix, "tile") {
		t.Errorf("damaged tiles: %+v", rep.Problems)
	}
	for _, p := range rep.Problems {
		if strings.Contains(p.Fix, "latest") || strings.Contains(p.Path, "latest") {
			t.Errorf("offers to delete latest: %+v", p)
		}
	}
}

// latestNewerThanTiles has the real go command look modules up in a test
// checksum database for two module caches that share a GOPATH: c1 looks
// up two modules, then c2 a third, so latest is newer than c1's tiles.
func latestNewerThanTiles(t *testing.T) (c1, c2 *cachetest.Cache, gosumdb, gopath string) {
	t.Helper()
	a, b, c := cachetest.Mod("example.com/a", "v1.0.0"), cachetest.Mod("example.com/b", "v1.0.0"), cachetest.Mod("example.com/c", "v1.0.0")
	db := cachetest.NewSumDB(t, "sum.example", a, b, c)
	gopath = filepath.Join(t.TempDir(), "gopath")
	c1, c2 = cachetest.New(t), cachetest.New(t)
	db.GoDownload(t, c1, gopath, a, b)
	db.GoDownload(t, c2, gopath, c)
	latest, err := os.ReadFile(filepath.Join(gopath, "pkg", "sumdb", "sum.example", "latest"))
	if err != nil || !strings.HasPrefix(string(latest), "go.sum database tree\n3\n") {
		t.Fatalf("latest after three lookups: %q, %v", latest, err)
	}
	return c1, c2, db.GOSUMDB(), gopath
}

// TestSumDBMismatchSaysWhatAgrees: a sumdb-mismatch says whether the zip
// and the tree agree with the database (only the ziphash is wrong) or not
// (the cached copy is not what the database vouches for).
func TestSumDBMismatchSaysWhatAgrees(t *testing.T) {
	c := cachetest.New(t)
	entries := map[string]*cachetest.Entry{}
	for _, p := range []string{"example.com/ziphash", "example.com/lied", "example.com/tree"} {
		entries[p+"@v1.0.0"] = c.Add(cachetest.Mod(p, "v1.0.0"))
	}
	bad := []byte("h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	os.WriteFile(entries["example.com/ziphash@v1.0.0"].ZipHash, bad, 0o666)
	tree := entries["example.com/tree@v1.0.0"]
	os.WriteFile(tree.ZipHash, bad, 0o666)
	cachetest.Writable(tree.Dir, func() { os.WriteFile(filepath.Join(tree.Dir, "x.go"), []byte("package lib\n"), 0o444) })
	vkey, srv := fakeSumDB(t, entries, "example.com/lied")
	rep := verifyWithEnv(t, c, cachescan.Env{GOSUMDB: vkey, GOPROXY: srv.URL, GOPATH: t.TempDir()}, true)
	details := map[string]string{}
	for _, p := range rep.Problems {
		if p.Kind == cachescan.KindSumDBMismatch {
			details[p.Module] = p.Detail
		}
	}
	for mod, want := range map[string][]string{
		"example.com/ziphash": {"the ziphash says h1:AAAA", "the zip agrees with sum.example", "the tree agrees with sum.example", "only the ziphash is wrong"},
		"example.com/lied":    {"the zip hashes to", "the tree hashes to", "the cached copy is not what sum.example vouches for"},
		"example.com/tree":    {"the zip agrees with sum.example", "the tree hashes to", "the zip agrees, the ziphash and the tree not"},
	} {
		for _, w := range want {
			if !strings.Contains(details[mod], w) {
				t.Errorf("%s: %q lacks %q", mod, details[mod], w)
			}
		}
	}
}
