package actions

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"modscope/actions/confine"
	"modscope/cachescan"
)

// ExportResult says what Export wrote.
type ExportResult struct {
	Dir      string `json:"dir"`
	Versions int    `json:"versions"`
	Zips     int    `json:"zips"`
	Bytes    int64  `json:"bytes"`
}

// Export writes the versions an offline report lists into dir in GOPROXY
// layout (<E>/@v/list, <EV>.info, <EV>.mod, and <EV>.zip for the modules the
// build imports packages from) with a README.txt, so that another machine
// with an empty module cache can build with GOPROXY=file://<dir>. It
// refuses a report that is not ready: a damaged entry must not travel, and
// an export without a missing version would fail there.
func Export(snap *cachescan.Snapshot, rep *OfflineReport, dir string) (*ExportResult, error) {
	var blocked []string
	for _, m := range rep.Modules {
		if m.State != StateReady {
			blocked = append(blocked, m.Path+"@"+m.Version+" ("+string(m.State)+")")
		}
	}
	if len(blocked) > 0 {
		return nil, fmt.Errorf("refusing to export: %s not ready: %s", pluralize(len(blocked), "version"), clip(blocked, 5))
	}
	if len(rep.Errors) > 0 {
		return nil, fmt.Errorf("refusing to export: the go command cannot load the project offline: %s", rep.Errors[0].Text)
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("refusing to export into %s: it is not empty", dir)
	}
	// Every file must be there before anything is written.
	for _, m := range rep.Modules {
		v := snap.ModCache.FindVersion(m.Path, m.Version)
		if v == nil || !v.HasMod || (m.Packages && !v.HasZip) {
			return nil, fmt.Errorf("refusing to export: %s@%s has no zip in the cache (its tree builds here, but cannot travel); run go mod download %s@%s", m.Path, m.Version, m.Path, m.Version)
		}
	}
	root, err := openExportDir(snap, dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	dir = root.Path()
	if exportOpened != nil {
		exportOpened(dir)
	}
	res := &ExportResult{Dir: dir}
	lists := map[string][]string{}
	for _, m := range rep.Modules {
		v := snap.ModCache.FindVersion(m.Path, m.Version)
		ep, err := module.EscapePath(m.Path)
		if err != nil {
			return nil, err
		}
		at := filepath.Join(dir, filepath.FromSlash(ep), "@v")
		if err := root.MkdirAll(at); err != nil {
			return nil, err
		}
		src := filepath.Join(v.DownloadDir, v.EscapedVersion)
		dst := filepath.Join(at, v.EscapedVersion)
		info, err := os.ReadFile(src + ".info")
		if err != nil {
			// The go command can do without the time; it needs the version.
			info = []byte(fmt.Sprintf(`{"Version":%q}`, m.Version))
		}
		if err := writeNew(root, dst+".info", info); err != nil {
			return nil, err
		}
		n, err := copyFile(root, src+".mod", dst+".mod")
		if err != nil {
			return nil, err
		}
		res.Bytes += n + int64(len(info))
		if m.Packages {
			n, err := copyFile(root, src+".zip", dst+".zip")
			if err != nil {
				return nil, fmt.Errorf("%s@%s: %v", m.Path, m.Version, err)
			}
			res.Bytes += n
			res.Zips++
		}
		lists[at] = append(lists[at], v.EscapedVersion)
		res.Versions++
	}
	for at, vs := range lists {
		semver.Sort(vs)
		if err := writeNew(root, filepath.Join(at, "list"), []byte(strings.Join(vs, "\n")+"\n")); err != nil {
			return nil, err
		}
	}
	readme := fmt.Sprintf(`This directory is a Go module proxy in GOPROXY layout, written by modscope
for %s: the %d module versions its builds and tests need.

On a machine without network access, with this directory copied to DIR:

    GOPROXY=file://DIR GOSUMDB=off go build ./...
    GOPROXY=file://DIR GOSUMDB=off go test ./...

GOSUMDB=off because the checksum database is out of reach; the project's
go.sum still checks every module (the default -mod=readonly never adds to it).
`, rep.Project, res.Versions)
	if err := writeNew(root, filepath.Join(dir, "README.txt"), []byte(readme)); err != nil {
		return nil, err
	}
	return res, nil
}

// exportOpened, in tests, plants what a racing process could once the
// directory was found empty.
var exportOpened func(dir string)

// openExportDir creates dir if missing and opens it as a confine root:
// every file below it is created new, never through a link. A dir that
// is /, the home directory or above it, or inside (or holding) a cache
// root, is refused: the export must not land in a cache.
func openExportDir(snap *cachescan.Snapshot, dir string) (*confine.Root, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := confine.Check(abs, confine.ExportDir); err != nil {
		return nil, err
	}
	// Where it lands, judged before anything is created.
	real := abs
	if rp, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		real = filepath.Join(rp, filepath.Base(abs))
	}
	if r, err := filepath.EvalSymlinks(real); err == nil {
		real = r
	}
	for _, c := range []string{snap.ModCache.Root, snap.BuildCache.Root} {
		if c == "" {
			continue
		}
		if rc, err := filepath.EvalSymlinks(c); err == nil {
			c = rc
		}
		if real == c || within(c, real) || within(real, c) {
			return nil, fmt.Errorf("refusing to export into %s: it is inside or holds the cache %s; name a directory outside the caches", dir, c)
		}
	}
	if err := os.MkdirAll(real, 0o777); err != nil {
		return nil, fmt.Errorf("creating the export directory: %w", err)
	}
	return confine.Open(real, confine.ExportDir)
}

// writeNew writes a new file below the export root.
func writeNew(root *confine.Root, path string, data []byte) error {
	f, err := root.CreateFile(path, 0o666)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func copyFile(root *confine.Root, from, to string) (int64, error) {
	in, err := os.Open(from)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := root.CreateFile(to, 0o666)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}
