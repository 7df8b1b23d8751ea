package report

import (
	"strings"
	"testing"

	"modscope/actions"
	"modscope/assets"
	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestWriteExplainKeepsPathsAndURLs: a quoted error is wrapped, never cut
// in the middle, so the module path, the URL and the status it explains
// stay readable; a fix naming M@V names the module version of the error.
func TestWriteExplainKeepsPathsAndURLs(t *testing.T) {
	url := "https://proxy.golang.org/github.com/some-organisation/a-rather-long-module-name/@v/v1.2.3.info"
	text := "go: github.com/some-organisation/a-rather-long-module-name@v1.2.3: reading " + url + ": 404 Not Found\n" +
		"verifying github.com/BurntSushi/toml@v1.3.2/go.mod: checksum mismatch\n\tdownloaded: h1:AAAA=\n\tgo.sum:     h1:BBBB=\n" +
		"go: rsc.io/quote@v1.5.2: \x1b[31mreading https://proxy.golang.org/rsc.io/quote/@v/v1.5.2.zip: 403 Forbidden\n"
	var b strings.Builder
	if err := WriteExplain(&b, assets.Read(text)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"> go: github.com/some-organisation/a-rather-long-module-name@v1.2.3: reading",
		">   " + url + ":\n",
		"404 Not Found",
		"modscope verify github.com/BurntSushi/toml@v1.3.2 tells",
		"?[31mreading",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "…") || strings.Contains(out, "M@V") || strings.Contains(out, "\x1b") {
		t.Errorf("a quoted line was cut, a fix kept M@V, or a control character went through:\n%s", out)
	}
}

// TestWriteDoctorSaysWhatItKnows: every failure shows its error, then its
// cause and fix, or that the knowledge base does not know it.
func TestWriteDoctorSaysWhatItKnows(t *testing.T) {
	teapot := "reading http://127.0.0.1:1/golang.org/x/mod/@v/list: 418 I'm a teapot"
	timeout := `Get "http://127.0.0.1:2/golang.org/x/mod/@v/list": context deadline exceeded`
	findings := []actions.Finding{
		{Check: "GOPROXY entry http://127.0.0.1:1", Detail: teapot, Explanations: actions.Explain(teapot)},
		{Check: "GOPROXY entry http://127.0.0.1:2", Detail: timeout, Explanations: actions.Explain(timeout)},
		{Check: "GOPROXY entry direct", OK: true, Detail: "fetch from version control directly"},
	}
	var b strings.Builder
	if err := WriteDoctor(&b, cachescan.Env{GOPROXY: "http://127.0.0.1:1,http://127.0.0.1:2,direct"}, findings); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	unknown := out[strings.Index(out, "✗ GOPROXY entry http://127.0.0.1:1"):strings.Index(out, "✗ GOPROXY entry http://127.0.0.1:2")]
	known := out[strings.Index(out, "✗ GOPROXY entry http://127.0.0.1:2"):strings.Index(out, "✓ GOPROXY entry direct")]
	if !strings.Contains(unknown, "| "+teapot) || !strings.Contains(unknown, "not in the knowledge base") {
		t.Errorf("an unknown failure lacks its error or the admission:\n%s", unknown)
	}
	if !strings.Contains(known, "context deadline exceeded") || !strings.Contains(known, "cause: a request got no answer") ||
		!strings.Contains(known, "fix: retry") || strings.Contains(known, "not in the knowledge base") {
		t.Errorf("a known failure lacks its cause and fix:\n%s", known)
	}
}

// TestReportCountsReplacedRequires: a require a replace directive covers
// (here example.com/lib => ../lib, a local directory) is what builds do
// not take from the cache: counted as replaced, never as missing.
func TestReportCountsReplacedRequires(t *testing.T) {
	var b strings.Builder
	if err := WriteReport(&b, cachetest.GoldenSnapshot(t)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "4 requires in the cache: 1 complete, 1 partial, 1 missing, 1 replaced") {
		t.Errorf("requires line:\n%s", out)
	}
}

// TestShortKeepsQuotedFixesRunnable: a fix whose path is shell-quoted (an
// escaped upper-case letter, a space) names the root as "$GOMODCACHE"
// outside the quotes, so the shell expands it; inside single quotes it
// would not.
func TestShortKeepsQuotedFixesRunnable(t *testing.T) {
	r := &report{roots: [][2]string{{"/c/mod", "$GOMODCACHE"}}}
	got := r.short("touch '/c/mod/cache/download/example.com/!upper/@v/v1.0.0.partial' && rm /c/mod/x")
	want := `touch "$GOMODCACHE"'/cache/download/example.com/!upper/@v/v1.0.0.partial' && rm $GOMODCACHE/x`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if strings.Contains(got, "'$GOMODCACHE") {
		t.Error("the variable stands inside single quotes")
	}
}

// TestVerifySummarySaysWhatItSkipped: the build outputs verify left alone,
// as a build may still be writing them, are said in a line with what to
// do; none, no line.
func TestVerifySummarySaysWhatItSkipped(t *testing.T) {
	summary := func(rep *actions.VerifyReport) string {
		var b strings.Builder
		if err := WriteVerifySummary(&b, rep); err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(b.String()), " ") // unwrapped
	}
	out := summary(&actions.VerifyReport{Outputs: 7, SkippedRecent: 3, RecentWindowSeconds: 120})
	want := "skipped 3 build outputs written in the last 2 minutes (a build may still be writing them); run verify again later to check them"
	if !strings.Contains(out, want) || !strings.Contains(out, "7 build outputs") {
		t.Errorf("summary lacks %q or the outputs verified:\n%s", want, out)
	}
	if out := summary(&actions.VerifyReport{SkippedRecent: 1, RecentWindowSeconds: 90}); !strings.Contains(out, "skipped 1 build output written in the last 90 seconds (a build may still be writing it); run verify again later to check it") {
		t.Errorf("one output, a window of 90 s:\n%s", out)
	}
	if out := summary(&actions.VerifyReport{Outputs: 7, RecentWindowSeconds: 120}); strings.Contains(out, "skipped") {
		t.Errorf("nothing skipped, yet:\n%s", out)
	}
}
