package actions

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"modscope/cachescan"
)

// Readiness is whether a needed module version can serve an offline build.
type Readiness string

// Offline-readiness states of a needed module version.
const (
	StateReady      Readiness = "ready"      // everything the build needs is in the cache (or vendor/) and verifies
	StateMissing    Readiness = "missing"    // not in the cache at all
	StateIncomplete Readiness = "incomplete" // only .info/.mod, and the build needs its packages
	StateDamaged    Readiness = "damaged"    // a scan or verify problem of severity error, or the go command fails on it
)

// BuildMode is how the go command would build the project.
type BuildMode string

// Offline modes.
const (
	ModeModule    BuildMode = "module"    // from the module cache
	ModeWorkspace BuildMode = "workspace" // go.work, from the module cache
	ModeVendor    BuildMode = "vendor"    // -mod=vendor: from vendor/, the module cache unread
)

// OfflineModule is one module version a build or test of the project needs.
type OfflineModule struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	// Packages: the build imports packages from it, so its zip or tree is
	// needed; otherwise only its .mod is, to load the module graph.
	Packages bool      `json:"packages"`
	State    Readiness `json:"state"`
	// Reason says in a line why the version is not ready.
	Reason string `json:"reason,omitempty"`
	// Vendored: the build takes it from vendor/.
	Vendored bool                `json:"vendored,omitempty"`
	Problems []cachescan.Problem `json:"problems"`
}

// OfflineError is one error the go command printed, offline, with what the
// knowledge base makes of it and the module version it names.
type OfflineError struct {
	Text         string        `json:"text"`
	Module       string        `json:"module,omitempty"`
	Version      string        `json:"version,omitempty"`
	Explanations []Explanation `json:"explanations,omitempty"`
}

// OfflineVendor is the vendor/ directory a -mod=vendor build uses.
type OfflineVendor struct {
	Dir string `json:"dir"`
	// Consistent: the go command accepts vendor/modules.txt for go.mod.
	Consistent bool `json:"consistent"`
	// Differs lists the vendored packages whose files are not those of
	// the module version's copy in the cache.
	Differs []VendorDiff `json:"differs"`
	// Uncompared lists the vendored module versions the cache has no
	// tree or zip of, so that their packages could not be compared.
	Uncompared []string `json:"uncompared,omitempty"`
}

// VendorDiff is one vendored package that differs from the module's copy.
type VendorDiff struct {
	Package string `json:"package"`
	Module  string `json:"module"`
	Version string `json:"version"`
	Detail  string `json:"detail"`
}

// OfflineReport answers "can this project build and test with the network
// gone?".
type OfflineReport struct {
	Ready   bool            `json:"ready"`
	Project string          `json:"project"`
	Mode    BuildMode       `json:"mode"`
	Modules []OfflineModule `json:"modules"`
	// Errors are what the go command said it could not load offline.
	Errors []OfflineError `json:"errors"`
	// Notes say where the answer had to work around the go command (a
	// version it stops on) or could not be complete.
	Notes  []string       `json:"notes,omitempty"`
	Vendor *OfflineVendor `json:"vendor,omitempty"`
	// Counts by state.
	Counts map[Readiness]int `json:"counts"`
}

// offline is one run of Offline.
type offline struct {
	snap *cachescan.Snapshot
	rep  *OfflineReport
	tmp  string
	// discover and check are the go command's environments (offlineEnv);
	// patch is the discovery copy (go.mod or go.work) that work-arounds
	// add replace directives to.
	discover, check []string
	patch           string
	// worked holds the versions worked around, by the directory their
	// replace points to.
	worked map[string]module.Version
	// blamed holds the go command's errors that name each version.
	blamed map[module.Version][]string
	// fatal is set when the go command could not be started at all.
	fatal error
	// seenErr holds the first lines of the errors recorded, each once.
	seenErr map[string]bool
	// patterns are what the build builds: ./..., or each module of a
	// workspace.
	patterns []string
}

// Offline works out exactly which module versions `go build ./...` and
// `go test ./...` need in the project, asking the go command with the
// network off (GOPROXY=off) and the project's go.mod and go.sum copied
// aside (-modfile), so that nothing of the user's is rewritten. Then it
// judges each version from the snapshot and a verify of those versions.
//
// It answers whatever the cache's state: where the go command stops on a
// version (a .mod that disagrees with go.sum or does not parse, a missing
// version), that version is charged with the go command's error and
// replaced, in the discovery copy only, by what the cache has of it, so
// that the rest of the build list is still known. With vendor/modules.txt
// and go 1.14 or later (and no -mod in GOFLAGS) the build is -mod=vendor,
// and the answer is vendor/'s. An error is returned only when modscope
// cannot run the check at all. The snapshot is only read.
func Offline(ctx context.Context, snap *cachescan.Snapshot) (*OfflineReport, error) {
	pr := snap.Project
	if pr == nil {
		return nil, errors.New("no go.mod or go.work here or above; run it in a module, or pass --project DIR")
	}
	if _, err := exec.LookPath("go"); err != nil {
		return nil, errors.New("the go command is not on PATH, and only it can say what the build needs; install Go or fix PATH")
	}
	tmp, err := os.MkdirTemp("", "modscope-offline-")
	if err != nil {
		return nil, fmt.Errorf("cannot make a temporary directory: %v; set TMPDIR to a writable directory", err)
	}
	defer os.RemoveAll(tmp)
	o := &offline{snap: snap, tmp: tmp, worked: map[string]module.Version{}, blamed: map[module.Version][]string{}, seenErr: map[string]bool{},
		rep: &OfflineReport{Project: pr.Dir, Mode: ModeModule, Modules: []OfflineModule{}, Errors: []OfflineError{}, Counts: map[Readiness]int{}}}
	o.patterns = []string{"./..."}
	switch {
	case pr.GoWork != "":
		o.rep.Mode = ModeWorkspace
		o.patterns = nil
		for _, m := range pr.Modules {
			o.patterns = append(o.patterns, filepath.Join(m.Dir, "..."))
		}
	case vendorMode(pr, snap.Env.GOFLAGS):
		o.rep.Mode = ModeVendor
	}
	if o.rep.Mode == ModeVendor {
		// The go command reads vendor/, never the cache (offline_vendor.go).
		err = o.vendor(ctx)
	} else {
		err = o.fromCache(ctx)
	}
	if err != nil {
		return nil, err
	}
	if o.fatal != nil {
		return nil, o.fatal
	}
	o.finish()
	return o.rep, nil
}

// fromCache answers for a build from the module cache, in four steps.
func (o *offline) fromCache(ctx context.Context) error {
	// 1. The go command's environments, the project's files copied aside
	// (offline_env.go).
	var err error
	o.discover, o.check, o.patch, err = offlineEnv(o.snap, o.tmp)
	var pfe projectFileError
	if errors.As(err, &pfe) {
		// The project's own go.mod or go.work does not parse: no build
		// runs, offline or not. That is the verdict.
		o.addErr(pfe.Error())
		o.rep.Notes = append(o.rep.Notes, "the project's go.mod or go.work does not parse, so no build runs and the versions it needs are not known; fix the file (go mod edit -fmt shows where)")
		return nil
	}
	if err != nil {
		return err
	}
	// 2. The versions the build needs (offline_buildlist.go), working
	// around those the go command stops on (offline_workaround.go); its
	// errors are findings (offline_errors.go).
	graph, err := o.buildList(ctx)
	if err != nil || o.fatal != nil {
		return err
	}
	// 3. The verdict of the user's own kind of build (offline_judge.go).
	if err := o.checkBuild(ctx); err != nil {
		return err
	}
	// 4. Each needed version judged against the cache and a verify of it.
	return o.judge(ctx, graph)
}

// vendorMode reports whether the go command builds the project with
// -mod=vendor: GOFLAGS says so, or it sets no -mod and the main module has
// vendor/modules.txt and says go 1.14 or later (modload's default).
func vendorMode(pr *cachescan.Project, goflags string) bool {
	for _, f := range strings.Fields(goflags) {
		if v, ok := strings.CutPrefix(strings.TrimLeft(f, "-"), "mod="); ok {
			return v == "vendor"
		}
	}
	if pr.GoWork != "" {
		return false
	}
	if fi, err := os.Lstat(filepath.Join(pr.Dir, "vendor", "modules.txt")); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	return pr.Go != "" && semver.Compare("v"+pr.Go, "v1.14") >= 0
}

// finish sorts the modules, counts them and says whether the project is
// ready.
func (o *offline) finish() {
	rep := o.rep
	sort.Slice(rep.Modules, func(i, j int) bool {
		a, b := rep.Modules[i], rep.Modules[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return semver.Compare(a.Version, b.Version) < 0
	})
	for _, m := range rep.Modules {
		rep.Counts[m.State]++
	}
	var notes []string
	for _, n := range rep.Notes {
		if !slices.Contains(notes, n) {
			notes = append(notes, n)
		}
	}
	rep.Notes = notes
	rep.Ready = len(rep.Errors) == 0 && rep.Counts[StateReady] == len(rep.Modules)
}
