package cachescan

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	modzip "golang.org/x/mod/zip"
)

// Content checks run on the files of one @v directory. None hashes anything:
// they read small files and the zip's central directory.

// MaxSmallFile bounds what the scan (and verify) reads of .info, .mod,
// .ziphash and list files: x/mod/zip's limit on a go.mod. Anything larger
// is itself a sign of damage.
const MaxSmallFile = modzip.MaxGoMod

const maxSmallFile = MaxSmallFile

// ErrTooLarge is ReadSmall's error for a file past MaxSmallFile.
var ErrTooLarge = fmt.Errorf("larger than %d bytes", MaxSmallFile)

// ReadSmall reads a small cache file as the scan does: never following a
// final symlink, never blocking on a FIFO, and never more than MaxSmallFile
// bytes (a sparse 3 GiB .mod costs 16 MiB, then ErrTooLarge). sizeHint is
// the size the listing saw, 0 if unknown.
func ReadSmall(path string, sizeHint int64) ([]byte, error) { return readSmall(path, sizeHint) }

func readSmall(path string, sizeHint int64) ([]byte, error) {
	// One byte more than the listing said shows whether the file grew.
	if sizeHint <= 0 {
		sizeHint = 4095
	}
	buf := make([]byte, min(sizeHint+1, maxSmallFile+1))
	for {
		n, err := readHead(path, buf)
		if err != nil {
			return nil, err
		}
		if n < len(buf) {
			return buf[:n], nil
		}
		if len(buf) > maxSmallFile {
			return nil, ErrTooLarge
		}
		buf = make([]byte, min(8*len(buf), maxSmallFile+1))
	}
}

// checkInfo: the go command only needs .info to unmarshal (one that does not
// is treated as not cached: fetched again, and offline builds fail), and then
// trusts whatever Version it holds. A zero or missing Time is accepted: some
// registries (buf.build) serve one.
func checkInfo(r *verRec, modPath, vers, path string, size int64) {
	data, err := readSmall(path, size)
	if err != nil {
		r.problems = append(r.problems, infoProblem(modPath, vers, path, "cannot read: "+errText(err)))
		return
	}
	var info struct {
		Version string
		Time    time.Time
		Origin  *Origin
	}
	if err := json.Unmarshal(data, &info); err != nil {
		r.problems = append(r.problems, infoProblem(modPath, vers, path,
			"not valid JSON: "+err.Error()+"; the go command treats it as not cached"))
		return
	}
	if info.Version != vers {
		r.problems = append(r.problems, infoProblem(modPath, vers, path,
			fmt.Sprintf("names version %q; the go command would report that instead of %s", info.Version, vers)))
		return
	}
	r.origin = info.Origin
	if !info.Time.IsZero() {
		t := info.Time
		r.infoTime = &t
	}
}

func infoProblem(modPath, vers, path, detail string) Problem {
	p := newProblem(KindInfoInvalid, modPath, vers, path, detail)
	p.Fix = "rm " + ShellQuote(path) + "  (the go command fetches it again; needs the network)"
	return p
}

// checkMod: a .mod that does not parse, or declares another path, makes every
// build that loads it fail with a checksum mismatch.
func checkMod(r *verRec, modPath, vers, path string, size int64) {
	data, err := readSmall(path, size)
	if err != nil {
		r.problems = append(r.problems, modProblem(modPath, vers, path, "cannot read: "+errText(err)))
		return
	}
	if bytes.HasPrefix(data, []byte("//vgo 0.0.")) {
		// An old auto-conversion the go command ignores and fetches again.
		return
	}
	// The base name keeps the path out of the parser's messages: the
	// problem's Path already says where the file is.
	f, err := modfile.ParseLax(filepath.Base(path), data, nil)
	if err != nil {
		r.problems = append(r.problems, modProblem(modPath, vers, path, "does not parse: "+firstLine(err.Error())))
		return
	}
	switch {
	case f.Module == nil:
		r.problems = append(r.problems, modProblem(modPath, vers, path, "has no module line"))
	case f.Module.Mod.Path != modPath:
		// Normal for a fork used as a replace target: its go.mod keeps the
		// original path. Whether that is a problem depends on the project.
		r.declared = f.Module.Mod.Path
	}
}

func modProblem(modPath, vers, path, detail string) Problem {
	p := newProblem(KindModInvalid, modPath, vers, path, detail)
	p.Fix = "rm " + ShellQuote(path) + "  (the go command fetches it again; needs the network)"
	return p
}

// checkZipHash applies the go command's own test (TrimSpace, 47 bytes, no
// NUL) and also requires an h1: hash of 32 bytes, which is what go.sum holds.
func checkZipHash(r *verRec, modPath, vers, path string, size int64) {
	data, err := readSmall(path, size)
	if err != nil {
		r.lockBusyProblems = append(r.lockBusyProblems, zipHashProblem(r, modPath, vers, path, "cannot read: "+errText(err)))
		return
	}
	h := strings.TrimSpace(string(data))
	detail := ""
	switch {
	case len(data) == 0:
		detail = "empty"
	case bytes.IndexByte(data, 0) >= 0:
		detail = "has NUL bytes (a torn write)"
	case len(h) != 47:
		detail = fmt.Sprintf("%d bytes long, not 47", len(h))
	case !strings.HasPrefix(h, "h1:"):
		detail = fmt.Sprintf("not an h1: hash: %q", h)
	default:
		if raw, err := base64.StdEncoding.DecodeString(h[3:]); err != nil || len(raw) != 32 {
			detail = fmt.Sprintf("not a base64 SHA-256: %q", h)
		}
	}
	if detail != "" {
		r.lockBusyProblems = append(r.lockBusyProblems, zipHashProblem(r, modPath, vers, path, detail))
		return
	}
	r.ziphashValue = h
}

func zipHashProblem(r *verRec, modPath, vers, path, detail string) Problem {
	return newProblem(KindZipHashInvalid, modPath, vers, path, detail)
}

// checkZip runs x/mod/zip's checks, which read only the central directory:
// names under M@V/, clean paths, no collisions, size limits.
func checkZip(r *verRec, modPath, vers, path string) {
	if p, bad := ZipProblem(modPath, vers, path); bad {
		r.problems = append(r.problems, p)
	}
}

// ZipProblem runs x/mod/zip's checks on a version's zip and returns the
// zip-corrupt problem they find, if any. Its fix is completed with the
// version's paths when the snapshot is assembled, or by the caller.
func ZipProblem(modPath, vers, path string) (Problem, bool) {
	if quickZipFile(modPath, vers, path) == zipClean {
		return Problem{}, false
	}
	if n := zipFoldBytes(modPath, vers, path); n > maxZipFoldBytes {
		return newProblem(KindZipCorrupt, modPath, vers, path, fmt.Sprintf(
			"its file names are nested too deep to check: x/mod/zip (and the go command's own unzip) would fold %d MiB of them for their case (a zip built to exhaust memory)", n>>20)), true
	}
	if _, err := modzip.CheckZip(module.Version{Path: modPath, Version: vers}, path); err != nil {
		return newProblem(KindZipCorrupt, modPath, vers, path, firstLine(errText(err))), true
	}
	return Problem{}, false
}

// checkList compares list with what the go command would write: the
// escaped names of the .mod files whose escaped version is canonical,
// semver-sorted, each line ending in a newline. The go command never reads
// list itself; file:// proxies serve it.
func checkList(m *modRec, modPath, dir string, mods []string) (Problem, bool) {
	path := filepath.Join(dir, "list")
	var want []string
	for _, ev := range mods {
		if module.CanonicalVersion(ev) == ev {
			want = append(want, ev)
		}
	}
	semver.Sort(want)
	stale := func(detail string) (Problem, bool) {
		p := newProblem(KindListStale, modPath, "", path, detail)
		// rm first: printf's > follows a link that appeared since the scan.
		p.Fix = "rm -f " + ShellQuote(path) + " && printf '" + strings.Join(append(append([]string{}, want...), ""), "\\n") + "' > " + ShellQuote(path)
		if len(want) == 0 {
			p.Fix = "rm " + ShellQuote(path)
		}
		return p, true
	}
	if m.list == nil {
		if len(want) == 0 {
			return Problem{}, false
		}
		return stale(fmt.Sprintf("missing, while %d .mod file(s) are present", len(want)))
	}
	data, err := readSmall(path, m.list.ApparentBytes)
	if err != nil {
		return stale("cannot read: " + errText(err))
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return stale("has NUL bytes (a torn write)")
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		return stale("does not end in a newline (a torn write)")
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(data) == 0 {
		lines = nil
	}
	have := map[string]bool{}
	for _, line := range lines {
		have[line] = true
	}
	var missing, extra []string
	for _, v := range want {
		if !have[v] {
			missing = append(missing, v)
		}
		delete(have, v)
	}
	for v := range have {
		extra = append(extra, v)
	}
	if len(missing) == 0 && len(extra) == 0 {
		if !slices.Equal(lines, want) {
			return stale("not in semver order, or has a version twice")
		}
		return Problem{}, false
	}
	sort.Strings(missing)
	sort.Strings(extra)
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "lacks "+clip(missing))
	}
	if len(extra) > 0 {
		parts = append(parts, "names "+clip(extra)+" without a .mod")
	}
	return stale(strings.Join(parts, "; "))
}

func clip(vs []string) string {
	if len(vs) > 3 {
		return strings.Join(vs[:3], ", ") + fmt.Sprintf(" and %d more", len(vs)-3)
	}
	return strings.Join(vs, ", ")
}

func errText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// ListContent is what the go command writes to a download directory's
// list file (rewriteVersionList): the escaped version of every .mod whose
// escaped version is canonical (so not v1.0.0-!r!c1), semver-sorted, one
// per line.
func ListContent(dl string) (string, error) {
	ents, err := os.ReadDir(dl)
	if err != nil {
		return "", err
	}
	var vs []string
	for _, e := range ents {
		if ev, ok := strings.CutSuffix(e.Name(), ".mod"); ok && ev != "" && module.CanonicalVersion(ev) == ev {
			vs = append(vs, ev)
		}
	}
	semver.Sort(vs)
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(v + "\n")
	}
	return b.String(), nil
}

// errNotRegular: a link, FIFO, device or directory where a file belongs.
var errNotRegular = errors.New("not a regular file")
