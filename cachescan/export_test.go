package cachescan

import (
	"os"
	"time"
)

// SetChecksID sets the build the index files are written for and trusted
// from, and returns the function restoring it.
func SetChecksID(id string) func() {
	old := checksID
	checksID = func() string { return id }
	return func() { checksID = old }
}

// IndexVersion is the scan index's format version.
const IndexVersion = indexVersion

// SetIndexMargin sets how old a directory's times must be for the scan
// index to keep it, and returns the function restoring the margin: tests
// scan caches they have just written.
func SetIndexMargin(d time.Duration) func() {
	old := indexMargin
	indexMargin = d
	return func() { indexMargin = old }
}

// SetMaxIndexSize lowers the bound on the index's size.
func SetMaxIndexSize(n int) func() {
	old := maxIndexSize
	maxIndexSize = n
	return func() { maxIndexSize = old }
}

// IndexHits returns how many trees and download files the last Scan took
// from the scan index.
func (s *Scanner) IndexHits() (trees, files int64) {
	return s.hits.trees, s.hits.files
}

// ListingHits returns how many @v directories the last Scan took from the
// scan index.
func (s *Scanner) ListingHits() int64 {
	return s.hits.listings
}

// ForgeIndex rewrites the index at path, valid but lying: every tree it
// records holds addFiles more files than it does. It is written for the
// roots given and as the given format version.
func ForgeIndex(path, modRoot, buildRoot string, version uint64, addFiles int64) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	x := &scanIndex{}
	_, _, err = decodeIndexInto(x, data)
	if err != nil {
		return err
	}
	for _, t := range x.trees {
		t.size.Files += addFiles
	}
	x.modRoot, x.buildRoot = modRoot, buildRoot
	return os.WriteFile(path, encodeIndexVersion(x, version), 0o600)
}

// decodeIndexInto reads an index's header and records into x.
func decodeIndexInto(x *scanIndex, data []byte) (string, string, error) {
	d := &dec{b: data[len(indexMagic):]}
	d.u()
	x.modRoot, x.buildRoot = d.s(), d.s()
	uniform := d.u() == 1
	d.s() // checksID
	r, err := decodeIndex(data, x.modRoot, x.buildRoot, uniform)
	if err != nil {
		return x.modRoot, x.buildRoot, err
	}
	x.trees, x.verdicts, x.listings, x.uniform = r.trees, r.verdicts, r.listings, uniform
	return x.modRoot, x.buildRoot, nil
}

// SetMaxLastStateSize lowers the bound of the last state.
func SetMaxLastStateSize(n int64) func() {
	old := maxLastStateSize
	maxLastStateSize = n
	return func() { maxLastStateSize = old }
}
