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
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/lockedfile"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestPurgeWithTheRealGoCommand purges a version the go command extracted
// and indexed, then checks the cache is whole to the go command: the scan
// finds nothing, the module index entry is gone, and the build fetches the
// version again.
func TestPurgeWithTheRealGoCommand(t *testing.T) {
	t.Parallel()
	c, proj, env := offlineFixture(t)
	lib := cachetest.Paths(c.ModCache, cachetest.Mod("example.com/lib", "v1.2.0"))
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Clock: cachetest.Clock(), Env: cachescan.Env{GOVERSION: runtime.Version()}, ModCache: c.ModCache, BuildCache: c.BuildCache, ProjectDir: proj})
	if err != nil {
		t.Fatal(err)
	}
	id := ModuleIndexID(runtime.Version(), lib.Dir)
	index := filepath.Join(c.BuildCache, id[:2], id+"-a")
	if _, err := os.Stat(index); err != nil {
		t.Fatalf("the go command's module index entry is not where modscope computes it: %v", err)
	}
	plan, err := Plan(snap, Targets{Patterns: []string{"example.com/lib@v1.2.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Items) != 1 || len(plan.Items[0].Warnings) == 0 || plan.Size.Files == 0 {
		t.Fatalf("plan = %+v", plan.Items[0])
	}
	res := plan.Execute()
	if len(res) != 1 || !res[0].Removed {
		t.Fatalf("results = %+v", res)
	}
	for _, p := range []string{lib.Dir, lib.Zip, lib.ZipHash, lib.Partial, index} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
	for _, p := range []string{lib.Mod, lib.Info, lib.Lock} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s went: %v", p, err)
		}
	}
	after, _ := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache})
	if len(after.Problems) != 0 {
		t.Errorf("problems after the purge: %+v", after.Problems)
	}
	if v := after.ModCache.FindVersion("example.com/lib", "v1.2.0"); v == nil || v.State != "metadata" {
		t.Errorf("after the purge: %+v", v)
	}
	goRun(t, proj, env, "build", "./...")
	if _, err := os.Stat(filepath.Join(lib.Dir, "lib.go")); err != nil {
		t.Errorf("the go command did not fetch the purged version again: %v", err)
	}
}

func TestPurgeMetadataAndRefusals(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	e := c.Add(cachetest.Mod("example.com/a", "v1.1.0"))
	c.AddToolchain("go1.99.0", "linux", "amd64")
	env := cachescan.Env{GOVERSION: "go1.26.8", GOTOOLCHAIN: "go1.99.0", GOHOSTOS: "linux", GOHOSTARCH: "amd64"}
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), Env: env, ModCache: c.ModCache})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Plan(snap, Targets{Patterns: []string{"example.com/a@v1.1.0", "golang.org/toolchain"}, Metadata: true})
	if err != nil {
		t.Fatal(err)
	}
	res := plan.Execute()
	var removed, refused int
	for _, r := range res {
		if r.Removed {
			removed++
		} else if strings.Contains(r.Kept, "active toolchain") {
			refused++
		}
	}
	if removed != 1 || refused != 1 {
		t.Errorf("results = %+v", res)
	}
	if _, err := os.Stat(e.Mod); err == nil {
		t.Error("--metadata kept the .mod")
	}
	list, _ := os.ReadFile(filepath.Join(e.DL, "list"))
	if string(list) != "v1.0.0\n" {
		t.Errorf("list after the purge = %q", list)
	}
	after, _ := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), Env: env, ModCache: c.ModCache})
	// Only its .lock is left (lock files are never removed), and that is
	// no version.
	if v := after.ModCache.FindVersion("example.com/a", "v1.1.0"); len(after.Problems) != 0 || v != nil {
		t.Errorf("after: problems %+v, version %+v", after.Problems, v)
	}
	if _, err := os.Stat(e.Lock); err != nil {
		t.Errorf("the lock file went: %v", err)
	}
	if _, err := Plan(snap, Targets{Patterns: []string{"example.com/none"}}); err == nil {
		t.Error("a pattern that matches nothing planned a purge")
	}
}

// TestPurgeWaitsForTheLock: while a go command holds a version's lock (it
// is downloading or extracting), the purge waits, then goes on.
func TestPurgeWaitsForTheLock(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Plan(snap, Targets{Patterns: []string{"example.com/a"}})
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := lockedfile.MutexAt(e.Lock).Lock()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []PurgeResult)
	go func() { done <- plan.Execute() }()
	select {
	case <-done:
		t.Fatal("the purge did not wait for the go command's lock")
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := os.Stat(e.Dir); err != nil {
		t.Fatal("the tree went while the lock was held")
	}
	unlock()
	select {
	case res := <-done:
		if !res[0].Removed {
			t.Errorf("after the lock was released: %+v", res)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the purge never finished")
	}
}

// TestPurgeAsNobody purges a read-only tree as the unprivileged user nobody
// (re-running this test as uid 65534 when the tests run as root): the
// directories must be made writable first, as go clean -modcache does.
func TestPurgeAsNobody(t *testing.T) {
	if cachetest.AsNobody(t, "TestPurgeAsNobody") {
		purgeReadOnly(t)
	}
}

func purgeReadOnly(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/ro", "v1.0.0")) // 0555 dirs, 0444 files
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Plan(snap, Targets{Patterns: []string{"example.com/ro@v1.0.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if res := plan.Execute(); !res[0].Removed {
		t.Fatalf("purge of a read-only tree: %+v", res)
	}
	if _, err := os.Lstat(e.Dir); err == nil {
		t.Error("the read-only tree is still there")
	}
}

// TestPurgeRacesARealGoBuild: a real go build is fetching a version's zip
// (through a proxy that holds the answer back), so the go command holds
// the version's lock. A purge of that version waits for it; whichever way
// the two then interleave, the cache is one the go command handles: the
// scan finds nothing wrong and the next build succeeds.
func TestPurgeRacesARealGoBuild(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	root := t.TempDir()
	lib := cachetest.Mod("example.com/lib", "v1.2.0")
	proxyDir := filepath.Join(root, "proxy")
	cachetest.WriteProxy(t, proxyDir, lib)
	zipAsked, release := make(chan struct{}, 1), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".zip") {
			select {
			case zipAsked <- struct{}{}:
			default:
			}
			<-release
		}
		http.FileServer(http.Dir(proxyDir)).ServeHTTP(w, r)
	}))
	var once sync.Once
	letGo := func() { once.Do(func() { close(release) }) }
	defer srv.Close()
	defer letGo() // before srv.Close: a held-back answer would block it
	c := cachetest.New(t)
	proj := filepath.Join(root, "proj")
	os.MkdirAll(proj, 0o777)
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/proj\n\ngo 1.21\n\nrequire example.com/lib v1.2.0\n"), 0o666)
	os.WriteFile(filepath.Join(proj, "main.go"), []byte("package main\n\nimport \"example.com/lib\"\n\nfunc main() { println(lib.Hello()) }\n"), 0o666)
	env := []string{"GOPROXY=" + srv.URL, "GOSUMDB=off", "GOFLAGS=-mod=mod", "GOMODCACHE=" + c.ModCache,
		"GOCACHE=" + c.BuildCache, "GOPATH=" + filepath.Join(root, "gopath"), "GOTOOLCHAIN=local", "GOWORK=off",
		"GOENV=off", "HOME=" + root, "PATH=" + os.Getenv("PATH")}
	// The metadata first, so that the version is in the cache to purge.
	goRun(t, proj, env, "list", "-m", "example.com/lib@v1.2.0")
	build := exec.Command("go", "build", "./...")
	build.Dir, build.Env = proj, env
	if err := build.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-zipAsked:
	case <-time.After(time.Minute):
		t.Fatal("the go command never asked for the zip")
	}
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Plan(snap, Targets{Patterns: []string{"example.com/lib@v1.2.0"}, Metadata: true})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []PurgeResult)
	go func() { done <- plan.Execute() }()
	select {
	case <-done:
		t.Fatal("the purge did not wait for the go command's lock")
	case <-time.After(500 * time.Millisecond):
	}
	letGo()
	build.Wait() // it may fail if the purge came between its download and its extraction
	if res := <-done; !res[0].Removed {
		t.Fatalf("purge: %+v", res)
	}
	after, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache})
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Problems) != 0 {
		t.Errorf("problems after the race: %+v", after.Problems)
	}
	goRun(t, proj, env, "build", "./...")
}
