package store

import (
	"time"
)

// FileKind is one of a version's files.
type FileKind int

const (
	FileInfo FileKind = iota // <v>.info (Athens: <v>/<v>.info)
	FileMod                  // <v>.mod (Athens: <v>/go.mod)
	FileZip                  // <v>.zip (Athens: <v>/source.zip)
	// FileZipHash, FileLock and FilePartial are the go command's own
	// files, found when the store is an export of a download cache.
	FileZipHash
	FileLock
	FilePartial
	numFileKinds
)

var fileKindNames = [numFileKinds]string{"info", "mod", "zip", "ziphash", "lock", "partial"}

func (k FileKind) String() string {
	if k >= 0 && k < numFileKinds {
		return fileKindNames[k]
	}
	return "?"
}

// Object is one key in the store.
type Object struct {
	Key     string    `json:"key"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"modTime"`
}

// Version is one module version held in the store.
type Version struct {
	Version string `json:"version"`
	// Files are the version's files by kind; a missing kind is nil.
	Files [numFileKinds]*Object `json:"-"`
	Size  int64                 `json:"size"`
	// Newest and Oldest are the newest and oldest ModTime of its files.
	Newest time.Time `json:"newest"`
	Oldest time.Time `json:"oldest"`
}

// File is the version's file of kind k, or nil.
func (v *Version) File(k FileKind) *Object { return v.Files[k] }

// Has reports whether the version has a file of kind k.
func (v *Version) Has(k FileKind) bool { return v.Files[k] != nil }

// Module is one module path and its versions, sorted by semver.
type Module struct {
	Path     string     `json:"path"`
	Versions []*Version `json:"versions"`
	// List is the proxy layout's <path>/@v/list, when present.
	List *Object `json:"list,omitempty"`
	Size int64   `json:"size"`
}

// Inventory is what a listing of the store found. It is read-only once
// List returns it.
type Inventory struct {
	URL     string    `json:"url"`
	Layout  Layout    `json:"-"`
	Modules []*Module `json:"modules"`
	// Other are the keys that belong to no module version: a sumdb/
	// directory, stray files, names that are not valid module paths or
	// versions. Their count and size are kept; OtherKeys keeps the first
	// few for the report.
	Other     int64    `json:"otherCount"`
	OtherSize int64    `json:"otherSize"`
	OtherKeys []string `json:"otherKeys,omitempty"`
	Size      int64    `json:"size"`
	Objects   int64    `json:"objects"`
	// Truncated is set when the listing stopped at the key limit.
	Truncated bool      `json:"truncated,omitempty"`
	ListedAt  time.Time `json:"listedAt"`
}

// Versions is the number of versions across the modules.
func (inv *Inventory) Versions() int {
	n := 0
	for _, m := range inv.Modules {
		n += len(m.Versions)
	}
	return n
}

// Lookup is the version path@vers, or nil.
func (inv *Inventory) Lookup(path, vers string) *Version {
	for _, m := range inv.Modules {
		if m.Path != path {
			continue
		}
		for _, v := range m.Versions {
			if v.Version == vers {
				return v
			}
		}
	}
	return nil
}
