package store

import (
	"context"
	"fmt"
	"io"
	"sync"

	"gocloud.dev/blob"
)

// blockSize is how much of an object one range read fetches. archive/zip
// and the inflater read a few KiB at a time; fetched one by one from S3
// each would be a request. A block of 1 MiB makes a zip's central
// directory one request, and its entries one request a MiB, while a
// worker holds at most cachedBlocks of them.
const (
	blockSize    = 1 << 20
	cachedBlocks = 2
)

// rangeReaderAt reads an object of a known size through range reads of
// whole blocks, keeping the last few: bounded memory whatever the
// object's size, and no temporary file.
type rangeReaderAt struct {
	ctx  context.Context
	b    *blob.Bucket
	key  string
	size int64

	mu     sync.Mutex
	blocks [cachedBlocks]struct {
		off  int64
		data []byte
	}
	next int
	// fetched counts the range reads, for the tests.
	fetched int
}

func newRangeReaderAt(ctx context.Context, b *blob.Bucket, key string, size int64) *rangeReaderAt {
	r := &rangeReaderAt{ctx: ctx, b: b, key: key, size: size}
	for i := range r.blocks {
		r.blocks[i].off = -1
	}
	return r
}

func (r *rangeReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for n < len(p) {
		if off >= r.size {
			return n, io.EOF
		}
		blk, err := r.block(off - off%blockSize)
		if err != nil {
			return n, err
		}
		c := copy(p[n:], blk[off%blockSize:])
		n += c
		off += int64(c)
	}
	return n, nil
}

// block is the block at off, read if it is not held.
func (r *rangeReaderAt) block(off int64) ([]byte, error) {
	for _, b := range r.blocks {
		if b.off == off {
			return b.data, nil
		}
	}
	length := min(int64(blockSize), r.size-off)
	slot := &r.blocks[r.next]
	r.next = (r.next + 1) % cachedBlocks
	if cap(slot.data) < int(length) {
		slot.data = make([]byte, length)
	}
	slot.off = -1
	data := slot.data[:length]
	rd, err := r.b.NewRangeReader(r.ctx, r.key, off, length, nil)
	if err != nil {
		return nil, &readFailure{err}
	}
	defer rd.Close()
	r.fetched++
	if _, err := io.ReadFull(rd, data); err != nil {
		// Shorter than listed: the object changed under the scan.
		return nil, &readFailure{fmt.Errorf("reading %d bytes at %d: %v (did the object change during the scan?)", length, off, err)}
	}
	slot.off, slot.data = off, data
	return data, nil
}
