package actions

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// procRoot is /proc (a variable for tests).
var procRoot = "/proc"

// RunningGo lists the running go, gopls and test processes that may use
// these cache roots (Linux /proc): a build that already resolved a tree
// reads it without any lock, so removing it under that build breaks the
// build. A process whose environment says it uses other caches is left
// out; one whose environment cannot be read counts.
func RunningGo(roots ...string) []string {
	ents, err := os.ReadDir(procRoot)
	if err != nil {
		return nil
	}
	var ours []os.FileInfo
	for _, r := range roots {
		if fi, err := os.Stat(r); err == nil && r != "" {
			ours = append(ours, fi)
		}
	}
	var out []string
	self, parent := fmt.Sprint(os.Getpid()), fmt.Sprint(os.Getppid())
	for _, e := range ents {
		pid := e.Name()
		if pid == self || pid == parent || strings.Trim(pid, "0123456789") != "" {
			continue // parent: go run ., which started this modscope
		}
		dir := filepath.Join(procRoot, pid)
		name := procName(dir)
		if name != "go" && name != "gopls" && !strings.HasSuffix(name, ".test") {
			continue
		}
		if zombie(dir) {
			continue // exited; only its parent has not collected it
		}
		if len(ours) > 0 && !usesRoots(dir, ours) {
			continue
		}
		out = append(out, name+" (pid "+pid+")")
	}
	return out
}

// procName is a process's program name. comm is cut to 15 bytes (a test
// binary's .test suffix is lost there), so a 15-byte comm is completed
// from argv[0]; cmdline is read only then, as reading it can block on a
// process stuck in the kernel.
func procName(dir string) string {
	comm, _ := os.ReadFile(filepath.Join(dir, "comm"))
	name := strings.TrimSuffix(string(comm), "\n")
	if len(name) < 15 {
		return name
	}
	if cmd, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil && len(cmd) > 0 {
		arg0, _, _ := bytes.Cut(cmd, []byte{0})
		if base := filepath.Base(string(arg0)); strings.HasPrefix(base, name) {
			return base
		}
	}
	return name
}

// zombie reports whether the process has exited (state Z in stat).
func zombie(dir string) bool {
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return false
	}
	// The state follows the parenthesized name, which may hold spaces.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] == 'Z'
	}
	return false
}

// usesRoots reports whether the process in dir may use one of the roots:
// its GOMODCACHE and GOCACHE as the go command would work them out from
// its environment and its go env file, looked up through its own root
// directory (a container sees the cache under another path). Anything it
// cannot tell counts as yes.
func usesRoots(dir string, ours []os.FileInfo) bool {
	data, err := os.ReadFile(filepath.Join(dir, "environ"))
	if err != nil {
		return true
	}
	env := map[string]string{}
	for _, kv := range bytes.Split(data, []byte{0}) {
		if k, v, ok := strings.Cut(string(kv), "="); ok {
			env[k] = v
		}
	}
	root := filepath.Join(dir, "root")
	file := goEnvFile(env, root)
	// The go command takes an empty variable as unset.
	get := func(key string) string {
		if v := env[key]; v != "" {
			return v
		}
		return file[key]
	}
	home := env["HOME"]
	modcache := get("GOMODCACHE")
	if modcache == "" {
		gopath := get("GOPATH")
		if list := filepath.SplitList(gopath); len(list) > 0 && list[0] != "" {
			modcache = filepath.Join(list[0], "pkg", "mod")
		} else if home != "" {
			modcache = filepath.Join(home, "go", "pkg", "mod")
		}
	}
	gocache := get("GOCACHE")
	if gocache == "" {
		if x := env["XDG_CACHE_HOME"]; x != "" {
			gocache = filepath.Join(x, "go-build")
		} else if home != "" {
			gocache = filepath.Join(home, ".cache", "go-build")
		}
	}
	if modcache == "" || gocache == "" {
		return true
	}
	for _, path := range []string{modcache, gocache} {
		fi, known := statIn(root, path)
		if !known {
			return true
		}
		for _, o := range ours {
			if fi != nil && os.SameFile(fi, o) {
				return true
			}
		}
	}
	return false
}

// statIn stats path as the process with this root directory sees it; nil
// when it does not exist there. Through our own view when its root cannot
// be entered, where a missing path says nothing (known is false then).
func statIn(root, path string) (fi os.FileInfo, known bool) {
	if _, err := os.Stat(root); err == nil {
		fi, err := os.Stat(filepath.Join(root, path))
		switch {
		case err == nil:
			return fi, true
		case errors.Is(err, fs.ErrNotExist):
			return nil, true
		}
		return nil, false
	}
	fi, err := os.Stat(path)
	return fi, err == nil
}

// goEnvFile reads the go env -w file of a process's environment, under
// its root directory.
func goEnvFile(env map[string]string, root string) map[string]string {
	file := env["GOENV"]
	if file == "off" {
		return nil
	}
	if file == "" {
		switch {
		case env["XDG_CONFIG_HOME"] != "":
			file = filepath.Join(env["XDG_CONFIG_HOME"], "go", "env")
		case env["HOME"] != "":
			file = filepath.Join(env["HOME"], ".config", "go", "env")
		default:
			return nil
		}
	}
	f, err := os.Open(filepath.Join(root, file))
	if err != nil {
		if f, err = os.Open(file); err != nil {
			return nil
		}
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "="); ok {
			out[k] = v
		}
	}
	return out
}
