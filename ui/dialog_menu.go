package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// inputKind is what a policy's value is.
type inputKind uint8

const (
	inputNone  inputKind = iota
	inputCount           // a number of versions
	inputAge             // a duration: 36h, 30d, 2w
)

// policy is one plan of the D menu.
type policy struct {
	label string // %s is the value
	input inputKind
	// in holds the value; its default is shown first and the first key
	// typed replaces it (fresh).
	in    textinput.Model
	fresh bool
	off   string // why it cannot be chosen now
	hint  string
	build bool // a build-cache plan: d in the Build cache view offers these
	job   func(value string) (*job, string)
}

// menuDialog is the D menu of purge policies.
type menuDialog struct {
	items  []*policy
	cursor int
	offset int
	msg    string
}

// newMenuDialog opens the policy menu; build keeps only the build-cache
// plans. problems are the problems known now, the scan's and verify's.
func newMenuDialog(c *common, problems []cachescan.Problem, build bool) *menuDialog {
	var items []*policy
	for _, it := range policies(c.snap, problems) {
		if !build || it.build {
			items = append(items, it)
		}
	}
	return &menuDialog{items: items}
}

// policies lists the purge plans by policy, each disabled (with why)
// when the caches give it nothing to do.
func policies(snap *cachescan.Snapshot, found []cachescan.Problem) []*policy {
	bc, mc := &snap.BuildCache, &snap.ModCache
	noBuild := ""
	if bc.Root == "" || !bc.Exists {
		noBuild = "there is no build cache"
	}
	var buildProblems, problems int
	for _, pr := range found {
		switch pr.Kind {
		case cachescan.KindOutputCorrupt, cachescan.KindOutputSizeMismatch, cachescan.KindActionInvalid, cachescan.KindOutputMissing:
			buildProblems++
		}
		problems++
	}
	toolchains := 0
	for _, mod := range mc.Modules {
		if mod.Toolchain {
			for _, v := range mod.Versions {
				if !v.Active {
					toolchains++
				}
			}
		}
	}
	or := func(cond bool, why, other string) string {
		if other != "" {
			return other
		}
		if cond {
			return why
		}
		return ""
	}
	simple := func(subject string, t actions.Targets, empty string) func(string) (*job, string) {
		return func(string) (*job, string) {
			return &job{kind: jobPurge, subject: subject, targets: t, empty: empty}, ""
		}
	}
	return []*policy{
		{label: "keep the latest %s versions of each module", input: inputCount, in: valueInput("2"), fresh: true,
			hint: "older versions go, pseudo-versions ordered by their time; .mod and .info stay (m in the plan removes them too)",
			job: func(v string) (*job, string) {
				n := 0
				if _, err := fmt.Sscanf(v, "%d", &n); err != nil || n < 1 {
					return nil, "type how many versions to keep: 1 or more"
				}
				return &job{kind: jobPurge, metaable: true, subject: "keep the latest " + report.Plural(int64(n), "version") + " of each module",
					targets: actions.Targets{KeepLatest: n}, empty: "nothing to purge: no module has more than " + report.Plural(int64(n), "version")}, ""
			}},
		{label: "versions the project does not use", off: or(snap.Project == nil, "needs a project: run modscope in a module, or pass --project DIR", ""),
			hint: "what the project's module graph does not need; versions whose go.mod only it reads keep .mod and .info",
			job:  simple("versions the project does not use", actions.Targets{Unused: true}, "nothing to purge: the project uses every cached version")},
		{label: "toolchains but the active one", off: or(toolchains == 0, "no toolchain but the active one is cached", ""),
			hint: "golang.org/toolchain versions the go command does not run now",
			job:  simple("toolchains but the active one", actions.Targets{Toolchains: true}, "nothing to purge: no other toolchain is cached")},
		{label: "build-cache entries unused for %s", input: inputAge, in: valueInput("7d"), fresh: true, build: true, off: noBuild,
			hint: "type an age: 36h, 7d, 2w (" + actions.FormatAge(actions.MinBuildAge) + " at least); the go command itself trims entries unused for 5 days",
			job: func(v string) (*job, string) {
				age, err := actions.ParseAge(v)
				if err != nil {
					return nil, "type an age like 36h, 7d or 2w"
				}
				if age < actions.MinBuildAge {
					return nil, actions.FormatAge(actions.MinBuildAge) + " at least: younger entries may belong to a build running now"
				}
				return &job{kind: jobPurge, subject: "build-cache entries unused for " + actions.FormatAge(age),
					targets: actions.Targets{BuildOlderThan: age}, empty: "nothing to purge: every entry was used within " + actions.FormatAge(age)}, ""
			}},
		{label: "damaged build-cache entries", build: true, off: or(buildProblems == 0, "none found; V verifies the build outputs' hashes", noBuild),
			hint: "the entries with a problem, and the action entries that point at them",
			job: func(string) (*job, string) {
				return &job{kind: jobPurge, subject: "damaged build-cache entries", targets: actions.Targets{BuildCorrupt: true, Found: append([]cachescan.Problem(nil), found...)},
					empty: "nothing to purge: no damaged entry is left"}, ""
			}},
		{label: "every build-cache entry (go clean -cache)", build: true, off: noBuild,
			hint: "the next builds compile everything again",
			job:  simple("every build-cache entry", actions.Targets{BuildAll: true}, "the build cache is empty")},
		{label: "cached test results (go clean -testcache)", build: true, off: noBuild,
			hint: "nothing is deleted: every test runs again",
			job:  simple("cached test results", actions.Targets{TestCache: true}, "")},
		{label: "fuzzing cache (go clean -fuzzcache)", build: true, off: or(bc.Fuzz.Files == 0, "the fuzzing cache is empty", noBuild),
			hint: "fuzz tests lose the inputs they generated; testdata/fuzz corpora stay",
			job:  simple("the fuzzing cache", actions.Targets{FuzzCache: true}, "the fuzzing cache is empty")},
		{label: "every vcs clone (cache/vcs)", off: or(len(mc.VCS.Clones) == 0, "there is no clone", ""),
			hint: "GOPROXY=direct downloads clone the repositories again",
			job:  simple("every vcs clone", actions.Targets{VCS: true}, "there is no clone")},
		{label: "checksum-database cache (cache/download/sumdb)", off: or(mc.SumDB.Files == 0, "it is empty", ""),
			hint: "the next go command that checks a new module fetches tiles again",
			job:  simple("the checksum-database cache", actions.Targets{SumDBCache: true}, "it is empty")},
		{label: "what fixes every problem found", off: or(problems == 0, "no problem found; V verifies every hash", ""),
			hint: "the purge part of a repair: what the go command rebuilds offline or fetches again when needed (R also downloads)",
			job: func(string) (*job, string) {
				return &job{kind: jobPurge, subject: "what fixes every problem found", targets: actions.Targets{Problems: true, Found: append([]cachescan.Problem(nil), found...)},
					empty: "no purge fixes these problems: R repairs them with downloads"}, ""
			}},
	}
}

func (d *menuDialog) scroll(delta int) {
	d.cursor = min(max(d.cursor+delta, 0), len(d.items)-1)
	d.msg = ""
}

func (*menuDialog) layer() layer { return layerBox }

func (d *menuDialog) update(c *common, msg tea.Msg) action {
	if delta, ok := wheelDelta(msg); ok {
		d.scroll(delta)
		return nil
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	it, dk := d.items[d.cursor], c.keys.Dialog
	switch {
	case matches(km, dk.Close):
		return closeTop{}
	case matches(km, c.keys.Up, c.keys.Down, c.keys.Top, c.keys.Bottom, c.keys.PageUp, c.keys.PageDown):
		delta, _ := navDelta(km, c.keys, len(d.items))
		d.scroll(delta)
		return nil
	case matches(km, dk.Plan):
		if it.off != "" {
			d.msg = it.off
			return nil
		}
		j, why := it.job(it.in.Value())
		if j == nil {
			d.msg = why
			return nil
		}
		return planJob{job: j}
	case matches(km, dk.Erase) && it.input != inputNone:
		it.fresh = false
		it.in, _ = it.in.Update(km)
		return nil
	case it.input != inputNone && len(km.Text) == 1 && accepts(it.input, km.Text[0]):
		if it.fresh {
			it.in.SetValue("")
			it.fresh = false
		}
		it.in, _ = it.in.Update(km)
		d.msg = ""
		return nil
	}
	return nil
}

// valueInput is a policy's value field: short, with the menu's own cursor
// (a blinking one would make every frame differ).
func valueInput(v string) textinput.Model {
	in := textinput.New()
	in.Prompt, in.CharLimit = "", 8
	in.SetVirtualCursor(false)
	in.SetValue(v)
	in.Focus()
	return in
}

// accepts says whether c can be typed into a value of kind k.
func accepts(k inputKind, c byte) bool {
	if c >= '0' && c <= '9' {
		return true
	}
	return k == inputAge && strings.IndexByte(".dwhms", c) >= 0
}

func (d *menuDialog) hints() []hint {
	h := []hint{{key: "enter", desc: "show the plan", shortDesc: "plan"}, {key: "esc", desc: "close"}, {key: "j/k", desc: "move", drop: 2}}
	if d.items[d.cursor].input != inputNone {
		h = append(h, hint{key: "0-9", desc: "change the value", shortDesc: "value", drop: 1})
	}
	return h
}

func (d *menuDialog) view(c *common, w, h int) string {
	st := c.styles
	iw := max(w-4, 1)
	head := []string{st.Dim.Render("Choose what goes; its plan is shown before anything is removed."), ""}
	var body []string
	for i, it := range d.items {
		label := it.label
		if it.input != inputNone {
			v := it.in.Value()
			if i == d.cursor {
				v = withCursor(it.in)
			}
			label = fmt.Sprintf(label, "["+v+"]")
		}
		if it.off != "" {
			label += " (unavailable)" // readable without colour too
		}
		line := "  " + label
		if i == d.cursor {
			line = "› " + label
		}
		switch {
		case i == d.cursor:
			line = st.Selected.Render(padRight(ansi.Truncate(line, iw, "…"), iw))
		case it.off != "":
			line = st.Dim.Render(line)
		}
		body = append(body, line)
	}
	cur := d.items[d.cursor]
	note := cur.hint
	style := st.Dim
	switch {
	case d.msg != "":
		note, style = d.msg, st.Severity[1]
	case cur.off != "":
		note, style = "unavailable: "+cur.off, st.Severity[1]
	}
	foot := []string{"", style.Render(note)}
	return drawDialog(st, "Purge by policy", w, h, head, body, foot, &d.offset, d.cursor, false)
}
