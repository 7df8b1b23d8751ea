package actions

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

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
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
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
		if err := os.MkdirAll(at, 0o777); err != nil {
			return nil, err
		}
		src := filepath.Join(v.DownloadDir, v.EscapedVersion)
		dst := filepath.Join(at, v.EscapedVersion)
		info, err := os.ReadFile(src + ".info")
		if err != nil {
			// The go command can do without the time; it needs the version.
			info = []byte(fmt.Sprintf(`{"Version":%q}`, m.Version))
		}
		if err := os.WriteFile(dst+".info", info, 0o666); err != nil {
			return nil, err
		}
		n, err := copyFile(src+".mod", dst+".mod")
		if err != nil {
			return nil, err
		}
		res.Bytes += n + int64(len(info))
		if m.Packages {
			n, err := copyFile(src+".zip", dst+".zip")
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
		if err := os.WriteFile(filepath.Join(at, "list"), []byte(strings.Join(vs, "\n")+"\n"), 0o666); err != nil {
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
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte(readme), 0o666); err != nil {
		return nil, err
	}
	return res, nil
}

func copyFile(from, to string) (int64, error) {
	in, err := os.Open(from)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}
