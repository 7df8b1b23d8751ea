package cachescan

import (
	"sort"
	"time"
)

// Size counts what a part of a cache occupies. Bytes is disk usage (allocated
// blocks), the figure du and gdu show by default; ApparentBytes is the sum of
// file lengths. Hard-linked files are counted once.
type Size struct {
	Bytes         int64 `json:"bytes"`
	ApparentBytes int64 `json:"apparentBytes"`
	Files         int64 `json:"files"`
}

// Add adds o to s.
func (s *Size) Add(o Size) {
	s.Bytes += o.Bytes
	s.ApparentBytes += o.ApparentBytes
	s.Files += o.Files
}

// Snapshot is everything one scan learnt about the caches and the project.
type Snapshot struct {
	Env        Env         `json:"env"`
	ModCache   ModCache    `json:"modcache"`
	BuildCache BuildCache  `json:"buildcache"`
	Project    *Project    `json:"project"`
	Problems   []Problem   `json:"problems"`
	Errors     []ScanError `json:"errors,omitempty"`
	ScannedAt  time.Time   `json:"scannedAt"`
	DurationMS int64       `json:"durationMs"`
	// Clock is the clock the scan measured from (nil: the system's); the
	// plans, purges and verifies made from the snapshot measure from it.
	Clock Clock `json:"-"`
}

// ScanError is a path the scanner could not read. The scan goes on without it,
// so the totals leave it out; it is also reported as an "unreadable" problem.
type ScanError struct {
	Path string `json:"path"`
	Err  string `json:"error"`
}

// ModCache models GOMODCACHE.
type ModCache struct {
	Root string `json:"root"`
	// RootRaw holds Root's bytes when it is not valid UTF-8 (see RawBytes).
	RootRaw []byte `json:"rootRaw,omitempty"`
	Exists  bool   `json:"exists"`
	Size
	Modules []*Module `json:"modules"`
	VCS     VCSCache  `json:"vcs"`
	SumDB   SumDB     `json:"sumdb"`
	// Other is what belongs to no module, clone or checksum-database file:
	// cache/lock, stray files, and the lock files the go command leaves of
	// versions that are gone (a version with only its .lock is none).
	Other Size `json:"other"`
	// ConfiguredRoot is the root as configured when it is a symlink that
	// Root resolves: the go command keys its module index on that spelling.
	ConfiguredRoot string `json:"configuredRoot,omitempty"`
	// ActiveToolchain is the golang.org/toolchain version the go command
	// would run in the project (empty when that is the local go).
	ActiveToolchain string `json:"activeToolchain,omitempty"`
}

// Module is one module path with every version the cache knows of.
type Module struct {
	Path        string `json:"path"`
	EscapedPath string `json:"escapedPath"`
	// PathRaw and EscapedPathRaw hold the exact bytes of a name that is not
	// valid UTF-8 (JSON would replace them with U+FFFD), base64 in JSON.
	PathRaw        []byte `json:"pathRaw,omitempty"`
	EscapedPathRaw []byte `json:"escapedPathRaw,omitempty"`
	Size
	Toolchain bool       `json:"toolchain,omitempty"`
	Versions  []*Version `json:"versions"`
	// List is the cache/download/<E>/@v/list file, when present.
	List *File `json:"list,omitempty"`
}

// Version is one module version: its download files and its extracted tree.
type Version struct {
	Version        string `json:"version"`
	EscapedVersion string `json:"escapedVersion"`
	// The *Raw fields hold the exact bytes of a name that is not valid
	// UTF-8, base64 in JSON (see RawBytes); they are left out otherwise.
	VersionRaw        []byte `json:"versionRaw,omitempty"`
	EscapedVersionRaw []byte `json:"escapedVersionRaw,omitempty"`
	DownloadDirRaw    []byte `json:"downloadDirRaw,omitempty"`
	DirRaw            []byte `json:"extractedDirRaw,omitempty"`
	DeclaredPathRaw   []byte `json:"declaredPathRaw,omitempty"`
	// Size is the download files plus the extracted tree.
	Size
	Download Size `json:"download"`
	Tree     Size `json:"tree"`

	HasInfo    bool `json:"info"`
	HasMod     bool `json:"mod"`
	HasZip     bool `json:"zip"`
	HasZipHash bool `json:"ziphash"`
	HasDir     bool `json:"dir"`
	HasPartial bool `json:"partial,omitempty"`
	HasLock    bool `json:"lock,omitempty"`

	// State sums up the version for the go command (state.go).
	State VersionState `json:"state"`

	// InfoTime is the Time field of the .info file.
	InfoTime *time.Time `json:"infoTime,omitempty"`
	// Origin is the .info file's record of where the version came from.
	Origin *Origin `json:"origin,omitempty"`
	// DeclaredPath is the module path the .mod declares when it is not the
	// module's own: normal for a fork used as a replace target.
	DeclaredPath string `json:"declaredPath,omitempty"`
	// ZipHash is the content of a well-formed .ziphash file.
	ZipHash string `json:"ziphashValue,omitempty"`

	DownloadDir string `json:"downloadDir"`
	Dir         string `json:"extractedDir,omitempty"`
	// Files lists the version's files in DownloadDir.
	Files []File `json:"files"`

	Toolchain bool `json:"toolchain,omitempty"`
	Active    bool `json:"active,omitempty"`
}

// Origin is where the go command says a version came from (.info Origin).
type Origin struct {
	VCS       string `json:"vcs,omitempty"`
	URL       string `json:"url,omitempty"`
	Subdir    string `json:"subdir,omitempty"`
	Hash      string `json:"hash,omitempty"`
	TagPrefix string `json:"tagPrefix,omitempty"`
	TagSum    string `json:"tagSum,omitempty"`
	Ref       string `json:"ref,omitempty"`
	RepoSum   string `json:"repoSum,omitempty"`
}

// File is one file with its size and modification time.
type File struct {
	Name string `json:"name"`
	// NameRaw holds Name's bytes when it is not valid UTF-8 (see RawBytes).
	NameRaw       []byte    `json:"nameRaw,omitempty"`
	Bytes         int64     `json:"bytes"`
	ApparentBytes int64     `json:"apparentBytes"`
	ModTime       time.Time `json:"modTime"`
}

// VCSCache models cache/vcs, the clones the go command makes in direct mode.
type VCSCache struct {
	Root string `json:"root"`
	Size
	Clones []VCSClone `json:"clones"`
}

// VCSClone is one cache/vcs/<hash> clone and its .info sidecar.
type VCSClone struct {
	Hash string `json:"hash"`
	// Kind is the key's type: "git3" for git, "vcs1.hg" and so on.
	Kind string `json:"kind,omitempty"`
	// Remote is the repository URL from the .info sidecar.
	Remote  string `json:"remote,omitempty"`
	HasDir  bool   `json:"dir"`
	HasInfo bool   `json:"info"`
	Size
}

// SumDB models cache/download/sumdb, the checksum-database tiles and lookups.
type SumDB struct {
	Root string `json:"root"`
	Size
}

// BuildCache models GOCACHE.
type BuildCache struct {
	Root string `json:"root"`
	// RootRaw holds Root's bytes when it is not valid UTF-8 (see RawBytes).
	RootRaw []byte `json:"rootRaw,omitempty"`
	Exists  bool   `json:"exists"`
	Size
	// Actions and Outputs count the -a and -d entries; Entries is their sum.
	Entries int64 `json:"entries"`
	Actions int64 `json:"actions"`
	Outputs int64 `json:"outputs"`
	// ByAge splits the entries by the age of their last use (mtime).
	ByAge []AgeBucket `json:"byAge"`
	// TrimTime is when the go command last trimmed the cache (trim.txt).
	TrimTime *time.Time `json:"trimTime,omitempty"`
	// TestExpire is the cut-off of `go clean -testcache` (testexpire.txt).
	TestExpire *time.Time `json:"testExpire,omitempty"`
	Fuzz       Size       `json:"fuzz"`
	// Other is top-level files and anything that is not an entry.
	Other Size `json:"other"`
	// CacheProg is GOCACHEPROG: when set, the on-disk cache is not the
	// authority and is neither used nor trimmed by the go command.
	CacheProg string `json:"cacheProg,omitempty"`
}

// AgeBucket is the share of the build cache last used within an age range.
type AgeBucket struct {
	Label string `json:"label"`
	// MaxAgeHours is the upper bound of the range; 0 means unbounded.
	MaxAgeHours int   `json:"maxAgeHours"`
	Entries     int64 `json:"entries"`
	Size
}

// Project models the go.mod or go.work found for the current directory.
type Project struct {
	Dir string `json:"dir"`
	// GoWork is the go.work file in use, if any.
	GoWork string `json:"goWork,omitempty"`
	// Module, Go and Toolchain come from the main go.mod (or, in a
	// workspace, the first module; Go and Toolchain then from go.work).
	Module    string          `json:"module,omitempty"`
	Go        string          `json:"go,omitempty"`
	Toolchain string          `json:"toolchain,omitempty"`
	Modules   []ProjectModule `json:"modules"`
	Requires  []Require       `json:"requires"`
	Replaces  []Replace       `json:"replaces"`
	Errors    []string        `json:"errors,omitempty"`
	// Sums holds the hashes of go.sum (and go.work.sum) by "path version"
	// and "path version/go.mod".
	Sums map[string][]string `json:"sums,omitempty"`
	// sumFiles names the file each line came from, by "key hash".
	sumFiles map[string]string
}

// Sum returns the go.sum hashes recorded for a module version's content and
// for its go.mod.
func (p *Project) Sum(path, version string) (zip, gomod []string) {
	if p == nil {
		return nil, nil
	}
	return p.Sums[path+" "+version], p.Sums[path+" "+version+"/go.mod"]
}

// ProjectModule is one main module: the go.mod, or a go.work use directive.
type ProjectModule struct {
	Path  string `json:"path"`
	Dir   string `json:"dir"`
	GoMod string `json:"goMod"`
	Go    string `json:"go,omitempty"`
}

// Require is one require directive of a main module.
type Require struct {
	Path     string `json:"path"`
	Version  string `json:"version"`
	Indirect bool   `json:"indirect,omitempty"`
	// Module is the main module whose go.mod has the directive.
	Module string `json:"module"`
	// InCache: the cache has something of this version (.mod, zip or tree).
	InCache bool `json:"inCache"`
	// Complete: its .mod is cached and its tree is usable or extractable
	// offline.
	Complete bool `json:"complete"`
	// State is the cached version's State, or StateMissing.
	State VersionState `json:"state"`
	// Replaced: a replace directive applies, so the cache entry may not be
	// what builds use.
	Replaced bool `json:"replaced,omitempty"`
}

// Replace is one replace directive from go.mod or go.work.
type Replace struct {
	OldPath    string `json:"oldPath"`
	OldVersion string `json:"oldVersion,omitempty"`
	NewPath    string `json:"newPath"`
	NewVersion string `json:"newVersion,omitempty"`
	// Source is the go.mod or go.work file that has the directive.
	Source string `json:"source"`
	// Local: the target is a directory, not a module.
	Local bool `json:"local"`
	// LocalDir is the target directory made absolute.
	LocalDir string `json:"localDir,omitempty"`
	// TargetExists: the directory exists, or the module version is cached.
	TargetExists bool `json:"targetExists"`
	// TargetHasGoMod: the local directory has a go.mod.
	TargetHasGoMod bool `json:"targetHasGoMod,omitempty"`
	// TargetState is the cached target's State (module targets only).
	TargetState VersionState `json:"targetState,omitempty"`
}

// Find returns the module with the given path, or nil. Modules are sorted by
// path, so this is a binary search.
func (mc *ModCache) Find(path string) *Module {
	i := sort.Search(len(mc.Modules), func(i int) bool { return mc.Modules[i].Path >= path })
	if i < len(mc.Modules) && mc.Modules[i].Path == path {
		return mc.Modules[i]
	}
	return nil
}

// FindVersion returns the given module version, or nil.
func (mc *ModCache) FindVersion(path, version string) *Version {
	m := mc.Find(path)
	if m == nil {
		return nil
	}
	for _, v := range m.Versions {
		if v.Version == version {
			return v
		}
	}
	return nil
}
