package actions

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

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
// copied is told of the bytes written as they go.
func installFresh(snap *cachescan.Snapshot, fresh, path, version string, meta bool, copied func(int64)) error {
	modcacherw := hasFlag(snap.Env.GOFLAGS, "-modcacherw")
	escPath, escVer, err := escaped(path, version)
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
		tmp, err := copyToTemp(root, dl, escVer+suffix, from+suffix, copied)
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
	tmp, err := copyToTemp(root, dl, escVer+".zip", from+".zip", copied)
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
	if err := copyTree(root, freshTree, tree, copied); err != nil {
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
func copyTree(root *confine.Root, src, dst string, copied func(int64)) error {
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
		_, err = io.Copy(countingWriter{out, copied}, in)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// copyToTemp copies the file src of the temporary cache (modscope's own)
// into a new temp file in dir of the user's cache, named as the go command
// names its temp files (<name><n>.tmp), and returns its path.
func copyToTemp(root *confine.Root, dir, name, src string, copied func(int64)) (string, error) {
	in, err := cachescan.OpenRegular(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := root.CreateTemp(dir, name)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(countingWriter{out, copied}, in)
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

// freshSize is what installFresh copies of a version from the temporary
// cache: .info, .mod, and without meta the zip and the extracted tree
// (none of a toolchain's).
func freshSize(fresh, path, version string, meta bool) int64 {
	escPath, escVer, err := escaped(path, version)
	if err != nil {
		return 0
	}
	base := filepath.Join(fresh, "cache", "download", filepath.FromSlash(escPath), "@v", escVer)
	files := []string{base + ".info", base + ".mod"}
	if !meta {
		files = append(files, base+".zip")
	}
	var n int64
	for _, f := range files {
		if fi, err := os.Lstat(f); err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
	}
	if !meta && path != "golang.org/toolchain" {
		listFiles(filepath.Join(fresh, filepath.FromSlash(escPath)+"@"+escVer), func(_ string, fi fs.FileInfo) {
			if fi.Mode().IsRegular() {
				n += fi.Size()
			}
		})
	}
	return n
}

// installMeter counts the bytes installFresh writes and reports them
// after each MiB and when the total is reached.
func installMeter(total int64, report func(done int64)) func(n int64) {
	var done, last int64
	return func(n int64) {
		done += n
		if done-last >= 1<<20 || (done >= total && last < total) {
			last = done
			report(done)
		}
	}
}

// countingWriter tells count of every write's bytes.
type countingWriter struct {
	w     io.Writer
	count func(int64)
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.count(int64(n))
	return n, err
}

// escaped is a module path and version as the module cache names them.
func escaped(path, version string) (escPath, escVer string, err error) {
	if escPath, err = module.EscapePath(path); err != nil {
		return "", "", err
	}
	escVer, err = module.EscapeVersion(version)
	return escPath, escVer, err
}
