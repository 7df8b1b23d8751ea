package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"

	"modscope/cachescan"
)

// baseEnv is the user's environment with the network off and the caches
// the snapshot describes. GOPROXY=off does not stop the go command from
// asking the checksum database for a sum go.sum lacks, so GONOSUMDB=*
// keeps every module from it; but a toolchain switch (a toolchain line, or
// a go line newer than the local go) always authenticates the cached
// toolchain with the checksum database, from its cached lookup: so GOSUMDB
// stays the user's database, with a server URL that reaches nothing.
func baseEnv(snap *cachescan.Snapshot, tmp, work string) []string {
	sumdbEnv := "off"
	if cfg, err := parseGOSUMDB(snap.Env.GOSUMDB); err == nil && !cfg.off {
		nowhere := filepath.ToSlash(filepath.Join(tmp, "no-checksum-database"))
		if !strings.HasPrefix(nowhere, "/") {
			nowhere = "/" + nowhere
		}
		sumdbEnv = cfg.key + " file://" + nowhere
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOPROXY", "GOFLAGS", "GOWORK", "GOMODCACHE", "GOCACHE", "GOSUMDB", "GONOSUMDB":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GOPROXY=off", "GOWORK="+work, "GOMODCACHE="+snap.ModCache.Root, "GOSUMDB="+sumdbEnv, "GONOSUMDB=*")
	if snap.BuildCache.Root != "" {
		env = append(env, "GOCACHE="+snap.BuildCache.Root)
	}
	return env
}

// projectFileError is a go.mod or go.work of the project that does not
// parse.
type projectFileError struct{ error }

// offlineEnv is the user's environment with the network off, the caches
// the snapshot describes, and the project's files copied aside into tmp
// twice: discovery resolves what go.sum or go.mod lack in its copy (and
// work-arounds add to it), with -mod=mod; the verdict is taken on the
// user's files as they are, with -mod=readonly as the user's build runs.
// -modfile points at the copies of a module, GOWORK at those of a
// workspace. patch is the discovery copy (go.mod or go.work).
func offlineEnv(snap *cachescan.Snapshot, tmp string) (discover, check []string, patch string, err error) {
	pr := snap.Project
	if pr.GoWork != "" {
		data, err := workCopy(pr.GoWork)
		if err != nil {
			return nil, nil, "", err
		}
		if err := writeCopies(tmp, "go.work", data, pr.GoWork+".sum", "go.work.sum"); err != nil {
			return nil, nil, "", err
		}
		patch = filepath.Join(tmp, "discover", "go.work")
		// The go command takes no -mod=mod in workspace mode.
		discover = append(baseEnv(snap, tmp, patch), "GOFLAGS=")
		check = append(baseEnv(snap, tmp, filepath.Join(tmp, "check", "go.work")), "GOFLAGS=")
		return discover, check, patch, nil
	}
	data, err := modCopy(filepath.Join(pr.Dir, "go.mod"))
	if err != nil {
		return nil, nil, "", err
	}
	if err := writeCopies(tmp, "go.mod", data, filepath.Join(pr.Dir, "go.sum"), "go.sum"); err != nil {
		return nil, nil, "", err
	}
	patch = filepath.Join(tmp, "discover", "go.mod")
	discover = append(baseEnv(snap, tmp, "off"), "GOFLAGS=-mod=mod -modfile="+patch)
	check = append(baseEnv(snap, tmp, "off"), "GOFLAGS=-mod=readonly -modfile="+filepath.Join(tmp, "check", "go.mod"))
	return discover, check, patch, nil
}

// readProjectFile reads and parses the project's go.mod or go.work; one
// that does not parse is a projectFileError.
func readProjectFile[F any](name string, parse func(string, []byte, modfile.VersionFixer) (F, error)) (F, error) {
	var f F
	data, err := os.ReadFile(name)
	if err != nil {
		return f, err
	}
	if f, err = parse(name, data, nil); err != nil {
		return f, projectFileError{err}
	}
	return f, nil
}

// workCopy is the project's go.work with absolute paths, so that it works
// from elsewhere.
func workCopy(goWork string) ([]byte, error) {
	wf, err := readProjectFile(goWork, modfile.ParseWork)
	if err != nil {
		return nil, err
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(filepath.Dir(goWork), filepath.FromSlash(p))
	}
	var b strings.Builder
	if wf.Go != nil {
		b.WriteString("go " + wf.Go.Version + "\n")
	}
	if wf.Toolchain != nil {
		b.WriteString("toolchain " + wf.Toolchain.Name + "\n")
	}
	for _, u := range wf.Use {
		b.WriteString("use " + modfile.AutoQuote(abs(u.Path)) + "\n")
	}
	for _, r := range wf.Replace {
		old := modfile.AutoQuote(r.Old.Path)
		if r.Old.Version != "" {
			old += " " + r.Old.Version
		}
		nw := r.New.Path
		if r.New.Version != "" {
			nw = modfile.AutoQuote(nw) + " " + r.New.Version
		} else {
			nw = modfile.AutoQuote(abs(nw))
		}
		b.WriteString("replace " + old + " => " + nw + "\n")
	}
	return []byte(b.String()), nil
}

// modCopy is the project's go.mod with its local replaces made absolute:
// they are relative to the project, not to the copy.
func modCopy(gomod string) ([]byte, error) {
	f, err := readProjectFile(gomod, modfile.Parse)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(gomod)
	for _, r := range f.Replace {
		if r.New.Version == "" && !filepath.IsAbs(r.New.Path) {
			abs := filepath.Join(dir, filepath.FromSlash(r.New.Path))
			if err := f.AddReplace(r.Old.Path, r.Old.Version, abs, ""); err != nil {
				return nil, err
			}
		}
	}
	f.Cleanup()
	return f.Format()
}

// writeCopies writes the file (go.mod or go.work) into tmp/discover and
// tmp/check, each with a copy of the sum file beside it, named sumName,
// when there is one.
func writeCopies(tmp, name string, data []byte, sumFile, sumName string) error {
	sum, sumErr := os.ReadFile(sumFile)
	for _, sub := range []string{"discover", "check"} {
		d := filepath.Join(tmp, sub)
		os.MkdirAll(d, 0o777)
		if err := os.WriteFile(filepath.Join(d, name), data, 0o666); err != nil {
			return err
		}
		if sumErr == nil {
			os.WriteFile(filepath.Join(d, sumName), sum, 0o666)
		}
	}
	return nil
}

// goResult is what one run of the go command said.
type goResult struct {
	out    []byte
	stderr string
	err    error
}

// runGo runs the go command in dir with env.
func runGo(ctx context.Context, dir string, env []string, args ...string) goResult {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	return goResult{out: out, stderr: stderr.String(), err: err}
}

// goOutcome is how a run of the go command ended, as offline reads it.
type goOutcome uint8

const (
	goSucceeded  goOutcome = iota
	goNotStarted           // the go command did not run at all
	// goInconsistentVendoring: -mod=vendor refuses vendor/modules.txt.
	goInconsistentVendoring
	goNoPackages // the patterns matched no packages: nothing to build, no finding
	goFailed     // it ran and printed its errors
)

func (r goResult) outcome() goOutcome {
	var exit *exec.ExitError
	switch {
	case r.err == nil:
		return goSucceeded
	case !errors.As(r.err, &exit):
		return goNotStarted
	case strings.Contains(r.stderr, "inconsistent vendoring"):
		return goInconsistentVendoring
	case strings.Contains(r.stderr, "matched no packages"):
		return goNoPackages
	}
	return goFailed
}

// errNotStarted is the error of a go command that did not run at all.
func errNotStarted(r goResult) error {
	return fmt.Errorf("cannot run the go command: %v; check that go is installed and on PATH", r.err)
}

// progressLine reports whether a line of the go command's stderr only
// says what it is doing: "go: downloading m v" precedes the error of a
// fetch GOPROXY=off refuses, and is no finding of its own.
func progressLine(line string) bool {
	for _, prefix := range []string{"go: downloading ", "go: extracting ", "go: finding "} {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}

// decodeEach decodes the JSON values go list -json prints one after the
// other, calling f on each; what prints them names the command in the
// error (what, and how to run it by hand).
func decodeEach[T any](out []byte, what, by string, f func(*T)) error {
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var v T
		if err := dec.Decode(&v); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("%s printed bad JSON: %v; run %s in the project to see why", what, err, by)
		}
		f(&v)
	}
}
