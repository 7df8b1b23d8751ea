package actions

// Sealing: a signed manifest of both caches, written before a CI cache is
// saved and checked after it is restored (issue 13). seal.go builds the
// manifest and signs it; seal_check.go opens one and compares the caches
// with it; seal_text.go is the text format.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	"modscope/cachescan"
)

// Manifest is what a seal records of both caches.
type Manifest struct {
	Created   time.Time
	GoVersion string
	ModCache  string
	GoCache   string
	Versions  []SealedVersion
	Actions   []SealedAction
	Outputs   []SealedOutput
}

// SealedVersion is one module version: each of its parts that existed.
type SealedVersion struct {
	Module, Version string
	// Zip: Hash is its h1: (dirhash.HashZip), Raw the SHA-256 of its bytes.
	Zip *SealedPart
	// ZipHash and Info: Hash is the SHA-256 of the file.
	ZipHash *SealedPart
	Info    *SealedPart
	// Tree: Hash is the h1: of the extracted tree (dirhash.HashDir,
	// links hashed as their targets' names, never followed).
	Tree *SealedPart
	// Mod: Hash is the go.sum hash of the .mod ("h1:" over "go.mod").
	Mod *SealedPart
}

// SealedPart is one file or tree of a version.
type SealedPart struct {
	Hash string
	Raw  string // the zip's SHA-256, what check compares first
	// ID digests the identity (size, mtime, inode, ctime; of every entry
	// for a tree) it had while hashed; "" when unknown or unstable.
	ID string
}

// The parts of a version, in the manifest's order.
var sealParts = []string{"zip", "ziphash", "tree", "mod", "info"}

// part returns the field of a part by name.
func (v *SealedVersion) part(name string) **SealedPart {
	switch name {
	case "zip":
		return &v.Zip
	case "ziphash":
		return &v.ZipHash
	case "tree":
		return &v.Tree
	case "mod":
		return &v.Mod
	case "info":
		return &v.Info
	}
	panic("unknown part " + name)
}

// SealedAction is one build-cache action entry, <hh>/<id>-a.
type SealedAction struct {
	ID, Output string // 64 hex each
	Size       int64  // the output's size the entry records
	Time       int64  // the entry's time, Unix nanoseconds
}

// SealedOutput is an output an action names, <hh>/<id>-d.
type SealedOutput struct {
	ID    string
	State OutputState
	Size  int64
	// SHA is the SHA-256 (hex) of the file, or of the one file of a -d
	// directory (Name, for go run's executables).
	SHA   string
	Name  string
	Ident string
}

// OutputState is what was at an output's place when sealed.
type OutputState byte

const (
	OutputPresent  OutputState = iota
	OutputAbsent               // no -d: the actions naming it were misses
	OutputUnusable             // not a file nor a directory of one file
)

// SealSkip is something seal left out of the manifest, and why.
type SealSkip struct {
	What string `json:"what"`
	Path string `json:"path"`
	Why  string `json:"why"`
}

// SealReport is what a seal wrote.
type SealReport struct {
	File        string     `json:"file"`
	Key         string     `json:"key"`
	Versions    int        `json:"versions"`
	Actions     int        `json:"actions"`
	Outputs     int        `json:"outputs"`
	BytesHashed int64      `json:"bytesHashed"`
	Skipped     []SealSkip `json:"skipped"`
	// Manifest is the manifest's size in bytes.
	Manifest int64 `json:"manifestBytes"`
}

// SealProgress counts a seal's or a check's work.
type SealProgress struct {
	Items, ItemsDone int64
	BytesDone        int64
}

// Sealer builds manifests and checks caches against them, with progress.
type Sealer struct {
	items, done, bytes atomic.Int64
}

// Progress is safe to call while a seal or a check runs.
func (s *Sealer) Progress() SealProgress {
	return SealProgress{Items: s.items.Load(), ItemsDone: s.done.Load(), BytesDone: s.bytes.Load()}
}

// Build hashes both caches of the snapshot into a manifest; what it could
// not hash is in skipped, and not in the manifest.
func (s *Sealer) Build(ctx context.Context, snap *cachescan.Snapshot, jobs int) (*Manifest, []SealSkip, error) {
	m := &Manifest{Created: snap.Clock.Now().UTC(), GoVersion: snap.Env.GOVERSION, ModCache: snap.ModCache.Root, GoCache: snap.BuildCache.Root}
	var skipped []SealSkip
	var mu sync.Mutex
	skip := func(what, path, why string) {
		mu.Lock()
		skipped = append(skipped, SealSkip{What: what, Path: path, Why: why})
		mu.Unlock()
	}
	type verJob struct {
		m *cachescan.Module
		v *cachescan.Version
	}
	var vjobs []verJob
	for _, mod := range snap.ModCache.Modules {
		for _, v := range mod.Versions {
			mv := mod.Path + "@" + v.Version
			switch {
			case v.State == cachescan.StateInvalid:
				skip(mv, v.Dir, "not a name the go command writes (path-invalid)")
			case v.HasPartial || v.State == cachescan.StateExtracting:
				skip(mv, v.DownloadDir, "being extracted, or an extraction was interrupted (.partial)")
			case cachescan.LockHeld(filepath.Join(v.DownloadDir, v.EscapedVersion+".lock")):
				skip(mv, v.DownloadDir, "a go command holds its lock: it is being written")
			default:
				vjobs = append(vjobs, verJob{mod, v})
			}
		}
	}
	var acts []SealedAction
	if snap.BuildCache.Root != "" && snap.BuildCache.Exists {
		names, err := listEntries(snap.BuildCache.Root, 'a')
		if err != nil {
			return nil, nil, err
		}
		for _, name := range names {
			path := entryFile(snap.BuildCache.Root, name, 'a')
			a, why := readAction(path)
			if why != "" {
				skip("action "+shortID(name), path, "the action entry "+why+": the go command ignores it")
				continue
			}
			acts = append(acts, a)
		}
	}
	outSet := map[string]bool{}
	var outIDs []string
	for _, a := range acts {
		if !outSet[a.Output] {
			outSet[a.Output] = true
			outIDs = append(outIDs, a.Output)
		}
	}
	sort.Strings(outIDs)
	s.items.Store(int64(len(vjobs) + len(outIDs)))
	versions := make([]*SealedVersion, len(vjobs))
	outputs := make([]SealedOutput, len(outIDs))
	err := s.run(ctx, len(vjobs)+len(outIDs), jobs, func(i int, buf []byte) error {
		count := s.counter(ctx)
		if i < len(vjobs) {
			j := vjobs[i]
			sv, why, err := sealVersion(j.m, j.v, count, buf)
			if err != nil {
				return err
			}
			if why != "" {
				skip(j.m.Path+"@"+j.v.Version, j.v.DownloadDir, why)
			} else {
				versions[i] = sv
			}
			return nil
		}
		i -= len(vjobs)
		o, err := sealOutput(snap.BuildCache.Root, outIDs[i], count, buf)
		outputs[i] = o
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	for _, v := range versions {
		if v != nil {
			m.Versions = append(m.Versions, *v)
		}
	}
	// The manifest's order (check requires it): by path, then version.
	sort.SliceStable(m.Versions, func(i, j int) bool { return versionKey(&m.Versions[i]) < versionKey(&m.Versions[j]) })
	kept := m.Versions[:0]
	for i := range m.Versions {
		if len(kept) > 0 && versionKey(&kept[len(kept)-1]) == versionKey(&m.Versions[i]) {
			skip(m.Versions[i].Module+"@"+m.Versions[i].Version, "", "found twice by the scan")
			continue
		}
		kept = append(kept, m.Versions[i])
	}
	m.Versions = kept
	sort.Slice(acts, func(i, j int) bool { return acts[i].ID < acts[j].ID })
	m.Actions, m.Outputs = acts, outputs
	sort.Slice(skipped, func(i, j int) bool { return skipped[i].What < skipped[j].What })
	return m, skipped, nil
}

// versionKey orders versions by module path, then version.
func versionKey(v *SealedVersion) string { return v.Module + "\x00" + v.Version }

// counter counts hashed bytes and stops the hashing when ctx is done.
func (s *Sealer) counter(ctx context.Context) counter {
	return func(n int64) error {
		s.bytes.Add(n)
		return ctx.Err()
	}
}

// run calls f for 0..n-1 on up to jobs goroutines (0: the CPUs), each with
// its own read buffer; the first error stops the rest.
func (s *Sealer) run(ctx context.Context, n, jobs int, f func(i int, buf []byte) error) error {
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	jobs = min(jobs, max(n, 1))
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64<<10)
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(i, buf); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
				s.done.Add(1)
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

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

// listEntries lists the build cache's entry names of a kind ('a' or 'd'),
// sorted: 64 hex and -a or -d, in the 256 entry directories (a link or a
// file at a directory's place is skipped: the scan reports it).
func listEntries(root string, kind byte) ([]string, error) {
	var out []string
	for i := 0; i < 256; i++ {
		dir := filepath.Join(root, fmt.Sprintf("%02x", i))
		if !realDir(dir) {
			continue
		}
		names, err := readNames(dir)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", dir, err)
		}
		for _, n := range names {
			if isEntryName(n) && n[65] == kind && n[:2] == dir[len(dir)-2:] {
				out = append(out, n[:64])
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// entryFile is the path of an entry.
func entryFile(root, id string, kind byte) string {
	return filepath.Join(root, id[:2], id+"-"+string(kind))
}

// readAction reads an action entry as the go command validates it; why is
// what is wrong with it.
func readAction(path string) (SealedAction, string) {
	out, size, why := readActionEntry(path)
	if why != "" {
		return SealedAction{}, why
	}
	data, err := cachescan.ReadSmall(path, 175)
	if err != nil || len(data) != 175 {
		return SealedAction{}, "changed while read"
	}
	var t int64
	if _, err := fmt.Sscanf(strings.TrimLeft(string(data[154:174]), " "), "%d", &t); err != nil || t < 0 {
		return SealedAction{}, "has a bad time"
	}
	return SealedAction{ID: filepath.Base(path)[:64], Output: out, Size: size, Time: t}, ""
}

// sealOutput hashes an output: a file, or a directory of one file.
func sealOutput(root, id string, count counter, buf []byte) (SealedOutput, error) {
	o := SealedOutput{ID: id}
	path := entryFile(root, id, 'd')
	before := partIdentity("tree", path)
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		o.State = OutputAbsent
		return o, nil
	}
	sha, size, name, usable, err := hashOutput(path, fi, count, buf)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return o, err
		}
		usable = false
	}
	if !usable {
		o.State = OutputUnusable
		return o, nil
	}
	o.SHA, o.Size, o.Name = sha, size, name
	if before != "" && partIdentity("tree", path) == before {
		o.Ident = before
	}
	return o, nil
}

// hashOutput hashes an output file, or the one regular file of an output
// directory; usable is false for anything else (the go command's miss).
func hashOutput(path string, fi fs.FileInfo, count counter, buf []byte) (sha string, size int64, name string, usable bool, err error) {
	file := path
	if fi.IsDir() {
		ents, err := os.ReadDir(path)
		if err != nil {
			return "", 0, "", false, err
		}
		if len(ents) != 1 || !ents[0].Type().IsRegular() {
			return "", 0, "", false, nil
		}
		name = ents[0].Name()
		file = filepath.Join(path, name)
	} else if !fi.Mode().IsRegular() {
		return "", 0, "", false, nil
	}
	f, err := cachescan.OpenRegular(file)
	if err != nil {
		return "", 0, "", false, err
	}
	defer f.Close()
	sum, err := hashReader(f, count, buf)
	if err != nil {
		return "", 0, "", false, err
	}
	st, err := f.Stat()
	if err != nil {
		return "", 0, "", false, err
	}
	return hex.EncodeToString(sum[:]), st.Size(), name, true, nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12] + "…"
	}
	return id
}

// Sign signs a manifest's text with a note signer key (NAME.key's
// content) and returns the signed note and the key's name. An error never
// holds the key.
func Sign(m *Manifest, skey string) ([]byte, string, error) {
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, "", errors.New("the key file holds no note signer key (the NAME.key that modscope seal --new-key writes)")
	}
	var text bytes.Buffer
	writeManifest(&text, m)
	msg, err := note.Sign(&note.Note{Text: text.String()}, signer)
	if err != nil {
		return nil, "", fmt.Errorf("signing: %v", err)
	}
	return msg, signer.Name(), nil
}

// NewSealKey makes a note key pair named name: the signer key (secret) and
// the verifier key (public).
func NewSealKey(name string) (skey, vkey string, err error) {
	if !validKeyName(name) {
		return "", "", fmt.Errorf("--new-key %q: a key name is letters, digits, '.', '-' and '_', not starting with '.' (it names the files too)", cachescan.Printable(name))
	}
	return note.GenerateKey(rand.Reader, name)
}

// validKeyName: a note key name that is also a plain file name.
func validKeyName(name string) bool {
	if name == "" || len(name) > 100 || name[0] == '.' {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
