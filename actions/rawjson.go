package actions

import (
	"encoding/json"

	"modscope/cachescan"
)

// Names from the cache that are not valid UTF-8 get a *Raw field with
// their exact bytes in JSON, as in cachescan (see cachescan.RawBytes).

// MarshalJSON adds moduleRaw, versionRaw and pathRaw.
func (s Skipped) MarshalJSON() ([]byte, error) {
	type plain Skipped
	return json.Marshal(struct {
		plain
		ModuleRaw  []byte `json:"moduleRaw,omitempty"`
		VersionRaw []byte `json:"versionRaw,omitempty"`
		PathRaw    []byte `json:"pathRaw,omitempty"`
	}{plain(s), cachescan.RawBytes(s.Module), cachescan.RawBytes(s.Version), cachescan.RawBytes(s.Path)})
}

// MarshalJSON adds moduleRaw, versionRaw and pathsRaw (every path's bytes,
// in order, when any is not valid UTF-8).
func (it PurgeItem) MarshalJSON() ([]byte, error) {
	type plain PurgeItem
	return json.Marshal(struct {
		plain
		ModuleRaw  []byte   `json:"moduleRaw,omitempty"`
		VersionRaw []byte   `json:"versionRaw,omitempty"`
		PathsRaw   [][]byte `json:"pathsRaw,omitempty"`
	}{plain(it), cachescan.RawBytes(it.Module), cachescan.RawBytes(it.Version), cachescan.RawList(it.Paths)})
}

// MarshalJSON adds moduleRaw and versionRaw.
func (r PurgeResult) MarshalJSON() ([]byte, error) {
	type plain PurgeResult
	return json.Marshal(struct {
		plain
		ModuleRaw  []byte `json:"moduleRaw,omitempty"`
		VersionRaw []byte `json:"versionRaw,omitempty"`
	}{plain(r), cachescan.RawBytes(r.Module), cachescan.RawBytes(r.Version)})
}
