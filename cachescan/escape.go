package cachescan

import (
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/mod/module"
)

// unescapeVersion is module.UnescapeVersion, without its copy and its
// general checks for the common version that escapes to itself (ASCII,
// no '!', no upper case) and is a plain path element: a rescan unescapes
// every file name of every @v directory. FuzzUnescapeVersion holds it to
// module.UnescapeVersion.
func unescapeVersion(esc string) (string, error) {
	for i := 0; i < len(esc); i++ {
		if c := esc[i]; c >= 0x80 || c == '!' || 'A' <= c && c <= 'Z' {
			return module.UnescapeVersion(esc)
		}
	}
	if !plainElem(esc) {
		return module.UnescapeVersion(esc)
	}
	return esc, nil
}

// unescapedPaths remembers module.UnescapePath of the module paths of one
// scan: each is asked for once per version and file otherwise.
type unescapedPaths struct{ m sync.Map }

type unescaped struct {
	path string
	err  error
}

func (u *unescapedPaths) get(esc string) (string, error) {
	if v, ok := u.m.Load(esc); ok {
		r := v.(unescaped)
		return r.path, r.err
	}
	p, err := module.UnescapePath(esc)
	u.m.Store(esc, unescaped{p, err})
	return p, err
}

// joinClean is filepath.Join(dir, rel) for a clean dir and a slash-
// separated rel, without Join's Clean when rel is already clean (no empty,
// "." or ".." element): the assembly joins a path for every version.
func joinClean(dir, rel string) string {
	if dir == "" || dir == "." || dir[len(dir)-1] == filepath.Separator || !cleanRel(rel) {
		return filepath.Join(dir, filepath.FromSlash(rel))
	}
	return dir + string(filepath.Separator) + filepath.FromSlash(rel)
}

func cleanRel(rel string) bool {
	if rel == "" {
		return false
	}
	for len(rel) > 0 {
		i := strings.IndexByte(rel, '/')
		elem := rel
		if i >= 0 {
			elem, rel = rel[:i], rel[i+1:]
			if rel == "" {
				return false // a trailing slash
			}
		} else {
			rel = ""
		}
		if elem == "" || elem == "." || elem == ".." || strings.IndexByte(elem, filepath.Separator) >= 0 {
			return false
		}
	}
	return true
}
