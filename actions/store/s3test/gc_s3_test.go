package s3test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob"

	"modscope/actions/store"
	"modscope/cachescan/cachetest"
)

// s3Bucket starts an in-process S3 server with one bucket and returns
// the store URL the real s3blob driver opens it with. The credentials
// are fake and the SDK is kept from every other source of them (the
// instance metadata service, the shared files): nothing leaves the
// process but requests to the local server.
func s3Bucket(t *testing.T) string {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "modscope-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "modscope-test-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	backend := s3mem.New()
	if err := backend.CreateBucket("team-goproxy"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return "s3://team-goproxy?region=us-east-1&use_path_style=true&disable_https=true&endpoint=" + srv.URL
}

// TestGCOverS3: a keep-latest gc through the real S3 driver deletes the
// planned versions' objects, rewrites @v/list, leaves the rest, and
// measures what it freed.
func TestGCOverS3(t *testing.T) {
	ctx := context.Background()
	url := s3Bucket(t)
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	put := func(key string, data []byte) {
		t.Helper()
		if err := b.WriteAll(ctx, key, data, nil); err != nil {
			t.Fatal(err)
		}
	}
	vers := []string{"v1.0.0", "v1.1.0", "v1.2.0"}
	for _, v := range vers {
		zip, err := cachetest.ZipBytes(cachetest.Module{Path: "github.com/Team/lib", Version: v})
		if err != nil {
			t.Fatal(err)
		}
		put("github.com/!team/lib/@v/"+v+".info", fmt.Appendf(nil, `{"Version":%q,"Time":"2024-01-02T03:04:05Z"}`, v))
		put("github.com/!team/lib/@v/"+v+".mod", []byte("module github.com/Team/lib\n"))
		put("github.com/!team/lib/@v/"+v+".zip", zip)
	}
	put("github.com/!team/lib/@v/list", []byte(strings.Join(vers, "\n")+"\n"))

	s, err := store.Open(ctx, url, store.LayoutUnknown)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	inv, err := s.List(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Layout != store.LayoutProxy || inv.Versions() != 3 {
		t.Fatalf("layout %v, %d versions", inv.Layout, inv.Versions())
	}
	plan, err := store.PlanGC(inv, store.GCPolicy{KeepLatest: 1}, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Items) != 2 || plan.Items[0].Version != "v1.0.0" || plan.Items[1].Version != "v1.1.0" {
		t.Fatalf("plan %+v", plan.Items)
	}
	res := plan.Run(ctx, s, nil)
	if len(res.Failures) > 0 || res.Deleted != 6 || res.DeletedBytes != plan.Bytes || res.Lists != 1 {
		t.Fatalf("result %+v, planned %d bytes", res, plan.Bytes)
	}
	var left []string
	it := b.List(nil)
	for {
		o, err := it.Next(ctx)
		if err != nil {
			break
		}
		left = append(left, o.Key)
	}
	want := []string{"github.com/!team/lib/@v/list", "github.com/!team/lib/@v/v1.2.0.info", "github.com/!team/lib/@v/v1.2.0.mod", "github.com/!team/lib/@v/v1.2.0.zip"}
	if !slices.Equal(left, want) {
		t.Errorf("left %q", left)
	}
	if list, err := b.ReadAll(ctx, "github.com/!team/lib/@v/list"); err != nil || string(list) != "v1.2.0\n" {
		t.Errorf("@v/list %q, %v", list, err)
	}
	// Run again: every key is already gone, which is no failure.
	again := plan.Run(ctx, s, nil)
	if len(again.Failures) > 0 || again.AlreadyGone != plan.Objects {
		t.Errorf("second run %+v", again)
	}
}
