package actions

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// zerosStream returns a raw deflate stream of n MiB of zeros, and its
// CRC-32, in about n KiB: one flushed chunk of a MiB repeated (its matches
// only reach back over zeros).
func zerosStream(t *testing.T, mib int) ([]byte, uint32) {
	t.Helper()
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	w.Write(zeros)
	w.Flush()
	mark := b.Len()
	w.Write(zeros)
	w.Flush()
	chunk := append([]byte(nil), b.Bytes()[mark:]...)
	b.Truncate(mark)
	for i := 1; i < mib; i++ {
		b.Write(chunk)
	}
	w.Close() // the final, empty block: it refers to nothing before it
	stream := b.Bytes()
	crc := crc32.NewIEEE()
	for i := 0; i < mib; i++ {
		crc.Write(zeros)
	}
	return stream, crc.Sum32()
}

// bombZip writes a zip whose entries all point at one local header and its
// deflate stream: the names are prefix/f000, prefix/f001... and each
// declares size bytes uncompressed.
func bombZip(prefix string, entries int, stream []byte, crc uint32, size uint32) []byte {
	var b bytes.Buffer
	le := func(v ...any) {
		for _, x := range v {
			binary.Write(&b, binary.LittleEndian, x)
		}
	}
	first := prefix + "/f000.txt"
	le(uint32(0x04034b50), uint16(20), uint16(0), uint16(8), uint16(0), uint16(0x21),
		crc, uint32(len(stream)), size, uint16(len(first)), uint16(0))
	b.WriteString(first)
	b.Write(stream)
	cdStart := b.Len()
	for i := 0; i < entries; i++ {
		name := fmt.Sprintf("%s/f%03d.txt", prefix, i)
		le(uint32(0x02014b50), uint16(20), uint16(20), uint16(0), uint16(8), uint16(0), uint16(0x21),
			crc, uint32(len(stream)), size, uint16(len(name)), uint16(0), uint16(0),
			uint16(0), uint16(0), uint32(0), uint32(0))
		b.WriteString(name)
	}
	cdLen := b.Len() - cdStart
	le(uint32(0x06054b50), uint16(0), uint16(0), uint16(entries), uint16(entries),
		uint32(cdLen), uint32(cdStart), uint16(0))
	return b.Bytes()
}

// verifyBounded verifies with a watchdog that cancels once more than
// limit bytes were hashed, so that a failing fix fails the test rather
// than inflating gigabytes. It returns the bytes hashed.
func verifyBounded(t *testing.T, snap *cachescan.Snapshot, opt VerifyOptions, limit int64) (*VerifyReport, int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v := NewVerifier()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				if v.Progress().BytesDone > limit {
					cancel()
					return
				}
			}
		}
	}()
	rep, err := v.Verify(ctx, snap, opt)
	close(stop)
	wg.Wait()
	done := v.Progress().BytesDone
	if err != nil {
		t.Fatalf("verify hashed %d bytes, past %d, and was stopped: %v", done, limit, err)
	}
	return rep, done
}

func zipCorrupt(rep *VerifyReport, snap *cachescan.Snapshot, mod string) string {
	for _, ps := range [][]cachescan.Problem{rep.Problems, snap.Problems} {
		for _, p := range ps {
			if p.Kind == cachescan.KindZipCorrupt && p.Module == mod {
				return p.Detail
			}
		}
	}
	return ""
}

// TestZipBombNotInflated: 200 entries pointing at one 1 GiB deflate stream
// (a 1 MiB file) fail x/mod/zip's size checks; verify must not inflate
// them, whether it runs the checks itself or the scan did.
func TestZipBombNotInflated(t *testing.T) {
	stream, crc := zerosStream(t, 1024)
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/bomb", "v1.0.0"))
	bomb := bombZip("example.com/bomb@v1.0.0", 200, stream, crc, 1<<30)
	if len(bomb) > 2<<20 { // deflate at best is about 1000:1
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	cachetest.Writable(e.DL, func() {
		if err := os.WriteFile(e.Zip, bomb, 0o444); err != nil {
			t.Fatal(err)
		}
	})
	for _, verifyChecks := range []bool{true, false} {
		snap := scanOnly(t, c, cachescan.Options{SkipZipCheck: verifyChecks})
		rep, n := verifyBounded(t, snap, VerifyOptions{Jobs: 2, CheckZips: verifyChecks}, 64<<20)
		if n > 1<<20 {
			t.Errorf("checks in verify %v: %d bytes hashed for a version of one small file", verifyChecks, n)
		}
		if d := zipCorrupt(rep, snap, "example.com/bomb"); d == "" {
			t.Errorf("checks in verify %v: no zip-corrupt; problems %+v", verifyChecks, rep.Problems)
		}
	}
}

// TestZipOverlapBomb: entries that each declare their true size, 400 MiB
// in all (under x/mod/zip's 500 MiB), but share one 2 KiB stream: x/mod/zip
// passes them; verify finds the overlap before inflating anything.
func TestZipOverlapBomb(t *testing.T) {
	stream, crc := zerosStream(t, 2)
	// The stream is what it says: 2 MiB of zeros with that CRC.
	inflated, err := io.ReadAll(flate.NewReader(bytes.NewReader(stream)))
	if err != nil || len(inflated) != 2<<20 || crc32.ChecksumIEEE(inflated) != crc || bytes.Count(inflated, []byte{0}) != len(inflated) {
		t.Fatalf("the stream inflates to %d bytes (%v)", len(inflated), err)
	}
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/overlap", "v1.0.0"))
	bomb := bombZip("example.com/overlap@v1.0.0", 200, stream, crc, 2<<20)
	cachetest.Writable(e.DL, func() { os.WriteFile(e.Zip, bomb, 0o444) })
	if p, bad := cachescan.ZipProblem("example.com/overlap", "v1.0.0", e.Zip); bad {
		t.Fatalf("x/mod/zip rejects it already (%s): the test tests nothing", p.Detail)
	}
	snap := scanOnly(t, c, cachescan.Options{SkipZipCheck: true})
	rep, n := verifyBounded(t, snap, VerifyOptions{Jobs: 2, CheckZips: true}, 64<<20)
	if n > 1<<20 {
		t.Errorf("%d bytes hashed", n)
	}
	if d := zipCorrupt(rep, snap, "example.com/overlap"); !strings.Contains(d, "share compressed data") {
		t.Errorf("zip-corrupt detail %q; problems %+v", d, rep.Problems)
	}
}

// TestZipLyingSize: one entry declares 1 MiB and inflates to 1 GiB; the
// inflating stops at the declared size and the zip is zip-corrupt.
func TestZipLyingSize(t *testing.T) {
	stream, crc := zerosStream(t, 1024)
	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/liar", "v1.0.0"))
	bomb := bombZip("example.com/liar@v1.0.0", 1, stream, crc, 1<<20)
	cachetest.Writable(e.DL, func() { os.WriteFile(e.Zip, bomb, 0o444) })
	snap := scanOnly(t, c, cachescan.Options{SkipZipCheck: true})
	rep, n := verifyBounded(t, snap, VerifyOptions{Jobs: 2, CheckZips: true}, 64<<20)
	if n > 2<<20 {
		t.Errorf("%d bytes hashed for a zip that declares 1 MiB", n)
	}
	if d := zipCorrupt(rep, snap, "example.com/liar"); d == "" {
		t.Errorf("no zip-corrupt; problems %+v", rep.Problems)
	}
}

// TestZipCorruptDeflateData: a zip whose structure is sound but whose
// compressed data is damaged (go mod verify: "unexpected EOF") is
// zip-corrupt, not silently left out of the report.
func TestZipCorruptDeflateData(t *testing.T) {
	c := cachetest.New(t)
	m := cachetest.Mod("example.com/dmg", "v1.0.0")
	var big strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&big, "line %d of text that deflates but not to nothing %d\n", i, i*7919%10007)
	}
	m.Files["big.txt"] = big.String()
	e := c.Add(m)
	data, err := os.ReadFile(e.Zip)
	if err != nil {
		t.Fatal(err)
	}
	// Damage the big entry's compressed data: flate then stops with
	// "unexpected EOF" (offset 100 gives "corrupt input"; both count).
	for _, off := range []int{100, 20000} {
		for i := off; i < off+8; i++ {
			data[i] = 'Z'
		}
	}
	cachetest.Writable(e.DL, func() { os.WriteFile(e.Zip, data, 0o444) })
	_, rep := scanAndVerify(t, c, "")
	found := false
	for _, p := range rep.Problems {
		found = found || (p.Kind == cachescan.KindZipCorrupt && p.Module == "example.com/dmg")
	}
	if !found {
		t.Errorf("no zip-corrupt for damaged deflate data; problems %+v", rep.Problems)
	}
}
