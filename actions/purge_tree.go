package actions

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"modscope/actions/confine"
	"modscope/cachescan"
)

// within reports whether path is root or below it, without following
// symlinks: the path is cleaned lexically and the tree walk never follows.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// removeTree removes a tree (or a file) through the root: directories are
// made writable on their descriptors (module trees are read-only) and no
// link is followed; gone is told of every entry unlinked. In the kill
// tests it stops where a kill would.
func removeTree(root *confine.Root, dir string, gone func(confine.Freed)) error {
	if killAt != nil {
		if err := root.MakeWritable(dir); err == nil {
			if stop("writable") {
				return errKilled
			}
			// Half the tree, as a kill in the middle of RemoveAll leaves it.
			ents, _ := root.Names(dir)
			for _, e := range ents[:len(ents)/2] {
				root.RemoveAllMeasured(filepath.Join(dir, e), gone)
			}
			if stop("half-tree") {
				return errKilled
			}
		}
	}
	_, err := root.RemoveAllMeasured(dir, gone)
	return err
}

// dropModuleIndex removes the go command's module-index entry for a
// module-cache directory: its action ID is the SHA-256 of the Go version
// (the hash salt, without a GOEXPERIMENT suffix) followed by
// "module index <version> go index v2 <dir>\n" (cmd/go/internal/modindex,
// Go 1.26). Without this, builds keep failing on the stale index after the
// tree comes back (the reference doc, experiment #10).
func (p *PurgePlan) dropModuleIndex(dir string) {
	build, err := p.build()
	if err != nil {
		return // a refused build cache is left alone; the README says go clean -cache
	}
	dirs := []string{dir}
	if p.configured != "" {
		// The go command names the tree through the root as configured.
		if rel, err := filepath.Rel(p.root, dir); err == nil {
			dirs = append(dirs, filepath.Join(p.configured, rel))
		}
	}
	for _, goVer := range []string{p.goVer, p.toolchainGo} {
		for _, d := range dirs {
			if goVer != "" {
				id := ModuleIndexID(goVer, d)
				build.Remove(filepath.Join(p.gocache, id[:2], id+"-a"))
			}
		}
	}
}

// toolchainGo is the Go version of a golang.org/toolchain version
// ("v0.0.1-go1.23.4.linux-amd64" -> "go1.23.4"), or "".
func toolchainGo(v string) string {
	rest, ok := strings.CutPrefix(v, "v0.0.1-")
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(rest, '.'); i > 0 {
		return rest[:i]
	}
	return ""
}

// ModuleIndexID is the GOCACHE action ID of the module index of dir, for
// the go command of version goVersion.
func ModuleIndexID(goVersion, dir string) string {
	salt := goVersion
	if i := strings.Index(salt, " X:"); i >= 0 {
		salt = salt[:i]
	}
	h := sha256.New()
	h.Write([]byte(salt))
	fmt.Fprintf(h, "module index %s go index v2 %s\n", goVersion, dir)
	return hex.EncodeToString(h.Sum(nil))
}

// toolchainInUse says why a toolchain version must stay although it is not
// the active one: the go command modscope asked lives there (go env
// GOROOT), or a running program was started from it (Linux /proc).
func toolchainInUse(snap *cachescan.Snapshot, v *cachescan.Version) string {
	if v.Dir == "" {
		return ""
	}
	dirs := []string{v.Dir}
	if real, err := filepath.EvalSymlinks(v.Dir); err == nil && real != v.Dir {
		dirs = append(dirs, real) // /proc and GOROOT give resolved paths
	}
	inside := func(p string) bool {
		for _, d := range dirs {
			if p == d || within(d, p) {
				return true
			}
		}
		return false
	}
	if g := snap.Env.GOROOT; g != "" && inside(g) {
		return "the go command on PATH runs from it (go env GOROOT)"
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return ""
	}
	for _, e := range ents {
		if strings.Trim(e.Name(), "0123456789") != "" {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && inside(exe) {
			return "a running program (pid " + e.Name() + ") was started from it"
		}
	}
	return ""
}
