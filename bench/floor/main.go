//go:build linux

// Command floor measures the least a rescan with the scan index can cost on
// a module cache, beside `du -s` of it, to show how far the index's rule
// (every directory of every kept tree checked by its identity and times)
// lets a rescan go:
//
//	go run ./bench/floor -modcache /tmp/speed-bench/mod -modscope /tmp/modscope
//
// It times, in one run, alternately: du -s of the cache; the system calls
// the rule needs and nothing else (one open of each tree's root, one
// fstatat per directory, on every core); and the start of the modscope
// binary (`modscope help`), which every rescan pays too. It prints the
// medians and du's time over the floor's (the best a rescan could be
// against du if it did nothing else: no index to read, no JSON to write).
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

type tree struct {
	root string
	dirs []string // below root
}

func main() {
	modcache := flag.String("modcache", "", "the module cache")
	modscope := flag.String("modscope", "", "a modscope binary, to time its start (optional)")
	runs := flag.Int("runs", 7, "runs of each")
	flag.Parse()
	if *modcache == "" {
		fmt.Fprintln(os.Stderr, "usage: floor -modcache DIR [-modscope BIN] [-runs N]")
		os.Exit(2)
	}
	trees, ndirs := findTrees(*modcache)
	fmt.Printf("%s: %d trees, %d directories in them, %d cores\n", *modcache, len(trees), ndirs, runtime.GOMAXPROCS(0))
	var du, stats, start []time.Duration
	for range *runs {
		du = append(du, timed(func() { run("du", "-s", *modcache) }))
		stats = append(stats, timed(func() { statAll(trees) }))
		if *modscope != "" {
			start = append(start, timed(func() { run(*modscope, "help") }))
		}
	}
	d, s := median(du), median(stats)
	fmt.Printf("du -s                      median %6.1f ms\n", ms(d))
	fmt.Printf("the directory checks alone median %6.1f ms\n", ms(s))
	floor := s
	if len(start) > 0 {
		st := median(start)
		fmt.Printf("modscope's start           median %6.1f ms\n", ms(st))
		floor += st
	}
	fmt.Printf("du -s / floor                     %6.2fx (the goal is 10x)\n", float64(d)/float64(floor))
}

func findTrees(modcache string) ([]tree, int) {
	var trees []tree
	n := 0
	filepath.WalkDir(modcache, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if path == filepath.Join(modcache, "cache") {
			return filepath.SkipDir
		}
		if strings.Contains(d.Name(), "@") {
			t := tree{root: path}
			filepath.WalkDir(path, func(p string, e fs.DirEntry, err error) error {
				if err == nil && e.IsDir() && p != path {
					t.dirs = append(t.dirs, p[len(path)+1:])
				}
				return nil
			})
			trees = append(trees, t)
			n += len(t.dirs) + 1
			return filepath.SkipDir
		}
		return nil
	})
	return trees, n
}

// statAll is the rule's system calls: each tree's root opened once
// (O_PATH), each directory below it stat'ed relative to it.
func statAll(trees []tree) {
	var wg sync.WaitGroup
	next := make(chan *tree)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var st unix.Stat_t
			for t := range next {
				fd, err := unix.Open(t.root, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
				if err != nil {
					continue
				}
				unix.Fstat(fd, &st)
				for _, d := range t.dirs {
					unix.Fstatat(fd, d, &st, unix.AT_SYMLINK_NOFOLLOW)
				}
				unix.Close(fd)
			}
		})
	}
	for i := range trees {
		next <- &trees[i]
	}
	close(next)
	wg.Wait()
}

func run(name string, args ...string) {
	cmd := exec.Command(name, args...)
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "floor: %s: %v\n", name, err)
		os.Exit(1)
	}
}

func timed(f func()) time.Duration {
	t := time.Now()
	f()
	return time.Since(t)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
