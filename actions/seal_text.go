package actions

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The manifest's text, the signed note's body (UTF-8, no control
// character but newline, as golang.org/x/mod/sumdb/note requires):
//
//	modscope seal v1
//	created 2026-12-02T07:30:00Z
//	go "go1.26.8"
//	modcache "/home/runner/go/pkg/mod"
//	gocache "/home/runner/.cache/go-build"
//	v "example.com/a" "v1.0.0" zip=h1:… zipsha=… zipid=… ziphash=… ziphashid=… tree=h1:… treeid=… mod=h1:… modid=… info=… infoid=…
//	a <action id> <output id> <size> <time ns>
//	d <output id> <size> <sha256|=> <identity|-> ["name"]
//	d <output id> -
//	d <output id> ?
//
// Names are Go-quoted ASCII (strconv.QuoteToASCII): a name from the cache
// may hold anything. A version lists only the parts it had; zipsha is the
// SHA-256 of the zip's bytes, ziphash and info the SHA-256 of those files,
// zip/tree/mod their h1: hashes; *id is the identity digest ("-": none). An
// output's sha256 is "=" when it is the output ID (as it is for every
// healthy output); "-" is an output absent when sealed, "?" one the go
// command could not use (neither a file nor a directory of one file).

const sealMagic = "modscope seal v1"

// Bounds on a manifest a check reads: the file, a line, the entries.
const (
	MaxManifestBytes = 512 << 20
	maxManifestLine  = 64 << 10
	maxManifestItems = 8 << 20
)

// writeManifest writes m's text.
func writeManifest(w io.Writer, m *Manifest) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	q := strconv.QuoteToASCII
	fmt.Fprintf(bw, "%s\ncreated %s\ngo %s\nmodcache %s\ngocache %s\n", sealMagic, m.Created.UTC().Format(time.RFC3339Nano), q(m.GoVersion), q(m.ModCache), q(m.GoCache))
	for i := range m.Versions {
		v := &m.Versions[i]
		bw.WriteString("v " + q(v.Module) + " " + q(v.Version))
		for _, name := range sealParts {
			p := *v.part(name)
			if p == nil {
				continue
			}
			bw.WriteString(" " + name + "=" + p.Hash)
			if name == "zip" {
				bw.WriteString(" zipsha=" + p.Raw)
			}
			bw.WriteString(" " + name + "id=" + orDash(p.ID))
		}
		bw.WriteByte('\n')
	}
	for _, a := range m.Actions {
		fmt.Fprintf(bw, "a %s %s %d %d\n", a.ID, a.Output, a.Size, a.Time)
	}
	for _, o := range m.Outputs {
		switch o.State {
		case OutputAbsent:
			fmt.Fprintf(bw, "d %s -\n", o.ID)
		case OutputUnusable:
			fmt.Fprintf(bw, "d %s ?\n", o.ID)
		default:
			sha := o.SHA
			if sha == o.ID {
				sha = "="
			}
			fmt.Fprintf(bw, "d %s %d %s %s", o.ID, o.Size, sha, orDash(o.Ident))
			if o.Name != "" {
				bw.WriteString(" " + q(o.Name))
			}
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ParseManifest reads a manifest's text, bounded: a line past 64 KiB,
// more than 8M entries, an unknown line or field, a duplicate or a value
// that is not what it must be is an error naming the line.
func ParseManifest(text string) (*Manifest, error) {
	m := &Manifest{}
	lineNo := 0
	fail := func(format string, args ...any) error {
		return fmt.Errorf("line %d: %s", lineNo, fmt.Sprintf(format, args...))
	}
	// Entries come sorted and unique, as seal writes them: duplicates
	// are found without maps, and the slices are sized up front.
	m.Actions = make([]SealedAction, 0, min(strings.Count(text, "\na "), maxManifestItems))
	m.Outputs = make([]SealedOutput, 0, min(strings.Count(text, "\nd "), maxManifestItems))
	lastV := ""
	items := 0
	header := []string{sealMagic, "created", "go", "modcache", "gocache"}
	for len(text) > 0 {
		lineNo++
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			return nil, fail("no newline at the end")
		}
		line := text[:i]
		text = text[i+1:]
		if len(line) > maxManifestLine {
			return nil, fail("longer than %d bytes", maxManifestLine)
		}
		if lineNo <= len(header) {
			if err := parseHeader(m, lineNo, line); err != nil {
				return nil, fail("%v", err)
			}
			continue
		}
		if items++; items > maxManifestItems {
			return nil, fail("more than %d entries", maxManifestItems)
		}
		kind, rest, _ := strings.Cut(line, " ")
		switch kind {
		case "v":
			v, err := parseVersionLine(rest)
			if err != nil {
				return nil, fail("%v", err)
			}
			key := versionKey(v)
			if len(m.Versions) > 0 && key <= lastV {
				return nil, fail("versions out of order, or one twice")
			}
			lastV = key
			m.Versions = append(m.Versions, *v)
		case "a":
			id, rest, _ := strings.Cut(rest, " ")
			out, rest, _ := strings.Cut(rest, " ")
			sizeS, timeS, _ := strings.Cut(rest, " ")
			if !isHexID(id) || !isHexID(out) {
				return nil, fail("an action line is: a <id> <output id> <size> <time>")
			}
			size, err1 := strconv.ParseInt(sizeS, 10, 64)
			t, err2 := strconv.ParseInt(timeS, 10, 64)
			if err1 != nil || err2 != nil || size < 0 || t < 0 {
				return nil, fail("an action's size and time are non-negative integers")
			}
			if n := len(m.Actions); n > 0 && id <= m.Actions[n-1].ID {
				return nil, fail("actions out of order, or one twice")
			}
			m.Actions = append(m.Actions, SealedAction{ID: id, Output: out, Size: size, Time: t})
		case "d":
			o, err := parseOutputLine(rest)
			if err != nil {
				return nil, fail("%v", err)
			}
			if n := len(m.Outputs); n > 0 && o.ID <= m.Outputs[n-1].ID {
				return nil, fail("outputs out of order, or one twice")
			}
			m.Outputs = append(m.Outputs, o)
		default:
			return nil, fail("unknown line %q", clipLine(line))
		}
	}
	if lineNo < len(header) {
		return nil, errors.New("the header is incomplete")
	}
	for _, a := range m.Actions {
		if _, ok := sort.Find(len(m.Outputs), func(i int) int { return strings.Compare(a.Output, m.Outputs[i].ID) }); !ok {
			return nil, fmt.Errorf("action %s names output %s, which has no line", a.ID, a.Output)
		}
	}
	return m, nil
}

func clipLine(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func parseHeader(m *Manifest, n int, line string) error {
	if n == 1 {
		if line != sealMagic {
			return fmt.Errorf("not a %q manifest", sealMagic)
		}
		return nil
	}
	key, val, _ := strings.Cut(line, " ")
	want := []string{"", "", "created", "go", "modcache", "gocache"}[n]
	if key != want {
		return fmt.Errorf("want the %q line", want)
	}
	if key == "created" {
		t, err := time.Parse(time.RFC3339Nano, val)
		if err != nil {
			return fmt.Errorf("bad time %q", clipLine(val))
		}
		m.Created = t
		return nil
	}
	s, err := strconv.Unquote(val)
	if err != nil || !strings.HasPrefix(val, `"`) {
		return fmt.Errorf("the %s value is not a quoted string", key)
	}
	switch key {
	case "go":
		m.GoVersion = s
	case "modcache":
		m.ModCache = s
	case "gocache":
		m.GoCache = s
	}
	return nil
}

// unquoteNext reads a quoted string at the start of s and returns the rest
// after one space (or the end).
func unquoteNext(s string) (string, string, error) {
	if !strings.HasPrefix(s, `"`) {
		return "", "", errors.New("want a quoted name")
	}
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", "", errors.New("a bad quoted name")
	}
	v, _ := strconv.Unquote(q)
	rest := s[len(q):]
	if rest != "" {
		if rest[0] != ' ' {
			return "", "", errors.New("want a space after a quoted name")
		}
		rest = rest[1:]
	}
	return v, rest, nil
}

func parseVersionLine(rest string) (*SealedVersion, error) {
	v := &SealedVersion{}
	var err error
	if v.Module, rest, err = unquoteNext(rest); err != nil {
		return nil, err
	}
	if v.Version, rest, err = unquoteNext(rest); err != nil {
		return nil, err
	}
	if v.Module == "" || v.Version == "" {
		return nil, errors.New("an empty module path or version")
	}
	if rest == "" {
		return v, nil
	}
	seen := map[string]bool{}
	for _, field := range strings.Split(rest, " ") {
		key, val, ok := strings.Cut(field, "=")
		if !ok || val == "" || seen[key] {
			return nil, fmt.Errorf("bad field %q", clipLine(field))
		}
		seen[key] = true
		switch {
		case key == "zipsha":
			if v.Zip == nil {
				return nil, errors.New("zipsha before zip")
			}
			v.Zip.Raw = val
		case strings.HasSuffix(key, "id") && isPart(strings.TrimSuffix(key, "id")):
			p := *v.part(strings.TrimSuffix(key, "id"))
			if p == nil {
				return nil, fmt.Errorf("%s before its part", key)
			}
			if val != "-" {
				p.ID = val
			}
		case isPart(key):
			*v.part(key) = &SealedPart{Hash: val}
		default:
			return nil, fmt.Errorf("unknown field %q", clipLine(key))
		}
	}
	if v.Zip != nil && v.Zip.Raw == "" {
		return nil, errors.New("a zip without zipsha")
	}
	return v, nil
}

func isPart(name string) bool {
	for _, p := range sealParts {
		if p == name {
			return true
		}
	}
	return false
}

func parseOutputLine(rest string) (SealedOutput, error) {
	id, rest, _ := strings.Cut(rest, " ")
	if !isHexID(id) {
		return SealedOutput{}, errors.New("an output line is: d <id> <size> <sha256|=> <identity|-> [name], or d <id> -, or d <id> ?")
	}
	o := SealedOutput{ID: id}
	switch rest {
	case "-":
		o.State = OutputAbsent
		return o, nil
	case "?":
		o.State = OutputUnusable
		return o, nil
	}
	f := strings.SplitN(rest, " ", 4)
	if len(f) < 3 {
		return SealedOutput{}, errors.New("an output line is: d <id> <size> <sha256|=> <identity|-> [name]")
	}
	size, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || size < 0 {
		return SealedOutput{}, errors.New("an output's size is a non-negative integer")
	}
	o.Size = size
	switch {
	case f[1] == "=":
		o.SHA = id
	case isHexID(f[1]):
		o.SHA = f[1]
	default:
		return SealedOutput{}, errors.New("an output's sha256 is 64 hex digits or =")
	}
	if f[2] != "-" {
		o.Ident = f[2]
	}
	if len(f) == 4 {
		name, tail, err := unquoteNext(f[3])
		if err != nil || tail != "" || name == "" || strings.ContainsAny(name, "/\x00") {
			return SealedOutput{}, errors.New("an output's name is one quoted file name")
		}
		o.Name = name
	}
	return o, nil
}

// isHexID reports 64 lower-case hex digits.
func isHexID(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}
