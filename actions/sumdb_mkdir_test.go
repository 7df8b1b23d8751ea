package actions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSumDBConfigDirNeverThroughALink: $GOPATH/pkg/sumdb is created as
// the go command would create it, but a link planted at pkg or at sumdb
// is refused with a line that says what to do, and nothing is created
// where it points; a real GOPATH gets pkg/sumdb/<host>/latest.
func TestSumDBConfigDirNeverThroughALink(t *testing.T) {
	for _, at := range []string{"pkg", filepath.Join("pkg", "sumdb")} {
		gopath, victim := t.TempDir(), t.TempDir()
		link := filepath.Join(gopath, at)
		os.MkdirAll(filepath.Dir(link), 0o777)
		if err := os.Symlink(victim, link); err != nil {
			t.Skip("no symlinks:", err)
		}
		o := &sumDBOps{gopath: gopath}
		err := o.WriteConfig("sum.golang.org/latest", nil, []byte("tree\n"))
		if err == nil || !strings.Contains(err.Error(), "real directory") {
			t.Errorf("link at %s: err = %v", at, err)
		}
		if ents, _ := os.ReadDir(victim); len(ents) != 0 {
			t.Errorf("link at %s: created %s in the link's target", at, ents[0].Name())
		}
	}
	gopath := t.TempDir()
	o := &sumDBOps{gopath: gopath}
	if err := o.WriteConfig("sum.golang.org/latest", nil, []byte("tree\n")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(gopath, "pkg", "sumdb", "sum.golang.org", "latest")); err != nil || string(b) != "tree\n" {
		t.Errorf("latest = %q, %v", b, err)
	}
}
