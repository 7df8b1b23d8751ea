package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gocloud.dev/blob"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// MaxKeys bounds a listing: past it List stops and marks the inventory
// truncated, so a hostile or enormous bucket cannot exhaust memory. The
// proxy.golang.org mirror of every public module is far past it; a team
// store of a few hundred thousand versions is well within.
const MaxKeys = 5_000_000

// maxKeyLen bounds a key's length (S3's own limit is 1,024 bytes).
const maxKeyLen = 4096

// maxOtherKeys is how many stray keys an inventory names.
const maxOtherKeys = 20

// List lists every key of the store once and sorts them into modules and
// versions. When the store's layout is not set, the keys decide it: a key
// under an "@v/" directory means the proxy layout, a "<v>/source.zip" or
// "<v>/go.mod" under a module path means Athens' disk layout.
func (s *Store) List(ctx context.Context, now time.Time) (*Inventory, error) {
	return s.list(ctx, now, MaxKeys)
}

func (s *Store) list(ctx context.Context, now time.Time, maxKeys int64) (*Inventory, error) {
	inv := &Inventory{URL: s.URL, ListedAt: now}
	type vkey struct{ path, vers string }
	mods := map[string]*Module{}
	vers := map[vkey]*Version{}
	var objs []Object
	proxyHits, athensHits := 0, 0
	it := s.Bucket.List(nil)
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("store %s: listing failed: %s; check the URL and that the credentials may list the bucket", s.URL, s.errLine(err))
		}
		if obj.IsDir {
			continue
		}
		if inv.Objects >= maxKeys {
			inv.Truncated = true
			break
		}
		inv.Objects++
		inv.Size += obj.Size
		o := Object{Key: obj.Key, Size: obj.Size, ModTime: obj.ModTime}
		if s.Layout == LayoutUnknown {
			if strings.Contains(o.Key, "/@v/") {
				proxyHits++
			} else if strings.HasSuffix(o.Key, "/source.zip") || strings.HasSuffix(o.Key, "/go.mod") {
				athensHits++
			}
		}
		objs = append(objs, o)
	}
	if s.Layout == LayoutUnknown {
		switch {
		case proxyHits > 0 && proxyHits >= athensHits:
			s.Layout = LayoutProxy
		case athensHits > 0:
			s.Layout = LayoutAthens
		}
	}
	inv.Layout = s.Layout
	for i := range objs {
		o := &objs[i]
		path, v, kind, ok := parseKey(s.Layout, o.Key)
		if !ok {
			inv.Other++
			inv.OtherSize += o.Size
			if len(inv.OtherKeys) < maxOtherKeys {
				inv.OtherKeys = append(inv.OtherKeys, o.Key)
			}
			continue
		}
		m := mods[path]
		if m == nil {
			m = &Module{Path: path}
			mods[path] = m
		}
		m.Size += o.Size
		if kind == fileList {
			m.List = o
			continue
		}
		ver := vers[vkey{path, v}]
		if ver == nil {
			ver = &Version{Version: v}
			vers[vkey{path, v}] = ver
			m.Versions = append(m.Versions, ver)
		}
		if ver.Files[kind] != nil {
			// Two keys for one file (an escaped and an unescaped path in
			// one bucket): keep the first, count the other as stray.
			inv.Other++
			inv.OtherSize += o.Size
			m.Size -= o.Size
			continue
		}
		ver.Files[kind] = o
		ver.Size += o.Size
		if ver.Newest.IsZero() || o.ModTime.After(ver.Newest) {
			ver.Newest = o.ModTime
		}
		if ver.Oldest.IsZero() || o.ModTime.Before(ver.Oldest) {
			ver.Oldest = o.ModTime
		}
	}
	for _, m := range mods {
		slices.SortFunc(m.Versions, func(a, b *Version) int {
			if c := semver.Compare(a.Version, b.Version); c != 0 {
				return c
			}
			return strings.Compare(a.Version, b.Version)
		})
		inv.Modules = append(inv.Modules, m)
	}
	slices.SortFunc(inv.Modules, func(a, b *Module) int { return strings.Compare(a.Path, b.Path) })
	return inv, nil
}

// fileList marks the proxy layout's @v/list, which belongs to a module.
const fileList FileKind = -1

// parseKey reads a key of the layout: the module path, the version and
// which of its files the key is. ok is false for a key that is none.
func parseKey(l Layout, key string) (path, vers string, kind FileKind, ok bool) {
	if len(key) > maxKeyLen {
		return "", "", 0, false
	}
	switch l {
	case LayoutProxy:
		return parseProxyKey(key)
	case LayoutAthens:
		return parseAthensKey(key)
	}
	return "", "", 0, false
}

func parseProxyKey(key string) (path, vers string, kind FileKind, ok bool) {
	i := strings.LastIndex(key, "/@v/")
	if i <= 0 {
		return "", "", 0, false
	}
	path, ok = modulePath(key[:i])
	if !ok {
		return "", "", 0, false
	}
	file := key[i+len("/@v/"):]
	if file == "list" {
		return path, "", fileList, true
	}
	for _, x := range []struct {
		ext  string
		kind FileKind
	}{{".info", FileInfo}, {".mod", FileMod}, {".zip", FileZip}, {".ziphash", FileZipHash}, {".lock", FileLock}, {".partial", FilePartial}} {
		if ev, found := strings.CutSuffix(file, x.ext); found {
			v, ok := moduleVersion(path, ev)
			if !ok {
				return "", "", 0, false
			}
			return path, v, x.kind, true
		}
	}
	return "", "", 0, false
}

func parseAthensKey(key string) (path, vers string, kind FileKind, ok bool) {
	dir, file, found := cut2(key)
	if !found {
		return "", "", 0, false
	}
	mdir, v, found := cut2(dir)
	if !found {
		return "", "", 0, false
	}
	path, ok = modulePath(mdir)
	if !ok {
		return "", "", 0, false
	}
	if vv, ok := moduleVersion(path, v); !ok || vv != v {
		return "", "", 0, false
	}
	switch file {
	case "go.mod":
		kind = FileMod
	case "source.zip":
		kind = FileZip
	case v + ".info":
		kind = FileInfo
	default:
		return "", "", 0, false
	}
	return path, v, kind, true
}

// cut2 splits key at its last slash.
func cut2(key string) (dir, file string, ok bool) {
	i := strings.LastIndexByte(key, '/')
	if i <= 0 || i == len(key)-1 {
		return "", "", false
	}
	return key[:i], key[i+1:], true
}

// modulePath reads a key's module part: the proxy protocol's escaped path
// ("github.com/!azure/…"), or a path as written (Athens stores them so).
func modulePath(s string) (string, bool) {
	if p, err := module.UnescapePath(s); err == nil {
		return p, true
	}
	if module.CheckPath(s) == nil {
		return s, true
	}
	return "", false
}

// moduleVersion reads a key's version part, escaped or as written, and
// keeps it only if it is a canonical version the path may have.
func moduleVersion(path, s string) (string, bool) {
	v, err := module.UnescapeVersion(s)
	if err != nil {
		v = s
	}
	if err := module.Check(path, v); err != nil || semver.Canonical(v) == "" && !strings.HasSuffix(v, "+incompatible") {
		return "", false
	}
	return v, true
}

// Keys of a version's files, for the layout.
func (s *Store) key(path, vers string, kind FileKind) (string, error) {
	switch s.Layout {
	case LayoutProxy:
		ep, err := module.EscapePath(path)
		if err != nil {
			return "", err
		}
		ev, err := module.EscapeVersion(vers)
		if err != nil {
			return "", err
		}
		ext := map[FileKind]string{FileInfo: ".info", FileMod: ".mod", FileZip: ".zip", FileZipHash: ".ziphash", FileLock: ".lock", FilePartial: ".partial"}[kind]
		return ep + "/@v/" + ev + ext, nil
	case LayoutAthens:
		name := map[FileKind]string{FileInfo: vers + ".info", FileMod: "go.mod", FileZip: "source.zip"}[kind]
		if name == "" {
			return "", fmt.Errorf("athens stores no %s file", kind)
		}
		return path + "/" + vers + "/" + name, nil
	}
	return "", fmt.Errorf("the store's layout is unknown")
}

// Open reads the object named by the version's file of kind k; the
// caller closes the reader. A version always reads from the key it was
// listed under, not from one made up: the store may spell paths either
// way.
func (s *Store) OpenFile(ctx context.Context, v *Version, k FileKind) (*blob.Reader, error) {
	o := v.Files[k]
	if o == nil {
		return nil, errNotFound
	}
	return s.Bucket.NewReader(ctx, o.Key, nil)
}
