package actions

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/mod/module"

	"modscope/actions/confine"
	"modscope/cachescan"
)

// installFresh puts a version fetched into the temporary module cache
// fresh into the user's module cache, itself, through the confined layer,
// in the go command's own order (the reference doc, §1.4): under the
// version's lock, .info and .mod each written to a temp file and renamed
// into place, list rewritten under its lock, then the zip into a temp file
// beside it, the ziphash, and the rename of the zip. The go command, run
// on the user's cache, would follow a link planted there (or swapped in
// after installEntries looked): this follows none. The tree is
// copied from the tree the go command extracted in the temporary cache,
// with the go command's .partial protocol (a toolchain's is left to the go
// command, which extracts it from the zip at its first use).
// With meta, only .info and .mod are installed (a metadata-only version).
func installFresh(snap *cachescan.Snapshot, fresh, path, version string, meta bool) error {
	modcacherw := hasFlag(snap.Env.GOFLAGS, "-modcacherw")
	escPath, err := module.EscapePath(path)
	if err != nil {
		return err
	}
	escVer, err := module.EscapeVersion(version)
	if err != nil {
		return err
	}
	from := filepath.Join(fresh, "cache", "download", filepath.FromSlash(escPath), "@v", escVer)
	root, err := confine.Open(snap.ModCache.Root, confine.ModCache)
	if err != nil {
		return err
	}
	defer root.Close()
	dl := filepath.Join(root.Path(), "cache", "download", filepath.FromSlash(escPath), "@v")
	if err := root.MkdirAll(dl); err != nil {
		return err
	}
	base := filepath.Join(dl, escVer)
	unlock, err := root.Lock(base + ".lock")
	if err != nil {
		return fmt.Errorf("taking the version's lock: %w", err)
	}
	defer unlock()
	for _, suffix := range []string{".info", ".mod"} {
		tmp, err := copyToTemp(root, dl, escVer+suffix, from+suffix)
		if err != nil {
			return err
		}
		if err := root.Rename(tmp, base+suffix); err != nil {
			root.Remove(tmp)
			return err
		}
	}
	if err := rewriteList(root, dl); err != nil {
		return fmt.Errorf("rewriting list: %w", err)
	}
	if meta {
		return nil
	}
	sum, err := cachescan.ReadSmall(from+".ziphash", 0)
	if err != nil {
		return err
	}
	tmp, err := copyToTemp(root, dl, escVer+".zip", from+".zip")
	if err != nil {
		return err
	}
	// The ziphash before the zip is in place, as the go command writes
	// them: a kill in between leaves a ziphash without its zip, which the
	// go command fetches again (or a temp file it removes under the lock).
	if err := writeZipHash(root, base+".ziphash", sum); err != nil {
		root.Remove(tmp)
		return err
	}
	if err := root.Rename(tmp, base+".zip"); err != nil {
		root.Remove(tmp)
		return err
	}
	if path == "golang.org/toolchain" {
		return nil // its exec bits and go.mod copies are the go command's to make
	}
	freshTree := filepath.Join(fresh, filepath.FromSlash(escPath)+"@"+escVer)
	if fi, err := os.Lstat(freshTree); err != nil || !fi.IsDir() {
		return nil // nothing extracted: the go command extracts it from the zip
	}
	// As the go command's unzip: .partial first (the tree is untrusted
	// until it is removed), the tree, its directories made read-only,
	// .partial last. A kill in between leaves .partial: the go command
	// extracts the tree again from the zip, offline.
	tree := filepath.Join(root.Path(), filepath.FromSlash(escPath)+"@"+escVer)
	if err := root.Touch(base + ".partial"); err != nil {
		return err
	}
	if err := root.RemoveAll(tree); err != nil {
		return err
	}
	if err := copyTree(root, freshTree, tree); err != nil {
		return fmt.Errorf("extracting the tree: %w", err)
	}
	if !modcacherw {
		if err := root.ReadOnlyTree(tree); err != nil {
			return err
		}
	}
	return root.Remove(base + ".partial")
}

// copyTree copies the tree the go command extracted into the temporary
// cache (modscope's own) to dst in the user's cache: directories made,
// files created new with mode 0444 as the go command's unzip makes them.
// Anything but directories and regular files is left out (an extracted
// module tree holds nothing else).
func copyTree(root *confine.Root, src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return root.MkdirAll(to)
		case !d.Type().IsRegular():
			return nil
		}
		in, err := cachescan.OpenRegular(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := root.CreateFile(to, 0o444)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, in)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// copyToTemp copies the file src of the temporary cache (modscope's own)
// into a new temp file in dir of the user's cache, named as the go command
// names its temp files (<name><n>.tmp), and returns its path.
func copyToTemp(root *confine.Root, dir, name, src string) (string, error) {
	in, err := cachescan.OpenRegular(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := root.CreateTemp(dir, name)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		root.Remove(out.Name())
		return "", err
	}
	return out.Name(), nil
}

// writeZipHash writes a ziphash as the go command does (lockedfile.Create,
// truncate, write): 47 bytes, no newline.
func writeZipHash(root *confine.Root, path string, sum []byte) error {
	if len(sum) != 47 {
		return errors.New("the fetched ziphash is not 47 bytes")
	}
	f, err := root.Edit(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(sum, 0); err != nil {
		return err
	}
	return f.Close()
}

// refusedEntry explains installEntries' refusal.
var refusedEntry = []Explanation{{ID: "entry-refused",
	Cause: "an entry a download of this version writes is a symlink, or of another type than the go command writes; modscope changes nothing through it, and the go command would follow it",
	Fix:   linkFix}}

// installEntries checks, before the cached copy is purged, that none of
// the entries installFresh opens or creates (the download directory and
// those above it, list, .lock, .partial, the download files, the tree) is
// a link or of another type than the go command writes. installFresh
// refuses them too, through the confined layer, but by then the old copy
// would be gone: this refuses while nothing has changed.
func installEntries(snap *cachescan.Snapshot, path, version string) error {
	root := snap.ModCache.Root
	escPath, err := module.EscapePath(path)
	if err != nil {
		return err
	}
	escVer, err := module.EscapeVersion(version)
	if err != nil {
		return err
	}
	v := &cachescan.Version{EscapedVersion: escVer,
		DownloadDir: filepath.Join(root, "cache", "download", filepath.FromSlash(escPath), "@v")}
	return versionEntries(root, &cachescan.Module{EscapedPath: escPath}, v, true)
}

var versionLocks sync.Map // "path@version" -> *sync.Mutex

// lockVersion serializes the replacing of one version within this process.
func lockVersion(mv string) func() {
	mu, _ := versionLocks.LoadOrStore(mv, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	return mu.(*sync.Mutex).Unlock
}
