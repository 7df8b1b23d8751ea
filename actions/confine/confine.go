// Package confine is the one layer through which modscope changes the disk.
//
// A Root is a cache root opened once. Every path below it is reached one
// component at a time from the root's open directory, with O_NOFOLLOW and
// O_DIRECTORY on each step, so that no symbolic link is ever followed: not
// one planted in the cache, not one swapped in for a directory while a
// purge runs, not even one to another file of the same cache. Files are
// opened without following and checked on the open descriptor; directories
// are made writable with fchmod on a descriptor, never by name; removal
// goes through unlinkat on the directory that holds the entry.
//
// Go's os.Root confines a path to its root, but it follows links that stay
// inside the root and its Chmod is racy on Unix: on the systems where the
// kernel offers the *at calls this package does the walk itself, and on
// the others it falls back to os.Root with a type check before each step.
//
// Entries it creates keep the owner of the directory they are created in,
// as a go command run by that owner would leave them: root purging a
// user's cache must not leave a root-owned lock the user cannot open.
package confine

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// Kind is what a root is, which decides what Open checks.
type Kind int

const (
	// ModCache is a GOMODCACHE.
	ModCache Kind = iota
	// BuildCache is a GOCACHE: it must hold the go command's README.
	BuildCache
	// SumDBConfig is $GOPATH/pkg/sumdb, where the go command keeps the
	// checksum database's latest signed tree.
	SumDBConfig
	// ExportDir is a directory offline --export writes a proxy into.
	ExportDir
)

func (k Kind) String() string {
	switch k {
	case ModCache:
		return "module cache"
	case BuildCache:
		return "build cache"
	case ExportDir:
		return "export directory"
	}
	return "checksum-database directory"
}

// Locked is a file open under an exclusive lock (Edit): Close unlocks.
type Locked interface {
	io.Reader
	io.WriterAt
	Truncate(size int64) error
	Name() string
	Close() error
}

// RefusedError is a change the layer will not make, and why.
type RefusedError struct {
	Path string
	Why  string
}

func (e *RefusedError) Error() string { return e.Path + ": " + e.Why + ": not touched" }

// IsRefused reports whether err is a refusal (as opposed to a failure).
func IsRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r)
}

func refuse(path, why string) error { return &RefusedError{Path: path, Why: why} }

// readmeStart is how the go command's GOCACHE/README begins
// (cmd/go/internal/cache/default.go).
const readmeStart = "This directory holds cached build artifacts from the Go build system."

// Check says why path may not be opened as a root of the given kind for
// destructive work, or returns nil. It refuses a relative path, "/", the
// user's home directory and every directory above it, and a GOCACHE
// without the go command's README: a mistyped --gocache must not make a
// purge of "fuzz" or "xx/<hex>-a" names run over a home directory.
func Check(path string, kind Kind) error {
	_, err := resolve(path, kind)
	return err
}

// resolve is Check, returning the root with its own links resolved (the
// root itself may be a link: a cache moved to another disk).
func resolve(path string, kind Kind) (string, error) {
	if path == "" {
		return "", refuse("(empty)", "no "+kind.String()+" to change")
	}
	if !filepath.IsAbs(path) {
		return "", refuse(path, "the "+kind.String()+" root must be an absolute path")
	}
	real, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		// Nothing there to change: Open fails on it, Check lets a plan
		// of nothing through.
		real = filepath.Clean(path)
		if why := tooBroad(real); why != "" {
			return "", refuse(path, why)
		}
		return real, nil
	}
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return "", refuse(path, "the "+kind.String()+" root is not a directory")
	}
	if why := tooBroad(real); why != "" {
		if kind == ExportDir {
			return "", refuse(path, why+"; name a new directory of its own for the export")
		}
		return "", refuse(path, why+"; name the "+kind.String()+" itself (go env "+envName(kind)+")")
	}
	if kind == ModCache {
		if err := checkModCache(real); err != nil {
			return "", refuse(path, err.Error()+", so it may not be a module cache; check go env GOMODCACHE")
		}
	}
	if kind == BuildCache {
		if err := checkReadme(real); err != nil {
			return "", refuse(path, "no go command's README in it, so it may not be a build cache ("+err.Error()+"); check go env GOCACHE")
		}
	}
	return real, nil
}

func envName(k Kind) string {
	switch k {
	case BuildCache:
		return "GOCACHE"
	case SumDBConfig:
		return "GOPATH"
	}
	return "GOMODCACHE"
}

// tooBroad says why a resolved root is one no cache can be: the file
// system's root, the home directory, or a directory above it.
func tooBroad(real string) string {
	if filepath.Dir(real) == real {
		return "the root of the file system is never a cache"
	}
	var homes []string
	if h, err := os.UserHomeDir(); err == nil && h != "" {
		homes = append(homes, h)
	}
	if h := os.Getenv("HOME"); h != "" {
		homes = append(homes, h)
	}
	// The account's own home too ($HOME may be unset or another's), and,
	// for root, every user's: root purging /home/alice is as wrong.
	if u, err := user.Current(); err == nil && u.HomeDir != "" {
		homes = append(homes, u.HomeDir)
	}
	if os.Geteuid() == 0 {
		homes = append(homes, passwdHomes()...)
	}
	for _, h := range homes {
		if !filepath.IsAbs(h) {
			continue
		}
		if r, err := filepath.EvalSymlinks(h); err == nil {
			h = r
		}
		if real == h {
			return "it is the home directory " + h
		}
		if rel, err := filepath.Rel(real, h); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			return "it holds the home directory " + h
		}
	}
	return ""
}

// passwdHomes lists the people's home directories in /etc/passwd (none where
// there is no such file), bounded: a hostile file costs at most 1 MiB.
func passwdHomes() []string {
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return nil
	}
	defer f.Close()
	data, _ := readUpTo(f, 1<<20)
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Split(line, ":")
		if len(fields) < 7 || !filepath.IsAbs(fields[5]) || filepath.Clean(fields[5]) == "/" {
			continue
		}
		// People's accounts, not services (whose homes are /usr/sbin,
		// /var/cache/man...): uid 1000 and up, but not nobody.
		if uid, err := strconv.Atoi(fields[2]); err == nil && uid >= 1000 && uid != 65534 {
			out = append(out, fields[5])
		}
	}
	return out
}

// checkModCache requires what every go command that filled a module
// cache leaves in it, cache/download, as a real directory, unless the
// root is empty: a directory of patched module trees named like the cache's
// (example.com/m@v1.0.0) must not pass for one.
func checkModCache(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	names, _ := f.Readdirnames(1)
	f.Close()
	if len(names) == 0 {
		return nil
	}
	for _, p := range []string{"cache", filepath.Join("cache", "download")} {
		fi, err := os.Lstat(filepath.Join(dir, p))
		if err != nil || !fi.IsDir() {
			return errors.New("no cache/download directory in it")
		}
	}
	return nil
}

// checkReadme reads the head of GOCACHE/README without following a link.
func checkReadme(dir string) error {
	r, err := openRoot(dir)
	if err != nil {
		return err
	}
	defer r.Close()
	head, err := r.readHead("README", 512)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(head, []byte(readmeStart)) {
		return errors.New("README does not start as the go command writes it")
	}
	return nil
}

// Open opens a root for changes after Check's checks.
func Open(path string, kind Kind) (*Root, error) {
	real, err := resolve(path, kind)
	if err != nil {
		return nil, err
	}
	r, err := openRoot(real)
	if err != nil {
		return nil, err
	}
	r.given = filepath.Clean(path)
	return r, nil
}

// RemoveScratch removes a directory modscope made for itself (a
// temporary cache) and all below it, through a root opened on its parent:
// as carefully as a cache.
func RemoveScratch(dir string) error {
	dir = filepath.Clean(dir)
	r, err := openRoot(filepath.Dir(dir))
	if err != nil {
		return err
	}
	defer r.Close()
	return r.RemoveAll(filepath.Base(dir))
}

// MkdirUnder makes base/rel and the directories between that are missing,
// never through a link below base: base itself must exist (its own links
// are followed once, as a root's are: a GOPATH moved to another disk), and
// a link at any component of rel is refused. It is how modscope creates
// what the go command would create below a directory it does not own
// ($GOPATH/pkg/sumdb), without letting a planted link point it elsewhere.
func MkdirUnder(base, rel string) error {
	real, err := filepath.EvalSymlinks(base)
	if err != nil {
		return err
	}
	r, err := openRoot(real)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.MkdirAll(filepath.Join(real, rel)); err != nil {
		if IsRefused(err) {
			return fmt.Errorf("%w: replace it with a real directory (modscope never creates through a link)", err)
		}
		return err
	}
	return nil
}

// Path is the root, links resolved.
func (r *Root) Path() string { return r.path }

// rel turns an absolute path below the root (or one relative to it) into
// its clean components; the root itself and paths leaving it are refused.
func (r *Root) rel(path string) ([]string, error) {
	rel := path
	if filepath.IsAbs(path) {
		var err error
		rel, err = filepath.Rel(r.path, filepath.Clean(path))
		if r.given != "" && (err != nil || strings.HasPrefix(rel, "..")) {
			// Named through the root as configured (a link to it).
			rel, err = filepath.Rel(r.given, filepath.Clean(path))
		}
		if err != nil {
			return nil, refuse(path, "outside "+r.path)
		}
	}
	rel = filepath.Clean(rel)
	if rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		if rel == "." {
			return nil, refuse(path, "the root itself")
		}
		return nil, refuse(path, "outside "+r.path)
	}
	return strings.Split(rel, string(filepath.Separator)), nil
}

// display is the path as a person reads it in an error.
func (r *Root) display(elems []string) string {
	return filepath.Join(append([]string{r.path}, elems...)...)
}

// typeName names a file mode's type for a refusal.
func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m.IsDir():
		return "a directory"
	case m.IsRegular():
		return "a file"
	}
	return "a special file"
}

func notDir(path string, m fs.FileMode) error {
	return refuse(path, typeName(m)+" where a directory belongs (modscope never follows links)")
}

func notFile(path string, m fs.FileMode) error {
	return refuse(path, typeName(m)+" where a file belongs (modscope never follows links)")
}

var errDepth = errors.New("more than 512 nested directories")

// maxDepth bounds the walks (and the descriptors they hold) on a hostile
// tree; no module tree comes near it.
const maxDepth = 512

func wrap(op, path string, err error) error {
	if err == nil || IsRefused(err) {
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err
	}
	return &fs.PathError{Op: op, Path: path, Err: err}
}

// Type is the type bits of the entry at path, not following a link at any
// step (fs.ErrNotExist when it is not there).
func (r *Root) Type(path string) (fs.FileMode, error) {
	elems, err := r.rel(path)
	if err != nil {
		return 0, err
	}
	return r.typeOf(elems)
}

// String is for debugging.
func (r *Root) String() string { return fmt.Sprintf("confine.Root(%s)", r.path) }

// Expect checks, before a plan is shown, what Root enforces when it runs:
// that every directory from root down to path is a real directory, and
// that path, when it exists, is a directory (dir) or a regular file.
// Missing is fine: it is what is checked again when the change is made.
func Expect(root, path string, dir bool) error {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return refuse(path, "outside "+root)
	}
	elems := strings.Split(rel, string(filepath.Separator))
	at := root
	for i, e := range elems {
		at = filepath.Join(at, e)
		fi, err := os.Lstat(at)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		last := i == len(elems)-1
		switch {
		case !last && !fi.IsDir():
			return notDir(at, fi.Mode())
		case last && dir && !fi.IsDir():
			return notDir(at, fi.Mode())
		case last && !dir && !fi.Mode().IsRegular():
			return notFile(at, fi.Mode())
		}
	}
	return nil
}

// readUpTo reads the first n bytes of r, or all of it if shorter.
func readUpTo(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, n)
	m, err := io.ReadFull(r, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return buf[:m], err
}

// Freed is what a removal unlinked, as an lstat of each entry taken just
// before it went measured it: Bytes are the blocks it held on disk
// (512-byte units, as st_blocks counts them; the size where the system
// has no blocks), ApparentBytes its size. A file with other hard links
// frees nothing and counts 0 bytes (its last name counts in full);
// directories count their own blocks in Bytes and in Dirs, not in Files.
type Freed struct {
	Bytes, ApparentBytes, Files, Dirs int64
}

// Add adds o to f.
func (f *Freed) Add(o Freed) {
	f.Bytes += o.Bytes
	f.ApparentBytes += o.ApparentBytes
	f.Files += o.Files
	f.Dirs += o.Dirs
}

// meter sums what a removal unlinks and reports each entry as it goes.
type meter struct {
	total Freed
	each  func(Freed)
}

func (m *meter) count(f Freed) {
	m.total.Add(f)
	if m.each != nil {
		m.each(f)
	}
}
