package cachescan

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The last state is the snapshot of the last scan of these roots, kept so
// that the TUI can show it the moment it starts, while the real scan runs
// behind it. It is only ever shown: nothing is planned from it, and it is
// replaced by the fresh snapshot as soon as that is in.
//
// The file sits beside the scan index (its name with lastStateSuffix), so
// it has the index's place, its MODSCOPE_SCAN_INDEX override and its "off".
// It is: lastStateMagic, a JSON line of its key (the roots and project
// directory as given, and the user), the snapshot as JSON, and the
// CRC-32C of everything before it (little-endian). It is ignored, never
// trusted, when it is not this version's, is for other roots or another
// user, is larger than MaxLastStateSize, or fails its checksum or its
// decoding.

// MaxLastStateSize bounds the last state on disk and in memory; a larger
// one is neither read nor written.
const MaxLastStateSize = 256 << 20

// maxLastStateSize is MaxLastStateSize, lowered by tests.
var maxLastStateSize int64 = MaxLastStateSize

const (
	lastStateMagic  = "modscope last scan 1\n"
	lastStateSuffix = ".last"
)

// LastStatePath is where the last state of the scans keeping index is
// kept, "" for none (no index).
func LastStatePath(index string) string {
	if index == "" {
		return ""
	}
	return index + lastStateSuffix
}

// lastStateKey is what the last state was scanned for.
type lastStateKey struct {
	ModCache   string `json:"modcache"`
	BuildCache string `json:"buildcache"`
	ProjectDir string `json:"projectDir"`
	UID        int    `json:"uid"`
}

func keyFor(opts Options) lastStateKey {
	return lastStateKey{opts.ModCache, opts.BuildCache, opts.ProjectDir, os.Getuid()}
}

var errLastState = errors.New("not a last scan of these caches")

// limitWriter stops the writing of a last state past its bound.
type limitWriter struct {
	w io.Writer
	n int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n+int64(len(p)) > maxLastStateSize-4 {
		return 0, errLastState
	}
	l.n += int64(len(p))
	return l.w.Write(p)
}

// SaveLastState keeps snap as the last state of a scan made with opts, at
// LastStatePath(opts.Index), atomically (a temporary file renamed over the
// old one). Failing costs the next start its first frame, nothing else.
func SaveLastState(opts Options, snap *Snapshot) error {
	path := LastStatePath(opts.Index)
	if path == "" || snap == nil {
		return nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	removeLeftovers(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	crc := crc32.New(crcTable)
	bw := bufio.NewWriterSize(f, 1<<16)
	lw := &limitWriter{w: io.MultiWriter(bw, crc)}
	err = writeLastState(lw, opts, snap)
	if err == nil {
		err = binary.Write(bw, binary.LittleEndian, crc.Sum32())
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

func writeLastState(w io.Writer, opts Options, snap *Snapshot) error {
	if _, err := io.WriteString(w, lastStateMagic); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	if err := enc.Encode(keyFor(opts)); err != nil {
		return err
	}
	return enc.Encode(snap)
}

// LoadLastState returns the last state of a scan made with opts, or an
// error when there is none to trust (see above). The snapshot measures
// from opts.Clock.
func LoadLastState(opts Options) (*Snapshot, error) {
	path := LastStatePath(opts.Index)
	if path == "" {
		return nil, os.ErrNotExist
	}
	data, err := readOwnFile(path, maxLastStateSize)
	if err == errNotOwn || err == nil && len(data) < len(lastStateMagic)+4 {
		return nil, errLastState
	}
	if err != nil {
		return nil, err
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, crcTable) != sum || !bytes.HasPrefix(body, []byte(lastStateMagic)) {
		return nil, errLastState
	}
	dec := json.NewDecoder(bytes.NewReader(body[len(lastStateMagic):]))
	var key lastStateKey
	if dec.Decode(&key) != nil || key != keyFor(opts) {
		return nil, errLastState
	}
	snap := new(Snapshot)
	if dec.Decode(snap) != nil || dec.More() {
		return nil, errLastState
	}
	snap.Clock = opts.Clock
	return snap, nil
}

// leftoverAge is how old a temporary file of a last state must be to be
// taken for one a process left when it ended mid-write (a TUI quit while
// its save ran), not one being written now.
const leftoverAge = time.Hour

// removeLeftovers removes such files: only this file's own temporaries,
// regular files, never through a link.
func removeLeftovers(path string) {
	left, _ := filepath.Glob(globEscape(path) + ".*.tmp")
	for _, p := range left {
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > leftoverAge {
			os.Remove(p)
		}
	}
}

// globEscape quotes the pattern characters of a literal path.
func globEscape(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(`*?[\`, s[i]) >= 0 {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(b)
}
