package actions

import (
	"regexp"
	"strings"

	"golang.org/x/mod/module"

	"modscope/assets"
)

// goFileLoc is the "<file>.go:<line>:<col>: " of an error about an
// import in that file.
var goFileLoc = regexp.MustCompile(`\.go:\d+:\d+: `)

// errorVersion is the module version an error of the go command is about.
// "<file>:<line>:<col>: err" is about an import in that file: the file's
// module is the importer, not what failed, so the version named after the
// last location is the one.
func errorVersion(text string) (module.Version, bool) {
	if loc := goFileLoc.FindAllStringIndex(text, -1); len(loc) > 0 {
		text = text[loc[len(loc)-1][1]:]
	}
	mv := assets.ModuleVersion(text)
	if mv == "" {
		return module.Version{}, false
	}
	p, v, _ := strings.Cut(mv, "@")
	return module.Version{Path: p, Version: v}, true
}

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
	if k, ok := errorVersion(line); ok {
		e.Module, e.Version = k.Path, k.Version
		// A toolchain the go command cannot switch to is no module of
		// the build: its error stands on its own.
		if e.Module != "golang.org/toolchain" {
			o.blamed[k] = append(o.blamed[k], line)
		}
	}
	o.rep.Errors = append(o.rep.Errors, e)
}

// addPackageErrs records the errors go list -e reports of a package: its
// own, and those of its dependencies.
func (o *offline) addPackageErrs(p *goListPackage) {
	if p.Error != nil {
		o.addErr(p.Error.Err)
	}
	for _, de := range p.DepsErrors {
		o.addErr(de.Err)
	}
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
