// Package actions changes or checks the caches that cachescan describes:
// verify hashes every module version and build output; later purge and
// re-download act on what it finds. It never imports a UI package.
package actions

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// fileSums maps file names (as the h1 hash names them) to their SHA-256.
type fileSums map[string][32]byte

// h1 computes the go command's "h1:" hash (dirhash.Hash1) from per-file
// sums, so that each file is read once for both the tree's hash and the
// list of files that differ.
func h1(sums fileSums) (string, error) {
	names := make([]string, 0, len(sums))
	for n := range sums {
		if strings.Contains(n, "\n") {
			return "", errors.New("dirhash: filenames with newlines are not supported")
		}
		names = append(names, n)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		s := sums[n]
		fmt.Fprintf(h, "%x  %s\n", s[:], n)
	}
	return "h1:" + base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// counter is told how many bytes were hashed, for progress; an error it
// returns (the verify was cancelled) stops the hashing.
type counter func(n int64) error

// hashReader hashes r, reporting bytes as they are read.
func hashReader(r io.Reader, count counter, buf []byte) ([32]byte, error) {
	h := sha256.New()
	for {
		n, err := r.Read(buf)
		if n > 0 {
			h.Write(buf[:n])
			if cerr := count(int64(n)); cerr != nil {
				return [32]byte{}, cerr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return [32]byte{}, err
		}
	}
	var out [32]byte
	h.Sum(out[:0])
	return out, nil
}

// goModSum is the go.sum hash of a go.mod's content: h1 over one file
// named "go.mod".
func goModSum(data []byte) string {
	s, _ := h1(fileSums{"go.mod": sha256.Sum256(data)})
	return s
}
