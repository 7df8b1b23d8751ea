package actions

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"modscope/cachescan"
)

// checkBuild takes the verdict of the user's own kind of build: with
// -mod=readonly on the untouched copies, every package must load offline;
// what the go command says against it is recorded.
func (o *offline) checkBuild(ctx context.Context) error {
	r := runGo(ctx, o.snap.Project.Dir, o.check, append([]string{"list", "-deps", "-test"}, o.patterns...)...)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	switch r.outcome() {
	case goNotStarted:
		return errNotStarted(r)
	case goFailed, goInconsistentVendoring:
		o.addStderr(r.stderr)
	}
	return nil
}

// verifiedErrors verifies what the cache has of the versions (a pattern
// for a version it lacks would match nothing, which verify refuses) and
// returns, by "path@version", the problems of severity error the scan and
// that verify found.
func verifiedErrors(ctx context.Context, snap *cachescan.Snapshot, versions []module.Version) (map[string][]cachescan.Problem, error) {
	var patterns []string
	for _, mv := range versions {
		if snap.ModCache.FindVersion(mv.Path, mv.Version) != nil {
			patterns = append(patterns, "="+mv.String())
		}
	}
	vrep := &VerifyReport{}
	if len(patterns) > 0 { // none would mean everything
		var err error
		if vrep, err = NewVerifier().Verify(ctx, snap, VerifyOptions{Patterns: patterns, ZipCache: DefaultZipCache()}); err != nil {
			return nil, err
		}
	}
	probs := map[string][]cachescan.Problem{}
	for _, ps := range [][]cachescan.Problem{snap.Problems, vrep.Problems} {
		for _, p := range ps {
			if p.Module != "" && p.Severity == cachescan.SeverityError {
				probs[p.Module+"@"+p.Version] = append(probs[p.Module+"@"+p.Version], p)
			}
		}
	}
	return probs, nil
}

// judge says of each needed version whether the build has what it needs
// of it, and why not.
func (o *offline) judge(ctx context.Context, graph map[module.Version]bool) error {
	probs, err := verifiedErrors(ctx, o.snap, slices.Collect(maps.Keys(graph)))
	if err != nil {
		return err
	}
	for mv, pkgs := range graph {
		om := o.judgeOne(mv, pkgs, probs[mv.String()])
		if pkgs && (om.State == StateMissing || om.State == StateIncomplete) {
			o.rep.Notes = append(o.rep.Notes, cachescan.Printable(mv.String())+": none of its packages is cached, so what they import could not be followed")
		}
		o.rep.Modules = append(o.rep.Modules, om)
	}
	return nil
}

// judgeOne judges one version; pkgs: the build imports packages from it.
func (o *offline) judgeOne(mv module.Version, pkgs bool, probs []cachescan.Problem) OfflineModule {
	v := o.snap.ModCache.FindVersion(mv.Path, mv.Version)
	om := OfflineModule{Path: mv.Path, Version: mv.Version, Packages: pkgs, Problems: []cachescan.Problem{}}
	for _, p := range probs {
		// A crashed extraction next to a good zip is repaired by the go
		// command itself, offline.
		if p.Kind == cachescan.KindDirPartial && v != nil && v.HasZip {
			continue
		}
		om.Problems = append(om.Problems, p)
	}
	blamed := o.blamed[mv]
	switch {
	case v == nil || !v.HasMod:
		om.State, om.Reason = StateMissing, "not in the module cache (no .mod)"
		if v != nil && (v.HasZip || v.HasDir) {
			om.Reason = "its .mod is not in the module cache (the zip or tree alone does not load the module graph)"
		}
	case len(om.Problems) > 0:
		om.State, om.Reason = StateDamaged, damageReason(mv, v, om.Problems[0])
	case pkgs && !(v.State.Usable() || v.HasZip):
		// With a zip the go command re-hashes it when the ziphash is
		// gone, and extracts it when the tree is.
		om.State = StateIncomplete
		om.Reason = "only its .info/.mod is cached, and the build needs its packages (no zip to extract, no complete tree)"
		if v.HasDir {
			om.Reason = "its tree is cached without a zip or .ziphash, which the go command does not trust; the build needs its packages"
		}
	case len(blamed) > 0:
		om.State, om.Reason = StateDamaged, "the go command fails on it: "+blamed[0]
	default:
		om.State = StateReady
	}
	return om
}

// damageReason says in a line what is wrong with a version, from its first
// problem; a .mod that go.sum disagrees with but that is the zip's own
// go.mod points at go.sum rather than the cache.
func damageReason(mv module.Version, v *cachescan.Version, p cachescan.Problem) string {
	if p.Kind == cachescan.KindModModified && v.HasZip {
		mod, err1 := readBounded(filepath.Join(v.DownloadDir, v.EscapedVersion+".mod"), modzip.MaxGoMod)
		zmod, err2 := zipGoMod(filepath.Join(v.DownloadDir, v.EscapedVersion+".zip"), mv)
		if err1 == nil && err2 == nil && bytes.Equal(mod, zmod) {
			return "go.sum's /go.mod line disagrees with the cached .mod, which is the module zip's own go.mod: go.sum looks wrong, not the cache (" + p.Detail + ")"
		}
	}
	for _, k := range cachescan.Kinds {
		if k.Name == p.Kind {
			return p.Kind + ": " + k.Meaning + " (" + p.Detail + ")"
		}
	}
	return p.Kind + ": " + p.Detail
}

// zipGoMod reads the go.mod at the root of a module zip.
func zipGoMod(zipFile string, mv module.Version) ([]byte, error) {
	zr, err := zip.OpenReader(zipFile)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == mv.Path+"@"+mv.Version+"/go.mod" && f.UncompressedSize64 <= modzip.MaxGoMod {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(io.LimitReader(rc, modzip.MaxGoMod))
		}
	}
	return nil, os.ErrNotExist
}
