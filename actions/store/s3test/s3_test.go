package s3test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob"
	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"

	"modscope/actions"
	"modscope/actions/store"
)

const (
	fakeKeyID  = "AKIDFAKEFAKEFAKE"
	fakeSecret = "s3cr3t-never-printed"
)

// fakeS3 starts an in-process S3 server with one bucket and returns the
// store URL for it. The AWS SDK reads only the fake credentials set here:
// no shared config, no profile, no instance metadata (IMDS), so nothing
// leaves the machine.
func fakeS3(t *testing.T) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("athens"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", fakeKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", fakeSecret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	return "s3://athens?endpoint=" + srv.URL + "&region=us-east-1&use_path_style=true&disable_https=true&request_checksum_calculation=when_required"
}

func moduleZip(t *testing.T, path, vers string, files map[string]string) []byte {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := modzip.CreateFromDir(&buf, module.Version{Path: path, Version: vers}, dir); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipH1(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "v.zip")
	os.WriteFile(p, data, 0o644)
	h, err := dirhash.HashZip(p, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func modH1(t *testing.T, gomod string) string {
	h, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(gomod)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// put writes objects through the real S3 driver.
func put(t *testing.T, url string, objs map[string][]byte) {
	t.Helper()
	b, err := blob.OpenBucket(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for k, data := range objs {
		if err := b.WriteAll(context.Background(), k, data, nil); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
}

// TestS3ScanAndVerify: an Athens bucket (proxy names, unescaped paths)
// with an honest version, one whose .mod is not its zip's go.mod, and one
// whose zip is not what go.sum holds.
func TestS3ScanAndVerify(t *testing.T) {
	url := fakeS3(t)
	objs := map[string][]byte{}
	sums := ""
	add := func(path, vers, gomod string, zip []byte, servedMod string) {
		objs[path+"/@v/"+vers+".info"] = []byte(`{"Version":"` + vers + `"}`)
		objs[path+"/@v/"+vers+".mod"] = []byte(servedMod)
		objs[path+"/@v/"+vers+".zip"] = zip
		sums += path + " " + vers + " " + zipH1(t, zip) + "\n" + path + " " + vers + "/go.mod " + modH1(t, servedMod) + "\n"
	}
	gm := func(p string) string { return "module " + p + "\n\ngo 1.21\n" }
	add("github.com/Team/honest", "v1.2.0", gm("github.com/Team/honest"),
		moduleZip(t, "github.com/Team/honest", "v1.2.0", map[string]string{"go.mod": gm("github.com/Team/honest"), "a.go": "package a\n"}), gm("github.com/Team/honest"))
	add("example.com/differs", "v1.0.0", gm("example.com/differs"),
		moduleZip(t, "example.com/differs", "v1.0.0", map[string]string{"go.mod": gm("example.com/differs")}), gm("example.com/differs")+"// edited\n")
	add("example.com/swapped", "v1.0.0", gm("example.com/swapped"),
		moduleZip(t, "example.com/swapped", "v1.0.0", map[string]string{"go.mod": gm("example.com/swapped"), "a.go": "package a\n"}), gm("example.com/swapped"))
	// The store now serves other content than go.sum vouches for.
	objs["example.com/swapped/@v/v1.0.0.zip"] = moduleZip(t, "example.com/swapped", "v1.0.0", map[string]string{"go.mod": gm("example.com/swapped"), "a.go": "package a // changed\n"})
	put(t, url, objs)

	ctx := context.Background()
	s, err := store.Open(ctx, url, store.LayoutUnknown)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if strings.Contains(s.URL, fakeSecret) || strings.Contains(s.URL, fakeKeyID) {
		t.Errorf("shown URL %s names a credential", s.URL)
	}
	inv, err := s.List(ctx, time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if inv.Layout != store.LayoutProxy || len(inv.Modules) != 3 || inv.Versions() != 3 {
		t.Fatalf("inventory: layout %v, %d modules, %d versions", inv.Layout, len(inv.Modules), inv.Versions())
	}
	rep, err := store.Scan(ctx, s, inv, store.ScanOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.ReadErrors) != 0 || len(rep.Damage) != 1 || rep.Damage[0].Kind != store.DamageModDiffers || rep.Damage[0].Module != "example.com/differs" {
		t.Errorf("scan: damage %+v, read errors %q", rep.Damage, rep.ReadErrors)
	}
	g, err := store.ParseGoSum(strings.NewReader(sums))
	if err != nil {
		t.Fatal(err)
	}
	vrep, err := store.Verify(ctx, s, inv, store.VerifyOptions{Workers: 2, Sums: g, IsZipDamage: actions.IsZipDamage,
		HashZip: func(r io.ReaderAt, size int64) (string, error) { return actions.HashZipAt(r, size, nil) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(vrep.Errors) != 0 || vrep.Verified != 2 || len(vrep.Damage) != 1 || vrep.Damage[0].Kind != store.DamageZipHash || !vrep.Damage[0].Proven || vrep.Damage[0].Module != "example.com/swapped" {
		t.Errorf("verify: %+v", vrep)
	}
}

// TestS3ListingDenied: a bucket that does not exist is a one-line error
// with a next step, naming no credential.
func TestS3ListingDenied(t *testing.T) {
	url := strings.Replace(fakeS3(t), "s3://athens", "s3://nosuchbucket", 1)
	s, err := store.Open(context.Background(), url, store.LayoutUnknown)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.List(context.Background(), time.Time{})
	if err == nil || !strings.Contains(err.Error(), "check the URL") || strings.Contains(err.Error(), fakeSecret) || strings.Contains(err.Error(), "\n") {
		t.Errorf("err %v", err)
	}
}
