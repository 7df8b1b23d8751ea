package store

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// Bounds on what a check reads from an object: a .info is a few hundred
// bytes, a .mod at most x/mod/zip's MaxGoMod; past these the object is
// damage, not something to read.
const (
	maxInfoSize = 64 << 10
	maxModSize  = modzip.MaxGoMod
	// maxZipEntries bounds the central directory a zip may declare
	// before anything of it is read into memory (archive/zip keeps one
	// File per entry).
	maxZipEntries = 200_000
)

// readSmall reads an object of at most limit bytes.
func (s *Store) readSmall(ctx context.Context, o *Object, limit int64) ([]byte, error) {
	if o.Size > limit {
		return nil, fmt.Errorf("%d bytes, past the limit of %d", o.Size, limit)
	}
	r, err := s.Bucket.NewReader(ctx, o.Key, nil)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("more than %d bytes", limit)
	}
	return data, nil
}

// checkInfo: the go command unmarshals a .info and trusts the Version it
// holds (cachescan's check of the module cache is the same).
func checkInfo(data []byte, vers string) string {
	var info struct {
		Version string
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return "not valid JSON: " + err.Error()
	}
	if info.Version != vers {
		return fmt.Sprintf("names version %q", info.Version)
	}
	return ""
}

// checkMod: a .mod that does not parse, or declares another path, fails
// every build that loads it. A fork's go.mod keeping its original path is
// normal in a module cache (a replace target) but not in a proxy's store,
// where the go command asked for this path.
func checkMod(data []byte, path string) string {
	if bytes.HasPrefix(data, []byte("//vgo 0.0.")) {
		return ""
	}
	f, err := modfile.ParseLax("go.mod", data, nil)
	switch {
	case err != nil:
		return "does not parse: " + firstLine(err.Error())
	case f.Module == nil:
		return "has no module line"
	case f.Module.Mod.Path != path:
		return fmt.Sprintf("declares module %q", f.Module.Mod.Path)
	}
	return ""
}

// synthesizedMod is the .mod the go command serves for a version whose zip
// has no go.mod (modfetch's legacy go.mod).
func synthesizedMod(path string) []byte {
	return []byte("module " + modfile.AutoQuote(path) + "\n")
}

// zipGoMod opens a module zip read through r and runs the checks of
// x/mod/zip's CheckZip that its central directory answers (every name
// under path@version/, valid file paths, no names equal but for case,
// the size limits) and the bounds of actions' hashing (declared sizes,
// entries within the file and not sharing data). It returns the zip's
// go.mod, nil when it has none; problem is what is wrong, "" if nothing.
func zipGoMod(r io.ReaderAt, size int64, path, vers string) (gomod []byte, problem string, err error) {
	z, zerr := zip.NewReader(r, size)
	if zerr != nil {
		if isReadError(zerr) {
			return nil, "", zerr
		}
		return nil, "does not open: " + zerr.Error(), nil
	}
	if len(z.File) > maxZipEntries {
		return nil, fmt.Sprintf("has %d entries, past the limit of %d", len(z.File), maxZipEntries), nil
	}
	prefix := path + "@" + vers + "/"
	seen := map[string]bool{}
	var total uint64
	var modFile *zip.File
	for _, f := range z.File {
		name, ok := strings.CutPrefix(f.Name, prefix)
		if !ok {
			return nil, fmt.Sprintf("entry %q is not under %s", f.Name, prefix), nil
		}
		if strings.HasSuffix(name, "/") {
			return nil, fmt.Sprintf("entry %q is a directory", f.Name), nil
		}
		if err := module.CheckFilePath(name); err != nil {
			return nil, fmt.Sprintf("entry %q: %v", f.Name, err), nil
		}
		fold := strings.ToLower(name)
		if seen[fold] {
			return nil, fmt.Sprintf("entry %q is there twice (or twice but for case)", f.Name), nil
		}
		seen[fold] = true
		total += f.UncompressedSize64
		switch {
		case f.UncompressedSize64 > modzip.MaxZipFile || total > modzip.MaxZipFile:
			return nil, fmt.Sprintf("declares more than %d bytes uncompressed (x/mod/zip's limit)", int64(modzip.MaxZipFile)), nil
		case name == "go.mod" && f.UncompressedSize64 > modzip.MaxGoMod:
			return nil, fmt.Sprintf("go.mod declares %d bytes, past x/mod/zip's %d", f.UncompressedSize64, modzip.MaxGoMod), nil
		case name == "LICENSE" && f.UncompressedSize64 > modzip.MaxLICENSE:
			return nil, fmt.Sprintf("LICENSE declares %d bytes, past x/mod/zip's %d", f.UncompressedSize64, modzip.MaxLICENSE), nil
		}
		off, err := f.DataOffset()
		if err != nil {
			if isReadError(err) {
				return nil, "", err
			}
			return nil, f.Name + ": " + err.Error(), nil
		}
		if off < 0 || f.CompressedSize64 > uint64(size) || off > size-int64(f.CompressedSize64) {
			return nil, f.Name + ": its data lies past the end of the file", nil
		}
		if name == "go.mod" {
			modFile = f
		}
	}
	if modFile == nil {
		return nil, "", nil
	}
	rc, err := modFile.Open()
	if err != nil {
		return nil, "go.mod: " + err.Error(), nil
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, modzip.MaxGoMod+1))
	if err != nil {
		if isReadError(err) {
			return nil, "", err
		}
		return nil, "go.mod: " + err.Error(), nil
	}
	if len(data) > modzip.MaxGoMod {
		return nil, "go.mod inflates past its declared size", nil
	}
	return data, "", nil
}

// readFailure marks an error of reading the store (not of the content),
// returned by the range reader: the zip is not judged on it.
type readFailure struct{ err error }

func (e *readFailure) Error() string { return e.err.Error() }
func (e *readFailure) Unwrap() error { return e.err }

func isReadError(err error) bool {
	var rf *readFailure
	return errors.As(err, &rf)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
