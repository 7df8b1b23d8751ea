package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"

	"modscope/actions/confine"
	"modscope/cachescan"
)

// goDownload is one object of `go mod download -json`.
type goDownload struct {
	Path, Version, Error, Info, GoMod, Zip, Dir, Sum, GoModSum string
}

// CheckTarget says what is wrong with a download target, if anything: it
// is one path@version (or path@latest, or another query the go command
// takes), with no space, control, format character or invalid UTF-8.
func CheckTarget(target string) error {
	if err := checkTargetText(target); err != nil {
		return err
	}
	path, _, _ := strings.Cut(target, "@")
	if err := module.CheckPath(path); err != nil {
		return fmt.Errorf("%q: %v; copy the path from go.mod", target, err)
	}
	if path == "golang.org/fips140" {
		return errors.New("golang.org/fips140 comes with Go, no proxy serves it: purge its tree and the go command extracts it again")
	}
	return nil
}

// CheckDownloadSetup says, before anything is fetched, why no download can
// work here: GOPROXY=off forbids the network, and the temporary directory
// must be outside any module and free of GOPROXY's separators.
func CheckDownloadSetup(env cachescan.Env) error {
	if strings.TrimSpace(env.GOPROXY) == "off" {
		return &SetupError{"GOPROXY=off", "a download needs the network, and GOPROXY=off forbids it",
			"run it with GOPROXY=https://proxy.golang.org,direct (or your proxy) for this command"}
	}
	tmp := os.TempDir()
	if strings.ContainsAny(tmp, ",|") {
		return &SetupError{"the temporary directory " + tmp + " has a , or | in its path",
			"the fetched copies are served from it through GOPROXY, which would split the path there", "set TMPDIR to another directory"}
	}
	if gomod := goModAbove(filepath.Join(tmp, "x")); gomod != "" {
		return &SetupError{gomod + " is at or above the temporary directory " + tmp,
			"the go command would work in that module and could change it", "set TMPDIR to a directory outside any module"}
	}
	return nil
}

// SetupError is why no download can work here: what is wrong, why it
// matters, and the fix.
type SetupError struct{ What, Cause, Fix string }

func (e *SetupError) Error() string { return e.What + ": " + e.Cause + "; " + e.Fix }

// fetchEnv is the environment of step 1: the user's proxies and checksum
// database, into the temporary module cache fresh.
func fetchEnv(snap *cachescan.Snapshot, fresh, gocache string) []string {
	return downloadEnv(snap.Env, map[string]string{
		"GOMODCACHE": fresh, "GOCACHE": gocache,
		"GOFLAGS": "-modcacherw", // so that the temporary cache can be removed
		"GOPROXY": snap.Env.GOPROXY, "GOSUMDB": snap.Env.GOSUMDB, "GONOSUMDB": snap.Env.GONOSUMDB,
		"GOPRIVATE": snap.Env.GOPRIVATE, "GONOPROXY": snap.Env.GONOPROXY, "GOINSECURE": snap.Env.GOINSECURE,
	})
}

// goModAbove returns a go.mod at or above dir, or "".
func goModAbove(dir string) string {
	for {
		if fi, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && !fi.IsDir() {
			return filepath.Join(dir, "go.mod")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// voucher is what vouched for a fresh download.
type voucher int

const (
	// vouchedByNothing: GOSUMDB=off, or GONOSUMDB/GOPRIVATE match: only
	// the project's go.sum can vouch for it.
	vouchedByNothing voucher = iota
	// vouchedBySumDB: the checksum database did, as the go command checked.
	vouchedBySumDB
)

// checkedBy says what vouched for a fresh download made outside a module
// (the checksum database, unless GOSUMDB is off or the path is private),
// and in words for DownloadResult.Checked.
func checkedBy(env cachescan.Env, path string) (voucher, string) {
	if env.GOSUMDB == "off" {
		return vouchedByNothing, "nothing: GOSUMDB=off, so only the project's go.sum can vouch for it"
	}
	nosum := env.GONOSUMDB
	if nosum == "" {
		nosum = env.GOPRIVATE
	}
	if nosum != "" && module.MatchPrefixPatterns(nosum, path) {
		return vouchedByNothing, "nothing: GONOSUMDB/GOPRIVATE matches it, so only the project's go.sum can vouch for it"
	}
	name := env.GOSUMDB
	if name == "" {
		name = "sum.golang.org"
	}
	name, _, _ = strings.Cut(strings.Fields(name)[0], "+") // the name, not its key
	return vouchedBySumDB, "the checksum database " + name
}

// goModDownload runs `go mod download -json target` and returns its one
// module, or the error to report: the JSON Error, else stderr (fatal errors
// print no JSON), else the exit status.
func goModDownload(ctx context.Context, dir string, env []string, target string, timeout time.Duration) (goDownload, string) {
	return runModDownload(ctx, dir, env, target, timeout, false)
}

// fetchMetadata fetches only a version's .info and .mod (`go list -m`), for
// a version the cache holds as metadata only: a download must not turn it
// into a zip and a tree.
func fetchMetadata(ctx context.Context, dir string, env []string, target string, timeout time.Duration) (goDownload, string) {
	return runModDownload(ctx, dir, env, target, timeout, true)
}

func runModDownload(ctx context.Context, dir string, env []string, target string, timeout time.Duration, meta bool) (goDownload, string) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := []string{"mod", "download", "-json", target}
	if meta {
		args = []string{"list", "-m", "-json", target}
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var got goDownload
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var d struct {
			goDownload
			Error json.RawMessage // a string from go mod download, {"Err"} from go list
		}
		if dec.Decode(&d) != nil {
			break
		}
		got = d.goDownload
		var e struct{ Err string }
		if json.Unmarshal(d.Error, &got.Error) != nil && json.Unmarshal(d.Error, &e) == nil {
			got.Error = e.Err
		}
	}
	if meta && got.GoMod != "" && got.Error == "" {
		h, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) { return os.Open(got.GoMod) })
		if err != nil {
			got.Error = "reading the fetched go.mod: " + err.Error()
		}
		got.GoModSum = h
	}
	verb := "go mod download"
	if meta {
		verb = "go list -m"
	}
	stderrText := strings.TrimSpace(stderr.String())
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return got, fmt.Sprintf("%s %s: no answer within %s, stopped (--timeout)", verb, target, timeout)
	case ctx.Err() != nil:
		return got, "cancelled"
	case got.Error != "":
		if stderrText != "" && !strings.Contains(got.Error, stderrText) {
			return got, got.Error + "\n" + stderrText
		}
		return got, got.Error
	case err != nil && stderrText != "":
		return got, stderrText
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return got, fmt.Sprintf("%s %s failed (%v) and said nothing", verb, target, err)
		}
		return got, fmt.Sprintf("running the go command: %v; is go on PATH?", err)
	case meta && got.GoModSum == "":
		return got, fmt.Sprintf("go list -m %s printed no go.mod", target)
	case !meta && (got.Sum == "" || got.Zip == ""):
		return got, fmt.Sprintf("go mod download %s printed no zip and no sum", target)
	}
	return got, ""
}

// downloadEnv is the environment of the go commands a download runs: the
// user's, without anything that ties it to a project, with set applied.
func downloadEnv(user cachescan.Env, set map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := set[k]; ok {
			continue
		}
		switch k {
		case "GOWORK", "GOTOOLCHAIN", "GO111MODULE", "GOFLAGS":
			continue
		}
		env = append(env, kv)
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	env = append(env, "GOWORK=off", "GOTOOLCHAIN=local", "GO111MODULE=on")
	if _, ok := set["GOFLAGS"]; !ok {
		env = append(env, "GOFLAGS=")
	}
	return env
}

// hasFlag reports whether a GOFLAGS value has the flag.
func hasFlag(goflags, flag string) bool {
	for _, f := range strings.Fields(goflags) {
		if f == flag || strings.HasPrefix(f, flag+"=true") {
			return true
		}
	}
	return false
}

// fileURL is a file:// URL for a local directory, as GOPROXY takes it.
func fileURL(dir string) string {
	p := filepath.ToSlash(dir)
	if runtime.GOOS == "windows" {
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// downloadJob is one target's download: its temporary directories, what it was
// asked, and its result so far.
type downloadJob struct {
	inUse         *os.File // flock held while the job runs (removeStaleTmp)
	snap          *cachescan.Snapshot
	opt           DownloadOptions
	target        string
	path, version string // the target, cut at its @
	progress      func(DownloadEvent)
	// tmp holds work (the empty directory the go command runs in) and
	// fresh (the temporary module cache it fills).
	tmp, work, fresh, gocache string
	// vouched is what vouched for the fetched copy (r.Checked says it).
	vouched voucher
	r       DownloadResult
}

// startJob checks the target and makes the temporary directories; on a
// refusal it returns nil and the failed result.
func startJob(snap *cachescan.Snapshot, target string, opt DownloadOptions, progress func(DownloadEvent)) (*downloadJob, DownloadResult) {
	j := &downloadJob{snap: snap, opt: opt, target: target, progress: progress, r: DownloadResult{Target: target, Verdict: VerdictFailed}}
	j.path, j.version, _ = strings.Cut(target, "@")
	if err := CheckTarget(target); err != nil {
		return nil, j.fail("%v", err)
	}
	if snap.ModCache.Root == "" {
		return nil, j.fail("no module cache")
	}
	if v := snap.ModCache.FindVersion(j.path, j.version); v != nil && v.Active {
		return nil, j.fail("%s is the active toolchain: the go command running now lives there", target)
	}
	removeStaleTmp(os.TempDir()) // left by a download that was killed
	tmp, err := os.MkdirTemp("", tmpPrefix)
	if err != nil {
		return nil, j.fail("making a temporary directory: %v; set TMPDIR to a writable directory", err)
	}
	j.inUse = holdTmp(tmp)
	j.tmp, j.work, j.fresh = tmp, filepath.Join(tmp, "work"), filepath.Join(tmp, "modcache")
	os.Mkdir(j.work, 0o777)
	j.gocache = snap.BuildCache.Root
	if j.gocache == "" {
		j.gocache = "off"
	}
	return j, DownloadResult{}
}

// close removes the temporary directories.
func (j *downloadJob) close() {
	if j.inUse != nil {
		j.inUse.Close()
	}
	confine.RemoveScratch(j.tmp) // under os.TempDir, which CheckDownloadSetup checked
}

// fail ends the job with an error; the detail says nothing changed unless
// it says otherwise already.
func (j *downloadJob) fail(format string, args ...any) DownloadResult {
	j.r.Verdict = VerdictFailed
	j.r.Error = fmt.Sprintf(format, args...)
	if j.r.Detail == "" {
		j.r.Detail = "nothing in the cache was changed"
	}
	return j.r
}

// fetch is step 1: go mod download of the target through the user's
// proxies into the temporary cache. The result learns the fresh hashes and
// what vouched for them.
func (j *downloadJob) fetch(ctx context.Context) (goDownload, string) {
	got, errText := goModDownload(ctx, j.work, fetchEnv(j.snap, j.fresh, j.gocache), j.target, j.opt.Timeout)
	if errText == "" {
		j.r.Module, j.r.Version, j.r.Sum, j.r.GoModSum = got.Path, got.Version, got.Sum, got.GoModSum
		j.vouched, j.r.Checked = checkedBy(j.snap.Env, got.Path)
	}
	return got, errText
}

// fetchMetadata is fetch for a metadata-only version: .info and .mod only.
func (j *downloadJob) fetchMetadata(ctx context.Context) (goDownload, string) {
	got, errText := fetchMetadata(ctx, j.work, fetchEnv(j.snap, j.fresh, j.gocache), j.target, j.opt.Timeout)
	if errText == "" {
		j.r.Module, j.r.Version, j.r.GoModSum = got.Path, got.Version, got.GoModSum
		j.vouched, j.r.Checked = checkedBy(j.snap.Env, got.Path)
	}
	return got, errText
}
