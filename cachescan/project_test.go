package cachescan_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o666); err != nil {
		t.Fatal(err)
	}
}

func TestProjectRequiresAndReplaces(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/cached", "v1.0.0"))
	c.AddMetadata(cachetest.Mod("example.com/graphonly", "v1.0.0"))
	c.Add(cachetest.Mod("example.com/fork", "v1.2.0"))
	root := t.TempDir()
	proj := filepath.Join(root, "proj")
	write(t, filepath.Join(root, "local", "go.mod"), "module example.com/local\n")
	write(t, filepath.Join(root, "nogomod", "x.go"), "package x\n")
	write(t, filepath.Join(proj, "go.mod"), `module example.com/proj

go 1.23.4

toolchain go1.24.1

require (
	example.com/cached v1.0.0
	example.com/graphonly v1.0.0 // indirect
	example.com/absent v0.1.0
	example.com/upstream v1.0.0
)

replace example.com/local => ../local
replace example.com/gone => ../gone
replace example.com/nogomod => ../nogomod
replace example.com/upstream v1.0.0 => example.com/fork v1.2.0
replace example.com/other => example.com/otherfork v0.3.0
`)
	sub := filepath.Join(proj, "internal", "deep")
	if err := os.MkdirAll(sub, 0o777); err != nil {
		t.Fatal(err)
	}
	if got := cachescan.FindProject(sub); got != proj {
		t.Fatalf("FindProject(%s) = %q, want %q", sub, got, proj)
	}
	snap := scan(t, c, proj)
	p := snap.Project
	if p.Module != "example.com/proj" || p.Go != "1.23.4" || p.Toolchain != "go1.24.1" || len(p.Errors) != 0 {
		t.Fatalf("project = %+v", p)
	}
	states := map[string]cachescan.Require{}
	for _, r := range p.Requires {
		states[r.Path] = r
	}
	check := func(path string, state cachescan.VersionState, inCache, complete, replaced bool) {
		t.Helper()
		r := states[path]
		if r.State != state || r.InCache != inCache || r.Complete != complete || r.Replaced != replaced {
			t.Errorf("require %s = %+v; want state %s inCache %v complete %v replaced %v", path, r, state, inCache, complete, replaced)
		}
	}
	check("example.com/cached", "complete", true, true, false)
	check("example.com/graphonly", "metadata", true, false, false)
	check("example.com/absent", "missing", false, false, false)
	check("example.com/upstream", "missing", false, false, true)
	if !states["example.com/graphonly"].Indirect {
		t.Error("indirect comment not seen")
	}

	reps := map[string]cachescan.Replace{}
	for _, r := range p.Replaces {
		reps[r.OldPath] = r
		if r.Source != filepath.Join(proj, "go.mod") {
			t.Errorf("replace %s source = %s", r.OldPath, r.Source)
		}
	}
	if r := reps["example.com/local"]; !r.Local || !r.TargetExists || !r.TargetHasGoMod || r.LocalDir != filepath.Join(root, "local") {
		t.Errorf("local replace = %+v", r)
	}
	if r := reps["example.com/gone"]; !r.Local || r.TargetExists {
		t.Errorf("missing local replace = %+v", r)
	}
	if r := reps["example.com/nogomod"]; !r.TargetExists || r.TargetHasGoMod {
		t.Errorf("local replace without go.mod = %+v", r)
	}
	if r := reps["example.com/upstream"]; r.Local || !r.TargetExists || r.TargetState != "complete" || r.OldVersion != "v1.0.0" || r.NewPath != "example.com/fork" {
		t.Errorf("module replace = %+v", r)
	}
	if r := reps["example.com/other"]; r.TargetExists || r.TargetState != "missing" {
		t.Errorf("module replace not in cache = %+v", r)
	}
}

func TestProjectWorkspace(t *testing.T) {
	c := cachetest.New(t)
	c.Add(cachetest.Mod("example.com/dep", "v1.0.0"))
	root := t.TempDir()
	write(t, filepath.Join(root, "go.work"), "go 1.24.0\n\nuse (\n\t./a\n\t./b\n)\n\nreplace example.com/dep => ./vendored/dep\n")
	write(t, filepath.Join(root, "a", "go.mod"), "module example.com/a\n\ngo 1.24.0\n\nrequire example.com/dep v1.0.0\n")
	write(t, filepath.Join(root, "b", "go.mod"), "module example.com/b\n\ngo 1.24.0\n\nreplace example.com/x => ../x\n")
	if got := cachescan.FindProject(filepath.Join(root, "a")); got != root {
		t.Fatalf("FindProject found %q: a go.work above a go.mod makes a workspace", got)
	}
	snap := scan(t, c, root)
	p := snap.Project
	if p.GoWork != filepath.Join(root, "go.work") || p.Go != "1.24.0" || len(p.Modules) != 2 || p.Module != "example.com/a" {
		t.Fatalf("workspace = %+v", p)
	}
	if len(p.Requires) != 1 || !p.Requires[0].Replaced || p.Requires[0].Module != "example.com/a" {
		t.Errorf("requires = %+v", p.Requires)
	}
	if len(p.Replaces) != 2 {
		t.Fatalf("replaces = %+v", p.Replaces)
	}
	for _, r := range p.Replaces {
		if r.TargetExists {
			t.Errorf("replace %s => %s: target does not exist", r.OldPath, r.LocalDir)
		}
	}
}

func TestProjectBadGoMod(t *testing.T) {
	c := cachetest.New(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), "module example.com/p\n\nrequire (\n\texample.com/a v1.0.0\n\tbogus line here\n)\n")
	snap := scan(t, c, dir)
	if len(snap.Project.Errors) == 0 {
		t.Errorf("a go.mod that does not parse gave no error: %+v", snap.Project)
	}
}

// TestForkPaths: a version whose go.mod declares another path is fine as a
// replace target and an error as a plain require.
func TestForkPaths(t *testing.T) {
	c := cachetest.New(t)
	fork := cachetest.Mod("example.com/fork", "v1.2.0")
	fork.Files["go.mod"] = "module example.com/original\n"
	c.Add(fork)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), "module example.com/p\n\nrequire example.com/original v1.0.0\n\nreplace example.com/original => example.com/fork v1.2.0\n")
	if snap := scan(t, c, dir); len(snap.Problems) != 0 {
		t.Errorf("fork as a replace target: %+v", snap.Problems)
	}
	if v := scan(t, c, dir).ModCache.FindVersion("example.com/fork", "v1.2.0"); v.DeclaredPath != "example.com/original" || v.State != "complete" {
		t.Errorf("fork version = %+v", v)
	}
	write(t, filepath.Join(dir, "go.mod"), "module example.com/p\n\nrequire example.com/fork v1.2.0\n")
	snap := scan(t, c, dir)
	if len(snap.Problems) != 1 || snap.Problems[0].Kind != cachescan.KindModInvalid || !strings.Contains(snap.Problems[0].Detail, "example.com/original") {
		t.Errorf("fork required under its own path: %+v", snap.Problems)
	}
}
