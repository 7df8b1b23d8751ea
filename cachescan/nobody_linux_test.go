package cachescan_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// asNobody re-runs the named test of this binary as the unprivileged user
// nobody (uid 65534) when the tests run as root, so that permission checks
// are exercised for real. It reports whether the caller is that child.
func asNobody(t *testing.T, name string) bool {
	t.Helper()
	if os.Getenv("MODSCOPE_TEST_AS_NOBODY") == name {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("not root: the unprivileged variant of this test runs directly")
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
	if err := copyFile(os.Args[0], bin); err != nil {
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

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func TestUnreadableAsNobody(t *testing.T) {
	if asNobody(t, "TestUnreadableAsNobody") {
		checkUnreadable(t)
	}
}
