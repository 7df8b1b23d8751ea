package actions

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modscope/cachescan"
)

// RecentOutputWindow is how recently written a build output verify leaves
// alone: the go command writes all but the last byte, checks, then writes
// the last, so an output written in the last minutes may be mid-write.
const RecentOutputWindow = 2 * time.Minute

// listOutputs finds every -d output of a build cache, with its size.
func listOutputs(root string) ([]job, error) {
	var out []job
	for i := 0; i < 256; i++ {
		dir := filepath.Join(root, fmt.Sprintf("%02x", i))
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue // missing or not a directory: the scan reports it
		}
		for _, e := range ents {
			name := e.Name()
			if len(name) != 66 || !strings.HasSuffix(name, "-d") {
				continue
			}
			if _, err := hex.DecodeString(name[:64]); err != nil {
				continue
			}
			var size int64
			if fi, err := e.Info(); err == nil {
				size = fi.Size()
			}
			out = append(out, job{size: size, out: filepath.Join(dir, name), id: name[:64]})
		}
	}
	return out, nil
}

// verifyOutput checks that an output's SHA-256 is its name; for a -d
// directory, the one file inside. One written within RecentOutputWindow of
// the clock, before or while it is hashed, is left alone: res.recent.
func verifyOutput(p, id string, clock cachescan.Clock, count counter, buf []byte) result {
	var res result
	counted := func(n int64) error { res.bytes += n; return count(n) }
	fi, err := os.Lstat(p)
	if err != nil {
		return res // removed meanwhile (trimmed): nothing to check
	}
	if clock.Now().Sub(fi.ModTime()) < RecentOutputWindow {
		res.recent = true
		return res
	}
	file := p
	if fi.IsDir() {
		ents, err := os.ReadDir(p)
		if err != nil || len(ents) != 1 || !ents[0].Type().IsRegular() {
			return res // output-size-mismatch: the scan reports it
		}
		file = filepath.Join(p, ents[0].Name())
	} else if !fi.Mode().IsRegular() {
		return res
	}
	f, err := os.Open(file)
	if err != nil {
		return res
	}
	sum, err := hashReader(f, counted, buf)
	after, statErr := f.Stat()
	f.Close()
	if err != nil || statErr != nil {
		return res
	}
	if clock.Now().Sub(after.ModTime()) < RecentOutputWindow {
		res.recent = true // written to while it was hashed
		return res
	}
	if got := hex.EncodeToString(sum[:]); got != id {
		pr := cachescan.Problem{Kind: cachescan.KindOutputCorrupt, Severity: cachescan.SeverityError, Path: p,
			Detail: "its content hashes to " + got[:12] + "…, not its name: the compiler or linker reading it crashes or misbuilds",
			Fix:    "rm -rf " + cachescan.ShellQuote(p) + "  (the go command rebuilds it)"}
		res.problems = append(res.problems, pr)
	}
	return res
}
