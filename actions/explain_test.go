package actions

import (
	"strings"
	"testing"
)

// TestExplainKeepsBothPaths: a download failing with "module declares its
// path as" is explained with both module paths, in the cause and the fix.
func TestExplainKeepsBothPaths(t *testing.T) {
	es := Explain("go: github.com/Sirupsen/logrus@v1.9.0: parsing go.mod:\n\tmodule declares its path as: github.com/sirupsen/logrus\n\t        but was required as: github.com/Sirupsen/logrus\n")
	if len(es) != 1 || es[0].ID != "path-mismatch" {
		t.Fatalf("explanations: %+v", es)
	}
	for _, s := range []string{es[0].Cause, es[0].Fix} {
		if !strings.Contains(s, "github.com/sirupsen/logrus") || !strings.Contains(s, "github.com/Sirupsen/logrus") {
			t.Errorf("%q lacks a module path", s)
		}
	}
}
