package actions

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"modscope/assets"
	"modscope/cachescan"
)

// runDiscover runs a discovery go command. When it fails without output
// (the go command stops on the first version it cannot load: a .mod that
// disagrees with go.sum or does not parse, a version not in the cache), the
// error is recorded, the version it names is worked around, and the command
// runs again, until it answers or names nothing new.
func (o *offline) runDiscover(ctx context.Context, what string, args ...string) ([]byte, bool) {
	pr := o.snap.Project
	for tries := 0; tries <= 2*len(pr.Requires)+20; tries++ {
		r := runGo(ctx, pr.Dir, o.discover, args...)
		if ctx.Err() != nil {
			return nil, false
		}
		switch oc := r.outcome(); {
		case oc == goNotStarted:
			o.fatal = errNotStarted(r)
			return nil, false
		case oc == goSucceeded || oc == goNoPackages:
			return r.out, true
		case len(r.out) > 0:
			// It answered for what it could load (-e); the rest is
			// in its errors.
			o.addStderr(r.stderr)
			return r.out, true
		}
		o.addStderr(r.stderr)
		mv, ok := o.stoppedOn(r.stderr)
		if !ok || o.workAround(mv) != nil {
			o.rep.Notes = append(o.rep.Notes, what+" failed: "+firstLine(strings.TrimSpace(r.stderr)))
			return nil, false
		}
	}
	return nil, false
}

// stoppedOn is the module version a go command's fatal error names, if it
// is one not yet worked around.
func (o *offline) stoppedOn(stderr string) (module.Version, bool) {
	for _, l := range strings.Split(stderr, "\n") {
		if progressLine(l) || strings.HasPrefix(l, "\t") {
			continue
		}
		s := assets.ModuleVersion(l)
		if s == "" {
			continue
		}
		p, v, _ := strings.Cut(s, "@")
		if p == "golang.org/toolchain" {
			// The toolchain switch fails, before any module is read:
			// nothing to work around, every go command fails alike.
			return module.Version{}, false
		}
		mv := module.Version{Path: p, Version: v}
		if o.isWorked(mv) {
			return module.Version{}, false
		}
		return mv, true
	}
	return module.Version{}, false
}

// isWorked reports whether a version is worked around already.
func (o *offline) isWorked(mv module.Version) bool {
	for _, w := range o.worked {
		if w == mv {
			return true
		}
	}
	return false
}

// workable reports whether a version can be worked around: the cache has
// its tree or zip, and it is not worked around already.
func (o *offline) workable(mv module.Version) bool {
	v := o.snap.ModCache.FindVersion(mv.Path, mv.Version)
	return v != nil && (v.HasDir || v.HasZip) && !o.isWorked(mv)
}

// workAroundAll works around each of the versions.
func (o *offline) workAroundAll(mvs []module.Version) error {
	for _, mv := range mvs {
		if err := o.workAround(mv); err != nil {
			return err
		}
	}
	return nil
}

// workAround replaces a version in the discovery copy (never the user's
// files) by a directory: its extracted tree if the cache has one, else its
// zip extracted aside, else a go.mod with what its .mod requires (parsed
// leniently) or only its module line. The go command then reads no .mod
// and no go.sum line of it, and the rest of the graph loads.
func (o *offline) workAround(mv module.Version) error {
	dir, err := o.standIn(mv)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(o.patch, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "\nreplace %s %s => %s\n", modfile.AutoQuote(mv.Path), mv.Version, modfile.AutoQuote(dir))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	o.worked[dir] = mv
	return nil
}

// standIn is the directory that stands in for a version: its extracted
// tree when that has a go.mod, else its zip extracted aside, else a go.mod
// of its own (standInGoMod).
func (o *offline) standIn(mv module.Version) (string, error) {
	v := o.snap.ModCache.FindVersion(mv.Path, mv.Version)
	if v != nil && v.HasDir && v.Dir != "" {
		if fi, err := os.Lstat(filepath.Join(v.Dir, "go.mod")); err == nil && fi.Mode().IsRegular() {
			return v.Dir, nil
		}
	}
	dir := filepath.Join(o.tmp, "stand-in", fmt.Sprint(len(o.worked)))
	if err := os.MkdirAll(filepath.Dir(dir), 0o777); err != nil {
		return "", err
	}
	if v != nil && v.HasZip {
		if modzip.Unzip(dir, mv, filepath.Join(v.DownloadDir, v.EscapedVersion+".zip")) == nil {
			return dir, nil
		}
		os.RemoveAll(dir)
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(standInGoMod(mv, v)), 0o666); err != nil {
		return "", err
	}
	o.rep.Notes = append(o.rep.Notes, fmt.Sprintf("%s has no usable copy in the cache: the packages it provides and the requirements only its go.mod has could not be followed", cachescan.Printable(mv.String())))
	return dir, nil
}

// standInGoMod is a go.mod for a version the cache has no copy of: its
// module line, with the go line and requires of its .mod, read leniently,
// when the cache has that.
func standInGoMod(mv module.Version, v *cachescan.Version) string {
	gomod := "module " + modfile.AutoQuote(mv.Path) + "\n"
	if v == nil || !v.HasMod {
		return gomod
	}
	data, err := readBounded(filepath.Join(v.DownloadDir, v.EscapedVersion+".mod"), modzip.MaxGoMod)
	if err != nil {
		return gomod
	}
	f, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		return gomod
	}
	var b strings.Builder
	b.WriteString(gomod)
	if f.Go != nil {
		b.WriteString("go " + f.Go.Version + "\n")
	}
	for _, r := range f.Require {
		b.WriteString("require " + modfile.AutoQuote(r.Mod.Path) + " " + r.Mod.Version + "\n")
	}
	return b.String()
}

// readBounded reads a file of at most limit bytes; a larger one is an
// error.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return data, err
}
