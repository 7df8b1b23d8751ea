package actions

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestRunningGo reads a fake /proc: go, gopls and test processes count
// unless their environment (or their go env file) says they use other
// caches; names come from argv[0], which comm would cut at 15 bytes.
func TestRunningGo(t *testing.T) {
	root := t.TempDir()
	mod, cache := filepath.Join(root, "mod"), filepath.Join(root, "gocache")
	os.MkdirAll(mod, 0o777)
	os.MkdirAll(cache, 0o777)
	home := filepath.Join(root, "home")
	os.MkdirAll(filepath.Join(home, ".config", "go"), 0o777)
	os.WriteFile(filepath.Join(home, ".config", "go", "env"), []byte("GOMODCACHE="+mod+"\n"), 0o666)
	proc := filepath.Join(root, "proc")
	add := func(pid, cmdline, comm string, environ []string) {
		dir := filepath.Join(proc, pid)
		os.MkdirAll(dir, 0o777)
		os.WriteFile(filepath.Join(dir, "stat"), []byte(pid+" ("+comm+") S 1 1"), 0o666)
		os.Symlink("/", filepath.Join(dir, "root"))
		os.WriteFile(filepath.Join(dir, "cmdline"), []byte(cmdline), 0o666)
		os.WriteFile(filepath.Join(dir, "comm"), []byte(comm+"\n"), 0o666)
		if environ != nil {
			os.WriteFile(filepath.Join(dir, "environ"), []byte(strings.Join(environ, "\x00")+"\x00"), 0o666)
		}
	}
	add("100", "go\x00build\x00./...\x00", "go", []string{"GOMODCACHE=/elsewhere/mod", "GOCACHE=/elsewhere/cache"})
	add("101", "/tmp/go-build1/b001/integrationtests.test\x00-test.v\x00", "integrationtest", []string{"GOMODCACHE=" + mod, "GOCACHE=/elsewhere/cache"})
	add("102", "bash\x00", "bash", nil)
	add("103", "go\x00", "go", nil) // environ unreadable: counts
	add("104", "gopls\x00serve\x00", "gopls", []string{"HOME=" + home, "GOCACHE=/elsewhere/cache"})
	add("105", "go\x00", "go", []string{"GOPATH=/p", "HOME=/nohome"})
	add("106", "go\x00", "go", []string{"GOMODCACHE=/elsewhere/mod", "GOCACHE=" + cache})
	add("107", "", "go", []string{"GOENV=off", "HOME=" + home, "GOCACHE=/elsewhere/cache"})
	// An empty variable is unset for the go command: the env file's
	// GOMODCACHE (ours) holds.
	add("108", "go\x00", "go", []string{"HOME=" + home, "GOMODCACHE=", "GOCACHE=/elsewhere/cache"})
	// An exited go that used our caches: a zombie uses nothing.
	add("109", "", "go", []string{"GOMODCACHE=" + mod})
	os.WriteFile(filepath.Join(proc, "109", "stat"), []byte("109 (go) Z 1 1"), 0o666)
	// A container sees our cache at another path, through its root.
	croot := filepath.Join(root, "container")
	os.MkdirAll(filepath.Join(croot, "go", "pkg"), 0o777)
	if err := os.Symlink(mod, filepath.Join(croot, "go", "pkg", "mod")); err != nil {
		t.Fatal(err)
	}
	add("110", "go\x00", "go", []string{"GOMODCACHE=/go/pkg/mod", "GOCACHE=/elsewhere/cache"})
	os.Remove(filepath.Join(proc, "110", "root"))
	os.Symlink(croot, filepath.Join(proc, "110", "root"))
	// Its root out of reach and its caches nowhere here: it counts.
	add("111", "go\x00", "go", []string{"GOMODCACHE=/go/pkg/mod", "GOCACHE=/go/cache"})
	os.Remove(filepath.Join(proc, "111", "root"))
	os.MkdirAll(filepath.Join(proc, "self"), 0o777)
	defer func(old string) { procRoot = old }(procRoot)
	procRoot = proc
	got := RunningGo(mod, cache)
	want := []string{"integrationtests.test (pid 101)", "go (pid 103)", "gopls (pid 104)", "go (pid 106)", "go (pid 108)", "go (pid 110)", "go (pid 111)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RunningGo = %q, want %q", got, want)
	}
	if got := RunningGo(); len(got) != 10 {
		t.Errorf("without roots every go process counts: %q", got)
	}
}
