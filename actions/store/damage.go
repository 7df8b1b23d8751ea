package store

import (
	"fmt"
	"time"
)

// Damage is one thing wrong with a version in the store (or with the
// store's listing of a module).
type Damage struct {
	Kind    string `json:"kind"`
	Module  string `json:"module"`
	Version string `json:"version,omitempty"`
	// Key is the object the damage is in, when it is in one.
	Key    string `json:"key,omitempty"`
	Detail string `json:"detail"`
	Fix    string `json:"fix"`
	// Proven is set when the content was hashed and shown to differ from
	// what the checksum database or the given go.sum holds: the only
	// damage a "proven wrong" GC deletes (after Athens' -verify-storage).
	Proven bool `json:"proven,omitempty"`
}

// The damage kinds. Scan finds the ones that need no hashing; Verify adds
// the hash mismatches.
const (
	// DamageMissingFile: the version lacks a file its layout requires
	// (Athens writes all three; a proxy layout's .zip needs its .mod and
	// .info).
	DamageMissingFile = "missing-file"
	// DamageZip: the zip does not open or fails x/mod/zip's checks.
	DamageZip = "zip-invalid"
	// DamageMod: the .mod does not parse, or names another module.
	DamageMod = "mod-invalid"
	// DamageInfo: the .info is not the JSON the proxy protocol defines, or
	// names another version.
	DamageInfo = "info-invalid"
	// DamageModDiffers: the .mod is not the go.mod inside the zip.
	DamageModDiffers = "mod-differs"
	// DamageZipHash and DamageModHash: the hash differs from the checksum
	// database's or go.sum's (Proven).
	DamageZipHash = "zip-hash-mismatch"
	DamageModHash = "mod-hash-mismatch"
)

// ScanOptions tune Scan.
type ScanOptions struct {
	// Workers is how many objects are read at once (default 8).
	Workers int
}

// ScanReport is what Scan found.
type ScanReport struct {
	Inventory *Inventory `json:"inventory"`
	Damage    []Damage   `json:"damage"`
	// Checked is how many versions were looked at.
	Checked int `json:"checked"`
	// Modules are the modules' shares of the store, largest first;
	// Newest and Oldest the store's newest and oldest object.
	Modules []ModuleStats `json:"modules"`
	Newest  time.Time     `json:"newest,omitzero"`
	Oldest  time.Time     `json:"oldest,omitzero"`
	// ReadErrors are the objects that could not be read (each "key:
	// reason"): not judged, so not damage.
	ReadErrors []string      `json:"readErrors,omitempty"`
	Duration   time.Duration `json:"-"`
}

// required is what a version must hold in the layout: a version with a
// zip needs its .mod and .info to be served (the go command asks for the
// .info and .mod before the .zip); Athens writes all three at once.
func required(l Layout, v *Version) []FileKind {
	if l == LayoutAthens || v.Has(FileZip) {
		return []FileKind{FileInfo, FileMod, FileZip}
	}
	// A version with only metadata is normal in a proxy store: the go
	// command fetches .mod files of versions it never builds.
	return []FileKind{FileMod}
}

// missingFiles is the damage of versions that lack a required file.
func missingFiles(inv *Inventory) []Damage {
	var out []Damage
	for _, m := range inv.Modules {
		for _, v := range m.Versions {
			for _, k := range required(inv.Layout, v) {
				if v.Has(k) {
					continue
				}
				out = append(out, Damage{
					Kind: DamageMissingFile, Module: m.Path, Version: v.Version,
					Detail: fmt.Sprintf("no .%s file", k),
					Fix:    fixDelete(m.Path, v.Version),
				})
			}
		}
	}
	return out
}
