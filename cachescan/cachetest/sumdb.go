package cachetest

import (
	"crypto/rand"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"
)

// SumDB is a checksum database for tests, signed by a fresh key and served
// over HTTP on the loopback interface. GOSUMDB=<GOSUMDB()> makes the go
// command (and modscope) use it. Like sum.golang.org, it logs a module
// version on its first lookup, so its tree grows with every new one.
type SumDB struct {
	Name string // the database name, from the key
	Key  string // the verifier key
	URL  string // where it is served

	mu    sync.Mutex
	lines map[string]string // "path@version" -> its two go.sum lines
}

// NewSumDB starts a database named name that knows the given modules; it
// stops when the test ends.
func NewSumDB(t T, name string, mods ...Module) *SumDB {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	must(t, err)
	db := &SumDB{Name: name, Key: vkey, lines: map[string]string{}}
	for _, m := range mods {
		db.Add(t, m)
	}
	ts := sumdb.NewTestServer(skey, func(path, vers string) ([]byte, error) {
		db.mu.Lock()
		defer db.mu.Unlock()
		l, ok := db.lines[path+"@"+vers]
		if !ok {
			return nil, os.ErrNotExist
		}
		return []byte(l), nil
	})
	srv := httptest.NewServer(sumdb.NewServer(ts))
	t.Cleanup(srv.Close)
	db.URL = srv.URL
	return db
}

// Add makes the database know m, with the hashes the kit's zip of m has.
func (db *SumDB) Add(t T, m Module) {
	t.Helper()
	data, err := ZipBytes(m)
	must(t, err)
	zip := filepath.Join(t.TempDir(), "m.zip")
	must(t, os.WriteFile(zip, data, 0o666))
	sum, err := dirhash.HashZip(zip, dirhash.DefaultHash)
	must(t, err)
	e := &Entry{Module: m, Sum: sum, GoModSum: GoModSum(m.files()["go.mod"])}
	db.mu.Lock()
	db.lines[m.Path+"@"+m.Version] = e.GoSum()
	db.mu.Unlock()
}

// GOSUMDB is the value that names this database: "<key> <url>".
func (db *SumDB) GOSUMDB() string { return db.Key + " " + db.URL }

// GoDownload has the real go command on PATH download mods into c, from a
// file:// proxy of them and checked against db, with GOPATH gopath: the
// lookups and tiles it needed land in c, the newest tree it saw in
// gopath/pkg/sumdb/<name>/latest, as on a user's machine. The rest of the
// environment is the test's, without its Go settings.
func (db *SumDB) GoDownload(t T, c *Cache, gopath string, mods ...Module) {
	t.Helper()
	proxy := filepath.Join(t.TempDir(), "proxy")
	WriteProxy(t, proxy, mods...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GO") {
			env = append(env, kv)
		}
	}
	env = append(env, "GOPROXY=file://"+filepath.ToSlash(proxy), "GOSUMDB="+db.GOSUMDB(), "GOFLAGS=-mod=mod",
		"GOMODCACHE="+c.ModCache, "GOCACHE="+c.BuildCache, "GOPATH="+gopath, "GOTOOLCHAIN=local", "GOENV=off", "GOWORK=off")
	args := []string{"mod", "download"}
	for _, m := range mods {
		args = append(args, m.Path+"@"+m.Version)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = t.TempDir(), env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatal("go ", strings.Join(args, " "), ": ", err, "\n", string(out))
	}
}

// LatestAhead makes the scene of a checksum-database cache whose latest is
// newer than its tiles, which is normal: a database holding example.com/a,
// b and c v1.0.0, one GOPATH, and two module caches filled from it by the
// go command, behind with a and b, then ahead with c (so GOPATH's latest
// has moved past what behind's cached tiles prove).
func LatestAhead(t T) (db *SumDB, gopath string, behind, ahead *Cache) {
	t.Helper()
	a, b, c := Mod("example.com/a", "v1.0.0"), Mod("example.com/b", "v1.0.0"), Mod("example.com/c", "v1.0.0")
	db = NewSumDB(t, "sum.example", a, b, c)
	gopath = filepath.Join(t.TempDir(), "gopath")
	behind, ahead = New(t), New(t)
	db.GoDownload(t, behind, gopath, a, b)
	db.GoDownload(t, ahead, gopath, c)
	return db, gopath, behind, ahead
}
