package cachescan

import (
	"encoding/json"
	"unicode/utf8"
)

// Names in a cache are bytes, and need not be UTF-8; JSON strings are
// UTF-8, and encoding/json replaces each invalid byte with U+FFFD, so that
// a script could not act on the name it reads. Every JSON object that
// carries such a name (a module path, a version, a file or directory path)
// therefore also carries, only when the name is not valid UTF-8, a field
// named like it with "Raw" appended that holds its exact bytes in base64:
// "path" and "pathRaw", "paths" and "pathsRaw" (every path of the list, in
// order, when any is invalid). Reading JSON back, a Raw field wins.

// RawBytes returns s's bytes when s is not valid UTF-8, for a *Raw field;
// nil (the field left out) when JSON carries s as it is.
func RawBytes(s string) []byte {
	if utf8.ValidString(s) {
		return nil
	}
	return []byte(s)
}

// RawList returns every string's bytes when any of them is not valid
// UTF-8, for a list's *Raw field; nil otherwise.
func RawList(ss []string) [][]byte {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			out := make([][]byte, len(ss))
			for i, s := range ss {
				out[i] = []byte(s)
			}
			return out
		}
	}
	return nil
}

// FromRaw sets *s to raw's bytes when the JSON had a *Raw field.
func FromRaw(s *string, raw []byte) {
	if raw != nil {
		*s = string(raw)
	}
}

// MarshalJSON adds moduleRaw, versionRaw and pathRaw (see RawBytes).
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	return json.Marshal(struct {
		plain
		ModuleRaw  []byte `json:"moduleRaw,omitempty"`
		VersionRaw []byte `json:"versionRaw,omitempty"`
		PathRaw    []byte `json:"pathRaw,omitempty"`
	}{plain(p), RawBytes(p.Module), RawBytes(p.Version), RawBytes(p.Path)})
}

// UnmarshalJSON reads what MarshalJSON writes, the raw names winning: a
// verify's findings, kept for repair, name the very files they found.
func (p *Problem) UnmarshalJSON(data []byte) error {
	type plain Problem
	var aux struct {
		plain
		ModuleRaw  []byte `json:"moduleRaw"`
		VersionRaw []byte `json:"versionRaw"`
		PathRaw    []byte `json:"pathRaw"`
	}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*p = Problem(aux.plain)
	FromRaw(&p.Module, aux.ModuleRaw)
	FromRaw(&p.Version, aux.VersionRaw)
	FromRaw(&p.Path, aux.PathRaw)
	return nil
}

// fillRaw sets the *Raw fields of the model's names. They are fields, not
// MarshalJSON methods as on Problem, because a snapshot holds a hundred
// thousand versions and files: JSON then costs nothing more for them.
func (mc *ModCache) fillRaw() {
	mc.RootRaw = RawBytes(mc.Root)
	for _, m := range mc.Modules {
		m.PathRaw, m.EscapedPathRaw = RawBytes(m.Path), RawBytes(m.EscapedPath)
		if m.List != nil {
			m.List.NameRaw = RawBytes(m.List.Name)
		}
		for _, v := range m.Versions {
			v.VersionRaw, v.EscapedVersionRaw = RawBytes(v.Version), RawBytes(v.EscapedVersion)
			v.DownloadDirRaw, v.DirRaw, v.DeclaredPathRaw = RawBytes(v.DownloadDir), RawBytes(v.Dir), RawBytes(v.DeclaredPath)
			for i := range v.Files {
				v.Files[i].NameRaw = RawBytes(v.Files[i].Name)
			}
		}
	}
}

// MarshalJSON adds pathRaw (see RawBytes).
func (e ScanError) MarshalJSON() ([]byte, error) {
	type plain ScanError
	return json.Marshal(struct {
		plain
		PathRaw []byte `json:"pathRaw,omitempty"`
	}{plain(e), RawBytes(e.Path)})
}
