package store

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"

	"modscope/actions"
	"modscope/cachescan"
)

// h1Of is the go.sum hashes of a fixture version, computed by dirhash
// from a file, independently of the code under test.
func h1Of(t *testing.T, v fixVersion) (zipH1, modH1 string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "v.zip")
	if err := os.WriteFile(p, v.zip, 0o644); err != nil {
		t.Fatal(err)
	}
	zipH1, err := dirhash.HashZip(p, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	modH1, err = dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(v.mod)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return zipH1, modH1
}

func verifyOpts(sums Sums) VerifyOptions {
	return VerifyOptions{Workers: 2, Sums: sums, IsZipDamage: actions.IsZipDamage,
		HashZip: func(r io.ReaderAt, size int64) (string, error) { return actions.HashZipAt(r, size, nil) }}
}

// verifyFixture is a store with an honest version, one whose zip was
// replaced (a real zip, other content) and one whose .mod was edited.
func verifyFixture(t *testing.T, l Layout) (root string, honest, zipSwapped, modEdited fixVersion) {
	root = t.TempDir()
	honest = goodVersion(t, "example.com/honest", "v1.0.0")
	zipSwapped = goodVersion(t, "example.com/swapped", "v1.0.0")
	modEdited = goodVersion(t, "example.com/edited", "v1.0.0")
	tampered, edited := zipSwapped, modEdited
	tampered.zip = moduleZip(t, tampered.path, tampered.vers, map[string]string{"go.mod": tampered.mod, "a.go": "package a // backdoor\n"})
	edited.mod += "require example.com/evil v1.0.0\n"
	putVersions(t, root, l, honest, tampered, edited)
	return root, honest, zipSwapped, modEdited
}

func checkProven(t *testing.T, rep *VerifyReport) {
	t.Helper()
	got := damageKinds(rep.Damage)
	if got["example.com/swapped@v1.0.0"] != DamageZipHash+" " || got["example.com/edited@v1.0.0"] != DamageModHash+" " || len(got) != 2 {
		t.Errorf("damage %+v", rep.Damage)
	}
	for _, d := range rep.Damage {
		if !d.Proven {
			t.Errorf("hash mismatch not proven: %+v", d)
		}
	}
	if rep.Verified != 1 || len(rep.Errors) != 0 {
		t.Errorf("verified %d, errors %+v", rep.Verified, rep.Errors)
	}
}

func TestVerifyWithGoSum(t *testing.T) {
	for _, l := range []Layout{LayoutProxy, LayoutAthens} {
		t.Run(l.String(), func(t *testing.T) {
			root, honest, swapped, edited := verifyFixture(t, l)
			var sum strings.Builder
			for _, v := range []fixVersion{honest, swapped, edited} {
				z, m := h1Of(t, v)
				sum.WriteString(v.path + " " + v.vers + " " + z + "\n" + v.path + " " + v.vers + "/go.mod " + m + "\n")
			}
			g, err := ParseGoSum(strings.NewReader(sum.String()))
			if err != nil {
				t.Fatal(err)
			}
			s, inv := openListed(t, root)
			rep, err := Verify(context.Background(), s, inv, verifyOpts(g))
			if err != nil {
				t.Fatal(err)
			}
			checkProven(t, rep)
		})
	}
}

func TestVerifyNotInGoSumIsNotCheckable(t *testing.T) {
	root, _, _, _ := verifyFixture(t, LayoutProxy)
	g, _ := ParseGoSum(strings.NewReader(""))
	s, inv := openListed(t, root)
	opts := verifyOpts(g)
	opts.Match = func(path, _ string) bool { return path != "example.com/edited" }
	rep, err := Verify(context.Background(), s, inv, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Selected != 2 || rep.NotCheckable != 2 || len(rep.Damage) != 0 || rep.Verified != 0 {
		t.Errorf("report %+v", rep)
	}
}

func TestParseGoSumRejectsGarbage(t *testing.T) {
	if _, err := ParseGoSum(strings.NewReader("example.com/a v1.0.0 h1:x\nnot a line\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err %v", err)
	}
}

// testSumDB serves a checksum database holding the versions' true hashes,
// signed by a fresh key, behind a proxy's /sumdb/ prefix.
func testSumDB(t *testing.T, vs ...fixVersion) (vkey string, srv *httptest.Server) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, "sum.example")
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]string{}
	for _, v := range vs {
		z, m := h1Of(t, v)
		lines[v.path+"@"+v.vers] = v.path + " " + v.vers + " " + z + "\n" + v.path + " " + v.vers + "/go.mod " + m + "\n"
	}
	ts := sumdb.NewTestServer(skey, func(path, vers string) ([]byte, error) {
		if l, ok := lines[path+"@"+vers]; ok {
			return []byte(l), nil
		}
		return nil, os.ErrNotExist
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/sumdb/sum.example/supported", func(w http.ResponseWriter, r *http.Request) {})
	mux.Handle("/sumdb/sum.example/", http.StripPrefix("/sumdb/sum.example", sumdb.NewServer(ts)))
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return vkey, srv
}

func TestVerifyWithChecksumDatabase(t *testing.T) {
	root, honest, swapped, edited := verifyFixture(t, LayoutProxy)
	private := goodVersion(t, "example.com/private/lib", "v1.0.0")
	putVersions(t, root, LayoutProxy, private)
	vkey, srv := testSumDB(t, honest, swapped, edited)
	tmp := t.TempDir()
	env := cachescan.Env{GOSUMDB: vkey, GOPROXY: srv.URL, GOPATH: tmp, GOMODCACHE: filepath.Join(tmp, "mod"), GONOSUMDB: "example.com/private"}
	db := actions.NewSumDB(context.Background(), env, false)
	s, inv := openListed(t, root)
	rep, err := Verify(context.Background(), s, inv, verifyOpts(db))
	if err != nil {
		t.Fatal(err)
	}
	checkProven(t, rep)
	if rep.NotCheckable != 1 || rep.NotCheckableWhy["matches GONOSUMDB/GOPRIVATE"] != 1 {
		t.Errorf("not checkable %d %v", rep.NotCheckable, rep.NotCheckableWhy)
	}
}

// TestVerifyUnreachableProvesNothing: a database that refuses connections
// is one error line for every version, and no damage.
func TestVerifyUnreachableProvesNothing(t *testing.T) {
	root, _, _, _ := verifyFixture(t, LayoutAthens)
	_, vkey, _ := note.GenerateKey(rand.Reader, "sum.example")
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tmp := t.TempDir()
	env := cachescan.Env{GOSUMDB: vkey + " " + closed.URL, GOPROXY: "off", GOPATH: tmp, GOMODCACHE: filepath.Join(tmp, "mod")}
	db := actions.NewSumDB(context.Background(), env, false)
	s, inv := openListed(t, root)
	rep, err := Verify(context.Background(), s, inv, verifyOpts(db))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Damage) != 0 || rep.Verified != 0 || len(rep.Errors) != 1 || rep.Errors[0].Count != 3 {
		t.Fatalf("report %+v", rep)
	}
	if e := rep.Errors[0]; !strings.Contains(e.Detail, "unreachable") || !strings.Contains(e.Fix, "--gosum") {
		t.Errorf("error %+v", e)
	}
}

// TestVerifyBombIsDamageNotHashed: a zip bomb is never inflated.
func TestVerifyBombIsDamageNotHashed(t *testing.T) {
	root := t.TempDir()
	v := goodVersion(t, "example.com/bomb", "v1.0.0")
	_, modH1 := h1Of(t, v)
	v.zip = bombZip(t, v.path, v.vers)
	putVersions(t, root, LayoutProxy, v)
	g, _ := ParseGoSum(strings.NewReader(v.path + " " + v.vers + " h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" + v.path + " " + v.vers + "/go.mod " + modH1 + "\n"))
	s, inv := openListed(t, root)
	rep, err := Verify(context.Background(), s, inv, verifyOpts(g))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Damage) != 1 || rep.Damage[0].Kind != DamageZip || rep.Damage[0].Proven {
		t.Errorf("damage %+v", rep.Damage)
	}
}
