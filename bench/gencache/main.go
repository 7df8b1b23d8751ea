// Command gencache writes a large synthetic module cache and build cache for
// benchmarks: real zips, ziphashes, read-only extracted trees and build-cache
// entries in the go command's format, shaped like a CI machine's caches.
//
//	go run ./bench/gencache -dir /tmp/bigcache -versions 2000 -files 150
//	go run ./bench/gencache -dir /tmp/damaged -damaged
package main

import (
	"flag"
	"fmt"
	"log"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"

	"modscope/cachescan/cachetest"
)

func main() {
	dir := flag.String("dir", "", "where to write mod/ and gocache/ (required)")
	versions := flag.Int("versions", 2000, "module versions with a zip and an extracted tree")
	files := flag.Int("files", 150, "files per module version")
	metadata := flag.Int("metadata", 3, "metadata-only versions per module version")
	entries := flag.Int("entries", 40000, "build-cache action/output pairs")
	damaged := flag.Bool("damaged", false, "write instead the small test fixture: healthy entries and every kind of damage")
	project := flag.String("project", "", "write instead a project in this directory that requires -modules module versions of the cache in -dir")
	modules := flag.Int("modules", 200, "with -project: how many module versions it requires")
	flag.Parse()
	if *dir == "" {
		log.Fatal("gencache: -dir is required")
	}
	if *project != "" {
		if err := writeProject(filepath.Join(*dir, "mod"), *project, *modules); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *damaged {
		c := cachetest.NewAt(cachetest.Fatalist{}, *dir)
		c.Healthy()
		want := c.Damage()
		fmt.Printf("gencache: wrote a fixture with %d problems to %s (GOMODCACHE=%s GOCACHE=%s)\n", len(want), *dir, c.ModCache, c.BuildCache)
		return
	}
	mod := filepath.Join(*dir, "mod")
	gocache := filepath.Join(*dir, "gocache")
	start := time.Now()
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := writeVersion(mod, i, *files, *metadata); err != nil {
					log.Fatal(err)
				}
			}
		}()
	}
	for i := 0; i < *versions; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := writeBuildCache(gocache, *entries); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("gencache: wrote %d versions x %d files and %d build entries to %s in %s\n",
		*versions, *files, *entries, *dir, time.Since(start).Round(time.Second))
}

// writeVersion writes module version i: modules have 4 versions each, paths
// spread over hosts and owners like real caches.
func writeVersion(root string, i, nfiles, nmeta int) error {
	r := rand.New(rand.NewSource(int64(i)))
	hosts := []string{"github.com", "golang.org/x", "gopkg.in", "go.opentelemetry.io", "k8s.io", "cloud.google.com/go"}
	host := hosts[i%len(hosts)]
	path := fmt.Sprintf("%s/Owner%d/project%d", host, i/40, i/4)
	if host == "golang.org/x" || host == "k8s.io" {
		path = fmt.Sprintf("%s/pkg%d", host, i/4)
	}
	major := 1
	if host == "gopkg.in" {
		major = 1 + (i/4)%3
		path = fmt.Sprintf("gopkg.in/pkg%d.v%d", i/4, major)
	}
	version := fmt.Sprintf("v%d.%d.%d", major, i%4, r.Intn(10))
	m := cachetest.Module{Path: path, Version: version, Files: map[string]string{}}
	for f := 0; f < nfiles; f++ {
		dir := fmt.Sprintf("pkg%d/sub%d", f%7, f%3)
		m.Files[fmt.Sprintf("%s/file%d.go", dir, f)] = goSource(r, f)
	}
	e := cachetest.Paths(root, m)
	if err := os.MkdirAll(e.DL, 0o777); err != nil {
		return err
	}
	data, err := cachetest.ZipBytes(m)
	if err != nil {
		return err
	}
	info := fmt.Sprintf(`{"Version":%q,"Time":"2024-01-02T03:04:05Z"}`, version)
	for name, content := range map[string][]byte{
		e.Zip: data, e.Info: []byte(info), e.Mod: []byte("module " + path + "\n"), e.Lock: nil,
	} {
		if err := os.WriteFile(name, content, 0o666); err != nil {
			return err
		}
	}
	sum, err := dirhash.HashZip(e.Zip, dirhash.DefaultHash)
	if err != nil {
		return err
	}
	if err := os.WriteFile(e.ZipHash, []byte(sum), 0o666); err != nil {
		return err
	}
	for k := 0; k < nmeta; k++ {
		mv := fmt.Sprintf("v%d.%d.%d", major, 10+i%4, k)
		base := filepath.Join(e.DL, mv)
		os.WriteFile(base+".info", []byte(fmt.Sprintf(`{"Version":%q,"Time":"2023-01-02T03:04:05Z"}`, mv)), 0o666)
		os.WriteFile(base+".mod", []byte("module "+path+"\n"), 0o666)
	}
	if err := cachetest.RewriteList(e.DL); err != nil {
		return err
	}
	if err := os.MkdirAll(e.Dir, 0o777); err != nil {
		return err
	}
	for name, content := range m.Files {
		p := filepath.Join(e.Dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(content), 0o444); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(e.Dir, "go.mod"), []byte("module "+path+"\n"), 0o444); err != nil {
		return err
	}
	cachetest.MakeReadOnly(e.Dir)
	return nil
}

// goSource makes a Go file of a few hundred bytes to some tens of KiB.
func goSource(r *rand.Rand, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package pkg\n\n// F%d is generated.\n", n)
	lines := 5 + r.Intn(200)
	for l := 0; l < lines; l++ {
		fmt.Fprintf(&b, "func f%d_%d() int { return %d }\n", n, l, r.Intn(1<<20))
	}
	return b.String()
}

func writeBuildCache(root string, n int) error {
	r := rand.New(rand.NewSource(1))
	now := time.Now()
	for i := 0; i < n; i++ {
		content := make([]byte, 64+r.Intn(64<<10))
		r.Read(content)
		age := time.Duration(r.Int63n(int64(40 * 24 * time.Hour)))
		if _, err := cachetest.WriteBuildEntry(root, fmt.Sprintf("entry %d", i), content, now.Add(-age)); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(root, "trim.txt"), []byte(fmt.Sprint(now.Unix())), 0o666)
}

// writeProject writes a module that requires n of the cache's zipped
// versions, with the go.sum lines that make go mod verify accept them.
func writeProject(modRoot, dir string, n int) error {
	var reqs, sums strings.Builder
	count := 0
	err := filepath.WalkDir(filepath.Join(modRoot, "cache", "download"), func(p string, d os.DirEntry, err error) error {
		if err != nil || count >= n || !strings.HasSuffix(p, ".ziphash") {
			return err
		}
		at := filepath.Dir(p)
		esc, _ := filepath.Rel(filepath.Join(modRoot, "cache", "download"), filepath.Dir(at))
		ev := strings.TrimSuffix(filepath.Base(p), ".ziphash")
		path, err := module.UnescapePath(filepath.ToSlash(esc))
		if err != nil {
			return nil
		}
		vers, err := module.UnescapeVersion(ev)
		if err != nil {
			return nil
		}
		zh, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		gomod, err := os.ReadFile(filepath.Join(at, ev+".mod"))
		if err != nil {
			return err
		}
		fmt.Fprintf(&reqs, "\t%s %s\n", path, vers)
		fmt.Fprintf(&sums, "%s %s %s\n%s %s/go.mod %s\n", path, vers, zh, path, vers, cachetest.GoModSum(string(gomod)))
		count++
		return nil
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	gomod := "module example.com/benchproject\n\ngo 1.21\n\nrequire (\n" + reqs.String() + ")\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o666); err != nil {
		return err
	}
	fmt.Printf("gencache: wrote a project requiring %d module versions to %s\n", count, dir)
	return os.WriteFile(filepath.Join(dir, "go.sum"), []byte(sums.String()), 0o666)
}
