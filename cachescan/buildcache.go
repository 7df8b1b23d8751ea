package cachescan

import (
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// actionSize is the length of a v1 action entry: "v1 %x %x %20d %20d\n".
const actionSize = 2 + 1 + 64 + 1 + 64 + 1 + 20 + 1 + 20 + 1

// settle is how recent a build-cache file must be for the scan to assume a
// go command may still be writing it; problems on such files are not reported.
const settle = time.Minute

// ageLimits are the upper bounds of the age buckets, in hours.
var ageLimits = []struct {
	label string
	hours int
}{{"<1 day", 24}, {"<5 days", 5 * 24}, {"<30 days", 30 * 24}, {"older", 0}}

type actionRec struct {
	out     [32]byte
	outSize int64
	path    string
	mtime   time.Time
}

type outputRec struct {
	size   int64 // of the file, or of the one file in a -d directory
	nfiles int   // -1 for a plain file
	path   string
	mtime  time.Time
}

// buildScan walks one GOCACHE.
type buildScan struct {
	root string
	w    *walker
	now  time.Time

	mu       sync.Mutex
	actions  []actionRec
	outputs  map[[32]byte]outputRec
	problems []Problem
	buckets  [4]AgeBucket
	nActions int64
	nOutputs int64

	other acc
	fuzz  acc
}

func newBuildScan(root string, w *walker, now time.Time) *buildScan {
	b := &buildScan{root: root, w: w, now: now, outputs: map[[32]byte]outputRec{}}
	return b
}

func (b *buildScan) start() {
	if e, err := lstatEntry(b.root); err == nil {
		b.other.add(b.w.sizeOf(&e))
	}
	b.w.spawn(func() {
		ents := b.w.list(b.root)
		for i := range ents {
			e := &ents[i]
			path := filepath.Join(b.root, e.name)
			size := b.w.sizeOf(e)
			b.w.prog.bytes.Add(size.Bytes)
			b.w.prog.files.Add(size.Files)
			switch {
			case e.isDir() && isHexByte(e.name):
				b.other.add(size)
				b.w.spawn(func() { b.entryDir(path) })
			case isHexByte(e.name):
				b.other.add(size)
				p := newProblem(KindGoCacheBroken, "", "", path, "a "+kindOfFile(e)+" where the go command needs a directory")
				p.Fix = "rm " + ShellQuote(path)
				b.mu.Lock()
				b.problems = append(b.problems, p)
				b.mu.Unlock()
			case (e.name == "README" || e.name == "trim.txt" || e.name == "testexpire.txt") && !e.isRegular(),
				e.name == "fuzz" && !e.isDir():
				// modscope writes testexpire.txt and removes fuzz/: never
				// through a link.
				b.other.add(size)
				want := "the go command keeps a file"
				if e.name == "fuzz" {
					want = "the go command keeps the fuzzing cache's directory"
				}
				b.mu.Lock()
				b.problems = append(b.problems, WrongType(path, kindOfFile(e), want))
				b.mu.Unlock()
			case e.isDir() && e.name == "fuzz":
				b.fuzz.add(size)
				b.w.spawn(func() { b.w.tree(path, &b.fuzz) })
			case e.isDir():
				b.other.add(size)
				b.w.spawn(func() { b.w.tree(path, &b.other) })
			default:
				b.other.add(size)
			}
		}
	})
}

func isHexByte(name string) bool {
	return len(name) == 2 && isLowerHex(name)
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// entryDir handles one GOCACHE/<hh> directory of -a and -d entries.
func (b *buildScan) entryDir(dir string) {
	ents := b.w.list(dir)
	var (
		actions []actionRec
		outputs []struct {
			id [32]byte
			outputRec
		}
		problems []Problem
		buckets  [4]AgeBucket
		other    Size
		nA, nO   int64
	)
	for i := range ents {
		e := &ents[i]
		path := filepath.Join(dir, e.name)
		size := b.w.sizeOf(e)
		b.w.prog.bytes.Add(size.Bytes)
		b.w.prog.files.Add(size.Files)
		mtime := time.Unix(0, e.mtime)
		id, kind, ok := entryName(e.name)
		if !ok {
			other.Add(size)
			continue
		}
		recent := b.now.Sub(mtime) < settle
		if kind == 'd' && e.isDir() {
			inner, n, innerSize := b.outputDir(path)
			size.Add(inner)
			outputs = append(outputs, struct {
				id [32]byte
				outputRec
			}{id, outputRec{size: innerSize, nfiles: n, path: path, mtime: mtime}})
		} else if kind == 'd' {
			outputs = append(outputs, struct {
				id [32]byte
				outputRec
			}{id, outputRec{size: e.size, nfiles: -1, path: path, mtime: mtime}})
		}
		bk := &buckets[ageBucket(b.now.Sub(mtime))]
		bk.Entries++
		bk.Size.Add(size)
		if kind == 'd' {
			nO++
			continue
		}
		nA++
		rec, detail := readAction(path, e, id)
		if detail != "" {
			if !recent {
				problems = append(problems, newProblem(KindActionInvalid, "", "", path, detail))
			}
			continue
		}
		rec.mtime = mtime
		actions = append(actions, rec)
	}
	b.mu.Lock()
	b.actions = append(b.actions, actions...)
	for _, o := range outputs {
		b.outputs[o.id] = o.outputRec
	}
	b.problems = append(b.problems, problems...)
	for i := range buckets {
		b.buckets[i].Entries += buckets[i].Entries
		b.buckets[i].Size.Add(buckets[i].Size)
	}
	b.nActions += nA
	b.nOutputs += nO
	b.mu.Unlock()
	b.other.add(other)
}

// outputDir reads a -d directory, which holds one executable. It returns
// what the directory holds, how many files, and the size of the file.
func (b *buildScan) outputDir(dir string) (Size, int, int64) {
	a := &acc{}
	ents := b.w.list(dir)
	a.add(b.w.count(ents))
	n, size := 0, int64(0)
	for i := range ents {
		if ents[i].isDir() {
			n += 2 // not a valid entry whatever it holds
			// Walked here, not spawned: the size is needed on return.
			b.w.treeSync(filepath.Join(dir, ents[i].name), a)
			continue
		}
		n++
		size = ents[i].size
	}
	return a.size(), n, size
}

func ageBucket(age time.Duration) int {
	for i, l := range ageLimits {
		if l.hours == 0 || age < time.Duration(l.hours)*time.Hour {
			return i
		}
	}
	return len(ageLimits) - 1
}

// entryName decodes "<64 hex>-a" and "<64 hex>-d".
func entryName(name string) (id [32]byte, kind byte, ok bool) {
	if len(name) != 66 || name[64] != '-' || (name[65] != 'a' && name[65] != 'd') || !isLowerHex(name[:64]) {
		return id, 0, false
	}
	hex.Decode(id[:], []byte(name[:64]))
	return id, name[65], true
}

// readAction validates an -a entry the way the go command's cache.get does;
// detail is empty when the entry is valid.
func readAction(path string, e *dirEntry, id [32]byte) (actionRec, string) {
	if !e.isRegular() {
		return actionRec{}, "not a regular file"
	}
	if e.size != actionSize {
		return actionRec{}, fmt.Sprintf("%d bytes, not %d", e.size, actionSize)
	}
	var buf [actionSize + 1]byte
	n, err := readHead(path, buf[:])
	if err != nil {
		return actionRec{}, "cannot read: " + errText(err)
	}
	entry := buf[:n]
	if n != actionSize {
		return actionRec{}, fmt.Sprintf("%d bytes, not %d", n, actionSize)
	}
	const h = 64
	if string(entry[:3]) != "v1 " || entry[3+h] != ' ' || entry[3+h+1+h] != ' ' ||
		entry[3+h+1+h+1+20] != ' ' || entry[actionSize-1] != '\n' {
		return actionRec{}, "invalid header"
	}
	var eid, eout [32]byte
	if _, err := hex.Decode(eid[:], entry[3:3+h]); err != nil {
		return actionRec{}, "bad action ID"
	}
	if _, err := hex.Decode(eout[:], entry[3+h+1:3+h+1+h]); err != nil {
		return actionRec{}, "bad output ID"
	}
	if eid != id {
		return actionRec{}, "names action " + shortID(eid) + ", not its own ID"
	}
	sizeField := strings.TrimLeft(string(entry[3+h+1+h+1:3+h+1+h+1+20]), " ")
	size, err := strconv.ParseInt(sizeField, 10, 64)
	if err != nil || size < 0 {
		return actionRec{}, "bad output size"
	}
	timeField := strings.TrimLeft(string(entry[3+h+1+h+1+20+1:actionSize-1]), " ")
	if t, err := strconv.ParseInt(timeField, 10, 64); err != nil || t < 0 {
		return actionRec{}, "bad time"
	}
	return actionRec{out: eout, outSize: size, path: path}, ""
}

// assemble pairs actions with outputs and fills in the model.
func (b *buildScan) assemble(bc *BuildCache) []Problem {
	problems := b.problems
	for _, a := range b.actions {
		o, ok := b.outputs[a.out]
		if !ok {
			if b.now.Sub(a.mtime) >= settle {
				p := newProblem(KindOutputMissing, "", "", a.path,
					"its output "+shortID(a.out)+"-d is gone")
				p.Fix = "rm " + ShellQuote(a.path) + "  (the go command treats it as a miss)"
				problems = append(problems, p)
			}
			continue
		}
		if b.now.Sub(o.mtime) < settle {
			continue
		}
		detail := ""
		switch {
		case o.nfiles == 0 || o.nfiles > 1:
			detail = fmt.Sprintf("executable entry holds %d files; the go command needs exactly one", o.nfiles)
		case o.size != a.outSize:
			detail = fmt.Sprintf("%d bytes, but the action entry %s-a records %d", o.size, shortName(a.path), a.outSize)
		}
		if detail != "" {
			p := newProblem(KindOutputSizeMismatch, "", "", o.path, detail)
			p.Fix = "rm -rf " + ShellQuote(o.path) + "  (the go command rebuilds it)"
			problems = append(problems, p)
			// One report per output, however many actions name it.
			o.mtime = b.now
			b.outputs[a.out] = o
		}
	}
	for i := range problems {
		if problems[i].Kind == KindActionInvalid {
			problems[i].Fix = "rm " + ShellQuote(problems[i].Path) + "  (or go clean -cache)"
		}
	}
	if bc.CacheProg != "" {
		// The go command uses GOCACHEPROG, not these files: nothing here
		// is worth repairing.
		problems = nil
	}
	bc.Actions, bc.Outputs = b.nActions, b.nOutputs
	bc.Entries = bc.Actions + bc.Outputs
	for i, l := range ageLimits {
		bk := b.buckets[i]
		bk.Label, bk.MaxAgeHours = l.label, l.hours
		bc.ByAge = append(bc.ByAge, bk)
		bc.Size.Add(bk.Size)
	}
	bc.Fuzz = b.fuzz.size()
	bc.Other = b.other.size()
	bc.Size.Add(bc.Fuzz)
	bc.Size.Add(bc.Other)
	if data, err := readSmall(filepath.Join(b.root, "trim.txt"), 0); err == nil {
		if sec, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil {
			t := time.Unix(sec, 0).UTC()
			bc.TrimTime = &t
		}
	}
	if data, err := readSmall(filepath.Join(b.root, "testexpire.txt"), 0); err == nil && strings.HasSuffix(string(data), "\n") {
		if ns, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil {
			t := time.Unix(0, ns).UTC()
			bc.TestExpire = &t
		}
	}
	return problems
}

// shortID abbreviates a cache ID for messages, as git does commit hashes.
func shortID(id [32]byte) string { return hex.EncodeToString(id[:6]) + "…" }

// shortName abbreviates the ID in an entry's file name.
func shortName(path string) string {
	base := filepath.Base(path)
	if len(base) > 12 {
		return base[:12] + "…"
	}
	return base
}
