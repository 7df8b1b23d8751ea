package cachetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// AsNobody makes a permission test mean something when the tests run as
// root, who ignores permission bits: it re-runs the named test of this
// test binary as the user nobody (uid 65534) and reports false; in that
// child, and when not root at all, it reports true: run the test body.
func AsNobody(t testing.TB, name string) bool {
	t.Helper()
	if os.Getenv("MODSCOPE_TEST_AS_NOBODY") == name || os.Geteuid() != 0 {
		return true
	}
	// The test binary and its temp dirs must be reachable by nobody.
	dir, err := os.MkdirTemp("", "modscope-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "test.bin")
	if err := copyExecutable(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^"+name+"$", "-test.v")
	cmd.Env = append(os.Environ(), "MODSCOPE_TEST_AS_NOBODY="+name, "TMPDIR="+dir)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	t.Logf("as nobody:\n%s", out)
	return false
}

func copyExecutable(from, to string) error {
	return copyFile(from, to, os.O_TRUNC, 0o755)
}
