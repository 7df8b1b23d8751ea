package main

// The JSON writer: scan --json streams its document, the module list
// encoded in batches on every core and indented on the way out.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"modscope/cachescan"
	"runtime"
	"strings"
)

// indentRun is a newline and the indent of up to 64 levels, sliced by
// appendIndent.
var indentRun = "\n" + strings.Repeat("  ", 64)

// appendIndent appends the compact JSON value src (encoding/json's: no
// space outside strings), indented as json.Indent(dst, src, prefix, "  ")
// would with a prefix of depth levels: the bytes jsonIndenter writes for
// it at that depth, in one tight loop over a slice. It is the module
// list's indenter, most of scan --json's output.
func appendIndent(dst, src []byte, depth int) []byte {
	needIndent := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if needIndent && c != '}' && c != ']' {
			needIndent = false
			depth++
			dst = appendNewline(dst, depth)
		}
		switch c {
		case '"':
			// The whole string at once; a backslash escapes the next byte.
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			end := min(j+1, len(src))
			dst = append(dst, src[i:end]...)
			i = end - 1
		case '{', '[':
			needIndent = true
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			dst = appendNewline(dst, depth)
		case ':':
			dst = append(dst, ':', ' ')
		case '}', ']':
			if needIndent {
				needIndent = false
			} else {
				depth--
				dst = appendNewline(dst, depth)
			}
			dst = append(dst, c)
		default:
			// A run of a number, true, false or null.
			j := i + 1
			for j < len(src) && !structural[src[j]] {
				j++
			}
			dst = append(dst, src[i:j]...)
			i = j - 1
		}
	}
	return dst
}

// appendNewline appends a newline and depth levels of indent.
func appendNewline(dst []byte, depth int) []byte {
	if n := 1 + 2*depth; n <= len(indentRun) {
		return append(dst, indentRun[:n]...)
	}
	dst = append(dst, '\n')
	for i := 0; i < depth; i++ {
		dst = append(dst, ' ', ' ')
	}
	return dst
}

// structural marks the bytes that end a run of a literal in compact JSON.
var structural = [256]bool{'"': true, '{': true, '[': true, ',': true, ':': true, '}': true, ']': true}

// writeJSON writes v to w as one indented JSON document: the one place
// that writes modscope's JSON output. It writes what json.Encoder with
// SetIndent("", "  ") writes, byte for byte, but indents the compact
// encoding as it streams out instead of building an indented copy of the
// whole document (the Encoder's, grown by doubling, is most of the memory
// of a large cache's scan --json). A snapshot's module list, most of the
// document, is encoded one module at a time into the stream (see
// modulesOf), so that the compact copy of the whole never exists either.
func writeJSON(w io.Writer, v any) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	ind := &jsonIndenter{w: bw}
	if snap := modulesOf(v); snap != nil && snap.ModCache.Modules != nil {
		if err := writeSnapshotJSON(ind, v, snap); err != nil {
			return err
		}
		return bw.Flush()
	}
	var compact bytes.Buffer
	if err := json.NewEncoder(&compact).Encode(v); err != nil {
		return err
	}
	ind.write(compact.Bytes())
	return bw.Flush()
}

// modulesOf returns the snapshot whose module list v's JSON holds, for
// the documents that carry one (scan's, verify's, browse's).
func modulesOf(v any) *cachescan.Snapshot {
	switch d := v.(type) {
	case *cachescan.Snapshot:
		return d
	case *verified:
		return d.Snapshot
	}
	return nil
}

// modulesKey is where the module list sits in a snapshot's compact JSON
// with the list left out. The first occurrence after "modcache":{ is the
// list's: a quote inside a JSON string is always escaped, so no name can
// hold the sequence, and no field of ModCache before Modules holds an
// object with such a key.
const modcacheKey, modulesKey = `"modcache":{`, `"modules":null`

// writeSnapshotJSON encodes v with snap's module list left out, then
// writes it with the list spliced in where it belongs, each module encoded
// on its own: the bytes json.Encoder would write for v.
func writeSnapshotJSON(ind *jsonIndenter, v any, snap *cachescan.Snapshot) error {
	mods := snap.ModCache.Modules
	snap.ModCache.Modules = nil
	compact, err := json.Marshal(v)
	snap.ModCache.Modules = mods
	if err != nil {
		return err
	}
	at := bytes.Index(compact, []byte(modcacheKey))
	if at < 0 {
		return fmt.Errorf("the JSON of a snapshot has no %s", modcacheKey)
	}
	rel := bytes.Index(compact[at:], []byte(modulesKey))
	if rel < 0 {
		return fmt.Errorf("the JSON of a snapshot has no %s", modulesKey)
	}
	list := at + rel + len(`"modules":`)
	ind.write(compact[:list])
	ind.write([]byte{'['})
	if err := writeModules(ind, mods); err != nil {
		return err
	}
	ind.write([]byte{']'})
	ind.write(compact[list+len("null"):])
	ind.write([]byte{'\n'})
	return nil
}

// versionsPerBatch is about how many module versions are encoded together:
// a batch is cut by versions, not modules, since one module may hold
// thousands of them (a variable so that a test can spread a small list
// over many batches).
var versionsPerBatch = 256

// writeModules writes mods as the elements of the list ind has just
// opened. Encoding them is most of the CPU time of a scan --json that took
// its figures from the scan index, so batches of modules are encoded and
// indented on every core, each at the list's depth, and written in order.
// At most two batches per core are held at once: memory stays a few
// batches' worth, however long the list.
func writeModules(ind *jsonIndenter, mods []*cachescan.Module) error {
	type batch struct {
		buf  []byte
		err  error
		done chan struct{}
	}
	type span struct{ from, to int }
	var spans []span
	for from, n, i := 0, 0, 0; i < len(mods); i++ {
		n += 1 + len(mods[i].Versions)
		if n >= versionsPerBatch || i == len(mods)-1 {
			spans = append(spans, span{from, i + 1})
			from, n = i+1, 0
		}
	}
	batches := make([]*batch, len(spans))
	for i := range batches {
		batches[i] = &batch{done: make(chan struct{})}
	}
	depth := ind.depth + 1
	// The batches in flight, two per core, each with a buffer a written
	// batch gave back: the batches are alike in size, so one seldom grows.
	spare := make(chan []byte, 2*runtime.GOMAXPROCS(0))
	for range cap(spare) {
		spare <- nil
	}
	go func() {
		for i, b := range batches {
			out := (<-spare)[:0] // given back once batch i is written
			part := mods[spans[i].from:spans[i].to]
			go func() {
				defer close(b.done)
				var one bytes.Buffer
				enc := json.NewEncoder(&one)
				for k, m := range part {
					if k > 0 {
						out = appendNewline(append(out, ','), depth)
					}
					one.Reset()
					if b.err = enc.Encode(m); b.err != nil {
						return
					}
					out = appendIndent(out, bytes.TrimSuffix(one.Bytes(), []byte{'\n'}), depth)
				}
				b.buf = out
			}()
		}
	}()
	var err error
	for i, b := range batches {
		// Every batch is waited for, even after an error, so that the
		// goroutine above never waits for a buffer in vain.
		<-b.done
		switch {
		case err != nil:
		case b.err != nil:
			err = b.err
		case i == 0:
			// What ind.write does on a list's first byte.
			ind.needIndent = false
			ind.depth++
			ind.newline()
			ind.w.Write(b.buf)
		default:
			ind.write([]byte{','})
			ind.w.Write(b.buf)
		}
		spare <- b.buf
		b.buf = nil
	}
	return err
}

// jsonIndenter writes the compact JSON of encoding/json (no space outside
// strings but the final newline), given in pieces, indented as
// json.Indent(dst, src, "", "  ") would: a newline and two spaces a level
// after each { [ and , of a non-empty object or array, ": " after each
// key, {} and [] kept empty.
type jsonIndenter struct {
	w                             *bufio.Writer
	depth                         int
	inString, escaped, needIndent bool
}

func (j *jsonIndenter) newline() {
	j.w.WriteByte('\n')
	for i := 0; i < j.depth; i++ {
		j.w.WriteString("  ")
	}
}

func (j *jsonIndenter) write(src []byte) {
	w := j.w
	for i := 0; i < len(src); i++ {
		c := src[i]
		if j.inString {
			// Copy the string's run of plain bytes at once.
			k := i
			for k < len(src) && !j.escaped && src[k] != '"' && src[k] != '\\' {
				k++
			}
			if k > i {
				w.Write(src[i:k])
				i = k - 1
				continue
			}
			w.WriteByte(c)
			switch {
			case j.escaped:
				j.escaped = false
			case c == '\\':
				j.escaped = true
			case c == '"':
				j.inString = false
			}
			continue
		}
		if j.needIndent && c != '}' && c != ']' {
			j.needIndent = false
			j.depth++
			j.newline()
		}
		switch c {
		case '"':
			j.inString = true
			w.WriteByte(c)
		case '{', '[':
			j.needIndent = true
			w.WriteByte(c)
		case ',':
			w.WriteByte(c)
			j.newline()
		case ':':
			w.WriteString(": ")
		case '}', ']':
			if j.needIndent {
				j.needIndent = false
			} else {
				j.depth--
				j.newline()
			}
			w.WriteByte(c)
		default:
			w.WriteByte(c)
		}
	}
}
