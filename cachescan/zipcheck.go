package cachescan

import (
	"archive/zip"
	"encoding/binary"
	"io"
	pathpkg "path"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

// zipVerdict is what quickZipCheck could decide about a zip without
// x/mod/zip.CheckZip.
type zipVerdict uint8

const (
	zipUndecided zipVerdict = iota // outside the plain form: CheckZip decides
	zipClean                       // CheckZip would return nil
	zipBad                         // CheckZip would return an error
)

// The plain form quickZipCheck decides on is the one the go command writes
// (x/mod/zip.Create through archive/zip): the end record last with no
// comment, the central directory right before it, no zip64 field, ASCII
// names. On such a zip it gives CheckZip's verdict exactly, which
// FuzzQuickZipCheck checks against CheckZip itself; on anything else it
// leaves the decision to CheckZip.
//
// Why not CheckZip alone: it was a quarter of a full scan's CPU, mostly
// archive/zip's File per entry and module.CheckFilePath's general
// (Unicode) path. This reads the directory with one or two preads and
// allocates nothing per entry.
const (
	zipEndLen      = 22         // end of central directory record
	zipHeaderLen   = 46         // central directory file header, before its name
	zipEndSig      = 0x06054b50 // "PK\x05\x06"
	zipHeaderSig   = 0x02014b50 // "PK\x01\x02"
	zipTailRead    = 16 << 10   // holds the directory of ~150 files; larger take a second pread
	zipMaxDirBytes = 16 << 20   // larger directories are CheckZip's
)

type zipScratch struct {
	tail []byte
	dir  []byte // a directory larger than tail holds
	seen map[string]zipPath
}

type zipPath struct {
	path  string
	isDir bool
}

var zipScratches = sync.Pool{New: func() any {
	return &zipScratch{tail: make([]byte, zipTailRead), seen: make(map[string]zipPath, 256)}
}}

// quickZipCheck decides, when it can, whether CheckZip would accept the
// zip f of size bytes for the module version modPath@vers.
func quickZipCheck(modPath, vers string, f io.ReaderAt, size int64) zipVerdict {
	// checkZip's own checks of the version, first.
	if module.CanonicalVersion(vers) != vers || module.Check(modPath, vers) != nil {
		return zipBad
	}
	if size > modzip.MaxZipFile {
		return zipBad
	}
	if size < zipEndLen {
		return zipUndecided // archive/zip's error: CheckZip words it
	}
	sc := zipScratches.Get().(*zipScratch)
	defer func() {
		// The map's keys point into sc.tail or sc.dir: emptied before reuse.
		clear(sc.seen)
		if cap(sc.dir) > 1<<20 {
			sc.dir = nil // a rare huge module's: not kept
		}
		zipScratches.Put(sc)
	}()
	tail := sc.tail[:min(int64(len(sc.tail)), size)]
	if n, _ := f.ReadAt(tail, size-int64(len(tail))); n != len(tail) {
		return zipUndecided // shrunk since its size was taken
	}
	end := tail[len(tail)-zipEndLen:]
	le := binary.LittleEndian
	if le.Uint32(end) != zipEndSig || le.Uint16(end[20:]) != 0 {
		return zipUndecided // a comment, or no end record where the go command puts it
	}
	records := int(le.Uint16(end[10:]))
	dirSize := int64(le.Uint32(end[12:]))
	dirOff := int64(le.Uint32(end[16:]))
	// archive/zip looks for zip64 records when one of these is saturated.
	if records == 0xffff || dirSize == 0xffff || dirOff == 0xffffffff {
		return zipUndecided
	}
	// The directory right before the end record: archive/zip's base
	// offset is then 0.
	if dirOff+dirSize != size-zipEndLen || dirSize > zipMaxDirBytes {
		return zipUndecided
	}
	var dir []byte
	if dirSize+zipEndLen <= int64(len(tail)) {
		dir = tail[len(tail)-zipEndLen-int(dirSize) : len(tail)-zipEndLen]
	} else {
		if int64(cap(sc.dir)) < dirSize {
			sc.dir = make([]byte, dirSize)
		}
		dir = sc.dir[:dirSize]
		if n, _ := f.ReadAt(dir, dirOff); n != len(dir) {
			return zipUndecided
		}
	}
	prefix := modPath + "@" + vers + "/"
	var total int64
	n := 0
	for len(dir) > 0 {
		if len(dir) < zipHeaderLen || le.Uint32(dir) != zipHeaderSig {
			return zipUndecided
		}
		csize, usize := le.Uint32(dir[20:]), le.Uint32(dir[24:])
		nameLen, extraLen, commentLen := int(le.Uint16(dir[28:])), int(le.Uint16(dir[30:])), int(le.Uint16(dir[32:]))
		if csize == 0xffffffff || usize == 0xffffffff || le.Uint32(dir[42:]) == 0xffffffff {
			return zipUndecided // zip64 fields
		}
		rec := zipHeaderLen + nameLen + extraLen + commentLen
		if rec > len(dir) {
			return zipUndecided
		}
		nameBytes := dir[zipHeaderLen : zipHeaderLen+nameLen]
		dir = dir[rec:]
		n++
		for _, c := range nameBytes {
			if c >= 0x80 {
				return zipUndecided // CheckFilePath's Unicode rules and case folding
			}
		}
		name := unsafe.String(unsafe.SliceData(nameBytes), len(nameBytes))
		if len(name) < len(prefix) || name[:len(prefix)] != prefix {
			return zipBad
		}
		name = name[len(prefix):]
		if name == "" {
			continue // the module's own directory entry
		}
		isDir := name[len(name)-1] == '/'
		if isDir {
			name = name[:len(name)-1]
		}
		if !plainFilePath(name) || !sc.noCollision(name, isDir) {
			return zipBad
		}
		if isDir {
			continue
		}
		base := name[strings.LastIndexByte(name, '/')+1:]
		if strings.EqualFold(base, "go.mod") && name != "go.mod" {
			return zipBad // not in the root, or not spelt go.mod
		}
		sz := int64(usize)
		if modzip.MaxZipFile-total < sz {
			return zipBad
		}
		total += sz
		if name == "go.mod" && sz > modzip.MaxGoMod || name == "LICENSE" && sz > modzip.MaxLICENSE {
			return zipBad
		}
	}
	if n != records {
		return zipUndecided
	}
	return zipClean
}

// noCollision is x/mod/zip's case-insensitive collision check for an ASCII
// name and its parent directories: a name folds to one spelling, a file
// appears once, and no path is both a file and a directory. A directory
// met again with its spelling ends the climb: its parents were checked
// when it was first met.
func (sc *zipScratch) noCollision(p string, isDir bool) bool {
	// One folded copy for the name and all its parents (a parent's fold is
	// a prefix of the name's): a deep name of capitals costs its length,
	// not its length times its depth.
	fold := strings.ToLower(p) // p itself when it has no capital
	for {
		if other, ok := sc.seen[fold]; ok {
			// Only a directory may be met again, spelt the same.
			return p == other.path && isDir && other.isDir
		}
		sc.seen[fold] = zipPath{path: p, isDir: isDir}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return true
		}
		p, fold, isDir = p[:i], fold[:i], true
	}
}

// fileNameChars is module.fileNameOK on ASCII: letters, digits and
// !#$%&()+,-.=@[]^_{}~ and space.
var fileNameChars = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&()+,-.=@[]^_{}~ " {
		t[c] = true
	}
	return t
}()

// plainFilePath is module.CheckFilePath (and path.Clean(p) == p, which it
// implies here) on an ASCII path.
func plainFilePath(p string) bool {
	if p == "" {
		return false
	}
	for len(p) > 0 {
		i := 0
		for i < len(p) && p[i] != '/' {
			i++
		}
		elem := p[:i]
		p = p[i:]
		if len(p) > 0 {
			p = p[1:]
			if len(p) == 0 {
				return false // a trailing slash
			}
		}
		if !plainElem(elem) {
			return false
		}
	}
	return true
}

func plainElem(elem string) bool {
	if elem == "" || elem[len(elem)-1] == '.' {
		return false // empty, all dots, or a trailing dot
	}
	short := len(elem)
	for i := 0; i < len(elem); i++ {
		c := elem[i]
		if !fileNameChars[c] {
			return false
		}
		if c == '.' && short == len(elem) {
			short = i
		}
	}
	return !windowsReserved(elem[:short])
}

// windowsReserved is module.checkElem's list of names Windows refuses
// (CON, PRN, AUX, NUL, COM1-9, LPT1-9), in any case.
func windowsReserved(short string) bool {
	switch len(short) {
	case 3:
		for _, bad := range [...]string{"CON", "PRN", "AUX", "NUL"} {
			if strings.EqualFold(short, bad) {
				return true
			}
		}
	case 4:
		d := short[3]
		return d >= '1' && d <= '9' && (strings.EqualFold(short[:3], "COM") || strings.EqualFold(short[:3], "LPT"))
	}
	return false
}

// maxZipFoldBytes bounds what CheckZip may allocate folding names for its
// case-insensitive collision check: it folds every name anew with each of
// its parents, so a name of capitals n bytes long and n/2 deep costs about
// n*n/4 bytes (a 64 KiB name, a gigabyte). A real module's zip needs a few
// megabytes at most.
const maxZipFoldBytes = 256 << 20

// zipFoldBytes is what CheckZip's collision check would allocate folding
// the names of the zip at path for modPath@vers (0 when the zip cannot be
// read: CheckZip then says why). It reads the central directory with
// archive/zip, as CheckZip does, so it costs the names once more, not
// their square.
func zipFoldBytes(modPath, vers, path string) int64 {
	f, err := OpenRegular(path) // never through a link, never a FIFO
	if err != nil {
		return 0
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0
	}
	r, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return 0
	}
	prefix := modPath + "@" + vers + "/"
	var n int64
	for _, f := range r.File {
		// The names checkZip hands to the collision check.
		name, ok := strings.CutPrefix(f.Name, prefix)
		name = strings.TrimSuffix(name, "/")
		if !ok || name == "" || pathpkg.Clean(name) != name || module.CheckFilePath(name) != nil {
			continue
		}
		// strToFold returns a name without capitals or non-ASCII
		// itself; the name and each parent longer than its first such
		// byte is folded into a new string.
		first := -1
		for i := 0; i < len(name); i++ {
			if c := name[i]; c >= 0x80 || 'A' <= c && c <= 'Z' {
				first = i
				break
			}
		}
		if first < 0 {
			continue
		}
		for p := name; len(p) > first; {
			n += int64(len(p))
			i := strings.LastIndexByte(p, '/')
			if i < 0 {
				break
			}
			p = p[:i]
		}
	}
	return n
}
