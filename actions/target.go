package actions

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"modscope/cachescan"
)

// checkTargetText is CheckTarget's check of a target's shape, before its
// path is checked: exactly one @ between a path and a version, and nothing
// a terminal or the go command would read differently from what was typed.
func checkTargetText(target string) error {
	path, vers, ok := strings.Cut(target, "@")
	switch {
	case !utf8.ValidString(target):
		return fmt.Errorf("%q: not valid UTF-8; type it as path@version, like example.com/m@v1.2.3", target)
	case strings.IndexFunc(target, unicode.IsSpace) >= 0:
		return fmt.Errorf("%q: has a space; name each as path@version, like example.com/m@v1.2.3, one per argument", target)
	case cachescan.Printable(target) != target:
		return fmt.Errorf("%q: has a control or format character; type it again as path@version", target)
	case !ok || vers == "":
		return fmt.Errorf("%q: name a version: path@version (or path@latest)", target)
	case path == "":
		return fmt.Errorf("%q: name the module path before the @, like example.com/m%s", target, target)
	case strings.Contains(vers, "@"):
		return fmt.Errorf("%q: one @ only: path@version, like %s@latest", target, path)
	}
	return nil
}
