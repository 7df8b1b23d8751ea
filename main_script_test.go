package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"modscope/cachescan/cachetest"
)

// TestMain runs the tests, or modscope itself when a test script runs it
// (testscript puts the test binary in the scripts' PATH as "modscope").
// It keeps the go command's user config (telemetry counters it may write
// after it exits) out of the tests' temporary homes, whose removal would
// race with it.
func TestMain(m *testing.M) {
	testscript.Main(configHome{m}, map[string]func(){"modscope": main})
}

// configHome runs the tests with XDG_CONFIG_HOME in a temporary directory
// removed once they are done.
type configHome struct{ m *testing.M }

func (c configHome) Run() int {
	dir, err := os.MkdirTemp("", "modscope-main-test-config-")
	if err == nil {
		os.Setenv("XDG_CONFIG_HOME", dir)
	}
	code := c.m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	return code
}

// TestScripts runs the command-line scripts in testdata/script, as the go
// command tests itself: the real binary, its exit status, stdout and
// stderr. Each script gets its own caches under $WORK (mod/, gocache/ with
// the go command's README), a home, and no network (GOPROXY=off).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			c := cachetest.NewAt(cachetest.Fatalist{}, e.WorkDir)
			for _, kv := range [][2]string{
				{"HOME", filepath.Join(e.WorkDir, "home")},
				{"GOPATH", filepath.Join(e.WorkDir, "gopath")},
				{"GOMODCACHE", c.ModCache},
				{"GOCACHE", c.BuildCache},
				{"XDG_CACHE_HOME", filepath.Join(e.WorkDir, "home", ".cache")},
				{"XDG_CONFIG_HOME", os.Getenv("XDG_CONFIG_HOME")},
				{"GOPROXY", "off"},
				{"GOSUMDB", "off"},
				{"GOFLAGS", ""},
				{"GOTOOLCHAIN", "local"},
				{"GOENV", "off"},
				{"NO_COLOR", "1"},
			} {
				e.Setenv(kv[0], kv[1])
			}
			return os.MkdirAll(filepath.Join(e.WorkDir, "home"), 0o777)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"addmod":   addMod,
			"addbuild": addBuild,
			"status":   status,
		},
	})
}

// addMod adds healthy module versions (path@version...) to $GOMODCACHE
// with the fixture kit: real zips, ziphashes and read-only trees.
func addMod(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: addmod path@version...")
	}
	c := cachetest.NewAt(scriptT{ts}, ts.Getenv("WORK"))
	for _, a := range args {
		path, version, ok := cutVersion(a)
		if !ok {
			ts.Fatalf("addmod: %q is not path@version", a)
		}
		c.Add(cachetest.Mod(path, version))
	}
}

// addBuild adds a build-cache entry (an action and its output) last used
// AGE ago by the system's clock, the one modscope runs with in scripts:
// "addbuild KEY AGE".
func addBuild(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: addbuild key age")
	}
	age, err := time.ParseDuration(args[1])
	if err != nil {
		ts.Fatalf("addbuild: %v", err)
	}
	c := cachetest.NewAt(scriptT{ts}, ts.Getenv("WORK"))
	c.AddBuildEntry(args[0], []byte("the output of "+args[0]), time.Now().Add(-age))
}

func cutVersion(s string) (path, version string, ok bool) {
	for i := len(s) - 1; i > 0; i-- {
		if s[i] == '@' {
			return s[:i], s[i+1:], i+1 < len(s)
		}
	}
	return "", "", false
}

// scriptT is the fixture kit's T for a script command.
type scriptT struct{ ts *testscript.TestScript }

func (scriptT) Helper()             {}
func (s scriptT) Fatal(args ...any) { s.ts.Fatalf("%v", args) }
func (s scriptT) Cleanup(f func())  { s.ts.Defer(f) }
func (s scriptT) TempDir() string   { return s.ts.MkAbs(".tmp") }

// status runs a command and checks its exit status: "status 2 modscope
// purge" (testscript's "! exec" only says it failed).
func status(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = exit.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s: exit status %d, want %d", args[1], got, want)
	}
}
