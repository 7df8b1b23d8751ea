package actions

import (
	"bytes"
	"context"
	"errors"
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
func baseEnv(snap *cachescan.Snapshot, tmp, work string) ([]string, error) {
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
	return env, nil
}

// projectFileError is a go.mod or go.work of the project that does not
// parse.
type projectFileError struct{ error }

// offlineEnv is the user's environment with the network off, the caches
// the snapshot describes, and the project's files copied aside into tmp:
// -modfile for a module, a go.work with absolute paths for a workspace.
// -mod=mod lets the go command resolve what go.sum lacks without failing,
// in the copies. patch is the discovery copy (go.mod or go.work).
func offlineEnv(snap *cachescan.Snapshot, tmp string) (discover, check []string, patch string, err error) {
	pr := snap.Project
	// Discovery resolves what go.sum or go.mod lack in the copies; the
	// verdict is then taken with -mod=readonly, as the user's build runs.
	flags, checkFlags := "-mod=mod", ""
	work := "off"
	if pr.GoWork != "" {
		data, err := os.ReadFile(pr.GoWork)
		if err != nil {
			return nil, nil, "", err
		}
		wf, err := modfile.ParseWork(pr.GoWork, data, nil)
		if err != nil {
			return nil, nil, "", projectFileError{err}
		}
		// A copy with absolute paths, so that it works from elsewhere.
		abs := func(p string) string {
			if filepath.IsAbs(p) {
				return p
			}
			return filepath.Join(filepath.Dir(pr.GoWork), filepath.FromSlash(p))
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
		sum, sumErr := os.ReadFile(pr.GoWork + ".sum")
		// Two copies: discovery adds its work-arounds to its own; the
		// check needs the user's as it is.
		for _, sub := range []string{"discover", "check"} {
			d := filepath.Join(tmp, sub)
			os.MkdirAll(d, 0o777)
			if err := os.WriteFile(filepath.Join(d, "go.work"), []byte(b.String()), 0o666); err != nil {
				return nil, nil, "", err
			}
			if sumErr == nil {
				os.WriteFile(filepath.Join(d, "go.work.sum"), sum, 0o666)
			}
		}
		patch = filepath.Join(tmp, "discover", "go.work")
		// The go command takes no -mod=mod in workspace mode.
		flags, checkFlags = "", ""
	} else {
		gomod := filepath.Join(pr.Dir, "go.mod")
		data, err := os.ReadFile(gomod)
		if err != nil {
			return nil, nil, "", err
		}
		f, err := modfile.Parse(gomod, data, nil)
		if err != nil {
			return nil, nil, "", projectFileError{err}
		}
		// Local replaces are relative to the project, not to the copy.
		for _, r := range f.Replace {
			if r.New.Version == "" && !filepath.IsAbs(r.New.Path) {
				abs := filepath.Join(pr.Dir, filepath.FromSlash(r.New.Path))
				if err := f.AddReplace(r.Old.Path, r.Old.Version, abs, ""); err != nil {
					return nil, nil, "", err
				}
			}
		}
		f.Cleanup()
		out, err := f.Format()
		if err != nil {
			return nil, nil, "", err
		}
		// Two copies: discovery may change its own; the check needs the
		// user's files as they are.
		sum, sumErr := os.ReadFile(filepath.Join(pr.Dir, "go.sum"))
		for _, sub := range []string{"discover", "check"} {
			d := filepath.Join(tmp, sub)
			os.MkdirAll(d, 0o777)
			if err := os.WriteFile(filepath.Join(d, "go.mod"), out, 0o666); err != nil {
				return nil, nil, "", err
			}
			if sumErr == nil {
				os.WriteFile(filepath.Join(d, "go.sum"), sum, 0o666)
			}
		}
		patch = filepath.Join(tmp, "discover", "go.mod")
		flags += " -modfile=" + patch
		checkFlags = "-mod=readonly -modfile=" + filepath.Join(tmp, "check", "go.mod")
	}
	discoverWork, checkWork := work, work
	if pr.GoWork != "" {
		discoverWork, checkWork = patch, filepath.Join(tmp, "check", "go.work")
	}
	env, err := baseEnv(snap, tmp, discoverWork)
	if err != nil {
		return nil, nil, "", err
	}
	cenv, err := baseEnv(snap, tmp, checkWork)
	if err != nil {
		return nil, nil, "", err
	}
	discover = append(env, "GOFLAGS="+flags)
	check = append(cenv, "GOFLAGS="+checkFlags)
	return discover, check, patch, nil
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

// runGo runs the go command and returns its stdout and stderr.
func runGo(ctx context.Context, dir string, env []string, args ...string) ([]byte, string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	return out, stderr.String(), err
}

// startFailed reports whether err says the go command did not run at all
// (rather than ran and failed).
func startFailed(err error) bool {
	var exit *exec.ExitError
	return err != nil && !errors.As(err, &exit)
}
