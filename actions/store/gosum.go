package store

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// maxGoSumLine bounds a go.sum line; a real one is under 200 bytes.
const maxGoSumLine = 64 << 10

// GoSum is a go.sum's hashes, a Sums that needs no network.
type GoSum struct {
	// Source names the go.sum in messages (default "go.sum").
	Source   string
	zip, mod map[string]string // "path version" -> h1
}

// Name is the go.sum's name for messages.
func (g *GoSum) Name() string {
	if g.Source == "" {
		return "go.sum"
	}
	return g.Source
}

// ParseGoSum reads a go.sum. Lines that are not "path version h1:..." are
// an error, with their line number.
func ParseGoSum(r io.Reader) (*GoSum, error) {
	g := &GoSum{zip: map[string]string{}, mod: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxGoSumLine)
	n := 0
	for sc.Scan() {
		n++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 || !strings.HasPrefix(f[2], "h1:") {
			return nil, fmt.Errorf("line %d is not \"path version h1:hash\"", n)
		}
		if v, ok := strings.CutSuffix(f[1], "/go.mod"); ok {
			g.mod[f[0]+" "+v] = f[2]
		} else {
			g.zip[f[0]+" "+f[1]] = f[2]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %v", n+1, err)
	}
	return g, nil
}

// NotCheckable: a go.sum is consulted for every module.
func (g *GoSum) NotCheckable(string) string { return "" }

// Lookup is the go.sum's hashes of the version.
func (g *GoSum) Lookup(path, version string) (string, string, error) {
	return g.zip[path+" "+version], g.mod[path+" "+version], nil
}
