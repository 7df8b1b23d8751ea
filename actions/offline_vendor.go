package actions

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"modscope/cachescan"
)

// vendor answers for a -mod=vendor build: the go command reads vendor/
// and never the module cache, so the cache's state does not matter; the
// go command's own consistency check of vendor/modules.txt against go.mod
// does. Vendored packages are compared with the cache's copy of their
// module version, when it has one.
func (o *offline) vendor(ctx context.Context) error {
	pr, rep := o.snap.Project, o.rep
	vdir := filepath.Join(pr.Dir, "vendor")
	rep.Vendor = &OfflineVendor{Dir: vdir, Consistent: true, Differs: []VendorDiff{}}
	env := append(baseEnv(o.snap, o.tmp, "off"), "GOFLAGS=-mod=vendor")
	r := runGo(ctx, pr.Dir, env, append([]string{"list", "-e", "-deps", "-test", "-json=ImportPath,Dir,Standard,Module,Error,DepsErrors"}, o.patterns...)...)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	switch r.outcome() {
	case goNotStarted:
		return errNotStarted(r)
	case goInconsistentVendoring:
		rep.Vendor.Consistent = false
		o.inconsistent(r.stderr)
	case goFailed:
		if len(r.out) == 0 {
			o.addStderr(r.stderr)
		}
	}
	mods := o.readVendored(filepath.Join(vdir, "modules.txt"))
	pkgs, vendored, err := o.vendoredPackages(r.out, vdir)
	if err != nil {
		return err
	}
	o.judgeVendored(mods, pkgs)
	return o.compareVendored(ctx, vendored)
}

// readVendored lists the versions vendor/modules.txt vendors; when it
// cannot be read, vendor/ is not consistent, and the go command says what
// it makes of it (its errors are recorded already).
func (o *offline) readVendored(modulesTxt string) []module.Version {
	mods, err := readModulesTxt(modulesTxt)
	if err != nil {
		rep := o.rep
		rep.Vendor.Consistent = false
		rep.Notes = append(rep.Notes, "cannot read vendor/modules.txt ("+err.Error()+"): the vendored versions are not known; go mod vendor writes it again")
		if len(rep.Errors) == 0 {
			o.addErr("reading vendor/modules.txt: " + err.Error())
		}
	}
	return mods
}

// vendoredPackage is a package the build takes from vendor/.
type vendoredPackage struct {
	importPath, dir string
	mod             module.Version // the version in the cache it is a copy of
	rel             string         // its directory in the module
}

// vendoredPackages reads go list's packages: the versions the build
// imports packages from, and the packages it takes from vendor/ (a
// replacement by a local directory has nothing in the cache to compare).
func (o *offline) vendoredPackages(out []byte, vdir string) (map[module.Version]bool, []vendoredPackage, error) {
	pkgs := map[module.Version]bool{}
	var vendored []vendoredPackage
	err := decodeEach(out, "go list -deps", "go list -mod=vendor -deps -test ./...", func(p *goListPackage) {
		o.addPackageErrs(p)
		if p.Standard || p.Module == nil || p.Module.Main {
			return
		}
		mv := module.Version{Path: p.Module.Path, Version: p.Module.Version}
		pkgs[mv] = true
		t := mv
		if r := p.Module.Replace; r != nil {
			if r.Version == "" {
				return
			}
			t = module.Version{Path: r.Path, Version: r.Version}
		}
		if p.Dir != "" && strings.HasPrefix(p.Dir, vdir+string(filepath.Separator)) {
			vendored = append(vendored, vendoredPackage{p.ImportPath, p.Dir, t, strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, p.Module.Path), "/")})
		}
	})
	return pkgs, vendored, err
}

// judgeVendored judges each vendored version: ready, unless the go
// command's consistency check names it.
func (o *offline) judgeVendored(mods []module.Version, pkgs map[module.Version]bool) {
	rep := o.rep
	seen := map[module.Version]bool{}
	for _, mv := range mods {
		seen[mv] = true
		om := OfflineModule{Path: mv.Path, Version: mv.Version, Vendored: true, Packages: pkgs[mv], State: StateReady, Problems: []cachescan.Problem{}}
		if b := o.blamed[mv]; len(b) > 0 {
			om.State, om.Reason = StateDamaged, "vendor/ disagrees with go.mod: "+b[0]
		}
		rep.Modules = append(rep.Modules, om)
	}
	for mv, b := range o.blamed {
		if !seen[mv] {
			rep.Modules = append(rep.Modules, OfflineModule{Path: mv.Path, Version: mv.Version, Vendored: true, State: StateMissing,
				Reason: "vendor/ lacks it or disagrees with go.mod on it: " + b[0], Problems: []cachescan.Problem{}})
		}
	}
}

// compareVendored compares the vendored packages with the cache's copies,
// and those with go.sum.
func (o *offline) compareVendored(ctx context.Context, vendored []vendoredPackage) error {
	pr, rep := o.snap.Project, o.rep
	var compared []module.Version
	inCache := map[module.Version]*cachescan.Version{}
	for _, p := range vendored {
		if _, done := inCache[p.mod]; done {
			continue
		}
		v := o.snap.ModCache.FindVersion(p.mod.Path, p.mod.Version)
		if v == nil || (!v.HasDir && !v.HasZip) {
			v = nil
			rep.Vendor.Uncompared = append(rep.Vendor.Uncompared, p.mod.String())
		} else {
			compared = append(compared, p.mod)
		}
		inCache[p.mod] = v
	}
	bad, err := verifiedErrors(ctx, o.snap, compared)
	if err != nil {
		return err
	}
	for _, p := range vendored {
		v := inCache[p.mod]
		if v == nil {
			continue
		}
		detail := diffPackage(p.dir, v, p.mod, p.rel, pr.Go)
		if detail == "" {
			continue
		}
		zipSum, _ := pr.Sum(p.mod.Path, p.mod.Version)
		switch {
		case len(bad[p.mod.String()]) > 0:
			detail += "; the cached copy itself does not verify (" + bad[p.mod.String()][0].Kind + "), so which one go.sum vouches for is not known"
		case len(zipSum) > 0:
			detail += "; the cached copy matches go.sum, so vendor/ holds code go.sum does not vouch for"
		default:
			detail += "; go.sum has no line for this version to tell which is right"
		}
		rep.Vendor.Differs = append(rep.Vendor.Differs, VendorDiff{Package: p.importPath, Module: p.mod.Path, Version: p.mod.Version, Detail: detail})
	}
	sort.Strings(rep.Vendor.Uncompared)
	return nil
}

// readModulesTxt lists the module versions vendor/modules.txt vendors:
// its "# path version" lines (a replacement after "=>" is not the key).
func readModulesTxt(path string) ([]module.Version, error) {
	data, err := readBounded(path, 64<<20)
	if err != nil {
		return nil, err
	}
	var mods []module.Version
	for _, l := range strings.Split(string(data), "\n") {
		rest, ok := strings.CutPrefix(l, "# ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) >= 2 && semver.IsValid(f[1]) {
			mods = append(mods, module.Version{Path: f[0], Version: f[1]})
		}
	}
	return mods, nil
}

// diffPackage compares a vendored package directory with the package's
// directory in the cached module version (its tree, else its zip), as go
// mod vendor copies it: the regular files of the directory but _test.go
// files, files tagged ignore and (go 1.17 and later) go.mod and go.sum.
// It returns "" when they agree, else what differs.
func diffPackage(vendorDir string, v *cachescan.Version, mv module.Version, rel, goVersion string) string {
	copied := func(name string, head []byte) bool {
		if strings.HasSuffix(name, "_test.go") {
			return false
		}
		if (name == "go.mod" || name == "go.sum") && (goVersion == "" || semver.Compare("v"+goVersion, "v1.17") >= 0) {
			return false
		}
		if strings.HasSuffix(name, ".go") && ignored(head) {
			return false
		}
		return true
	}
	vend, err := hashFiles(os.DirFS(vendorDir), ".")
	if err != nil {
		return "cannot read the vendored package: " + err.Error()
	}
	var cached map[string]fileSum
	if v.HasDir && v.Dir != "" && v.State != cachescan.StatePartial {
		cached, err = hashFiles(os.DirFS(v.Dir), pathOr(rel))
	} else {
		var zr *zip.ReadCloser
		if zr, err = zip.OpenReader(filepath.Join(v.DownloadDir, v.EscapedVersion+".zip")); err == nil {
			defer zr.Close()
			var sub fs.FS
			if sub, err = fs.Sub(zr, mv.Path+"@"+mv.Version); err == nil {
				cached, err = hashFiles(sub, pathOr(rel))
			}
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "cannot read the cached copy: " + err.Error()
	}
	var changed, extra, gone []string
	for name, s := range vend {
		c, ok := cached[name]
		switch {
		case !ok:
			extra = append(extra, name)
		case c.sum != s.sum:
			changed = append(changed, name)
		}
	}
	for name, c := range cached {
		if _, ok := vend[name]; !ok && copied(name, c.head) {
			gone = append(gone, name)
		}
	}
	sort.Strings(changed)
	sort.Strings(extra)
	sort.Strings(gone)
	d := describeLists(namedList{"changed", changed}, namedList{"not in the module", extra}, namedList{"missing from vendor/", gone})
	if d == "" {
		return ""
	}
	return "differs from the cached " + mv.String() + " (" + d + ")"
}

func pathOr(rel string) string {
	if rel == "" {
		return "."
	}
	return rel
}

type fileSum struct {
	sum  [sha256.Size]byte
	head []byte
}

// hashFiles hashes the regular files directly in dir of fsys (links and
// directories are skipped, never followed), keeping the first bytes of
// each to read build constraints.
func hashFiles(fsys fs.FS, dir string) (map[string]fileSum, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	out := map[string]fileSum{}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		f, err := fsys.Open(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		var head bytes.Buffer
		_, err = io.Copy(io.MultiWriter(h, &limitedBuffer{&head, 4096}), f)
		f.Close()
		if err != nil {
			return nil, err
		}
		var s fileSum
		copy(s.sum[:], h.Sum(nil))
		s.head = head.Bytes()
		out[e.Name()] = s
	}
	return out, nil
}

type limitedBuffer struct {
	b *bytes.Buffer
	n int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// ignored reports whether a Go file's header constrains it to the ignore
// tag, which go mod vendor leaves out.
func ignored(head []byte) bool {
	for _, l := range strings.Split(string(head), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "//") && !strings.HasPrefix(l, "//go:build") && !strings.HasPrefix(l, "// +build") {
			continue
		}
		if c, ok := strings.CutPrefix(l, "//go:build "); ok {
			return strings.TrimSpace(c) == "ignore"
		}
		if c, ok := strings.CutPrefix(l, "// +build "); ok {
			return strings.TrimSpace(c) == "ignore"
		}
		return false
	}
	return false
}
