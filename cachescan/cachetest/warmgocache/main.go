// Command warmgocache builds the warm build-cache template of the tests
// that run the go command (cachetest.WarmEnv) and prints its GOCACHE
// directory. .ci/run builds it once and hands it to every test process in
// MODSCOPE_TEST_WARM_GOCACHE: each package's test process (three stages
// of them) would otherwise compile the runtime for its own, some 15-20 s
// of two cores each time. Remove the printed directory's parent when done.
package main

import (
	"fmt"
	"os"

	"modscope/cachescan/cachetest"
)

func main() {
	dir, err := cachetest.BuildWarmCache()
	if err != nil {
		fmt.Fprintln(os.Stderr, "warmgocache:", err)
		os.Exit(1)
	}
	fmt.Println(dir)
}
