package actions

import (
	"regexp"
	"strings"

	"golang.org/x/mod/module"

	"modscope/assets"
)

var goFileLoc = regexp.MustCompile(`\.go:\d+:\d+: `)

// addErr records an error of the go command (the first line of each,
// once), charged to the module version it names.
func (o *offline) addErr(text string) {
	text = strings.TrimSpace(text)
	line := firstLine(text)
	if line == "" || o.seenErr[line] || progressLine(line) || strings.Contains(text, o.tmp) {
		// (An error about a stand-in of modscope's own is no finding.)
		return
	}
	o.seenErr[line] = true
	e := OfflineError{Text: line, Explanations: Explain(text)}
	// "<file>:<line>:<col>: err" is about an import in that file: the
	// file's module is the importer, not what failed.
	about := line
	if loc := goFileLoc.FindAllStringIndex(about, -1); len(loc) > 0 {
		about = about[loc[len(loc)-1][1]:]
	}
	if mv := assets.ModuleVersion(about); mv != "" {
		e.Module, e.Version, _ = strings.Cut(mv, "@")
		// A toolchain the go command cannot switch to is no module of
		// the build: its error stands on its own.
		if e.Module != "golang.org/toolchain" {
			k := module.Version{Path: e.Module, Version: e.Version}
			o.blamed[k] = append(o.blamed[k], line)
		}
	}
	o.rep.Errors = append(o.rep.Errors, e)
}

// addStderr records each error of a go command's stderr: a line that is
// not indented starts one, the indented lines under it belong to it.
func (o *offline) addStderr(stderr string) {
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			o.addErr(strings.Join(cur, "\n"))
		}
		cur = nil
	}
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		switch {
		case l == "" || strings.HasPrefix(l, "\t") || strings.HasPrefix(l, " "):
			cur = append(cur, l)
		case len(cur) > 0 && !strings.Contains(l, ":") && !strings.HasPrefix(l, "go: "):
			// SECURITY ERROR paragraphs: prose under the error.
			cur = append(cur, l)
		default:
			flush()
			cur = []string{l}
		}
	}
	flush()
}

// inconsistent records the go command's "inconsistent vendoring" error as
// one error, with the lines that name a module version, each charged to it.
func (o *offline) inconsistent(stderr string) {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	var keep []string
	for i, l := range lines {
		if strings.Contains(l, "inconsistent vendoring") {
			keep = append(keep, l)
			for _, d := range lines[i+1:] {
				t := strings.TrimSpace(d)
				if mv := assets.ModuleVersion(t); mv != "" && (strings.HasPrefix(d, "\t") || strings.HasPrefix(d, " ")) {
					keep = append(keep, "\t"+t)
					p, v, _ := strings.Cut(mv, "@")
					k := module.Version{Path: p, Version: v}
					o.blamed[k] = append(o.blamed[k], t)
				}
			}
			break
		}
	}
	text := strings.Join(keep, "\n")
	o.seenErr[firstLine(text)] = true
	o.rep.Errors = append(o.rep.Errors, OfflineError{Text: text, Explanations: Explain(stderr)})
}
