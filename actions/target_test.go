package actions

import (
	"strings"
	"testing"
)

func TestCheckTargetShape(t *testing.T) {
	bad := map[string]string{
		"example.com/m@latest@v1":    "one @ only",
		"example.com/m@v1.0.0@v2":    "one @ only",
		"@v1.0.0":                    "name the module path before the @",
		"example.com/m@":             "name a version",
		"":                           "name a version",
		"example.com/m@v1.0.0 ":      "has a space",
		"example.com/m v1.0.0":       "has a space",
		"example.com/m@v1\t":         "has a space",
		"example.com/m@v1\x1b[2J":    "control or format character",
		"example.com/m@\u202ev1.0.0": "control or format character",
		"example.com/m@v1\u200b":     "control or format character",
		"example.com/m@v1\xff":       "not valid UTF-8",
	}
	for target, want := range bad {
		err := CheckTarget(target)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckTarget(%q) = %v, want %q", target, err, want)
		}
	}
	for _, good := range []string{"example.com/m@v1.2.3", "example.com/m@latest", "example.com/m@upgrade",
		"example.com/m@>=v1.2.0", "example.com/m@master", "example.com/m@v1.2", "golang.org/x/mod@v0.42.0"} {
		if err := CheckTarget(good); err != nil {
			t.Errorf("CheckTarget(%q) = %v", good, err)
		}
	}
}
