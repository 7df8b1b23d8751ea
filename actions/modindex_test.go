package actions

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// indexFixture builds, with the real go command and offline (a file://
// proxy, GOFLAGS=-mod=mod), a project importing example.com/idx, whose
// package is split over a.go and b.go: the build writes the module index
// of the extracted tree into GOCACHE.
func indexFixture(t *testing.T) (c *cachetest.Cache, proj string, env []string, tree, goVer string) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	c = cachetest.New(t)
	root := t.TempDir()
	proxy := filepath.Join(root, "proxy")
	idx := cachetest.Mod("example.com/idx", "v1.0.0")
	delete(idx.Files, "lib.go")
	idx.Files["a.go"] = "package idx\n\nfunc A() string { return B() }\n"
	idx.Files["b.go"] = "package idx\n\nfunc B() string { return \"b\" }\n"
	idx.Files["sub/sub.go"] = "package sub\n\nconst S = 1\n"
	cachetest.WriteProxy(t, proxy, idx)
	proj = filepath.Join(root, "proj")
	os.MkdirAll(proj, 0o777)
	for name, content := range map[string]string{
		"go.mod":  "module example.com/proj\n\ngo 1.21\n\nrequire example.com/idx v1.0.0\n",
		"main.go": "package main\n\nimport (\n\t\"example.com/idx\"\n\t\"example.com/idx/sub\"\n)\n\nfunc main() { println(idx.A(), sub.S) }\n",
	} {
		if err := os.WriteFile(filepath.Join(proj, name), []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	env = []string{"GOPROXY=file://" + filepath.ToSlash(proxy), "GOSUMDB=off", "GOFLAGS=-mod=mod",
		"GOMODCACHE=" + c.ModCache, "GOCACHE=" + c.BuildCache, "GOPATH=" + filepath.Join(root, "gopath"),
		"GOTOOLCHAIN=local", "GOWORK=off", "GOENV=off", "HOME=" + root, "PATH=" + os.Getenv("PATH")}
	indexGo(t, proj, env, true, "mod", "tidy")
	indexGo(t, proj, env, true, "build", "./...")
	goVer = strings.TrimSpace(indexGo(t, proj, env, true, "env", "GOVERSION"))
	tree = cachetest.Paths(c.ModCache, idx).Dir
	return c, proj, env, tree, goVer
}

// indexGo runs the go command offline (GOPROXY=off after the fixture's
// downloads) and returns its output; ok says whether it must succeed.
func indexGo(t *testing.T, dir string, env []string, ok bool, args ...string) string {
	t.Helper()
	if err := cachetest.WarmEnv(env); err != nil {
		t.Fatalf("warming the build cache: %v", err)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = dir, env
	if args[0] == "build" {
		cmd.Env = append(append([]string(nil), env...), "GOPROXY=off")
	}
	out, err := cmd.CombinedOutput()
	if ok && err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if !ok && err == nil {
		t.Fatalf("go %s succeeded, want a failure:\n%s", strings.Join(args, " "), out)
	}
	return string(out)
}

func indexSnap(t *testing.T, c *cachetest.Cache, goVer string) *cachescan.Snapshot {
	t.Helper()
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Clock: cachetest.Clock(), Env: cachescan.Env{GOVERSION: goVer}, ModCache: c.ModCache, BuildCache: c.BuildCache})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestStaleIndexWithTheRealGoCommand: the index of an untouched tree is
// not reported; a file deleted from the tree makes the index stale (the
// go command's build fails on it) and the detector names that entry; once
// purge --stale-index removes it, the go command indexes the tree again;
// the file restored makes that index stale in the other direction (the
// build fails although the tree is whole again: experiment #10), and
// after the purge the offline build succeeds.
func TestStaleIndexWithTheRealGoCommand(t *testing.T) {
	t.Parallel()
	c, proj, env, tree, goVer := indexFixture(t)
	id := ModuleIndexID(goVer, tree)
	entry := filepath.Join(c.BuildCache, id[:2], id+"-a")
	if _, err := os.Stat(entry); err != nil {
		t.Fatalf("the go command wrote no module index where ModuleIndexID says: %v", err)
	}

	found := FindStaleIndex(indexSnap(t, c, goVer))
	if found.Checked != 1 || len(found.Stale) != 0 || len(found.Unknown) != 0 {
		t.Fatalf("untouched tree: %+v", found)
	}

	b := filepath.Join(tree, "b.go")
	cachetest.Writable(tree, func() {
		if err := os.Remove(b); err != nil {
			t.Fatal(err)
		}
	})
	out := indexGo(t, proj, env, false, "build", "./...")
	if !strings.Contains(out, "b.go: no such file or directory") {
		t.Fatalf("the go command did not fail on the stale index:\n%s", out)
	}
	found = FindStaleIndex(indexSnap(t, c, goVer))
	if len(found.Stale) != 1 || found.Stale[0].Entry != entry || !strings.Contains(found.Stale[0].Detail, "lists b.go") ||
		found.Stale[0].Module != "example.com/idx" {
		t.Fatalf("after deleting b.go: %+v", found)
	}
	purgeStale(t, c, goVer, entry)
	out = indexGo(t, proj, env, false, "build", "./...")
	if !strings.Contains(out, "undefined: B") {
		t.Fatalf("with the index gone, the go command should read the broken tree itself:\n%s", out)
	}

	// The tree whole again; the index the last build wrote lacks b.go.
	cachetest.Writable(tree, func() {
		if err := os.WriteFile(b, []byte("package idx\n\nfunc B() string { return \"b\" }\n"), 0o444); err != nil {
			t.Fatal(err)
		}
	})
	out = indexGo(t, proj, env, false, "build", "./...")
	if !strings.Contains(out, "undefined: B") {
		t.Fatalf("the go command should fail on the stale index of the broken tree:\n%s", out)
	}
	found = FindStaleIndex(indexSnap(t, c, goVer))
	if len(found.Stale) != 1 || !strings.Contains(found.Stale[0].Detail, "lacks b.go") {
		t.Fatalf("after restoring b.go: %+v", found)
	}
	purgeStale(t, c, goVer, entry)
	indexGo(t, proj, env, true, "build", "./...")
	if found := FindStaleIndex(indexSnap(t, c, goVer)); found.Checked != 1 || len(found.Stale) != 0 {
		t.Fatalf("after the last build: %+v", found)
	}
}

// purgeStale runs purge --stale-index's plan and checks that it removes
// exactly the entry.
func purgeStale(t *testing.T, c *cachetest.Cache, goVer, entry string) {
	t.Helper()
	plan, err := Plan(indexSnap(t, c, goVer), Targets{StaleIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Items) != 1 || len(plan.Items[0].Paths) != 1 || plan.Items[0].Paths[0] != entry {
		t.Fatalf("plan: %+v", plan.Items)
	}
	for _, r := range plan.Execute() {
		if !r.Removed {
			t.Fatalf("purge: %+v", r)
		}
	}
	if _, err := os.Lstat(entry); err == nil {
		t.Fatal("the stale entry is still there")
	}
}

// TestDecodeModuleIndexHostile: truncated or lying index bytes are an
// error (cannot tell), never a panic, and an index entry whose output is
// garbage is "unknown", not stale.
func TestDecodeModuleIndexHostile(t *testing.T) {
	good := encodeTestIndex(map[string][]string{"": {"a.go", "b.s"}, "sub": {"x.go"}})
	idx, err := decodeModuleIndex(good)
	if err != nil || len(idx) != 2 || strings.Join(idx[""], ",") != "a.go,b.s" || strings.Join(idx["sub"], ",") != "x.go" {
		t.Fatalf("decode = %v, %v", idx, err)
	}
	for i := 0; i < len(good); i++ {
		if _, err := decodeModuleIndex(good[:i]); err == nil {
			t.Fatalf("truncated to %d bytes: no error", i)
		}
	}
	// Every uint32 of the body set to a huge or wrong value.
	for off := len(indexMagic); off+4 <= len(good)-8; off += 4 {
		for _, v := range []uint32{0x7fffffff, 0xffffffff, uint32(len(good)), 1} {
			bad := append([]byte(nil), good...)
			binary.LittleEndian.PutUint32(bad[off:], v)
			decodeModuleIndex(bad) // must not panic
		}
	}

	c := cachetest.New(t)
	e := c.Add(cachetest.Mod("example.com/g", "v1.0.0"))
	goVer := "go1.26.8"
	putEntry(t, c.BuildCache, ModuleIndexID(goVer, e.Dir), []byte("go index v2\ngarbage"))
	found := FindStaleIndex(indexSnap(t, c, goVer))
	if found.Checked != 1 || len(found.Stale) != 0 || len(found.Unknown) != 1 || !strings.Contains(found.Unknown[0].Detail, "cannot decode") {
		t.Fatalf("garbage index: %+v", found)
	}
}

// putEntry writes an action entry with the given ID and its output.
func putEntry(t *testing.T, root, actionID string, content []byte) (action, output string) {
	t.Helper()
	sum := sha256.Sum256(content)
	oid := hex.EncodeToString(sum[:])
	action = filepath.Join(root, actionID[:2], actionID+"-a")
	output = filepath.Join(root, oid[:2], oid+"-d")
	for _, f := range []struct {
		path string
		data []byte
	}{{output, content}, {action, cachetest.ActionEntry(actionID, oid, int64(len(content)), cachetest.Written())}} {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f.path, f.data, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	return action, output
}

// encodeTestIndex writes a "go index v2" module index as modindex's
// encoder does (write.go), files with empty fields but their names.
func encodeTestIndex(pkgs map[string][]string) []byte {
	var b []byte
	strs := []byte{0}
	stroff := map[string]int{"": 0}
	str := func(s string) uint32 {
		if o, ok := stroff[s]; ok {
			return uint32(o)
		}
		o := len(strs)
		stroff[s] = o
		strs = binary.AppendUvarint(strs, uint64(len(s)))
		strs = append(strs, s...)
		return uint32(o)
	}
	u32 := func(v uint32) { b = binary.LittleEndian.AppendUint32(b, v) }
	var dirs []string
	for d := range pkgs {
		dirs = append(dirs, d)
	}
	if len(dirs) == 2 && dirs[0] > dirs[1] {
		dirs[0], dirs[1] = dirs[1], dirs[0]
	}
	b = append(b, indexMagic...)
	u32(0)
	u32(uint32(len(dirs)))
	pkgPos := len(b)
	for _, d := range dirs {
		u32(str(d))
		u32(0)
	}
	for i, d := range dirs {
		binary.LittleEndian.PutUint32(b[pkgPos+8*i+4:], uint32(len(b)))
		u32(0)
		u32(str(d))
		u32(uint32(len(pkgs[d])))
		offs := len(b)
		for range pkgs[d] {
			u32(0)
		}
		for j, name := range pkgs[d] {
			binary.LittleEndian.PutUint32(b[offs+4*j:], uint32(len(b)))
			u32(0)         // error
			u32(0)         // parse error
			u32(0)         // synopsis
			u32(str(name)) // name
			for k := 0; k < 9; k++ {
				u32(0) // pkgName ... the counts of the lists
			}
		}
	}
	binary.LittleEndian.PutUint32(b[len(indexMagic):], uint32(len(b)))
	b = append(b, strs...)
	return append(b, 0xFF)
}
