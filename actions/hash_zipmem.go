package actions

// Reading the zips being hashed into memory, and the pooled deflate
// decoders that inflate their entries.

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"sync"

	kflate "github.com/klauspost/compress/flate"
)

// The zips being hashed are read into memory whole, when they fit, so
// that the central directory and the entries are parsed from memory
// rather than by thousands of small reads. zipMemCap bounds the bytes so
// held by all workers at once, zipMemOne a single zip; a zip past either
// is read from its file.
const (
	zipMemCap = 64 << 20
	zipMemOne = 16 << 20
)

var zipMem struct {
	mu   sync.Mutex
	used int64
	bufs sync.Pool // *[]byte
}

// zipSource is a zip's bytes to parse: in memory, or its open file.
type zipSource struct {
	io.ReaderAt
	mem  *memZip // nil when read from the file
	size int64
}

// loadZip reads an open zip of this size into memory when the budget
// allows, else leaves it to be read from f; release gives the memory back.
func loadZip(f *os.File, size int64) (*zipSource, error) {
	src := &zipSource{ReaderAt: f, size: size}
	if size <= 0 || size > zipMemOne {
		return src, nil
	}
	zipMem.mu.Lock()
	ok := zipMem.used+size <= zipMemCap
	if ok {
		zipMem.used += size
	}
	zipMem.mu.Unlock()
	if !ok {
		return src, nil
	}
	bp, _ := zipMem.bufs.Get().(*[]byte)
	if bp == nil || int64(cap(*bp)) < size {
		b := make([]byte, (size+(1<<20)-1)&^(1<<20-1))
		bp = &b
	}
	b := (*bp)[:size]
	if _, err := f.ReadAt(b, 0); err != nil {
		src.mem = &memZip{b: b, pool: bp, size: size}
		src.release()
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // it shrank since its size was read
		}
		return nil, err
	}
	src.mem = &memZip{b: b, pool: bp, size: size}
	src.ReaderAt = src.mem
	return src, nil
}

// release returns a zip's memory to the budget; src is not used after.
func (src *zipSource) release() {
	if src.mem == nil {
		return
	}
	zipMem.bufs.Put(src.mem.pool)
	zipMem.mu.Lock()
	zipMem.used -= src.mem.size
	zipMem.mu.Unlock()
	src.mem = nil
}

// memZip is a zip in memory, as an io.ReaderAt.
type memZip struct {
	b    []byte
	pool *[]byte
	size int64
}

func (m *memZip) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(m.b)) {
		return 0, io.EOF
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// inflaters are klauspost/compress's deflate decoders, reused: it inflates
// these zips faster than compress/flate (see bench/verify.sh), and
// archive/zip around it still checks each entry's size and CRC-32.
var inflaters sync.Pool // *inflater

type inflater struct {
	dec io.ReadCloser // a kflate reader, also a kflate.Resetter
	br  *bufio.Reader // for an entry read from a file
}

// newInflater is archive/zip's decompressor for Deflate: an entry of a zip
// in memory is inflated straight from its bytes (the decoder's fast path
// for a *bytes.Reader); one read from a file through a large buffer.
func newInflater(r io.Reader) io.ReadCloser {
	inf, _ := inflaters.Get().(*inflater)
	if inf == nil {
		inf = &inflater{}
	}
	var src io.Reader = r
	if sr, ok := r.(*io.SectionReader); ok {
		if ra, off, n := sr.Outer(); ra != nil {
			if m, ok := ra.(*memZip); ok && off >= 0 && n >= 0 && off <= int64(len(m.b)) && n <= int64(len(m.b))-off {
				src = bytes.NewReader(m.b[off : off+n])
			}
		}
	}
	if _, ok := src.(*bytes.Reader); !ok {
		if inf.br == nil {
			inf.br = bufio.NewReaderSize(src, 64<<10)
		} else {
			inf.br.Reset(src)
		}
		src = inf.br
	}
	if inf.dec == nil {
		inf.dec = kflate.NewReader(src)
	} else if err := inf.dec.(kflate.Resetter).Reset(src, nil); err != nil {
		inf.dec = kflate.NewReader(src)
	}
	return &inflating{inf: inf}
}

// inflating is one entry being inflated; Close gives the decoder back.
type inflating struct{ inf *inflater }

func (r *inflating) Read(p []byte) (int, error) {
	if r.inf == nil {
		return 0, errors.New("read after close")
	}
	return r.inf.dec.Read(p)
}

func (r *inflating) Close() error {
	if r.inf != nil {
		if r.inf.br != nil {
			r.inf.br.Reset(nil)
		}
		inflaters.Put(r.inf)
		r.inf = nil
	}
	return nil
}
