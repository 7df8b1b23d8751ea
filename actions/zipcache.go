package actions

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
)

// zipCache remembers, for each zip verify has hashed in full, the SHA-256 of
// its raw bytes and the h1: hash of its content. Hashing a zip's content
// means inflating every entry, which costs several times what reading the
// file does; the next verify hashes the raw bytes only, at the speed of
// sha256sum, and inflates again only a zip whose bytes changed. Any change
// to a zip, even one that keeps its size and time, changes its raw hash.
// The file lives in the user's cache directory, never in a Go cache.
type zipCache struct {
	path    string
	mu      sync.Mutex
	entries map[string]zipCacheEntry // by absolute zip path
	dirty   bool
}

type zipCacheEntry struct {
	Size int64  `json:"size"`
	Raw  string `json:"sha256"`
	H1   string `json:"h1"`
	// Checked: these bytes passed x/mod/zip's structural checks too.
	Checked bool `json:"checked,omitempty"`
}

// DefaultZipCache is where verify keeps its zip hashes: a file in
// os.UserCacheDir()/modscope, or "" when there is no such directory.
func DefaultZipCache() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "modscope", "zip-hashes.json")
}

// openZipCache reads the cache; a missing or unreadable file is an empty
// cache (it only saves time).
func openZipCache(path string) *zipCache {
	c := &zipCache{path: path, entries: map[string]zipCacheEntry{}}
	if path == "" {
		return c
	}
	if data, err := os.ReadFile(path); err == nil {
		json.Unmarshal(data, &c.entries)
	}
	return c
}

// lookup returns the h1 recorded for a zip whose raw bytes hash to raw,
// and whether those bytes passed the structural checks.
func (c *zipCache) lookup(zip string, size int64, raw [32]byte) (string, bool, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[zip]
	if !ok || e.Size != size || e.Raw != hex.EncodeToString(raw[:]) {
		return "", false, false
	}
	return e.H1, e.Checked, true
}

// known reports whether a zip of this size has an entry worth checking.
func (c *zipCache) known(zip string, size int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[zip]
	return ok && e.Size == size
}

func (c *zipCache) record(zip string, size int64, raw [32]byte, h1 string, checked bool) {
	c.mu.Lock()
	c.entries[zip] = zipCacheEntry{Size: size, Raw: hex.EncodeToString(raw[:]), H1: h1, Checked: checked}
	c.dirty = true
	c.mu.Unlock()
}

// save writes the cache atomically (a temp file renamed into place).
func (c *zipCache) save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.path == "" || !c.dirty {
		return nil
	}
	// Forget zips that are gone, so that the file does not grow forever.
	for p := range c.entries {
		if _, err := os.Lstat(p); err != nil {
			delete(c.entries, p)
		}
	}
	data, err := json.Marshal(c.entries)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o777); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), "zip-hashes-*.tmp")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), c.path)
}
