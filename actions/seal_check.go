package actions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"modscope/cachescan"
)

// ErrSealInvalid wraps why a sealed manifest cannot be trusted at all: its
// signature does not verify, or it is malformed. check exits 2 then.
var ErrSealInvalid = errors.New("the seal cannot be trusted")

// maxSealBytes is MaxManifestBytes; tests lower it.
var maxSealBytes int64 = MaxManifestBytes

// OpenSeal reads a signed manifest (at most MaxManifestBytes) and checks
// its signature with the verifier key (NAME.vkey's content).
func OpenSeal(r io.Reader, vkey string) (*Manifest, string, error) {
	verifier, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, "", fmt.Errorf("%w: the verifier file holds no note verifier key (the NAME.vkey that modscope seal --new-key writes)", ErrSealInvalid)
	}
	var buf bytes.Buffer
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			if fi.Size() > maxSealBytes {
				return nil, "", fmt.Errorf("%w: the seal is larger than %d MiB, more than modscope reads", ErrSealInvalid, maxSealBytes>>20)
			}
			buf.Grow(int(fi.Size()) + 1)
		}
	}
	_, err = buf.ReadFrom(io.LimitReader(r, maxSealBytes+1))
	data := buf.Bytes()
	if err != nil {
		return nil, "", fmt.Errorf("reading the seal: %v", err)
	}
	if int64(len(data)) > maxSealBytes {
		return nil, "", fmt.Errorf("%w: the seal is larger than %d MiB, more than modscope reads", ErrSealInvalid, maxSealBytes>>20)
	}
	n, err := note.Open(data, note.VerifierList(verifier))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			who := "no one"
			if s := unverified.Note.UnverifiedSigs; len(s) > 0 {
				who = "key " + cachescan.Printable(s[0].Name)
			}
			return nil, "", fmt.Errorf("%w: it is signed by %s, not by %s", ErrSealInvalid, who, verifier.Name())
		case errors.As(err, &invalid):
			return nil, "", fmt.Errorf("%w: its signature by %s does not verify: the manifest or the signature was changed", ErrSealInvalid, verifier.Name())
		}
		return nil, "", fmt.Errorf("%w: not a signed note (%v)", ErrSealInvalid, err)
	}
	m, err := ParseManifest(n.Text)
	if err != nil {
		return nil, "", fmt.Errorf("%w: the manifest is malformed: %v", ErrSealInvalid, err)
	}
	return m, verifier.Name(), nil
}

// SealCheck is what a check found.
type SealCheck struct {
	Signer   string    `json:"signer"`
	Sealed   time.Time `json:"sealed"`
	Versions int       `json:"versions"`
	Actions  int       `json:"actions"`
	Outputs  int       `json:"outputs"`
	// Vouched counts the parts and outputs whose identity is unchanged
	// since the seal, so were not read; Rehashed those hashed again.
	Vouched     int        `json:"vouched"`
	Rehashed    int        `json:"rehashed"`
	BytesHashed int64      `json:"bytesHashed"`
	Changed     []SealDiff `json:"changed"`
	Gone        []SealDiff `json:"gone"`
	Added       []SealDiff `json:"added"`
	Notes       []string   `json:"notes,omitempty"`
}

// OK reports whether the caches hold what was sealed (additions aside).
func (c *SealCheck) OK() bool { return len(c.Changed) == 0 && len(c.Gone) == 0 }

// SealDiff is one version or build-cache entry that differs from the seal.
type SealDiff struct {
	// Kind is "version", "action" or "output".
	Kind string `json:"kind"`
	// Name is path@version, or the entry's ID.
	Name   string `json:"name"`
	Path   string `json:"path,omitempty"`
	Detail string `json:"detail"`
}

// CheckOptions tune a check.
type CheckOptions struct {
	// Rehash hashes everything, trusting no identity.
	Rehash bool
	Jobs   int
}

// Check compares the caches of the snapshot with a manifest: every sealed
// version and entry must be there, as sealed; what was added is listed.
func (s *Sealer) Check(ctx context.Context, snap *cachescan.Snapshot, m *Manifest, opt CheckOptions) (*SealCheck, error) {
	c := &SealCheck{Sealed: m.Created, Versions: len(m.Versions), Actions: len(m.Actions), Outputs: len(m.Outputs),
		Changed: []SealDiff{}, Gone: []SealDiff{}, Added: []SealDiff{}}
	if m.ModCache != snap.ModCache.Root {
		c.Notes = append(c.Notes, fmt.Sprintf("sealed with GOMODCACHE %s, checking %s", cachescan.Printable(m.ModCache), cachescan.Printable(snap.ModCache.Root)))
	}
	if m.GoCache != snap.BuildCache.Root {
		c.Notes = append(c.Notes, fmt.Sprintf("sealed with GOCACHE %s, checking %s", cachescan.Printable(m.GoCache), cachescan.Printable(snap.BuildCache.Root)))
	}
	var mu sync.Mutex
	changed := func(d SealDiff) { mu.Lock(); c.Changed = append(c.Changed, d); mu.Unlock() }
	tally := func(vouched bool) {
		mu.Lock()
		if vouched {
			c.Vouched++
		} else {
			c.Rehashed++
		}
		mu.Unlock()
	}

	// Versions: matched by path and version, never by a path the manifest
	// gives, so a hostile manifest names nothing outside the caches.
	now := map[string]*cachescan.Version{}
	for _, mod := range snap.ModCache.Modules {
		for _, v := range mod.Versions {
			if v.State == cachescan.StateInvalid {
				continue
			}
			now[mod.Path+"@"+v.Version] = v
		}
	}
	sealed := make(map[string]bool, len(m.Versions))
	var vjobs []int
	for i := range m.Versions {
		sv := &m.Versions[i]
		key := sv.Module + "@" + sv.Version
		sealed[key] = true
		if v := now[key]; v != nil {
			vjobs = append(vjobs, i)
		} else {
			c.Gone = append(c.Gone, SealDiff{Kind: "version", Name: key, Detail: "sealed, no longer in the module cache"})
		}
	}
	for key, v := range now {
		if !sealed[key] {
			c.Added = append(c.Added, SealDiff{Kind: "version", Name: key, Path: v.DownloadDir, Detail: "not in the seal"})
		}
	}

	// Actions: read again (175 bytes each); outputs by identity or hash.
	root := snap.BuildCache.Root
	var current map[string]bool
	if root != "" && snap.BuildCache.Exists {
		names, err := listEntries(root, 'a')
		if err != nil {
			return nil, err
		}
		current = make(map[string]bool, len(names))
		for _, n := range names {
			current[n] = true
		}
	}
	users := make(map[string]actionUsers, len(m.Outputs)) // output -> the sealed actions naming it
	for _, a := range m.Actions {
		u := users[a.Output]
		if u.n == 0 {
			u.first = a.ID
		}
		u.n++
		users[a.Output] = u
		path := ""
		if root != "" {
			path = entryFile(root, a.ID, 'a')
		}
		if !current[a.ID] {
			c.Gone = append(c.Gone, SealDiff{Kind: "action", Name: a.ID, Path: path, Detail: "sealed, no longer in the build cache"})
			continue
		}
		delete(current, a.ID)
		got, why := readAction(path)
		switch {
		case why != "":
			c.Changed = append(c.Changed, SealDiff{Kind: "action", Name: a.ID, Path: path, Detail: "rewritten: the entry " + why})
		case got.Output != a.Output:
			c.Changed = append(c.Changed, SealDiff{Kind: "action", Name: a.ID, Path: path,
				Detail: fmt.Sprintf("rewritten: it names output %s, sealed %s", shortID(got.Output), shortID(a.Output))})
		case got.Size != a.Size || got.Time != a.Time:
			c.Changed = append(c.Changed, SealDiff{Kind: "action", Name: a.ID, Path: path,
				Detail: fmt.Sprintf("rewritten: size %d and time %d, sealed %d and %d", got.Size, got.Time, a.Size, a.Time)})
		}
	}
	for id := range current {
		c.Added = append(c.Added, SealDiff{Kind: "action", Name: id, Path: entryFile(root, id, 'a'), Detail: "not in the seal"})
	}

	s.items.Store(int64(len(vjobs) + len(m.Outputs)))
	err := s.run(ctx, len(vjobs)+len(m.Outputs), opt.Jobs, func(i int, buf []byte) error {
		count := s.counter(ctx)
		if i < len(vjobs) {
			sv := &m.Versions[vjobs[i]]
			key := sv.Module + "@" + sv.Version
			diffs, err := checkVersion(sv, now[key], opt.Rehash, tally, count, buf)
			for _, d := range diffs {
				changed(d)
			}
			return err
		}
		o := &m.Outputs[i-len(vjobs)]
		d, err := checkOutput(root, o, users[o.ID], opt.Rehash, tally, count, buf)
		if d != nil {
			changed(*d)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	c.BytesHashed = s.bytes.Load()
	for _, l := range [][]SealDiff{c.Changed, c.Gone, c.Added} {
		sort.Slice(l, func(i, j int) bool {
			if l[i].Kind != l[j].Kind {
				return kindOrder(l[i].Kind) < kindOrder(l[j].Kind)
			}
			if l[i].Name != l[j].Name {
				return l[i].Name < l[j].Name
			}
			return l[i].Detail < l[j].Detail
		})
	}
	return c, nil
}

func kindOrder(k string) int {
	switch k {
	case "version":
		return 0
	case "action":
		return 1
	}
	return 2
}

// checkVersion compares each part of a version with the seal: a part that
// came or went, or hashes otherwise. A part whose identity is the sealed
// one is vouched for without reading it (unless rehash).
func checkVersion(sv *SealedVersion, v *cachescan.Version, rehash bool, tally func(bool), count counter, buf []byte) ([]SealDiff, error) {
	mv := sv.Module + "@" + sv.Version
	base := filepath.Join(v.DownloadDir, v.EscapedVersion)
	var out []SealDiff
	add := func(path, detail string) {
		out = append(out, SealDiff{Kind: "version", Name: mv, Path: path, Detail: detail})
	}
	for _, name := range sealParts {
		want := *sv.part(name)
		path, present := partPath(v, base, name)
		label := partLabel(name)
		switch {
		case want == nil && !present:
			continue
		case want == nil:
			add(path, label+" was not there when sealed")
			continue
		case !present:
			add(path, label+" is gone")
			continue
		}
		if !rehash && want.ID != "" && partIdentity(name, path) == want.ID {
			tally(true)
			continue
		}
		tally(false)
		if name == "zip" {
			// The bytes first: equal bytes are an equal zip, no inflating.
			raw, err := rawZipHash(path, count, buf)
			if err != nil {
				if isCancel(err) {
					return out, err
				}
				add(path, label+" cannot be read: "+err.Error())
				continue
			}
			if raw == want.Raw {
				continue
			}
		}
		got, err := hashPart(name, path, mv, count, buf)
		if err != nil {
			if isCancel(err) {
				return out, err
			}
			add(path, label+" cannot be hashed: "+err.Error())
			continue
		}
		switch {
		case name == "zip" && got.Hash == want.Hash:
			add(path, "the zip's bytes changed, its content hashes as sealed ("+want.Hash+")")
		case got.Hash != want.Hash && (name == "zip" || name == "tree" || name == "mod"):
			add(path, fmt.Sprintf("%s hashes to %s, sealed %s", label, got.Hash, want.Hash))
		case got.Hash != want.Hash:
			add(path, label+" changed")
		}
	}
	return out, nil
}

func partLabel(name string) string {
	switch name {
	case "tree":
		return "the extracted tree"
	case "mod":
		return "the .mod"
	case "info":
		return "the .info"
	case "ziphash":
		return "the .ziphash"
	}
	return "the zip"
}

func isCancel(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// actionUsers are the sealed actions naming an output: the first, and how
// many.
type actionUsers struct {
	first string
	n     int
}

// checkOutput compares an output with the seal.
func checkOutput(root string, o *SealedOutput, users actionUsers, rehash bool, tally func(bool), count counter, buf []byte) (*SealDiff, error) {
	if root == "" {
		return &SealDiff{Kind: "output", Name: o.ID, Detail: "there is no build cache"}, nil
	}
	path := entryFile(root, o.ID, 'd')
	diff := func(detail string) *SealDiff {
		if users.n > 0 {
			detail += fmt.Sprintf("; %s names it (%s", plural(users.n, "sealed action"), shortID(users.first))
			if users.n > 1 {
				detail += ", …"
			}
			detail += ")"
		}
		return &SealDiff{Kind: "output", Name: o.ID, Path: path, Detail: detail}
	}
	fi, err := os.Lstat(path)
	absent := errors.Is(err, fs.ErrNotExist)
	if err != nil && !absent {
		return diff("cannot be read: " + err.Error()), nil
	}
	switch o.State {
	case OutputAbsent:
		if absent {
			return nil, nil
		}
		return diff("was absent when sealed, is there now: a build would use it"), nil
	case OutputUnusable:
		if absent {
			return nil, nil
		}
		if _, _, _, usable, err := hashOutput(path, fi, count, buf); err == nil && usable {
			return diff("was unusable when sealed, is a valid output now: a build would use it"), err
		}
		return nil, nil
	}
	if absent {
		return diff("sealed, no longer in the build cache"), nil
	}
	if !rehash && o.Ident != "" && partIdentity("tree", path) == o.Ident {
		tally(true)
		return nil, nil
	}
	tally(false)
	sha, size, name, usable, err := hashOutput(path, fi, count, buf)
	switch {
	case err != nil && isCancel(err):
		return nil, err
	case err != nil:
		return diff("cannot be hashed: " + err.Error()), nil
	case !usable:
		return diff("is no longer a file or a directory of one file"), nil
	case sha != o.SHA:
		return diff(fmt.Sprintf("its content hashes to %s, sealed %s", shortID(sha), shortID(o.SHA))), nil
	case size != o.Size || name != o.Name:
		return diff("its size or name changed"), nil
	}
	return nil, nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
