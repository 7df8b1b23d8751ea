package assets

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Real shapes of the go command's messages (cmd/go 1.26, the reference doc
// section 7), one per knowledge-base entry.
var shapes = []struct{ id, text string }{
	{"cached-source-error", "# github.com/mattn/go-runewidth\n/tmp/fe/realmod/github.com/mattn/go-runewidth@v0.0.27/runewidth.go:560:14: syntax error: unexpected {, expected )"},
	{"security-fork", "go: example.com/a@v1.0.0: verifying module: SECURITY ERROR\ngo.sum database server misbehavior detected!\n\nold database:\n\tgo.sum database tree\n"},
	{"gosum-mismatch", "verifying rsc.io/quote@v1.5.2: checksum mismatch\n\tdownloaded: h1:AAAA=\n\tgo.sum:     h1:BBBB=\n\nSECURITY ERROR\nThis download does NOT match an earlier download recorded in go.sum.\nThe bits may have been replaced on the origin server, or an attacker may\nhave intercepted the download attempt.\n\nFor more information, see 'go help module-auth'."},
	{"sumdb-mismatch", "go: rsc.io/quote@v1.5.2: verifying module: checksum mismatch\n\tdownloaded: h1:AAAA=\n\tsum.golang.org: h1:BBBB=\n\nSECURITY ERROR\nThis download does NOT match the one reported by the checksum server."},
	{"private-sumdb", "go: corp.example.com/lib@v1.0.0: verifying module: corp.example.com/lib@v1.0.0: reading https://sum.golang.org/lookup/corp.example.com/lib@v1.0.0: 404 Not Found\n\tserver response: not found: corp.example.com/lib@v1.0.0: invalid version: unknown revision v1.0.0"},
	{"missing-gosum", "main.go:5:2: missing go.sum entry for module providing package rsc.io/quote (imported by example.com/m); to add:\n\tgo get example.com/m"},
	{"lookup-disabled", "main.go:5:2: module lookup disabled by GOPROXY=off"},
	{"disabled-goprivate", "go: corp.example.com/lib@v1.0.0: module lookup disabled by GOPRIVATE/GONOPROXY"},
	{"proxy-410", "go: example.com/gone@v1.0.0: reading https://proxy.golang.org/example.com/gone/@v/v1.0.0.info: 410 Gone\n\tserver response: not found: example.com/gone@v1.0.0: invalid version: unknown revision v1.0.0"},
	{"proxy-404", "go: example.com/typo@v1.0.0: reading https://proxy.golang.org/example.com/typo/@v/v1.0.0.mod: 404 Not Found\n\tserver response: not found"},
	{"proxy-403", "go: example.com/x@v1.0.0: reading https://proxy.corp/example.com/x/@v/v1.0.0.zip: 403 Forbidden"},
	{"proxy-401", "go: example.com/x@v1.0.0: reading https://proxy.corp/example.com/x/@v/v1.0.0.zip: 401 Unauthorized"},
	{"proxy-500", "go: example.com/x@v1.0.0: reading http://127.0.0.1:3000/example.com/x/@v/v1.0.0.info: 500 Internal Server Error"},
	{"tls-timeout", "go: rsc.io/quote@v1.5.2: Get \"https://proxy.golang.org/rsc.io/quote/@v/v1.5.2.info\": net/http: TLS handshake timeout"},
	{"io-timeout", "go: rsc.io/quote@v1.5.2: Get \"https://proxy.golang.org/rsc.io/quote/@v/v1.5.2.info\": dial tcp 142.250.74.49:443: i/o timeout"},
	{"cache-differs", "verifying example.com/x@v1.0.0: checksum mismatch\n\tdownloaded: h1:AAAA=\n\tcached:     h1:BBBB="},
	{"sumdb-unreachable", "go: example.com/x@v1.0.0: verifying module: example.com/x@v1.0.0: Get \"https://sum.golang.org/lookup/example.com/x@v1.0.0\": dial tcp: lookup sum.golang.org on 127.0.0.53:53: no such host"},
	{"no-answer", "go mod download example.com/x@v1.0.0: no answer within 2s, stopped (--timeout)"},
	{"connection-refused", "go: rsc.io/quote@v1.5.2: Get \"http://127.0.0.1:3000/rsc.io/quote/@v/v1.5.2.info\": dial tcp 127.0.0.1:3000: connect: connection refused"},
	{"proxyconnect", "go: rsc.io/quote@v1.5.2: Get \"https://proxy.golang.org/rsc.io/quote/@v/v1.5.2.info\": proxyconnect tcp: dial tcp 10.0.0.1:3128: connect: no route to host"},
	{"no-such-host", "go: rsc.io/quote@v1.5.2: Get \"https://proxy.golang.rog/rsc.io/quote/@v/v1.5.2.info\": dial tcp: lookup proxy.golang.rog on 127.0.0.53:53: no such host"},
	{"server-misbehaving", "go: rsc.io/quote@v1.5.2: Get \"https://proxy.golang.org/rsc.io/quote/@v/v1.5.2.info\": dial tcp: lookup proxy.golang.org on 127.0.0.53:53: server misbehaving"},
	{"x509-unknown-authority", "go: rsc.io/quote@v1.5.2: Get \"https://proxy.golang.org/rsc.io/quote/@v/v1.5.2.info\": tls: failed to verify certificate: x509: certificate signed by unknown authority"},
	{"unexpected-eof", "go: rsc.io/quote@v1.5.2: read \"https://proxy.golang.org/rsc.io/quote/@v/v1.5.2.zip\": unexpected EOF"},
	{"unknown-revision", "go: example.com/x@v9.9.9: invalid version: unknown revision v9.9.9"},
	{"git-auth", "go: corp.example.com/lib@v1.0.0: invalid version: git ls-remote -q origin in /home/u/go/pkg/mod/cache/vcs/abc: exit status 128:\n\tfatal: could not read Username for 'https://github.com': terminal prompts disabled"},
	{"path-mismatch", "go: github.com/Sirupsen/logrus@v1.9.0: parsing go.mod:\n\tmodule declares its path as: github.com/sirupsen/logrus\n\t        but was required as: github.com/Sirupsen/logrus"},
	{"requires-go", "go: example.com/new@v1.0.0 requires go >= 1.30 (running go 1.26.8; GOTOOLCHAIN=local)"},
	{"goproxy-syntax", "go: GOPROXY list is not the empty string, but contains no entries"},
	{"invalid-gosumdb", "go: rsc.io/quote@v1.5.2: verifying go.mod: invalid GOSUMDB: malformed verifier id"},
	{"zip-invalid", "-> unzip /home/u/go/pkg/mod/cache/download/rsc.io/quote/@v/v1.5.2.zip: zip: not a valid zip file"},
	{"not-extracted", "go: /home/u/go/pkg/mod/rsc.io/quote@v1.5.2: not completely extracted"},
	{"unexpected-ziphash", "verifying rsc.io/quote@v1.5.2: unexpected ziphash: \"sha256:abc\""},
	{"private-proxy", "go: github.com/yourorg/private@v1.0.0: reading https://proxy.golang.org/github.com/yourorg/private/@v/v1.0.0.info: 404 Not Found\n\tserver response:\n\tnot found: github.com/yourorg/private@v1.0.0: invalid version: git ls-remote -q origin in /tmp/gopath/pkg/mod/cache/vcs/0a1b2c3d: exit status 128:\n\t\tfatal: could not read Username for 'https://github.com': terminal prompts disabled\n\tConfirm the import path was entered correctly.\n\tIf this is a private repository, see https://golang.org/doc/faq#git_https for additional information."},
	{"sumdb-server-error", "go: example.com/x@v1.0.0: verifying module: example.com/x@v1.0.0: reading https://sum.golang.org/lookup/example.com/x@v1.0.0: 503 Service Unavailable"},
	{"gomod-updates", "go: updates to go.mod needed; to update it:\n\tgo mod tidy"},
	{"proxy-400", "go: example.com/x@v1.0.0: reading https://proxy.corp/example.com/x/@v/v1.0.0.info: 400 Bad Request"},
	{"request-timeout", "go: rsc.io/quote@v1.5.2: Get \"https://proxy.corp/rsc.io/quote/@v/v1.5.2.info\": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)"},
	{"connection-closed", "go: rsc.io/quote@v1.5.2: Get \"http://127.0.0.1:3000/rsc.io/quote/@v/v1.5.2.info\": EOF"},
	{"unzip-not-empty", "go: rsc.io/quote@v1.5.2: unzip /home/u/go/pkg/mod/cache/download/rsc.io/quote/@v/v1.5.2.zip: target directory /home/u/go/pkg/mod/rsc.io/quote@v1.5.2 exists and is not empty"},
	{"zip-bad-files", "-> unzip /home/u/go/pkg/mod/cache/download/example.com/m/@v/v1.0.0.zip: example.com/m@v1.0.0/README: case-insensitive file name collision: \"readme\" and \"README\""},
	{"zip-too-large", "go: example.com/huge@v1.0.0: unzip /home/u/go/pkg/mod/cache/download/example.com/huge/@v/v1.0.0.zip: total uncompressed size of module contents too large (max size is 524288000 bytes)"},
	{"version-not-canonical", "go: example.com/m@v1.0: unzip /tmp/m.zip: version \"v1.0\" is not canonical (should be \"v1.0.0\")"},
	{"probe-not-served", "reading https://proxy.corp/golang.org/x/mod/@v/list: 404 Not Found: the proxy does not serve golang.org/x/mod, which any proxy of public modules serves"},
	{"proxy-file-missing", "go: rsc.io/quote@v1.5.2: reading file:///nonexistent/dir/rsc.io/quote/@v/v1.5.2.info: no such file or directory"},
	{"inconsistent-vendoring", "go: inconsistent vendoring in /home/u/proj:\n\texample.com/lib@v1.2.0: is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt\n\n\tTo ignore the vendor directory, use -mod=readonly or -mod=mod.\n\tTo sync the vendor directory, run:\n\t\tgo mod vendor"},
	{"gomod-syntax", "example.com/dep@v1.0.0: parsing go.mod: go.mod:3: syntax error (unterminated block started at go.mod:2:1)"},
	{"toolchain-gosumdb-off", "go: golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64: verifying module: checksum database disabled by GOSUMDB=off"},
	{"inconsistent-tile", "go: github.com/BurntSushi/toml@v1.3.2: verifying module: github.com/BurntSushi/toml@v1.3.2: initializing sumdb.Client: checking tree#69959272: downloaded inconsistent tile"},
}

func TestEveryEntryHasAShape(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range shapes {
		seen[s.id] = true
	}
	for _, e := range GoErrors() {
		if !seen[e.ID] {
			t.Errorf("knowledge-base entry %s has no message shape in the tests", e.ID)
		}
		if e.Cause == "" || e.Fix == "" || e.Title == "" {
			t.Errorf("entry %s lacks a title, cause or fix", e.ID)
		}
	}
}

func TestExplain(t *testing.T) {
	for _, s := range shapes {
		ms := Explain(s.text)
		if len(ms) == 0 || ms[0].Error.ID != s.id {
			var got []string
			for _, m := range ms {
				got = append(got, m.Error.ID)
			}
			t.Errorf("%s: classified as %v", s.id, got)
		}
	}
}

func TestExplainSeveralAndUnknown(t *testing.T) {
	shape := func(id string) string {
		for _, s := range shapes {
			if s.id == id {
				return s.text
			}
		}
		t.Fatalf("no shape %s", id)
		return ""
	}
	text := "go: downloading rsc.io/quote v1.5.2\n" + shape("no-such-host") + "\n" + shape("lookup-disabled") + "\n"
	ms := Explain(text)
	if len(ms) != 2 || ms[0].Error.ID != "no-such-host" || ms[1].Error.ID != "lookup-disabled" {
		t.Errorf("two errors in one output: %+v", ms)
	}
	if ms := Explain("go: everything is fine, nothing to see"); len(ms) != 0 {
		t.Errorf("unknown text explained as %+v", ms)
	}
}

// mixedPaste is what go mod tidy and a build print together: progress,
// two known errors (one with the SECURITY ERROR paragraph), an error
// through a proxy that answers something the knowledge base does not
// know, a compile error, a warning and a -x trace line.
const mixedPaste = `go: downloading github.com/BurntSushi/toml v1.3.2
go: downloading corp.example.com/lib v1.0.0
go: finding module for package corp.example.com/lib/util
go: found rsc.io/quote in rsc.io/quote v1.5.2
go: example.com/app imports
	rsc.io/quote: rsc.io/quote@v1.5.2: Get "https://proxy.golang.org/rsc.io/quote/@v/v1.5.2.info": dial tcp: lookup proxy.golang.org on 127.0.0.53:53: no such host
go: example.com/app imports
	corp.example.com/lib: corp.example.com/lib@v1.0.0: reading https://proxy.corp/corp.example.com/lib/@v/v1.0.0.zip: 418 I'm a teapot
verifying github.com/BurntSushi/toml@v1.3.2: checksum mismatch
	downloaded: h1:AAAA=
	go.sum:     h1:BBBB=

SECURITY ERROR
This download does NOT match an earlier download recorded in go.sum.
The bits may have been replaced on the origin server, or an attacker may
have intercepted the download attempt.

For more information, see 'go help module-auth'.
# example.com/app
./main.go:7:2: undefined: quote.Hello
go: warning: "./..." matched no packages
# get https://proxy.golang.org/rsc.io/quote/@v/list: 404 Not Found (0.052s)
`

func TestReadMixedPaste(t *testing.T) {
	r := Read(mixedPaste)
	var ids []string
	for _, m := range r.Matches {
		ids = append(ids, m.Error.ID)
	}
	// The SECURITY ERROR paragraph belongs to the mismatch: explained
	// once, and not an unknown error either.
	if strings.Join(ids, " ") != "no-such-host gosum-mismatch" {
		t.Errorf("matches %v", ids)
	}
	want := []string{
		"go: example.com/app imports\n\tcorp.example.com/lib: corp.example.com/lib@v1.0.0: reading https://proxy.corp/corp.example.com/lib/@v/v1.0.0.zip: 418 I'm a teapot",
		"./main.go:7:2: undefined: quote.Hello",
	}
	if !slices.Equal(r.Unrecognised, want) {
		t.Errorf("unrecognised %q, want %q", r.Unrecognised, want)
	}
	// Windows line ends read the same.
	if w := Read(strings.ReplaceAll(mixedPaste, "\n", "\r\n")); len(w.Matches) != 2 || len(w.Unrecognised) != 2 {
		t.Errorf("CRLF paste: %d matches, unrecognised %q", len(w.Matches), w.Unrecognised)
	}
}

// TestWhatLooksLikeAnError pins which lines count as errors when nothing
// explains them: only those make explain admit it does not know.
func TestWhatLooksLikeAnError(t *testing.T) {
	for _, tc := range []struct {
		text  string
		error bool
	}{
		{"go: downloading rsc.io/quote v1.5.2", false},
		{"go: finding module for package rsc.io/quote", false},
		{"go: found rsc.io/quote in rsc.io/quote v1.5.2", false},
		{"go: upgraded golang.org/x/mod v0.41.0 => v0.42.0", false},
		{"go: added rsc.io/quote v1.5.2", false},
		{"go: warning: \"./...\" matched no packages", false},
		{"go: module github.com/golang/protobuf is deprecated: Use the \"google.golang.org/protobuf\" module instead.", false},
		{"go: to add module requirements and sums:\n\tgo mod tidy", false},
		{"# example.com/app", false},
		{"# get https://proxy.golang.org/rsc.io/quote/@v/list: 404 Not Found (0.052s)", false},
		{"ok  \texample.com/app\t0.012s", false},
		{"hello, world", false},
		{"=== RUN   TestTimeout", false},
		{"--- PASS: TestInvalidInput (0.00s)", false},
		{"PASS", false},
		{"WORK=/tmp/go-build1234", false},
		{"cd /root/go/pkg/mod/github.com/pkg/errors@v0.9.1", false},
		{"/usr/local/go/pkg/tool/linux_amd64/compile -o $WORK/b002/_pkg_.a -p github.com/pkg/errors -lang=go1.21 ./errors.go", false},
		{"go: module example.com/m@v1.2.3 requires go >= 1.23; switching to go1.23.4", false},
		{"TestInvalidInput is slow today", false},
		{"--- FAIL: TestX (0.00s)", true},
		{"/home/u/src/app@v2/main.go:3:1: undefined: foo", true},
		{"go: example.com/m@v1.0.0: something new", true},
		{"example.com/m@v1.0.0: something new", true},
		{"./main.go:7:2: undefined: quote.Hello", true},
		{"go.mod:3: unknown directive: toolchan", true},
		{"FAIL\texample.com/app [build failed]", true},
		{"the server said: 418 I'm a teapot; 429 Too Many Requests", true},
	} {
		r := Read(tc.text)
		if len(r.Matches) != 0 {
			t.Errorf("%q: explained as %s; pick a text no entry knows", tc.text, r.Matches[0].Error.ID)
			continue
		}
		if got := len(r.Unrecognised) == 1; got != tc.error {
			t.Errorf("%q: counted as an error: %v, want %v", tc.text, got, tc.error)
		}
	}
}

// TestBigPaste: thousands of errors read in linear time (a claimed span
// is found by binary search, not by a scan of all earlier claims).
func TestBigPaste(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "go: example.com/m%d@v1.0.0: reading https://proxy.golang.org/example.com/m%d/@v/v1.0.0.info: 404 Not Found\n", i, i)
	}
	r := Read(b.String())
	if len(r.Matches) != 20000 || len(r.Unrecognised) != 0 {
		t.Errorf("%d matches, %d unrecognised", len(r.Matches), len(r.Unrecognised))
	}
}

func TestModuleVersionKnownRoot(t *testing.T) {
	CacheRoots = []string{"/Users/john.doe/gomodcache"}
	defer func() { CacheRoots = nil }()
	if got := ModuleVersion("/Users/john.doe/gomodcache/github.com/x/y@v1.0.0/a.go:1:1: undefined: z"); got != "github.com/x/y@v1.0.0" {
		t.Errorf("with the root known: %q", got)
	}
}

func TestModuleVersion(t *testing.T) {
	for text, want := range map[string]string{
		"verifying example.com/m@v1.0.0/go.mod: checksum mismatch":                                   "example.com/m@v1.0.0",
		"go: rsc.io/quote@v1.5.2: reading https://proxy.golang.org/rsc.io/quote/@v/v1.5.2.zip: 404":  "rsc.io/quote@v1.5.2",
		"reading https://sum.golang.org/lookup/corp.example.com/lib@v1.0.0: 404 Not Found":           "",
		"-> unzip /home/u/go/pkg/mod/cache/download/github.com/!burnt!sushi/toml/@v/v1.3.2.zip: zip": "github.com/BurntSushi/toml@v1.3.2",
		"open /home/u/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2/decode.go: no such file":        "github.com/BurntSushi/toml@v1.3.2",
		"go: no module at all": "",
		"/tmp/x/realmod/github.com/mattn/go-runewidth@v0.0.27/runewidth.go:5:1: syntax error": "github.com/mattn/go-runewidth@v0.0.27",
		// A dotted folder above the cache makes two valid tails: none is
		// said rather than a wrong one, unless the root is known.
		"/Users/john.doe/gomodcache/github.com/x/y@v1.0.0/a.go:1:1: undefined: z":  "",
		"/srv/ci.example.com/cache/gopkg.in/yaml.v3@v3.0.1/a.go:1:1: undefined: z": "",
		"/home/u/go/pkg/mod/gopkg.in/yaml.v3@v3.0.1/a.go:1:1: undefined: z":        "gopkg.in/yaml.v3@v3.0.1",
	} {
		if got := ModuleVersion(text); got != want {
			t.Errorf("ModuleVersion(%q) = %q, want %q", text, got, want)
		}
	}
}

// section7 are the shapes of section 7 of the reference doc
// (shared/docs/gocache-format.md) that the newer entries cover, with the
// placeholders filled in, each with the entry that must explain it. over
// names a more general entry that matches the text too: the more specific
// one must win, and the text must be explained once, whole.
var section7 = []struct{ id, over, text string }{
	// 7.1: the network.
	{"request-timeout", "", `go: rsc.io/quote@v1.5.2: Get "https://proxy.corp/rsc.io/quote/@v/v1.5.2.info": context deadline exceeded`},
	{"request-timeout", "", `go: rsc.io/quote@v1.5.2: Get "https://proxy.corp/rsc.io/quote/@v/v1.5.2.info": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`},
	{"connection-closed", "", `go: rsc.io/quote@v1.5.2: Get "http://127.0.0.1:3000/rsc.io/quote/@v/v1.5.2.info": EOF`},
	{"connection-closed", "", `go: rsc.io/quote@v1.5.2: Get "https://proxy.corp/rsc.io/quote/@v/v1.5.2.info": read tcp 10.0.0.2:51234->10.0.0.1:443: read: connection reset by peer`},
	{"unexpected-eof", "", `go: rsc.io/quote@v1.5.2: read "https://proxy.golang.org/rsc.io/quote/@v/v1.5.2.zip": unexpected EOF`},
	// 7.2: a proxy's status; a private module through the public proxy.
	{"proxy-400", "", "go: example.com/x@v1.0.0: reading https://proxy.corp/example.com/x/@v/v1.0.0.info: 400 Bad Request\n\tserver response: request blocked by policy"},
	{"private-proxy", "proxy-404", "go: github.com/yourorg/private@v1.0.0: reading https://proxy.golang.org/github.com/yourorg/private/@v/v1.0.0.info: 404 Not Found\n\tserver response:\n\tnot found: github.com/yourorg/private@v1.0.0: invalid version: git ls-remote -q origin in /tmp/gopath/pkg/mod/cache/vcs/0a1b2c3d: exit status 128:\n\t\tfatal: could not read Username for 'https://github.com': terminal prompts disabled\n\tConfirm the import path was entered correctly.\n\tIf this is a private repository, see https://golang.org/doc/faq#git_https for additional information."},
	{"private-proxy", "git-auth", "go: github.com/yourorg/private@v1.0.0: reading https://proxy.golang.org/github.com/yourorg/private/@v/list: 410 Gone\n\tserver response:\n\tnot found: module github.com/yourorg/private: git ls-remote -q origin in /tmp/gopath/pkg/mod/cache/vcs/0a1b2c3d: exit status 128:\n\t\tfatal: could not read Username for 'https://github.com': terminal prompts disabled"},
	{"private-proxy", "no-such-host", "go: corp.example.com/lib@v1.0.0: reading https://proxy.golang.org/corp.example.com/lib/@v/v1.0.0.info: 404 Not Found\n\tserver response: not found: unrecognized import path \"corp.example.com/lib\": https fetch: Get \"https://corp.example.com/lib?go-get=1\": dial tcp: lookup corp.example.com on 8.8.8.8:53: no such host"},
	{"private-proxy", "unknown-revision", "go: git.corp.example.com/team/lib@v1.0.0: reading https://proxy.golang.org/git.corp.example.com/team/lib/@v/v1.0.0.mod: 404 Not Found\n\tserver response: not found: git.corp.example.com/team/lib@v1.0.0: reading git.corp.example.com/team/lib/go.mod at revision v1.0.0: unknown revision v1.0.0"},
	{"sumdb-server-error", "proxy-500", "go: example.com/x@v1.0.0: verifying module: example.com/x@v1.0.0: reading https://sum.golang.org/lookup/example.com/x@v1.0.0: 503 Service Unavailable"},
	{"sumdb-server-error", "proxy-500", "go: example.com/x@v1.0.0: verifying go.mod: example.com/x@v1.0.0/go.mod: initializing sumdb.Client: checking tree#69959272: reading https://proxy.golang.org/sumdb/sum.golang.org/tile/8/1/273: 502 Bad Gateway"},
	{"sumdb-server-error", "proxy-500", "reading https://sum.golang.org/lookup/example.com/x@v1.0.0: 500 Internal Server Error"},
	{"sumdb-server-error", "proxy-500", "checksum database sum.example.com unreachable: reading https://sumdb.corp.example/latest: 504 Gateway Timeout"},
	{"sumdb-unreachable", "request-timeout", `go: example.com/x@v1.0.0: verifying module: example.com/x@v1.0.0: Get "https://sum.golang.org/lookup/example.com/x@v1.0.0": context deadline exceeded`},
	{"proxy-500", "", "go: example.com/x@v1.0.0: reading https://proxy.corp/example.com/x/@v/v1.0.0.info: 503 Service Unavailable"},
	// 7.4: a go.sum mismatch, whole or on one line, for a module or its
	// go.mod, and in a workspace; then the checksum database's.
	{"gosum-mismatch", "", "verifying example.com/m@v1.0.0/go.mod: checksum mismatch"},
	{"gosum-mismatch", "", "go: verifying example.com/m@v1.0.0: checksum mismatch"},
	{"gosum-mismatch", "", "verifying example.com/m@v1.0.0: checksum mismatch\n\tdownloaded: h1:AAAA=\n\t/home/u/ws/go.work.sum:     h1:BBBB=\n\nSECURITY ERROR\nThis download does NOT match an earlier download recorded in go.sum.\nThe bits may have been replaced on the origin server, or an attacker may\nhave intercepted the download attempt.\n\nFor more information, see 'go help module-auth'."},
	{"sumdb-mismatch", "", "go: example.com/m@v1.0.0: verifying go.mod: checksum mismatch"},
	{"sumdb-mismatch", "", "go: example.com/m@v1.0.0: verifying module: checksum mismatch\n\tdownloaded: h1:AAAA=\n\tsum.corp.example: h1:BBBB=\n\nSECURITY ERROR\nThis download does NOT match the one reported by the checksum server.\nThe bits may have been replaced on the origin server, or an attacker may\nhave intercepted the download attempt.\n\nFor more information, see 'go help module-auth'."},
	// 7.5: go.mod and go.sum need updates.
	{"gomod-updates", "", "go: updates to go.mod needed; to update it:\n\tgo mod tidy"},
	{"gomod-updates", "", "go: updates to go.mod needed, disabled by -mod=readonly; to update it:\n\tgo mod tidy"},
	{"gomod-updates", "", "go: updates to go.mod needed, disabled by -mod=readonly\n\t(Go version in go.mod is 1.21, so vendor directory was not used.)\n\tto update it:\n\tgo mod tidy"},
	{"missing-gosum", "", "go: updates to go.sum needed, disabled by -mod=readonly"},
	// 7.6: x/mod zip's errors as Unzip wraps them (each bad file as
	// "<zip entry>: <why>"), and cmd/go's own.
	{"unzip-not-empty", "", "go: rsc.io/quote@v1.5.2: unzip /home/u/go/pkg/mod/cache/download/rsc.io/quote/@v/v1.5.2.zip: target directory /home/u/go/pkg/mod/rsc.io/quote@v1.5.2 exists and is not empty"},
	{"zip-bad-files", "", "-> unzip /home/u/go/pkg/mod/cache/download/example.com/m/@v/v1.0.0.zip: example.com/m@v1.0.0/a:b.go: malformed file path \"a:b.go\": invalid char ':'"},
	{"zip-bad-files", "", "-> unzip /home/u/go/pkg/mod/cache/download/example.com/m/@v/v1.0.0.zip: example.com/m@v1.0.0/README: case-insensitive file name collision: \"readme\" and \"README\""},
	{"zip-bad-files", "", "-> unzip /home/u/go/pkg/mod/cache/download/example.com/m/@v/v1.0.0.zip: example.com/m@v1.0.0/x: entry \"x\" is both a file and a directory"},
	{"zip-bad-files", "", "-> unzip /home/u/go/pkg/mod/cache/download/example.com/m/@v/v1.0.0.zip: example.com/m@v1.0.0/a.go: multiple entries for file \"a.go\""},
	{"zip-bad-files", "", "-> unzip /home/u/go/pkg/mod/cache/download/example.com/m/@v/v1.0.0.zip: example.com/m@v1.0.0/sub/go.mod: go.mod file not in module root directory"},
	{"zip-bad-files", "", "go: example.com/m@v1.0.0: create zip: a:b.go: malformed file path \"a:b.go\": invalid char ':'"},
	{"zip-too-large", "", "go: example.com/huge@v1.0.0: unzip /home/u/go/pkg/mod/cache/download/example.com/huge/@v/v1.0.0.zip: total uncompressed size of module contents too large (max size is 524288000 bytes)"},
	{"zip-too-large", "", "go: example.com/huge@v1.0.0: create zip: module source tree too large (max size is 524288000 bytes)"},
	{"zip-too-large", "", "go: example.com/huge@v1.0.0: unzip /home/u/go/pkg/mod/cache/download/example.com/huge/@v/v1.0.0.zip: module zip file is too large (600000000 bytes; limit is 524288000 bytes)"},
	{"zip-invalid", "", "go: example.com/m@v1.0.0: unzip /home/u/go/pkg/mod/cache/download/example.com/m/@v/v1.0.0.zip: uncompressed size of file example.com/m@v1.0.0/big.bin is larger than declared size (1024 bytes)"},
	{"zip-invalid", "", "-> unzip /home/u/go/pkg/mod/cache/download/example.com/m/@v/v1.0.0.zip: example.com/other@v1.0.0/a.go: path does not have prefix \"example.com/m@v1.0.0/\""},
	{"version-not-canonical", "", "go: example.com/m@v1.0: unzip /tmp/m.zip: version \"v1.0\" is not canonical (should be \"v1.0.0\")"},
	{"version-not-canonical", "", "go: example.com/m@v1.0: version v1.0 is not canonical"},
}

func TestSection7Shapes(t *testing.T) {
	byID := map[string]*GoError{}
	for _, e := range GoErrors() {
		byID[e.ID] = e
	}
	for _, c := range section7 {
		r := Read(c.text)
		var got []string
		for _, m := range r.Matches {
			got = append(got, m.Error.ID)
		}
		if len(got) != 1 || got[0] != c.id || len(r.Unrecognised) != 0 {
			t.Errorf("%s: explained as %v, unrecognised %q:\n%s", c.id, got, r.Unrecognised, c.text)
		}
		if c.over == "" {
			continue
		}
		// The contest is real: the general entry alone knows the text.
		general := byID[c.over]
		if general == nil {
			t.Fatalf("no entry %s", c.over)
		}
		matched := false
		for _, re := range general.res {
			matched = matched || re.MatchString(c.text)
		}
		if !matched {
			t.Errorf("%s over %s: %s does not match the text, so it proves no precedence", c.id, c.over, c.over)
		}
	}
}

// TestPathMismatchKeepsBothPaths: "module declares its path as: X / but was
// required as: Y" is explained with both paths, in the quoted text, the
// cause and the fix; a paste cut after the first line still matches.
func TestPathMismatchKeepsBothPaths(t *testing.T) {
	text := "go: github.com/Sirupsen/logrus@v1.9.0: parsing go.mod:\n\tmodule declares its path as: github.com/sirupsen/logrus\n\t        but was required as: github.com/Sirupsen/logrus\n"
	ms := Explain(text)
	if len(ms) != 1 || ms[0].Error.ID != "path-mismatch" {
		t.Fatalf("matches: %+v", ms)
	}
	m := ms[0]
	for what, s := range map[string]string{"text": m.Text, "cause": m.Cause(), "fix": m.Fix()} {
		if !strings.Contains(s, "github.com/sirupsen/logrus") || !strings.Contains(s, "github.com/Sirupsen/logrus") {
			t.Errorf("%s lacks a path: %q", what, s)
		}
		if strings.ContainsAny(s, "{}") {
			t.Errorf("%s keeps a placeholder: %q", what, s)
		}
	}
	cut := Explain("\tmodule declares its path as: github.com/sirupsen/logrus\n")
	if len(cut) != 1 || cut[0].Error.ID != "path-mismatch" || strings.ContainsAny(cut[0].Cause()+cut[0].Fix(), "{}") {
		t.Errorf("a cut paste: %+v", cut)
	} else if !strings.Contains(cut[0].Cause(), "github.com/sirupsen/logrus") {
		t.Errorf("a cut paste's cause lacks the declared path: %q", cut[0].Cause())
	}
}
