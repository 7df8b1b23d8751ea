package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(withClock(context.Background(), cachetest.Clock()), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestCommandsMeasureFromTheirClock: the command line takes its clock from
// the context run gets, so that the scan's time and age buckets and a
// purge by age agree with fixtures dated from the same clock, on any day.
func TestCommandsMeasureFromTheirClock(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	flags := []string{"--modcache", c.ModCache, "--gocache", c.BuildCache, "--json"}
	code, out, errOut := runMain(t, append([]string{"scan"}, flags...)...)
	var snap cachescan.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); code != 0 || err != nil {
		t.Fatalf("scan --json: exit %d, %v, stderr %q", code, err, errOut)
	}
	if !snap.ScannedAt.Equal(cachetest.Now()) {
		t.Errorf("scanned at %v, want the tests' clock %v", snap.ScannedAt, cachetest.Now())
	}
	var ages []int64
	for _, b := range snap.BuildCache.ByAge {
		ages = append(ages, b.Entries)
	}
	if fmt.Sprint(ages) != "[2 6 0 2]" {
		t.Errorf("entries by age %v, want [2 6 0 2] (2 hours, 2 and 3 days, 60 days old)", ages)
	}
	// Older than 30 days: only the 60-day-old pair.
	code, out, errOut = runMain(t, "purge", "--modcache", c.ModCache, "--gocache", c.BuildCache, "--build-cache", "--older-than", "30d", "--yes")
	if code != 0 || !strings.Contains(out, "Removed 1 of 1") {
		t.Errorf("purge --older-than 30d: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runMain(t, append([]string{"scan"}, flags...)...)
	if err := json.Unmarshal([]byte(out), &snap); code != 0 || err != nil || snap.BuildCache.Entries != 8 {
		t.Errorf("after the purge: exit %d, %v, %d entries, want 8", code, err, snap.BuildCache.Entries)
	}
}

// TestCommandsAtAnotherDate runs every test of the command line again
// with the tests' clock years away.
func TestCommandsAtAnotherDate(t *testing.T) {
	cachetest.RerunAt(t, cachetest.Elsewhen(), ".")
}

func TestScanExitCodes(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	proj := t.TempDir()
	if err := os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/p\n\ngo 1.22\n\nreplace example.com/x => ../x\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	flags := []string{"--modcache", c.ModCache, "--gocache", c.BuildCache, "--project", proj}
	code, out, errOut := runMain(t, append([]string{"scan"}, flags...)...)
	if code != 0 || errOut != "" {
		t.Fatalf("healthy cache: exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"Module cache", "Build cache", "Biggest modules", "Toolchains", "example.com/x => ../x", "Problems      none found"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	for i, line := range strings.Split(out, "\n") {
		if n := len([]rune(line)); n > 80 && !strings.Contains(line, c.ModCache) && !strings.Contains(line, proj) {
			t.Errorf("line %d is %d columns wide: %q", i+1, n, line)
		}
	}

	c.Damage()
	code, out, _ = runMain(t, append([]string{"scan"}, flags...)...)
	if code != 1 {
		t.Errorf("damaged cache: exit %d, want 1", code)
	}
	for _, k := range cachescan.Kinds {
		if k.Name != cachescan.KindUnreadable && !k.Verify && !k.Audit && !strings.Contains(out, k.Name+" ("+string(k.Severity)+")") {
			t.Errorf("report lacks a %s section", k.Name)
		}
	}
	if !strings.Contains(out, "fix: ") {
		t.Error("report gives no fixes")
	}

	code, out, _ = runMain(t, append([]string{"scan", "--json"}, flags...)...)
	if code != 1 {
		t.Errorf("--json on a damaged cache: exit %d, want 1", code)
	}
	var snap cachescan.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); err != nil {
		t.Fatalf("--json output does not parse: %v", err)
	}
	if len(snap.Problems) == 0 || snap.ModCache.Root != c.ModCache {
		t.Errorf("JSON snapshot = %+v", snap.ModCache)
	}

	// --gocache off skips the build cache, as GOCACHE=off would.
	code, out, _ = runMain(t, "scan", "--json", "--modcache", c.ModCache, "--gocache", "off", "--project", proj)
	if err := json.Unmarshal([]byte(out), &snap); err != nil || snap.BuildCache.Root != "" || snap.BuildCache.Exists {
		t.Errorf("--gocache off: exit %d, build cache %+v, %v", code, snap.BuildCache, err)
	}

	// No subcommand and no terminal: the report.
	code, out, _ = runMain(t, flags...)
	if code != 1 || !strings.Contains(out, "Module cache") {
		t.Errorf("no subcommand: exit %d\n%s", code, out)
	}
}

func TestBadInvocations(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o666)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"scna"}, `unknown command "scna"`},
		{[]string{"scan", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"scan", "extra"}, `unexpected argument "extra"`},
		{[]string{"scan", "--modcache", file}, "not a directory"},
		{[]string{"scan", "--modcache", filepath.Join(file, "x")}, "x: not a directory"},
		{[]string{"scan", "--modcache", filepath.Join(filepath.Dir(file), "missing")}, "missing: no such directory"},
		{[]string{"scan", "--gocache", file}, "not a directory"},
		{[]string{"scan", "--project", "/"}, "no go.mod or go.work there or above"},
		{[]string{"scan\x1b[2J"}, `unknown command "scan?[2J"`},
		{[]string{"purge", "--older-than", "30d"}, "need --build-cache"},
		{[]string{"purge", "--build-cache"}, "needs --older-than DURATION, --corrupt or --all"},
		{[]string{"purge", "--build-cache", "--older-than", "soon"}, `bad age "soon"`},
		{[]string{"purge", "--build-cache", "--all", "--corrupt"}, "drop --older-than and --corrupt"},
		{[]string{"purge", "--projects", "x"}, "add --unused"},
		{[]string{"purge"}, "purge needs targets"},
		{[]string{"repair", "extra"}, `unexpected argument "extra"`},
		{[]string{"download"}, "download needs module versions"},
		{[]string{"download", "example.com/x"}, "name a version"},
		{[]string{"download", "--timeout", "0s", "example.com/x@v1.0.0"}, "--timeout must be positive"},
		{[]string{"download", "notadomain@v1.0.0"}, "missing dot in first path element"},
		{[]string{"download", "golang.org/fips140@v1.0.0-c2097c7c"}, "comes with Go"},
		{[]string{"verify", "golang.org/x/["}, `bad pattern "golang.org/x/["`},
		{[]string{"purge", "--dry-run", ""}, "an empty pattern"},
		{[]string{"purge", "--dry-run", "@v1.0.0"}, "needs its module path"},
		{[]string{"purge", "--dry-run", "example.com/x@"}, "name the version after @"},
		{[]string{"purge", "--dry-run", "--keep-latest", "0"}, "1 keeps only the latest"},
		{[]string{"purge", "--build-cache", "--older-than", "99999999999d"}, "over 290 years"},
		{[]string{"purge", "--build-cache", "--older-than", "NaNd"}, "bad age"},
		{[]string{"purge", "--unused", "--projects", "/nonexistent/x"}, "--projects /nonexistent/x: no such directory"},
		{[]string{"verify", "--jobs", "-3"}, "positive count"},
		{[]string{"scan", "--workers", "-1"}, "positive count"},
		{[]string{"purge", "--read-only", "example.com/x"}, "add --dry-run to see the plan"},
		{[]string{"repair", "--read-only"}, "add --dry-run to see the plan"},
		{[]string{"download", "--read-only", "example.com/x@v1.0.0"}, "read-only"},
	}
	for _, tt := range tests {
		code, out, errOut := runMain(t, tt.args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2", tt.args, code)
		}
		if out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%q: stdout %q, stderr %q; want one line with %q", tt.args, out, errOut, tt.want)
		}
		if n := len([]rune(strings.TrimSpace(errOut))); n > 130 && !strings.Contains(errOut, filepath.Dir(file)) {
			t.Errorf("%q: a %d-column message", tt.args, n)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"scan", "--help"}} {
		code, out, _ := runMain(t, args...)
		if code != 0 || !strings.Contains(out, "modscope scan [flags]") {
			t.Errorf("%q: exit %d, output %q", args, code, out)
		}
	}
}

// TestREADMEDocumentsEverything keeps the README's tables in step with the
// code: every problem kind, every flag of the usage text.
func TestREADMEDocumentsEverything(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	for _, k := range cachescan.Kinds {
		if !strings.Contains(readme, "| `"+k.Name+"` | "+string(k.Severity)+" |") {
			t.Errorf("README's problem table lacks %s (%s)", k.Name, k.Severity)
		}
	}
	for _, f := range []string{"--json", "--modcache", "--gocache", "--project", "--workers", "--no-color", "--jobs", "--sumdb", "--export", "--dry-run", "--yes", "--metadata", "--read-only",
		"--problems", "--keep-latest", "--unused", "--projects", "--toolchains", "--vcs", "--sumdb-cache", "--build-cache",
		"--older-than", "--corrupt", "--all", "--test-cache", "--fuzz-cache", "--verify", "--timeout", "--max-size", "--used-since",
		"--stale-index", "--new-key", "--key", "--check", "--verifier", "--strict", "--rehash", "--store", "--layout", "--damaged", "--proven-wrong", "--gosum"} {
		if !strings.Contains(readme, "`"+f) {
			t.Errorf("README does not document %s", f)
		}
	}
	for _, cmd := range []string{"go run .", "go test ./..."} {
		if !strings.Contains(readme, cmd) {
			t.Errorf("README lacks the set-up command %q", cmd)
		}
	}
}

func TestVerifyCommand(t *testing.T) {
	// verify keeps zip hashes in the user's cache directory: a temporary one.
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/edited", "v1.0.0"))
	c.Add(cachetest.Mod("example.com/fine", "v1.0.0"))
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/p\n"), 0o666)
	flags := []string{"--modcache", c.ModCache, "--gocache", c.BuildCache, "--project", proj}
	code, out, errOut := runMain(t, append([]string{"verify"}, flags...)...)
	if code != 0 || !strings.Contains(out, "Verified      2 module versions") {
		t.Fatalf("healthy: exit %d\n%s%s", code, out, errOut)
	}
	cachetest.Writable(e.Dir, func() {
		os.WriteFile(filepath.Join(e.Dir, "extra.go"), []byte("package lib\n"), 0o444)
	})
	code, out, _ = runMain(t, append(append([]string{"verify", "--json", "--jobs", "2"}, flags...), "example.com/edited")...)
	if code != 1 {
		t.Errorf("an edited tree: exit %d, want 1", code)
	}
	var doc struct {
		Problems []cachescan.Problem
		Verify   struct{ Versions int64 }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Verify.Versions != 1 || len(doc.Problems) != 1 || doc.Problems[0].Kind != cachescan.KindDirModified {
		t.Errorf("verify --json example.com/edited: %+v", doc)
	}
	// A name the go command did not write: its problem has no module, and
	// is shown all the same.
	c.Damage()
	if code, out, errOut := runMain(t, append(append([]string{"verify"}, flags...), "example.com/Upper@v1.0.0")...); code == 2 || !strings.Contains(out, "path-invalid") {
		t.Errorf("verify of an invalid name: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = runMain(t, append([]string{"verify"}, append(flags, "example.com/x", "--json")...)...)
	if code != 2 || !strings.Contains(errOut, "flags go before patterns") {
		t.Errorf("a flag after a pattern: exit %d, %q", code, errOut)
	}
}

func TestOfflineCommand(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	c := cachetest.New(t)
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/p\n\ngo 1.21\n"), 0o666)
	os.WriteFile(filepath.Join(proj, "p.go"), []byte("package p\n"), 0o666)
	t.Setenv("GOTOOLCHAIN", "local")
	code, out, errOut := runMain(t, "offline", "--modcache", c.ModCache, "--gocache", c.BuildCache, "--project", proj)
	if code != 0 || !strings.Contains(out, "READY") {
		t.Errorf("a project with no requires: exit %d\n%s%s", code, out, errOut)
	}
	export := filepath.Join(t.TempDir(), "exp")
	code, out, _ = runMain(t, "offline", "--json", "--export", export, "--modcache", c.ModCache, "--gocache", c.BuildCache, "--project", proj)
	var doc struct {
		Ready  bool
		Export struct{ Versions int }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || !doc.Ready {
		t.Errorf("offline --json --export: exit %d, %v\n%s", code, err, out)
	}
	if _, err := os.Stat(filepath.Join(export, "README.txt")); err != nil {
		t.Errorf("no README.txt in the export: %v", err)
	}
}

// TestOfflineCommandOnDamage: a required version whose .mod was edited
// makes the go command stop; offline still answers, exit 1, with the
// verdict (text and JSON): the version damaged and why, and the go
// command's error with its cause and fix.
func TestOfflineCommandOnDamage(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	c := cachetest.New(t)
	lib := c.Add(cachetest.Mod("example.com/lib", "v1.0.0"))
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/p\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n"), 0o666)
	os.WriteFile(filepath.Join(proj, "go.sum"), []byte(lib.GoSum()), 0o666)
	os.WriteFile(filepath.Join(proj, "p.go"), []byte("package p\n\nimport \"example.com/lib\"\n\nvar _ = lib.Hello\n"), 0o666)
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOENV", "off")
	args := []string{"offline", "--modcache", c.ModCache, "--gocache", c.BuildCache, "--project", proj}
	if code, out, errOut := runMain(t, args...); code != 0 {
		t.Fatalf("the healthy fixture is not ready: exit %d\n%s%s", code, out, errOut)
	}
	f, _ := os.OpenFile(lib.Mod, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("\nrequire example.com/elsewhere v1.0.0\n")
	f.Close()
	code, out, errOut := runMain(t, args...)
	if code != 1 || !strings.Contains(out, "NOT READY") || !strings.Contains(out, "example.com/lib@v1.0.0: damaged") ||
		!strings.Contains(out, "why: mod-modified") || !strings.Contains(out, "checksum mismatch") || !strings.Contains(out, "cause: ") {
		t.Errorf("an edited .mod: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runMain(t, append(args, "--json")...)
	var doc struct {
		Ready   bool
		Modules []struct{ Path, State, Reason string }
		Errors  []struct {
			Text, Module string
			Explanations []struct{ ID, Fix string }
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 1 || doc.Ready || len(doc.Modules) != 1 ||
		doc.Modules[0].State != "damaged" || doc.Modules[0].Reason == "" || len(doc.Errors) == 0 ||
		doc.Errors[0].Module != "example.com/lib" || len(doc.Errors[0].Explanations) == 0 {
		t.Errorf("offline --json on an edited .mod: exit %d, %v\n%s", code, err, out)
	}
}

// TestVerifyFindsCorruptZips: verify does the zip checks the scan left to
// it, on the first run and on the next one, when the zip hashes are known.
func TestVerifyFindsCorruptZips(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	c := cachetest.New(t)
	trunc := c.Add(cachetest.Mod("example.com/truncated", "v1.0.0"))
	wrong := c.Add(cachetest.Mod("example.com/wrongzip", "v1.0.0"))
	data, _ := os.ReadFile(trunc.Zip)
	os.WriteFile(trunc.Zip, data[:len(data)/2], 0o666)
	other, _ := cachetest.ZipBytes(cachetest.Mod("example.com/other", "v1.0.0"))
	os.WriteFile(wrong.Zip, other, 0o666)
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/p\n"), 0o666)
	for run := 1; run <= 2; run++ {
		code, out, _ := runMain(t, "verify", "--json", "--modcache", c.ModCache, "--gocache", c.BuildCache, "--project", proj)
		var doc struct{ Problems []cachescan.Problem }
		json.Unmarshal([]byte(out), &doc)
		corrupt := map[string]bool{}
		for _, p := range doc.Problems {
			if p.Kind == cachescan.KindZipCorrupt {
				corrupt[p.Module] = true
			}
		}
		if code != 1 || !corrupt["example.com/truncated"] || !corrupt["example.com/wrongzip"] {
			t.Errorf("run %d: exit %d, problems %+v", run, code, doc.Problems)
		}
	}
}

func TestExplainCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	in := strings.NewReader("go: example.com/gone@v1.0.0: reading https://proxy.golang.org/example.com/gone/@v/v1.0.0.info: 410 Gone\n")
	if code := runIO(context.Background(), []string{"explain"}, in, &out, &errOut); code != 0 || !strings.Contains(out.String(), "410 Gone") || !strings.Contains(out.String(), "GOPRIVATE") {
		t.Errorf("stdin: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	code, o, _ := runMain(t, "explain", "--json", "dial tcp: lookup proxy.golang.rog on 127.0.0.53:53: no such host")
	var doc []struct{ ID, Fix string }
	if err := json.Unmarshal([]byte(o), &doc); err != nil || code != 0 || len(doc) != 1 || doc[0].ID != "no-such-host" {
		t.Errorf("--json: exit %d, %v, %s", code, err, o)
	}
	if code, o, _ := runMain(t, "explain", "something", "else"); code != 1 || !strings.Contains(o, "No go error in this text") {
		t.Errorf("no error: exit %d, %q", code, o)
	}
	if code, o, _ := runMain(t, "explain", "go: something entirely new failed"); code != 1 || !strings.Contains(o, "1 error not recognised") {
		t.Errorf("an unknown error: exit %d, %q", code, o)
	}

	// Progress lines are not errors: everything else explained is a
	// success.
	out.Reset()
	in = strings.NewReader("go: downloading rsc.io/quote v1.5.2\ngo: finding module for package rsc.io/quote\n" +
		"go: rsc.io/quote@v1.5.2: Get \"https://proxy.golang.org/rsc.io/quote/@v/v1.5.2.info\": dial tcp: lookup proxy.golang.org on 127.0.0.53:53: no such host\n")
	if code := runIO(context.Background(), []string{"explain"}, in, &out, &errOut); code != 0 || strings.Contains(out.String(), "not recognised") {
		t.Errorf("progress and one known error: exit %d\n%s", code, out.String())
	}

	// One known error and one unknown: the unknown one is said, and the
	// exit status says not everything was explained.
	paste := "go: downloading corp.example.com/lib v1.0.0\n" +
		"go: rsc.io/quote@v1.5.2: Get \"https://proxy.golang.org/rsc.io/quote/@v/v1.5.2.info\": dial tcp: lookup proxy.golang.org on 127.0.0.53:53: no such host\n" +
		"go: example.com/app imports\n\tcorp.example.com/lib: corp.example.com/lib@v1.0.0: reading https://proxy.corp/corp.example.com/lib/@v/v1.0.0.zip: 418 I'm a teapot\n" +
		"./main.go:7:2: undefined: quote.Hello\n"
	out.Reset()
	code = runIO(context.Background(), []string{"explain"}, strings.NewReader(paste), &out, &errOut)
	if o := out.String(); code != 1 || !strings.Contains(o, "no such host") || !strings.Contains(o, "2 errors not recognised:") ||
		!strings.Contains(o, "> go: example.com/app imports") || !strings.Contains(o, "418") || !strings.Contains(o, "> ./main.go:7:2: undefined: quote.Hello") {
		t.Errorf("mixed paste: exit %d\n%s", code, o)
	}
	out.Reset()
	code = runIO(context.Background(), []string{"explain", "--json"}, strings.NewReader(paste), &out, &errOut)
	var mixed []struct {
		ID, Title, Text, Cause, Fix string
		Unrecognised                bool
	}
	if err := json.Unmarshal(out.Bytes(), &mixed); err != nil || code != 1 || len(mixed) != 3 ||
		mixed[0].ID != "no-such-host" || mixed[0].Unrecognised ||
		!mixed[1].Unrecognised || !strings.Contains(mixed[1].Text, "418 I'm a teapot") || mixed[1].Fix == "" ||
		!mixed[2].Unrecognised || mixed[2].Text != "./main.go:7:2: undefined: quote.Hello" {
		t.Errorf("mixed paste --json: exit %d, %v\n%s", code, err, out.String())
	}
}

func TestDoctorCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GOPROXY", "file://"+filepath.ToSlash(dir)+",off")
	t.Setenv("GOSUMDB", "off")
	code, out, errOut := runMain(t, "doctor")
	if code != 0 || !strings.Contains(out, "✓ GOPROXY entry file://") || !strings.Contains(out, "only go.sum checks downloads") {
		t.Errorf("doctor: exit %d\n%s%s", code, out, errOut)
	}
	t.Setenv("GOPROXY", "file:///no/such/dir")
	code, out, _ = runMain(t, "doctor", "--json")
	if code != 1 || !strings.Contains(out, "no such directory") {
		t.Errorf("doctor with a missing file:// proxy: exit %d\n%s", code, out)
	}
}

func TestPurgeCommand(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	keep := c.Add(cachetest.Mod("example.com/b", "v1.0.0"))
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/p\n"), 0o666)
	flags := []string{"--modcache", c.ModCache, "--gocache", c.BuildCache, "--project", proj}
	code, out, _ := runMain(t, append(append([]string{"purge", "--dry-run"}, flags...), "example.com/a")...)
	if code != 0 || !strings.Contains(out, "Purge plan: 1 version") || !strings.Contains(out, "cache/download/example.com/a/@v/v1.0.0.zip") {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(e.Dir); err != nil {
		t.Fatal("--dry-run removed something")
	}
	// No terminal and no --yes: nothing goes.
	code, _, errOut := runMain(t, append(append([]string{"purge"}, flags...), "example.com/a")...)
	if code != 2 || !strings.Contains(errOut, "no --yes") {
		t.Errorf("without --yes: exit %d, %q", code, errOut)
	}
	code, out, _ = runMain(t, append(append([]string{"purge", "--yes"}, flags...), "example.com/a@v1.0.0")...)
	if code != 0 || !strings.Contains(out, "Removed 1 of 1") {
		t.Errorf("--yes: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(e.Dir); err == nil {
		t.Error("the tree is still there")
	}
	if _, err := os.Stat(keep.Dir); err != nil {
		t.Error("purge removed a version it was not asked to")
	}
	code, _, errOut = runMain(t, append(append([]string{"purge", "--read-only", "--yes"}, flags...), "example.com/b")...)
	if code != 2 || !strings.Contains(errOut, "read-only") {
		t.Errorf("--read-only: exit %d, %q", code, errOut)
	}
	// A dry run changes nothing: --read-only allows it.
	code, out, _ = runMain(t, append(append([]string{"purge", "--read-only", "--dry-run"}, flags...), "example.com/b")...)
	if code != 0 || !strings.Contains(out, "Purge plan: 1 version") {
		t.Errorf("--read-only --dry-run: exit %d\n%s", code, out)
	}
	// A target that matches nothing is an error even beside one that
	// matches: a typo must not pass for done.
	for _, args := range [][]string{{"purge", "--yes"}, {"verify"}} {
		code, _, errOut = runMain(t, append(append(args, flags...), "example.com/b", "example.com/bb")...)
		if code != 2 || !strings.Contains(errOut, "no cached version matches example.com/bb;") {
			t.Errorf("%s with a typo: exit %d, %q", args[0], code, errOut)
		}
	}
	if _, err := os.Stat(keep.Dir); err != nil {
		t.Error("a purge with a target that matches nothing removed something")
	}
	// An empty build cache: a build-cache policy has nothing to remove.
	empty := cachetest.New(t).BuildCache // only its README
	code, out, _ = runMain(t, "purge", "--yes", "--modcache", c.ModCache, "--gocache", empty, "--build-cache", "--all")
	if code != 0 || !strings.Contains(out, "Nothing to remove") {
		t.Errorf("--build-cache --all without a build cache: exit %d\n%s", code, out)
	}
	// A directory without the go command's README is no build cache to
	// change (a mistyped --gocache).
	code, _, errOut = runMain(t, "purge", "--yes", "--modcache", c.ModCache, "--gocache", t.TempDir(), "--build-cache", "--all")
	if code != 2 || !strings.Contains(errOut, "README") {
		t.Errorf("--build-cache --all on a directory without README: exit %d, %q", code, errOut)
	}
}

func TestPurgePolicyCommand(t *testing.T) {
	c := cachetest.New(t)
	c.Healthy()
	flags := []string{"--modcache", c.ModCache, "--gocache", c.BuildCache, "--project", writeProject(t, "")}
	code, out, errOut := runMain(t, append(append([]string{"purge", "--dry-run", "--json", "--keep-latest", "1"}, flags...), "example.com/good")...)
	var doc struct {
		Plan struct {
			Items []struct{ Label, Reason string }
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("exit %d, %v\n%s%s", code, err, out, errOut)
	}
	// v0.9.0 is metadata only: nothing of it goes without --metadata.
	if len(doc.Plan.Items) != 2 || doc.Plan.Items[0].Label != "example.com/good@v1.0.0" || !strings.Contains(doc.Plan.Items[0].Reason, "latest") {
		t.Errorf("plan = %+v", doc.Plan.Items)
	}
	code, out, _ = runMain(t, append([]string{"purge", "--yes", "--build-cache", "--older-than", "30d", "--test-cache"}, flags...)...)
	if code != 0 || !strings.Contains(out, "Removed 2 of 2") {
		t.Errorf("build cache purge: exit %d\n%s", code, out)
	}
}

// writeProject writes a module with the given go.sum and returns its directory.
func writeProject(t *testing.T, gosum string) string {
	t.Helper()
	proj := t.TempDir()
	os.WriteFile(filepath.Join(proj, "go.mod"), []byte("module example.com/p\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n"), 0o666)
	os.WriteFile(filepath.Join(proj, "go.sum"), []byte(gosum), 0o666)
	return proj
}

// TestRepairAfterVerify: a tree edit only hashing finds; repair without
// --verify acts on what the last verify found (checked again first), and
// the next verify is clean.
func TestRepairAfterVerify(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/lib", "v1.0.0"))
	cachetest.Writable(e.Dir, func() {
		os.WriteFile(filepath.Join(e.Dir, "lib.go"), []byte("package lib // edited\n"), 0o644)
	})
	flags := []string{"--modcache", c.ModCache, "--gocache", c.BuildCache, "--project", writeProject(t, e.GoSum())}
	code, out, _ := runMain(t, append([]string{"repair", "--dry-run"}, flags...)...)
	if code != 0 || !strings.Contains(out, "Nothing to repair") {
		t.Errorf("before verify: exit %d\n%s", code, out)
	}
	if code, _, _ := runMain(t, append([]string{"verify"}, flags...)...); code != 1 {
		t.Fatalf("verify: exit %d", code)
	}
	code, out, _ = runMain(t, append([]string{"repair", "--dry-run"}, flags...)...)
	if code != 0 || !strings.Contains(out, "example.com/lib@v1.0.0") || !strings.Contains(out, "dir-modified") {
		t.Errorf("after verify: exit %d\n%s", code, out)
	}
	code, out, errOut := runMain(t, append([]string{"repair", "--yes"}, flags...)...)
	if code != 0 || !strings.Contains(out, "Removed 1 of 1") {
		t.Errorf("repair: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runMain(t, append([]string{"verify"}, flags...)...); code != 0 {
		t.Errorf("verify after repair: exit %d\n%s", code, out)
	}
}

func TestDownloadCommand(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	lib := cachetest.Mod("example.com/lib", "v1.0.0")
	proxy := filepath.Join(t.TempDir(), "proxy")
	cachetest.WriteProxy(t, proxy, lib)
	t.Setenv("GOPROXY", "file://"+filepath.ToSlash(proxy))
	t.Setenv("GOSUMDB", "off")
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOENV", "off")
	c := cachetest.New(t)
	flags := []string{"--modcache", c.ModCache, "--gocache", c.BuildCache, "--project", writeProject(t, "")}
	code, out, errOut := runMain(t, append([]string{"download", "--json"}, append(flags, "example.com/lib@v1.0.0")...)...)
	var res []struct{ Verdict, Sum string }
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || len(res) != 1 || res[0].Verdict != "new" {
		t.Fatalf("exit %d, %v: %s\n%s", code, err, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(cachetest.Paths(c.ModCache, lib).Dir, "lib.go")); err != nil {
		t.Error("the version is not in the cache")
	}
	code, out, _ = runMain(t, append([]string{"download"}, append(flags, "example.com/missing@v1.0.0")...)...)
	if code != 1 || !strings.Contains(out, "failed") || !strings.Contains(out, "cause:") {
		t.Errorf("a missing version: exit %d\n%s", code, out)
	}
}

// TestConfirm: the question defaults to no, takes y or yes, and Ctrl+C
// while it waits answers no at once with the shell's status 130.
func TestConfirm(t *testing.T) {
	askable = func(*os.File) bool { return true }
	t.Cleanup(func() { askable = isTerminal })
	ask := func(ctx context.Context, answer string) (bool, int, string) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		if answer != "" {
			w.WriteString(answer)
		}
		var errOut bytes.Buffer
		ok, code := confirm(ctx, false, "Remove it?", r, &errOut)
		return ok, code, errOut.String()
	}
	for answer, want := range map[string]bool{"y\n": true, "YES\n": true, "\n": false, "n\n": false, "yep\n": false} {
		if ok, code, out := ask(context.Background(), answer); ok != want || code != 0 || !strings.HasPrefix(out, "Remove it? [y/N] ") {
			t.Errorf("answer %q: %v, exit %d, %q", answer, ok, code, out)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ok, code, out := ask(ctx, ""); ok || code != exitInterrupted || !strings.Contains(out, "Nothing changed") {
		t.Errorf("Ctrl+C at the question: %v, exit %d, %q", ok, code, out)
	}
	if ok, code := confirm(context.Background(), true, "Remove it?", nil, io.Discard); !ok || code != 0 {
		t.Error("--yes did not answer yes")
	}
}

// TestDestructiveCommandsRefuseBroadRoots: "/" or the home directory as a
// cache root, and a GOCACHE without README for build-cache targets, stop
// purge, repair and download before they scan, with the reason.
func TestDestructiveCommandsRefuseBroadRoots(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	c := cachetest.New(t)
	noReadme := t.TempDir()
	for _, args := range [][]string{
		{"purge", "--yes", "--modcache", "/", "--gocache", c.BuildCache, "--problems"},
		{"purge", "--dry-run", "--modcache", home, "--gocache", c.BuildCache, "example.com/a"},
		{"purge", "--yes", "--modcache", c.ModCache, "--gocache", home, "--fuzz-cache"},
		{"purge", "--yes", "--modcache", c.ModCache, "--gocache", "/", "--test-cache"},
		{"purge", "--yes", "--modcache", c.ModCache, "--gocache", noReadme, "--build-cache", "--all"},
		{"repair", "--yes", "--modcache", "/", "--gocache", c.BuildCache},
		{"trim", "--yes", "--max-size", "1G", "--modcache", "/", "--gocache", c.BuildCache},
		{"trim", "--dry-run", "--max-size", "1G", "--modcache", c.ModCache, "--gocache", noReadme},
		{"download", "--modcache", home, "--gocache", c.BuildCache, "example.com/a@v1.0.0"},
	} {
		code, _, errOut := runMain(t, args...)
		if code != 2 || !strings.Contains(errOut, "not touched") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
	if ents, _ := os.ReadDir(home); len(ents) != 0 {
		t.Errorf("the home directory changed: %v", ents)
	}
}

// TestVerifyChecksumDBCache: the verify command, with the user's GOPATH,
// calls nothing corrupt when latest is only newer than the cached tiles
// (it says what could not be checked offline), and finds corrupt tiles:
// the same findings as the TUI's V (ui TestVerifyChecksumDBCacheInTheTUI).
func TestVerifyChecksumDBCache(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	db, gopath, behind, ahead := cachetest.LatestAhead(t)
	t.Setenv("GOSUMDB", db.GOSUMDB())
	t.Setenv("GOPATH", gopath)
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOENV", "off")
	code, out, errOut := runMain(t, "verify", "--modcache", behind.ModCache, "--gocache", behind.BuildCache)
	if code != 0 || strings.Contains(out, "sumdb-cache-corrupt") || strings.Contains(out, "rm ") ||
		!strings.Contains(out, "2 cached checksum-database lookups could not be checked offline") {
		t.Errorf("latest newer than the tiles: exit %d\n%s%s", code, out, errOut)
	}
	filepath.WalkDir(filepath.Join(ahead.ModCache, "cache", "download", "sumdb", "sum.example", "tile"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			data, _ := os.ReadFile(p)
			data[0] ^= 1
			os.WriteFile(p, data, 0o666)
		}
		return nil
	})
	code, out, errOut = runMain(t, "verify", "--json", "--modcache", ahead.ModCache, "--gocache", ahead.BuildCache)
	var doc struct{ Problems []cachescan.Problem }
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s%s", err, out, errOut)
	}
	// A warning: the exit status stays 0 (1 is for errors).
	if code != 0 || len(doc.Problems) != 1 || doc.Problems[0].Kind != cachescan.KindSumDBCache {
		t.Errorf("corrupt tiles: exit %d, problems %+v", code, doc.Problems)
	}
}

// TestExplainPathMismatch: explain keeps both module paths of "module
// declares its path as: X but was required as: Y", in text and JSON.
func TestExplainPathMismatch(t *testing.T) {
	paste := "go: github.com/Sirupsen/logrus@v1.9.0: parsing go.mod:\n\tmodule declares its path as: github.com/sirupsen/logrus\n\t        but was required as: github.com/Sirupsen/logrus\n"
	var out, errOut bytes.Buffer
	if code := runIO(context.Background(), []string{"explain"}, strings.NewReader(paste), &out, &errOut); code != 0 ||
		!strings.Contains(out.String(), "> module declares its path as: github.com/sirupsen/logrus") ||
		!strings.Contains(out.String(), "but was required as: github.com/Sirupsen/logrus") ||
		!strings.Contains(out.String(), "require github.com/sirupsen/logrus instead of github.com/Sirupsen/logrus") {
		t.Errorf("text: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	code := runIO(context.Background(), []string{"explain", "--json"}, strings.NewReader(paste), &out, &errOut)
	var doc []struct{ ID, Text, Cause, Fix string }
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || code != 0 || len(doc) != 1 {
		t.Fatalf("--json: exit %d, %v\n%s", code, err, out.String())
	}
	for _, s := range []string{doc[0].Text, doc[0].Cause, doc[0].Fix} {
		if !strings.Contains(s, "github.com/sirupsen/logrus") || !strings.Contains(s, "github.com/Sirupsen/logrus") {
			t.Errorf("--json: %q lacks a module path", s)
		}
	}
}

// TestNamedCacheRootMustExist: a cache root the go command reports that
// does not exist yet is shown as empty; one named with --modcache or
// --gocache must exist (a typo is not an empty cache): exit 2, one line
// with the next step. The README says the same.
func TestNamedCacheRootMustExist(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	for _, flag := range []string{"--modcache", "--gocache"} {
		code, out, errOut := runMain(t, "scan", flag, missing)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, flag+" "+missing+": no such directory; check the path") {
			t.Errorf("%s missing: exit %d, stdout %q, stderr %q", flag, code, out, errOut)
		}
	}
	t.Setenv("GOMODCACHE", missing)
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOENV", "off")
	code, out, errOut := runMain(t, "scan", "--gocache", "off", "--project", writeProject(t, ""))
	if code != 0 || !strings.Contains(out, "does not exist yet") {
		t.Errorf("GOMODCACHE missing: exit %d\n%s%s", code, out, errOut)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(strings.Fields(string(readme)), " "), "A root named with `--modcache` or `--gocache` must exist") {
		t.Error("the README does not say that a root named with --modcache or --gocache must exist")
	}
}

// TestVerifyCommandSaysWhatItSkipped: verify says in its summary, and in
// --json, that it left alone a build output a build may still be writing.
func TestVerifyCommandSaysWhatItSkipped(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	c := cachetest.New(t)
	c.AddBuildEntry("being written", []byte("output bytes"), cachetest.Now().Add(-time.Minute))
	flags := []string{"--modcache", c.ModCache, "--gocache", c.BuildCache}
	code, out, errOut := runMain(t, append([]string{"verify"}, flags...)...)
	want := "skipped 1 build output written in the last 2 minutes (a build may still be writing it); run verify again later to check it"
	if folded := strings.Join(strings.Fields(out), " "); code != 0 || !strings.Contains(folded, want) {
		t.Errorf("verify: exit %d, want the summary to say %q:\n%s%s", code, want, out, errOut)
	}
	_, out, _ = runMain(t, append([]string{"verify", "--json"}, flags...)...)
	var doc struct {
		Verify struct{ SkippedRecent, RecentWindowSeconds, Outputs int64 }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Verify.SkippedRecent != 1 || doc.Verify.RecentWindowSeconds != 120 || doc.Verify.Outputs != 0 {
		t.Errorf("verify --json: %+v, %v", doc.Verify, err)
	}
}
