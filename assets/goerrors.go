package assets

import (
	_ "embed"
	"encoding/json"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

//go:embed goerrors.json
var goErrorsJSON []byte

// GoError is one entry of the go-error knowledge base: a shape of error
// the go command prints, its cause in one line, and the fix to try.
type GoError struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Patterns []string `json:"patterns"`
	Cause    string   `json:"cause"`
	Fix      string   `json:"fix"`
	res      []*regexp.Regexp
}

var (
	goErrorsOnce sync.Once
	goErrors     []*GoError
)

// GoErrors returns the knowledge base, most specific entries first.
func GoErrors() []*GoError {
	goErrorsOnce.Do(func() {
		if err := json.Unmarshal(goErrorsJSON, &goErrors); err != nil {
			panic("assets: goerrors.json: " + err.Error())
		}
		for _, e := range goErrors {
			for _, p := range e.Patterns {
				e.res = append(e.res, regexp.MustCompile(p))
			}
		}
	})
	return goErrors
}

// Match is a knowledge-base entry found in a text, with the line(s) it
// was found in.
type Match struct {
	Error *GoError
	Text  string
	// start is where Text is in the text read: matches come back in
	// the order of the text.
	start int
	// vars are the pattern's named groups, for the entry's {name|default}
	// placeholders.
	vars map[string]string
}

// placeholderRe is "{name|default}" in a cause or fix: the pattern's group
// name when it matched, else the default words.
var placeholderRe = regexp.MustCompile(`\{(\w+)\|([^{}]*)\}`)

func (m Match) expand(s string) string {
	return placeholderRe.ReplaceAllStringFunc(s, func(ph string) string {
		sub := placeholderRe.FindStringSubmatch(ph)
		if v := m.vars[sub[1]]; v != "" {
			return v
		}
		return sub[2]
	})
}

// Cause is the entry's cause for this error, with what the error names
// (the two paths of "module declares its path as") in its place.
func (m Match) Cause() string { return m.expand(m.Error.Cause) }

// Fix is the entry's fix for this error: where it names M@V, the module
// version the error is about stands there instead, so that the command
// can be run as printed.
func (m Match) Fix() string {
	fix := m.expand(m.Error.Fix)
	if !strings.Contains(fix, "M@V") {
		return fix
	}
	if mv := ModuleVersion(m.Text); mv != "" {
		return strings.ReplaceAll(fix, "M@V", mv)
	}
	return fix
}

// Reading is what the knowledge base makes of a go command's output.
type Reading struct {
	// Matches are the known errors, in the order they appear.
	Matches []Match
	// Unrecognised are the errors no entry explains, each with the lines
	// that belong to it (the indented ones under it, where "go: M imports"
	// says what failed). Progress lines such as "go: downloading M V" are
	// not errors.
	Unrecognised []string
}

// UnrecognisedFix is the next step for an error the knowledge base does
// not know.
const UnrecognisedFix = "run the command again with -x to see what the go command fetched, and check go env GOPROXY GOSUMDB GOPRIVATE"

// Explain finds the known errors in text (one go command's output, or
// several): Read(text).Matches.
func Explain(text string) []Match {
	return Read(text).Matches
}

type span struct{ start, end int }

// Read finds the known errors in text, and the errors that no entry
// explains. Entries are tried most specific first, and an error (a line
// with the indented lines under it) explained by one entry is not
// explained again by a more general one: a 404 from the checksum database
// for a private module is not also "a proxy 404", nor its server
// response "an unknown revision". Every occurrence counts, so the same
// error for two modules is explained twice.
func Read(text string) Reading {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	blocks := splitBlocks(text)
	// blockAt widens a match to the whole errors it touches.
	blockAt := func(at int) span {
		i := sort.Search(len(blocks), func(i int) bool { return blocks[i].end >= at })
		if i < len(blocks) && blocks[i].start <= at {
			return blocks[i].span
		}
		return span{at, at}
	}
	// taken holds the claimed spans, disjoint and sorted by start: a
	// binary search finds the only ones s can overlap (big pastes have
	// thousands of errors).
	var taken []span
	overlaps := func(s span) bool {
		i := sort.Search(len(taken), func(i int) bool { return taken[i].end > s.start })
		return i < len(taken) && taken[i].start < s.end
	}
	take := func(s span) {
		i := sort.Search(len(taken), func(i int) bool { return taken[i].start >= s.start })
		taken = append(taken, span{})
		copy(taken[i+1:], taken[i:])
		taken[i] = s
	}
	var found []Match
	for _, e := range GoErrors() {
		for _, re := range e.res {
			for _, loc := range re.FindAllStringSubmatchIndex(text, -1) {
				s := span{strings.LastIndexByte(text[:loc[0]], '\n') + 1, lineEnd(text, loc[1])}
				claim := span{min(s.start, blockAt(s.start).start), max(s.end, blockAt(s.end).end)}
				// A -x trace line ("# get URL: 404 Not Found") is the
				// go command's log, not its error.
				if isNoise(text[s.start:lineEnd(text, s.start)]) || overlaps(claim) {
					continue
				}
				take(claim)
				var vars map[string]string
				for i, name := range re.SubexpNames() {
					if name != "" && loc[2*i] >= 0 {
						if vars == nil {
							vars = map[string]string{}
						}
						vars[name] = text[loc[2*i]:loc[2*i+1]]
					}
				}
				found = append(found, Match{Error: e, Text: strings.TrimSpace(text[s.start:s.end]), start: s.start, vars: vars})
			}
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].start < found[j].start })
	var unknown []string
	for _, b := range blocks {
		if b.isError && !overlaps(b.span) {
			unknown = append(unknown, strings.TrimSpace(text[b.start:b.end]))
		}
	}
	return Reading{Matches: found, Unrecognised: unknown}
}

func lineEnd(text string, at int) int {
	if i := strings.IndexByte(text[at:], '\n'); i >= 0 {
		return at + i
	}
	return len(text)
}

var (
	// noiseRe are lines the go command prints that are not errors:
	// progress, the changes go get made, hints, warnings and deprecation
	// notices, -x traces and the "# package" header of build output.
	noiseRe = regexp.MustCompile(`^(go: (downloading|finding|found|extracting|upgraded|downgraded|added|removed|creating new go\.mod|to add module requirements and sums:|switching to|warning:|module \S+ is deprecated)|warning: |# |(ok|PASS|\?) |PASS$|=== (RUN|PAUSE|CONT|NAME) |--- (PASS|SKIP): |WORK=|(cd|mkdir|cat|cp|mv|rm|echo|touch) |\S*/pkg/tool/\S+ |\S+/(compile|link|asm|cgo|vet|buildid|pack|cover|gcc|clang|cc) |go: .*; switching to go\S+$)`)
	// headRe are lines that start an error whatever they say: the go
	// command's "go: " prefix, a file position, a module version, a
	// verification, or the "-> " echo of a failed extraction.
	headRe = regexp.MustCompile(`^(go: |\S+\.(go|mod|sum|work):\d+(:\d+)?: |verifying \S+@|-> |\S+@v\d\S*: |\S+ requires go >= )`)
	// errorWordRe finds an error in any other line.
	// Words, not parts of identifiers: TestInvalidInput is no error.
	errorWordRe = regexp.MustCompile(`(?i)(\berrors?\b|\bfail(s|ed|ure)?\b|\bfatal\b|panic:|\bcannot |\bcan't |\binvalid\b|\bmalformed\b|\bmismatch(ed)?\b|\bnot found\b|\bunexpected\b|\brefused\b|\btime(d)? ?out\b|deadline exceeded|\bdenied\b|\bno such\b|\bunreachable\b|\bunknown |\bdisabled\b|\bnot allowed\b|\bmissing\b|\btoo large\b|\bnot canonical\b|\bcollision\b|no required module|is not in std|\b[45]\d\d [A-Z][a-z])`)
	// tailRe are the fixed lines the go command prints under some errors
	// without indenting them.
	tailRe     = regexp.MustCompile(`^(Confirm the import path was entered correctly\.|If this is a private repository, see )`)
	securityRe = regexp.MustCompile(`SECURITY (ERROR|WARNING)$`)
	moreInfoRe = regexp.MustCompile(`^For more information, see 'go help module-auth'`)
)

func isNoise(line string) bool { return noiseRe.MatchString(line) }

type block struct {
	span
	// isError is false for progress, hints and other lines that are not
	// errors.
	isError bool
}

// splitBlocks splits text into blocks: a line with the lines that belong
// to it (indented ones, the SECURITY ERROR paragraph, the go command's
// fixed hints), each said to be an error or not.
func splitBlocks(text string) []block {
	var out []block
	security := false
	at := 0
	for at < len(text) {
		end := lineEnd(text, at)
		l := text[at:end]
		t := strings.TrimSpace(l)
		start := at
		at = end + 1
		if t == "" {
			continue
		}
		indented := l[0] == ' ' || l[0] == '\t'
		strong := !indented && headRe.MatchString(l)
		var cont bool
		switch {
		case len(out) == 0 || strong:
			cont = false
		case indented:
			cont = true
		default:
			cont = security || securityRe.MatchString(t) || tailRe.MatchString(t) || moreInfoRe.MatchString(t)
		}
		if cont {
			out[len(out)-1].end = end
			if securityRe.MatchString(t) {
				security = true
			} else if moreInfoRe.MatchString(t) {
				security = false
			}
			continue
		}
		security = securityRe.MatchString(t)
		out = append(out, block{span{start, end}, !isNoise(l) && (strong || errorWordRe.MatchString(t))})
	}
	return out
}

var (
	// modVersionRe finds path@version; the character before it keeps a
	// URL's path (".../lookup/M@V") from counting as a module path.
	modVersionRe = regexp.MustCompile(`(?:^|[\s"'(])([A-Za-z0-9][-A-Za-z0-9_.~+/]*)@(v[0-9][-A-Za-z0-9_.+]*)`)
	// cachePathRe finds a module version in a module-cache path, where
	// path and version are escaped ("!burnt!sushi").
	cachePathRe = regexp.MustCompile(`/cache/download/(\S+?)/@v/(v[^/\s]+?)\.(zip|mod|info|ziphash|partial|lock)\b|/pkg/mod/([^@\s]+)@(v[^/\s]+)`)
	// treeRe finds an extracted tree in a path, wherever GOMODCACHE is:
	// the module path is the longest valid tail before the @.
	treeRe = regexp.MustCompile(`(\S+?)@(v[0-9][^/\s:]*)/`)
)

// CacheRoots are module-cache roots (GOMODCACHE) that ModuleVersion cuts
// off a path exactly; a command sets them from its environment.
var CacheRoots []string

// ModuleVersion returns the first module version (path@version) an error
// text names, or "" when it names none. A module-cache path counts:
// "unzip $GOMODCACHE/cache/download/rsc.io/quote/@v/v1.5.2.zip" is about
// rsc.io/quote@v1.5.2.
func ModuleVersion(text string) string {
	for _, m := range modVersionRe.FindAllStringSubmatch(text, -1) {
		path, vers := m[1], strings.TrimRight(m[2], ".")
		if module.CheckPath(path) == nil && semver.IsValid(vers) {
			return path + "@" + vers
		}
	}
	for _, m := range cachePathRe.FindAllStringSubmatch(text, -1) {
		ep, ev := m[1], m[2]
		if ep == "" {
			ep, ev = m[4], m[5]
		}
		path, err1 := module.UnescapePath(ep)
		vers, err2 := module.UnescapeVersion(ev)
		if err1 == nil && err2 == nil && module.CheckPath(path) == nil && semver.IsValid(vers) {
			return path + "@" + vers
		}
	}
	for _, m := range treeRe.FindAllStringSubmatch(text, -1) {
		vers, err := module.UnescapeVersion(m[2])
		if err != nil || !semver.IsValid(vers) {
			continue
		}
		valid := func(ep string) string {
			path, err := module.UnescapePath(ep)
			if err != nil || module.CheckPath(path) != nil {
				return ""
			}
			return path
		}
		// A known root ends where the module path starts.
		for _, root := range CacheRoots {
			if _, tail, ok := strings.Cut(m[1], filepath.ToSlash(root)+"/"); ok && root != "" {
				if path := valid(tail); path != "" {
					return path + "@" + vers
				}
			}
		}
		// Otherwise a tail that is a valid module path; with several
		// (a dotted folder above the cache: /Users/john.doe/...), the one
		// after pkg/mod, else none rather than a wrong one.
		elems := strings.Split(m[1], "/")
		var found []string
		for i := range elems {
			if path := valid(strings.Join(elems[i:], "/")); path != "" {
				if i >= 2 && elems[i-1] == "mod" && elems[i-2] == "pkg" {
					return path + "@" + vers
				}
				found = append(found, path)
			}
		}
		if len(found) == 1 {
			return found[0] + "@" + vers
		}
	}
	return ""
}
