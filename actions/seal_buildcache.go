package actions

// Sealing the build cache: listing its entries, reading action entries
// and hashing the outputs they name.

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"modscope/cachescan"
)

// listEntries lists the build cache's entry names of a kind ('a' or 'd'),
// sorted: 64 hex and -a or -d, in the 256 entry directories (a link or a
// file at a directory's place is skipped: the scan reports it).
func listEntries(root string, kind byte) ([]string, error) {
	var out []string
	for i := 0; i < 256; i++ {
		dir := filepath.Join(root, fmt.Sprintf("%02x", i))
		if !realDir(dir) {
			continue
		}
		names, err := readNames(dir)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", dir, err)
		}
		for _, n := range names {
			if isEntryName(n) && n[65] == kind && n[:2] == dir[len(dir)-2:] {
				out = append(out, n[:64])
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// readNames lists a directory's names, unsorted.
func readNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// entryFile is the path of an entry.
func entryFile(root, id string, kind byte) string {
	return filepath.Join(root, id[:2], id+"-"+string(kind))
}

// readAction reads an action entry as the go command validates it; why is
// what is wrong with it.
func readAction(path string) (SealedAction, string) {
	out, size, why := readActionEntry(path)
	if why != "" {
		return SealedAction{}, why
	}
	data, err := cachescan.ReadSmall(path, 175)
	if err != nil || len(data) != 175 {
		return SealedAction{}, "changed while read"
	}
	var t int64
	if _, err := fmt.Sscanf(strings.TrimLeft(string(data[154:174]), " "), "%d", &t); err != nil || t < 0 {
		return SealedAction{}, "has a bad time"
	}
	return SealedAction{ID: filepath.Base(path)[:64], Output: out, Size: size, Time: t}, ""
}

// sealOutput hashes an output: a file, or a directory of one file.
func sealOutput(root, id string, count counter, buf []byte) (SealedOutput, error) {
	o := SealedOutput{ID: id}
	path := entryFile(root, id, 'd')
	before := partIdentity("tree", path)
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		o.State = OutputAbsent
		return o, nil
	}
	sha, size, name, usable, err := hashOutput(path, fi, count, buf)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return o, err
		}
		usable = false
	}
	if !usable {
		o.State = OutputUnusable
		return o, nil
	}
	o.SHA, o.Size, o.Name = sha, size, name
	if before != "" && partIdentity("tree", path) == before {
		o.Ident = before
	}
	return o, nil
}

// hashOutput hashes an output file, or the one regular file of an output
// directory; usable is false for anything else (the go command's miss).
func hashOutput(path string, fi fs.FileInfo, count counter, buf []byte) (sha string, size int64, name string, usable bool, err error) {
	file := path
	if fi.IsDir() {
		ents, err := os.ReadDir(path)
		if err != nil {
			return "", 0, "", false, err
		}
		if len(ents) != 1 || !ents[0].Type().IsRegular() {
			return "", 0, "", false, nil
		}
		name = ents[0].Name()
		file = filepath.Join(path, name)
	} else if !fi.Mode().IsRegular() {
		return "", 0, "", false, nil
	}
	f, err := cachescan.OpenRegular(file)
	if err != nil {
		return "", 0, "", false, err
	}
	defer f.Close()
	sum, err := hashReader(f, count, buf)
	if err != nil {
		return "", 0, "", false, err
	}
	st, err := f.Stat()
	if err != nil {
		return "", 0, "", false, err
	}
	return hex.EncodeToString(sum[:]), st.Size(), name, true, nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12] + "…"
	}
	return id
}
