package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 10 << 20: "10 MiB",
		3<<30 + 200<<20: "3.2 GiB", 5 << 40: "5.0 TiB",
	} {
		if got := HumanBytes(n); got != want {
			t.Errorf("HumanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestShortenMiddle(t *testing.T) {
	s := "github.com/someorganisation/some-very-long-repository-name/v2"
	for _, w := range []int{1, 2, 10, 30, len(s)} {
		got := ShortenMiddle(s, w)
		if n := utf8.RuneCountInString(got); n > w {
			t.Errorf("ShortenMiddle(%d) = %q is %d wide", w, got, n)
		}
	}
	if got := ShortenMiddle(s, 20); !strings.HasPrefix(got, "github.co") || !strings.HasSuffix(got, "name/v2") {
		t.Errorf("ShortenMiddle keeps neither end: %q", got)
	}
	if got := ShortenMiddle("short", 10); got != "short" {
		t.Errorf("short string changed: %q", got)
	}
}

func TestWrap(t *testing.T) {
	lines := Wrap("one two three four five six seven", 10, 2)
	want := []string{"one two", "  three", "  four", "  five six", "  seven"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("Wrap = %q, want %q", lines, want)
	}
	long := Wrap("a /a/very/long/path/that/cannot/break b", 10, 0)
	if len(long) != 3 || long[1] != "/a/very/long/path/that/cannot/break" {
		t.Errorf("a long word must stay whole on its own line: %q", long)
	}
}
