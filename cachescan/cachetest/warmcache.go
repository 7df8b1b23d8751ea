package cachetest

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
)

// The tests that run the real go command build a tiny project with an
// empty GOCACHE each: every such build compiles the runtime again, 15-20 s
// on two cores, and the package's go-command tests spent most of their
// minutes doing that. WarmEnv gives such a test's build cache the
// standard library's outputs from one build per test process, so that the
// go command only compiles the fixture's own packages. The entries are the
// go command's own, made by the same toolchain and environment: a test
// that checks what the go command does with its cache sees the same
// behaviour, with more entries (a test that counts build-cache entries
// must not use it).
var warm struct {
	once      sync.Once
	inherited bool // the parent's: it removes it
	err       error
}

// warmEnvVar hands the template to the test processes RerunAt starts, so
// that the tests rerun at another date do not build it again, and from
// .ci/run to every package's test process.
const warmEnvVar = "MODSCOPE_TEST_WARM_GOCACHE"

// sharedWarmCache returns the template if this process has one already
// ("" if not). It builds none: RerunAt also runs in packages whose tests
// never warm a cache, and whose TestMain would not remove it.
func sharedWarmCache() string {
	if p := warmReady.Load(); p != nil {
		return *p
	}
	return ""
}

// warmReady is the template's directory once buildOrInherit has it; an
// atomic, for RerunAt reads it outside warm.once.
var warmReady atomic.Pointer[string]

// buildOrInherit takes the template of the parent test process, if it
// handed one down, else builds one.
func buildOrInherit() {
	if dir := os.Getenv(warmEnvVar); dir != "" {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			warm.inherited = true
			warmReady.Store(&dir)
			return
		}
	}
	dir, err := buildWarmCache()
	if err != nil {
		warm.err = err
		return
	}
	warmReady.Store(&dir)
}

var warmed sync.Map // GOCACHE directories WarmEnv filled

// WarmEnv warms the GOCACHE that env names (the last GOCACHE= in it), the
// first time a test process sees that directory: a helper that runs the
// go command calls it, so that a later go command in a test that emptied
// the cache on purpose finds it as the test left it. An env without
// GOCACHE (the user's own cache) is left alone. An error only means the
// build will be slower: the caller may ignore it.
func WarmEnv(env []string) error {
	dir := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOCACHE="); ok {
			dir = v
		}
	}
	if dir == "" || dir == "off" || !filepath.IsAbs(dir) {
		return nil
	}
	if _, done := warmed.LoadOrStore(dir, true); done {
		return nil
	}
	if _, err := exec.LookPath("go"); err != nil {
		return err
	}
	warm.once.Do(buildOrInherit)
	if warm.err != nil {
		return warm.err
	}
	return linkTree(*warmReady.Load(), dir)
}

// Run runs a package's tests (m is its *testing.M) and then removes the
// warm build cache they shared: a TestMain returns os.Exit(cachetest.Run(m)).
func Run(m interface{ Run() int }) int {
	code := m.Run()
	if dir := sharedWarmCache(); dir != "" && !warm.inherited {
		os.RemoveAll(filepath.Dir(dir))
	}
	return code
}

// BuildWarmCache builds a template as a test process would and returns
// its GOCACHE directory; the caller removes its parent directory. Handed to
// the test processes in MODSCOPE_TEST_WARM_GOCACHE, it spares each package
// its own build of it (.ci/run does that, through warmgocache).
func BuildWarmCache() (string, error) { return buildWarmCache() }

func buildWarmCache() (string, error) {
	root, err := os.MkdirTemp("", "modscope-warm-gocache-")
	if err != nil {
		return "", err
	}
	proj, cache := filepath.Join(root, "proj"), filepath.Join(root, "gocache")
	files := map[string]string{
		"go.mod":       "module example.com/warm\n\ngo 1.21\n",
		"main.go":      "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() { fmt.Fprintln(os.Stdout, \"warm\") }\n",
		"main_test.go": "package main\n\nimport \"testing\"\n\nfunc TestWarm(t *testing.T) {}\n",
	}
	if err := os.MkdirAll(proj, 0o777); err != nil {
		return "", err
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(proj, name), []byte(body), 0o666); err != nil {
			return "", err
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOCACHE", "GOFLAGS", "GOPROXY", "GOWORK", "GOENV", "GOTOOLCHAIN", "GO111MODULE", "GOPATH", "GOMODCACHE":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GOCACHE="+cache, "GOFLAGS=", "GOPROXY=off", "GOWORK=off", "GOENV=off",
		"GOTOOLCHAIN=local", "GO111MODULE=on", "GOPATH="+filepath.Join(root, "gopath"), "GOMODCACHE="+filepath.Join(root, "mod"))
	for _, args := range [][]string{{"build", "-o", os.DevNull, "."}, {"test", "-count=1", "."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = proj, env
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", errors.New("go " + strings.Join(args, " ") + ": " + err.Error() + ": " + string(out))
		}
	}
	return cache, nil
}

// linkTree links every regular file of src into dst, making directories
// as needed and leaving files dst has alone; it copies where a link fails
// (another file system).
func linkTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o777)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if _, err := os.Lstat(to); err == nil {
			return nil
		}
		if os.Link(p, to) == nil {
			return nil
		}
		return copyFile(p, to, os.O_EXCL, 0o666)
	})
}

// copyFile copies from's bytes into a new file to, opened with
// O_WRONLY|O_CREATE and flag, with perm.
func copyFile(from, to string, flag int, perm os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|flag, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
