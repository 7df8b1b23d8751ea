package actions

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"golang.org/x/mod/module"

	"modscope/cachescan"
)

// CheckPatterns says what is wrong with a pattern before anything is
// matched: an empty one, a version without a path, an empty version, or a
// glob path.Match cannot read.
func CheckPatterns(patterns []string) error {
	for _, p := range patterns {
		if exact, ok := strings.CutPrefix(p, "="); ok && exact != "" {
			continue // matched as written
		}
		pp, pv, hasV := strings.Cut(p, "@")
		switch {
		case strings.TrimSpace(p) == "":
			return errors.New("an empty pattern: name path@version, path, path/... or a glob like golang.org/x/*")
		case pp == "":
			return fmt.Errorf("bad pattern %q: a version needs its module path, like example.com/m%s", p, p)
		case hasV && pv == "":
			return fmt.Errorf("bad pattern %q: name the version after @, or drop the @ for every version", p)
		case strings.ContainsAny(pp, "*?["):
			if _, err := path.Match(pp, ""); err != nil {
				return fmt.Errorf("bad pattern %q: %v; globs are as in GOPRIVATE, like golang.org/x/*", p, err)
			}
		}
	}
	return nil
}

// Unmatched returns the patterns that select no cached module version: a
// typo must not pass for a verified or purged target.
func Unmatched(snap *cachescan.Snapshot, patterns []string) []string {
	var none []string
	for _, p := range patterns {
		one := []string{p}
		found := false
		for _, m := range snap.ModCache.Modules {
			for _, v := range m.Versions {
				if Match(one, m.Path, v.Version) {
					found = true
					break
				}
			}
			if found {
				break
			}
		}
		if !found {
			none = append(none, p)
		}
	}
	return none
}

// Match reports whether a module version is selected by the patterns:
// "path", "path/..." (the path and everything below it) or "path@version",
// with globs as in GOPRIVATE; "=path" and "=path@version" match exactly,
// for names taken from the cache, which are untrusted and may hold * or
// "...". No patterns select everything.
func Match(patterns []string, modPath, version string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if exact, ok := strings.CutPrefix(p, "="); ok {
			if exact == modPath || exact == modPath+"@"+version {
				return true
			}
			continue
		}
		pp, pv, hasV := strings.Cut(p, "@")
		if hasV && pv != version {
			continue
		}
		if prefix, ok := strings.CutSuffix(pp, "/..."); ok {
			if modPath == prefix || strings.HasPrefix(modPath, prefix+"/") {
				return true
			}
			continue
		}
		if strings.ContainsAny(pp, "*?[") {
			// Globs as in GOPRIVATE: they match a path prefix.
			if module.MatchPrefixPatterns(pp, modPath) {
				return true
			}
			continue
		}
		if pp == modPath {
			return true
		}
	}
	return false
}
