package cachetest

// Build-cache fixtures: action entries and the outputs they name, in the
// go command's GOCACHE entry format.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Output is a build-cache output: its content and the IDs that name it.
type Output struct {
	ActionID string // 64 hex
	OutputID string // 64 hex: sha256 of the content
	Action   string // path of the -a file
	Path     string // path of the -d file
}

// AddBuildEntry writes an action entry and its output in the go command's
// format, both with the given mtime (zero: Now).
func (c *Cache) AddBuildEntry(key string, content []byte, mtime time.Time) Output {
	c.t.Helper()
	o, err := WriteBuildEntry(c.BuildCache, key, content, mtime)
	must(c.t, err)
	return o
}

// WriteBuildEntry writes an action entry and its output under a GOCACHE
// root, both with the given mtime (zero: Now).
func WriteBuildEntry(root, key string, content []byte, mtime time.Time) (Output, error) {
	aid := sha256.Sum256([]byte("action " + key))
	oid := sha256.Sum256(content)
	o := Output{ActionID: hex.EncodeToString(aid[:]), OutputID: hex.EncodeToString(oid[:])}
	if mtime.IsZero() {
		mtime = Now()
	}
	o.Path = entryPath(root, o.OutputID, "d")
	o.Action = entryPath(root, o.ActionID, "a")
	for _, f := range []struct {
		path string
		data []byte
	}{{o.Path, content}, {o.Action, ActionEntry(o.ActionID, o.OutputID, int64(len(content)), mtime)}} {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o777); err != nil {
			return o, err
		}
		if err := os.WriteFile(f.path, f.data, 0o666); err != nil {
			return o, err
		}
		if err := os.Chtimes(f.path, mtime, mtime); err != nil {
			return o, err
		}
	}
	return o, nil
}

// AddExecutableEntry writes an action whose output is a -d directory holding
// one executable, as go run and go tool cache them, all with the given
// mtime (zero: Now).
func (c *Cache) AddExecutableEntry(key, name string, content []byte, mtime time.Time) Output {
	c.t.Helper()
	aid := sha256.Sum256([]byte("action " + key))
	oid := sha256.Sum256(content)
	o := Output{ActionID: hex.EncodeToString(aid[:]), OutputID: hex.EncodeToString(oid[:])}
	if mtime.IsZero() {
		mtime = Now()
	}
	o.Path = entryPath(c.BuildCache, o.OutputID, "d")
	o.Action = entryPath(c.BuildCache, o.ActionID, "a")
	must(c.t, os.MkdirAll(filepath.Dir(o.Path), 0o777))
	must(c.t, os.MkdirAll(filepath.Dir(o.Action), 0o777))
	must(c.t, os.MkdirAll(o.Path, 0o777))
	must(c.t, os.WriteFile(filepath.Join(o.Path, name), content, 0o777))
	must(c.t, os.WriteFile(o.Action, ActionEntry(o.ActionID, o.OutputID, int64(len(content)), mtime), 0o666))
	for _, p := range []string{filepath.Join(o.Path, name), o.Path, o.Action} {
		must(c.t, os.Chtimes(p, mtime, mtime))
	}
	return o
}

func entryPath(root, id, kind string) string {
	return filepath.Join(root, id[:2], id+"-"+kind)
}

// ActionEntry is the 175-byte content of an -a file, recording time t
// (zero: Now).
func ActionEntry(actionID, outputID string, size int64, t time.Time) []byte {
	if t.IsZero() {
		t = Now()
	}
	return []byte(fmt.Sprintf("v1 %s %s %20d %20d\n", actionID, outputID, size, t.UnixNano()))
}
