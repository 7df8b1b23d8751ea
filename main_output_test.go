package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"modscope/cachescan/cachetest"
)

// failingWriter fails every write, as stdout does on a full disk or a
// closed pipe.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// TestJSONWriteFailure: a --json document that cannot be written is not a
// success: one line on stderr naming the error, and exit 2, for every
// command that writes JSON.
func TestJSONWriteFailure(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOSUMDB", "off")
	c := cachetest.New(t)
	c.Healthy()
	roots := []string{"--modcache", c.ModCache, "--gocache", c.BuildCache, "--json"}
	proj := writeProject(t, "")
	for _, args := range [][]string{
		append([]string{"scan"}, roots...),
		append([]string{"verify"}, roots...),
		append([]string{"purge", "--dry-run", "--problems"}, roots...),
		append([]string{"repair", "--dry-run"}, roots...),
		append([]string{"offline", "--project", proj}, roots...),
		{"doctor", "--json", "--project", proj},
		{"explain", "--json", "dial tcp: lookup proxy.golang.rog on 127.0.0.53:53: no such host"},
	} {
		for _, werr := range []error{syscall.ENOSPC, syscall.EPIPE} {
			var errOut bytes.Buffer
			code := runIO(withClock(context.Background(), cachetest.Clock()), args, strings.NewReader(""), failingWriter{werr}, &errOut)
			if code != exitFailed || strings.Count(errOut.String(), "\n") != 1 ||
				!strings.Contains(errOut.String(), "modscope: writing the report: "+werr.Error()) {
				t.Errorf("%q to a writer failing with %v: exit %d, stderr %q; want exit 2 and one line with the error", args, werr, code, errOut.String())
			}
		}
	}
}

// TestWriteJSONReturnsTheError: writeJSON, the one place JSON is written,
// returns the writer's error.
func TestWriteJSONReturnsTheError(t *testing.T) {
	if err := writeJSON(failingWriter{syscall.ENOSPC}, map[string]int{"a": 1}); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("writeJSON to a full disk: %v", err)
	}
	var b bytes.Buffer
	if err := writeJSON(&b, map[string]int{"a": 1}); err != nil || b.String() != "{\n  \"a\": 1\n}\n" {
		t.Errorf("writeJSON: %v, %q", err, b.String())
	}
}

// TestUsageNamesEveryCommand: the command table and the usage text agree.
func TestUsageNamesEveryCommand(t *testing.T) {
	usage := runUsage(t)
	for _, c := range commands {
		if !strings.Contains(usage, "  "+c.usageLine) {
			t.Errorf("the usage text lacks %q", c.usageLine)
		}
	}
}

func runUsage(t *testing.T) string {
	t.Helper()
	code, out, _ := runMain(t, "help")
	if code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	return out
}
