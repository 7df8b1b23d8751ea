package actions

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestPurgeAsNobody purges a read-only tree as the unprivileged user nobody
// (re-running this test as uid 65534 when the tests run as root): the
// directories must be made writable first, as go clean -modcache does.
func TestPurgeAsNobody(t *testing.T) {
	const name = "TestPurgeAsNobody"
	if os.Getenv("MODSCOPE_TEST_AS_NOBODY") != name {
		if os.Geteuid() != 0 {
			purgeReadOnly(t) // already unprivileged
			return
		}
		dir, err := os.MkdirTemp("", "modscope-nobody-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		os.Chmod(dir, 0o777|os.ModeSticky)
		bin := filepath.Join(dir, "test.bin")
		in, _ := os.Open(os.Args[0])
		out, _ := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
		io.Copy(out, in)
		in.Close()
		out.Close()
		cmd := exec.Command(bin, "-test.run=^"+name+"$", "-test.v")
		cmd.Env = append(os.Environ(), "MODSCOPE_TEST_AS_NOBODY="+name, "TMPDIR="+dir)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("as nobody: %v\n%s", err, b)
		}
		return
	}
	purgeReadOnly(t)
}

func purgeReadOnly(t *testing.T) {
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/ro", "v1.0.0")) // 0555 dirs, 0444 files
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{ModCache: c.ModCache})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := PlanPurge(snap, []string{"example.com/ro@v1.0.0"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if res := plan.Execute(); !res[0].Removed {
		t.Fatalf("purge of a read-only tree: %+v", res)
	}
	if _, err := os.Lstat(e.Dir); err == nil {
		t.Error("the read-only tree is still there")
	}
}
