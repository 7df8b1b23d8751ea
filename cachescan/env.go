package cachescan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Env is the go command's configuration that matters to the caches, resolved
// the way the go command resolves it.
type Env struct {
	GOMODCACHE  string `json:"GOMODCACHE"`
	GOCACHE     string `json:"GOCACHE"`
	GOPATH      string `json:"GOPATH"`
	GOPROXY     string `json:"GOPROXY"`
	GONOPROXY   string `json:"GONOPROXY"`
	GOPRIVATE   string `json:"GOPRIVATE"`
	GONOSUMDB   string `json:"GONOSUMDB"`
	GOSUMDB     string `json:"GOSUMDB"`
	GOFLAGS     string `json:"GOFLAGS"`
	GOTOOLCHAIN string `json:"GOTOOLCHAIN"`
	GOVERSION   string `json:"GOVERSION"`
	GOINSECURE  string `json:"GOINSECURE"`
	GOCACHEPROG string `json:"GOCACHEPROG"`
	GOENV       string `json:"GOENV"`
	GOROOT      string `json:"GOROOT"`
	GOHOSTOS    string `json:"GOHOSTOS"`
	GOHOSTARCH  string `json:"GOHOSTARCH"`
	GOWORK      string `json:"GOWORK"`
	// Source is "go env" when the go command answered, "defaults" when
	// modscope computed the documented defaults itself.
	Source string `json:"source"`
	// GoErr says why the go command could not be asked, if it could not.
	GoErr string `json:"goError,omitempty"`
}

var envVars = []string{
	"GOMODCACHE", "GOCACHE", "GOPATH", "GOPROXY", "GONOPROXY", "GOPRIVATE",
	"GONOSUMDB", "GOSUMDB", "GOFLAGS", "GOTOOLCHAIN", "GOVERSION", "GOINSECURE",
	"GOCACHEPROG", "GOENV", "GOROOT", "GOHOSTOS", "GOHOSTARCH",
}

// ResolveEnv asks the go command on PATH for its settings with one
// `go env -json` call. GOTOOLCHAIN=local is set for that call so that asking
// never downloads a toolchain; the user's own GOTOOLCHAIN is then read the
// way the go command reads it (environment, GOENV file, $GOROOT/go.env).
// Without a go command it computes the documented defaults.
func ResolveEnv(ctx context.Context) Env {
	env, err := goEnv(ctx)
	if err != nil {
		env = defaultEnv()
		env.GoErr = err.Error()
	}
	env.GOTOOLCHAIN = configured("GOTOOLCHAIN", env.GOENV, env.GOROOT, "auto")
	env.GOWORK = os.Getenv("GOWORK")
	return env
}

func goEnv(ctx context.Context) (Env, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return Env{}, errors.New("no go command on PATH")
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, append([]string{"env", "-json"}, envVars...)...)
	// A neutral directory: go env in a module directory could start a
	// toolchain switch.
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return Env{}, fmt.Errorf("go env: %s", firstLine(msg))
	}
	var e Env
	if err := json.Unmarshal(out, &e); err != nil {
		return Env{}, fmt.Errorf("go env printed no JSON: %v", err)
	}
	e.Source = "go env"
	return e, nil
}

// defaultEnv computes what `go env` would print on this machine without a
// go command: the environment, then the GOENV file, then the defaults that
// `go help environment` documents.
func defaultEnv() Env {
	e := Env{Source: "defaults", GOHOSTOS: runtime.GOOS, GOHOSTARCH: runtime.GOARCH}
	e.GOENV = os.Getenv("GOENV")
	if e.GOENV == "" {
		if dir, err := os.UserConfigDir(); err == nil {
			e.GOENV = filepath.Join(dir, "go", "env")
		}
	}
	e.GOROOT = os.Getenv("GOROOT")
	get := func(name, def string) string { return configured(name, e.GOENV, e.GOROOT, def) }
	e.GOPATH = get("GOPATH", "")
	if e.GOPATH == "" {
		if home, err := os.UserHomeDir(); err == nil {
			e.GOPATH = filepath.Join(home, "go")
		}
	}
	e.GOMODCACHE = get("GOMODCACHE", "")
	if e.GOMODCACHE == "" && e.GOPATH != "" {
		e.GOMODCACHE = filepath.Join(filepath.SplitList(e.GOPATH)[0], "pkg", "mod")
	}
	e.GOCACHE = get("GOCACHE", "")
	if e.GOCACHE == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			e.GOCACHE = filepath.Join(dir, "go-build")
		}
	}
	e.GOPROXY = get("GOPROXY", "https://proxy.golang.org,direct")
	e.GOSUMDB = get("GOSUMDB", "sum.golang.org")
	e.GOPRIVATE = get("GOPRIVATE", "")
	e.GONOPROXY = get("GONOPROXY", e.GOPRIVATE)
	e.GONOSUMDB = get("GONOSUMDB", e.GOPRIVATE)
	e.GOFLAGS = get("GOFLAGS", "")
	e.GOINSECURE = get("GOINSECURE", "")
	e.GOCACHEPROG = get("GOCACHEPROG", "")
	return e
}

// configured reads a setting with the go command's precedence: the process
// environment, the user's GOENV file (go env -w), $GOROOT/go.env, then def.
func configured(name, goenvFile, goroot, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	if v, ok := readEnvFile(goenvFile, name); ok {
		return v
	}
	if goroot != "" {
		if v, ok := readEnvFile(filepath.Join(goroot, "go.env"), name); ok {
			return v
		}
	}
	return def
}

// readEnvFile reads KEY=VALUE lines as the go command's cfg package does.
func readEnvFile(file, name string) (string, bool) {
	if file == "" || file == "off" {
		return "", false
	}
	f, err := os.Open(file)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != name {
			continue
		}
		return strings.TrimSpace(v), true
	}
	return "", false
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
