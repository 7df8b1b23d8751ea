package actions

// Hashing a module version's parts for a seal: its zip, ziphash, tree,
// .mod and .info, and the identity of each part when it was hashed.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"modscope/cachescan"
)

// sealVersion hashes each part of a version; why says why it cannot be
// sealed (a part that cannot be hashed); err is a cancellation.
func sealVersion(m *cachescan.Module, v *cachescan.Version, count counter, buf []byte) (*SealedVersion, string, error) {
	sv := &SealedVersion{Module: m.Path, Version: v.Version}
	base := filepath.Join(v.DownloadDir, v.EscapedVersion)
	for _, name := range sealParts {
		path, present := partPath(v, base, name)
		if !present {
			continue
		}
		id := partIdentity(name, path)
		p, err := hashPart(name, path, m.Path+"@"+v.Version, count, buf)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, "", err
			}
			return nil, fmt.Sprintf("its %s cannot be hashed: %v", name, err), nil
		}
		if id != "" && partIdentity(name, path) != id {
			id = "" // it changed while hashed: check hashes it again
		}
		p.ID = id
		*sv.part(name) = p
	}
	return sv, "", nil
}

// partPath is where a part of a version lives and whether the scan saw it.
func partPath(v *cachescan.Version, base, name string) (string, bool) {
	switch name {
	case "zip":
		return base + ".zip", v.HasZip
	case "ziphash":
		return base + ".ziphash", v.HasZipHash
	case "tree":
		return v.Dir, v.HasDir && v.Dir != ""
	case "mod":
		return base + ".mod", v.HasMod
	case "info":
		return base + ".info", v.HasInfo
	}
	return "", false
}

// hashPart hashes one part as the manifest records it.
func hashPart(name, path, mv string, count counter, buf []byte) (*SealedPart, error) {
	switch name {
	case "zip":
		f, err := cachescan.OpenRegular(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return nil, err
		}
		raw, err := hashReader(f, count, buf)
		if err != nil {
			return nil, err
		}
		zs, err := zipSumsFrom(f, fi.Size(), nil, count, buf)
		if err != nil {
			return nil, err
		}
		h, err := h1(zs)
		if err != nil {
			return nil, err
		}
		return &SealedPart{Hash: h, Raw: b64(raw[:])}, nil
	case "tree":
		ds, err := dirSums(path, mv, nil, count, buf)
		if err != nil {
			return nil, err
		}
		h, err := h1(ds)
		if err != nil {
			return nil, err
		}
		return &SealedPart{Hash: h}, nil
	default:
		data, err := cachescan.ReadSmall(path, 0)
		if err != nil {
			return nil, err
		}
		if err := count(int64(len(data))); err != nil {
			return nil, err
		}
		if name == "mod" {
			return &SealedPart{Hash: goModSum(data)}, nil
		}
		sum := sha256.Sum256(data)
		return &SealedPart{Hash: b64(sum[:])}, nil
	}
}

// rawZipHash is the SHA-256 of a zip's bytes, what check compares first.
func rawZipHash(path string, count counter, buf []byte) (string, error) {
	f, err := cachescan.OpenRegular(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	raw, err := hashReader(f, count, buf)
	if err != nil {
		return "", err
	}
	return b64(raw[:]), nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// partIdentity digests a part's identity now: the file's, or every entry's
// of a tree, links never followed; "" when it cannot be had.
func partIdentity(name, path string) string {
	if name != "tree" {
		fi, err := os.Lstat(path)
		if err != nil {
			return ""
		}
		b, ok := appendIdentity(nil, fi)
		if !ok {
			return ""
		}
		return identityDigest(b)
	}
	var b []byte
	ok := true
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		b = append(b, p[len(path):]...)
		b = append(b, 0)
		var good bool
		if b, good = appendIdentity(b, fi); !good {
			ok = false
			return filepath.SkipAll
		}
		return nil
	})
	if err != nil || !ok {
		return ""
	}
	return identityDigest(b)
}

func identityDigest(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:18])
}
