package actions

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// The Go vulnerability database serves OSV JSON (go.dev/security/vulndb/api).
// golang.org/x/vuln keeps its client and OSV types internal, so modscope
// reads the few fields it needs into the small types below. Only what the
// audit uses is declared: the rest of an entry is ignored.

// OSVEntry is one vulnerability report: ID/<id>.json.
type OSVEntry struct {
	ID        string        `json:"id"`
	Modified  time.Time     `json:"modified"`
	Published time.Time     `json:"published"`
	Withdrawn *time.Time    `json:"withdrawn,omitempty"`
	Aliases   []string      `json:"aliases,omitempty"`
	Summary   string        `json:"summary,omitempty"`
	Details   string        `json:"details,omitempty"`
	Affected  []OSVAffected `json:"affected"`
	// DatabaseSpecific holds the report's page (pkg.go.dev/vuln/<id>).
	DatabaseSpecific struct {
		URL string `json:"url,omitempty"`
	} `json:"database_specific"`
}

// OSVAffected is one affected module of an entry: its path, the version
// ranges, and the packages (and symbols) that carry the vulnerability.
type OSVAffected struct {
	Module struct {
		// Path is the module path ("package.name" in OSV); the Go
		// database also uses "stdlib" and "toolchain".
		Path      string `json:"name"`
		Ecosystem string `json:"ecosystem"`
	} `json:"package"`
	Ranges            []OSVRange `json:"ranges,omitempty"`
	EcosystemSpecific struct {
		Packages []OSVPackage `json:"imports,omitempty"`
	} `json:"ecosystem_specific"`
}

// OSVRange is a list of events; the Go database writes SEMVER ranges whose
// versions have no "v" prefix ("1.2.3", "0.0.0-2020...-abcdef").
type OSVRange struct {
	Type   string     `json:"type"`
	Events []OSVEvent `json:"events"`
}

// OSVEvent is one event of a range: a version is affected from an
// Introduced (inclusive; "0" is the beginning of time) to the next Fixed
// (exclusive).
type OSVEvent struct {
	Introduced string `json:"introduced,omitempty"`
	Fixed      string `json:"fixed,omitempty"`
}

// OSVPackage is a package of an affected module that carries the
// vulnerability, with the affected symbols when the report lists them.
type OSVPackage struct {
	Path    string   `json:"path"`
	GOOS    []string `json:"goos,omitempty"`
	GOARCH  []string `json:"goarch,omitempty"`
	Symbols []string `json:"symbols,omitempty"`
}

// osvIDPattern is what an ID must look like before it names a file: the
// database's IDs are GO-YYYY-NNNN; anything with a slash or a dot-dot
// would reach outside ID/.
var osvIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// validOSVID reports whether id may be used as a file name under ID/.
func validOSVID(id string) bool { return osvIDPattern.MatchString(id) }

// parseOSVEntry reads one entry and checks it is the one asked for.
func parseOSVEntry(id string, data []byte) (*OSVEntry, error) {
	var e OSVEntry
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("%s: not an OSV entry: %v", id, auditLine(err.Error()))
	}
	if e.ID != id {
		return nil, fmt.Errorf("%s: the file holds entry %q", id, e.ID)
	}
	return &e, nil
}

// canonicalOSVVersion turns an OSV SEMVER version ("1.2.3", or "v1.2.3"
// from a database that writes the prefix) into the go command's form, or
// "" when it is not a semantic version.
func canonicalOSVVersion(v string) string {
	v = "v" + strings.TrimPrefix(v, "v")
	if !semver.IsValid(v) {
		return ""
	}
	return v
}

// affects reports whether the module version v (as the go command writes
// it: v1.2.3, a pseudo-version, +incompatible) is in the affected ranges,
// and the version that fixes it ("" when none does). The rules are
// govulncheck's: no ranges, or no SEMVER range among them, means every
// version; within a range, events are taken in version order, a version is
// affected from an introduced event up to the next fixed one. An event
// whose version is not semantic is ignored: a malformed fix never hides a
// vulnerability, it can only report one.
func (a *OSVAffected) affects(v string) (bool, string) {
	sawSemver := false
	for _, r := range a.Ranges {
		if r.Type != "SEMVER" {
			continue
		}
		sawSemver = true
		if ok, fixed := rangeAffects(r, v); ok {
			return true, fixed
		}
	}
	return !sawSemver, ""
}

// rangeAffects reports whether one SEMVER range holds v, and its fix.
func rangeAffects(r OSVRange, v string) (bool, string) {
	if len(r.Events) == 0 {
		return true, ""
	}
	type event struct {
		version    string // canonical; "" for introduced "0"
		introduced bool
	}
	var events []event
	for _, e := range r.Events {
		switch {
		case e.Introduced == "0":
			events = append(events, event{"", true})
		case e.Introduced != "":
			if c := canonicalOSVVersion(e.Introduced); c != "" {
				events = append(events, event{c, true})
			}
		case e.Fixed != "":
			if c := canonicalOSVVersion(e.Fixed); c != "" {
				events = append(events, event{c, false})
			}
		}
	}
	// The beginning of time first, then by version.
	sort.SliceStable(events, func(i, j int) bool {
		if events[i].version == "" || events[j].version == "" {
			return events[i].version == "" && events[j].version != ""
		}
		return semver.Compare(events[i].version, events[j].version) < 0
	})
	affected := false
	for _, e := range events {
		switch {
		case !affected && e.introduced:
			affected = e.version == "" || semver.Compare(v, e.version) >= 0
		case affected && !e.introduced:
			if semver.Compare(v, e.version) < 0 {
				return true, e.version
			}
			affected = false
		}
	}
	return affected, ""
}

// summary is a line that says what the entry is about: its summary, else
// the first sentence of its details, at most 200 characters.
func (e *OSVEntry) summary() string {
	s := strings.TrimSpace(e.Summary)
	if s == "" {
		s = strings.TrimSpace(e.Details)
		if i := strings.Index(s, "\n\n"); i >= 0 {
			s = s[:i]
		}
		if i := strings.Index(s, ". "); i >= 0 {
			s = s[:i+1]
		}
		s = strings.Join(strings.Fields(s), " ")
	}
	if r := []rune(s); len(r) > 200 {
		s = string(r[:199]) + "…"
	}
	return s
}
