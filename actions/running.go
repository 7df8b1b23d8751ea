package actions

import (
	"bufio"
	"bytes"
	"fmt"
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
	ours := map[string]bool{}
	for _, r := range roots {
		if r != "" {
			ours[resolved(r)] = true
		}
	}
	var out []string
	self, parent := fmt.Sprint(os.Getpid()), fmt.Sprint(os.Getppid())
	for _, e := range ents {
		pid := e.Name()
		if pid == self || pid == parent || strings.Trim(pid, "0123456789") != "" {
			continue // parent: go run ., which started this modscope
		}
		name := procName(filepath.Join(procRoot, pid))
		if name != "go" && name != "gopls" && !strings.HasSuffix(name, ".test") {
			continue
		}
		if len(ours) > 0 && !usesRoots(filepath.Join(procRoot, pid, "environ"), ours) {
			continue
		}
		out = append(out, name+" (pid "+pid+")")
	}
	return out
}

// procName is a process's program name: argv[0]'s base name, since comm
// is cut to 15 bytes (a test binary's .test suffix is lost there).
func procName(dir string) string {
	if cmd, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil && len(cmd) > 0 {
		arg0, _, _ := bytes.Cut(cmd, []byte{0})
		if len(arg0) > 0 {
			return filepath.Base(string(arg0))
		}
	}
	comm, _ := os.ReadFile(filepath.Join(dir, "comm"))
	return strings.TrimSpace(string(comm))
}

// usesRoots reports whether the process with this environ file may use
// one of the roots: its GOMODCACHE and GOCACHE as the go command would
// work them out from its environment and its go env file. Anything it
// cannot tell counts as yes.
func usesRoots(environ string, ours map[string]bool) bool {
	data, err := os.ReadFile(environ)
	if err != nil {
		return true
	}
	env := map[string]string{}
	for _, kv := range bytes.Split(data, []byte{0}) {
		if k, v, ok := strings.Cut(string(kv), "="); ok {
			env[k] = v
		}
	}
	get := func(key string) string {
		if v, ok := env[key]; ok {
			return v
		}
		return goEnvFile(env)[key]
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
	return ours[resolved(modcache)] || ours[resolved(gocache)]
}

// goEnvFile reads the go env -w file of a process's environment.
func goEnvFile(env map[string]string) map[string]string {
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
	f, err := os.Open(file)
	if err != nil {
		return nil
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

// resolved is a path with its symlinks resolved when it exists.
func resolved(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	return filepath.Clean(path)
}
