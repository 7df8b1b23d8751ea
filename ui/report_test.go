package ui

import (
	"strings"
	"testing"

	"modscope/assets"
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
