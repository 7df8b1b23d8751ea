package actions

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// sealFixture is a module cache of two versions with real zips and
// read-only trees, and a build cache with a file output, an executable
// (a -d directory) and two actions sharing one output.
type sealFixture struct {
	c          *cachetest.Cache
	a, b       *cachetest.Entry
	out, exe   cachetest.Output
	shared     [2]cachetest.Output
	skey, vkey string
}

func newSealFixture(t *testing.T) *sealFixture {
	t.Helper()
	f := &sealFixture{c: cachetest.New(t)}
	f.a = f.c.Add(cachetest.Mod("example.com/a", "v1.0.0"))
	mb := cachetest.Mod("example.com/b", "v1.2.0")
	mb.Files["sub/x.go"] = "package sub\n"
	f.b = f.c.Add(mb)
	old := cachetest.Written()
	f.out = f.c.AddBuildEntry("compile a", []byte("archive of example.com/a"), old)
	f.exe = f.c.AddExecutableEntry("link tool", "tool", []byte("\x7fELF tool"), old)
	f.shared[0] = f.c.AddBuildEntry("compile x", []byte("same output"), old)
	f.shared[1] = f.c.AddBuildEntry("compile y", []byte("same output"), old)
	var err error
	if f.skey, f.vkey, err = NewSealKey("ci-test"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *sealFixture) snap(t *testing.T) *cachescan.Snapshot {
	t.Helper()
	snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
		Clock: cachetest.Clock(), Env: cachescan.Env{GOVERSION: "go1.26.8"}, ModCache: f.c.ModCache, BuildCache: f.c.BuildCache})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// seal builds and signs a manifest of the fixture's caches.
func (f *sealFixture) seal(t *testing.T) []byte {
	t.Helper()
	m, skipped, err := (&Sealer{}).Build(context.Background(), f.snap(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 0 {
		t.Fatalf("skipped: %+v", skipped)
	}
	msg, name, err := Sign(m, f.skey)
	if err != nil || name != "ci-test" {
		t.Fatalf("Sign: %v %q", err, name)
	}
	return msg
}

// check opens a seal with the fixture's verifier and checks the caches.
func (f *sealFixture) check(t *testing.T, msg []byte, rehash bool) *SealCheck {
	t.Helper()
	m, signer, err := OpenSeal(bytes.NewReader(msg), f.vkey)
	if err != nil || signer != "ci-test" {
		t.Fatalf("OpenSeal: %v %q", err, signer)
	}
	res, err := (&Sealer{}).Check(context.Background(), f.snap(t), m, CheckOptions{Rehash: rehash})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// diffs renders a check's differences one per line, for assertions.
func diffs(c *SealCheck) string {
	var b strings.Builder
	for _, l := range []struct {
		label string
		ds    []SealDiff
	}{{"changed", c.Changed}, {"gone", c.Gone}, {"added", c.Added}} {
		for _, d := range l.ds {
			b.WriteString(l.label + " " + d.Kind + " " + d.Name + ": " + d.Detail + "\n")
		}
	}
	return b.String()
}

// The parts the fixture's seal vouches for or hashes: 5 per version, one
// per output.
const fixtureParts = 2*5 + 3

func TestSealThenCheckPasses(t *testing.T) {
	f := newSealFixture(t)
	msg := f.seal(t)
	text := string(msg)
	for _, want := range []string{
		"modscope seal v1\n",
		`v "example.com/a" "v1.0.0" zip=` + f.a.Sum + " zipsha=",
		"tree=" + f.a.Sum + " treeid=",
		"mod=" + f.a.GoModSum + " modid=",
		"a " + f.out.ActionID + " " + f.out.OutputID + " 24 ",
		"d " + f.out.OutputID + " 24 = ",
		"d " + f.exe.OutputID + ` 9 = `,
		` "tool"` + "\n",
		"\n\n— ci-test ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the seal lacks %q:\n%s", want, text)
		}
	}
	if strings.Count(text, "\nd "+f.shared[0].OutputID) != 1 {
		t.Errorf("a shared output is sealed once:\n%s", text)
	}
	res := f.check(t, msg, false)
	if !res.OK() || len(res.Added) != 0 || res.Versions != 2 || res.Actions != 4 || res.Outputs != 3 {
		t.Fatalf("check: %+v\n%s", res, diffs(res))
	}
	if runtime.GOOS == "linux" && (res.Vouched != fixtureParts || res.Rehashed != 0 || res.BytesHashed != 0) {
		t.Errorf("unchanged caches on Linux: every part vouched for by identity, nothing read; got %+v", res)
	}
	res = f.check(t, msg, true)
	if !res.OK() || res.Vouched != 0 || res.Rehashed != fixtureParts || res.BytesHashed == 0 {
		t.Errorf("--rehash: %+v\n%s", res, diffs(res))
	}
}

func TestSealCatchesAnEditedTreeFile(t *testing.T) {
	f := newSealFixture(t)
	msg := f.seal(t)
	lib := filepath.Join(f.a.Dir, "lib.go")
	cachetest.Writable(f.a.Dir, func() {
		if err := os.Chmod(lib, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(lib, []byte("package lib\n\nfunc Hello() string { return \"TAMPERED\" }\n"), 0o444); err != nil {
			t.Fatal(err)
		}
	})
	res := f.check(t, msg, false)
	if res.OK() || len(res.Changed) != 1 || res.Changed[0].Name != "example.com/a@v1.0.0" ||
		!strings.Contains(res.Changed[0].Detail, "the extracted tree hashes to") || !strings.Contains(res.Changed[0].Detail, "sealed "+f.a.Sum) {
		t.Fatalf("check:\n%s", diffs(res))
	}
}

func TestSealCatchesASwappedZip(t *testing.T) {
	f := newSealFixture(t)
	msg := f.seal(t)
	evil := cachetest.Mod("example.com/a", "v1.0.0")
	evil.Files["lib.go"] = "package lib\n\nfunc Hello() string { return \"evil\" }\n"
	data, err := cachetest.ZipBytes(evil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.a.Zip, data, 0o666); err != nil {
		t.Fatal(err)
	}
	res := f.check(t, msg, false)
	if len(res.Changed) != 1 || !strings.Contains(res.Changed[0].Detail, "the zip hashes to") || res.Changed[0].Path != f.a.Zip {
		t.Fatalf("check:\n%s", diffs(res))
	}
	// The same content in other bytes is said so.
	same := cachetest.Mod("example.com/a", "v1.0.0")
	data, _ = cachetest.ZipBytes(same)
	data = append(data, 0) // a zip's comment may not hold it, but trailing bytes are allowed by archive/zip
	os.WriteFile(f.a.Zip, data, 0o666)
	res = f.check(t, msg, false)
	if len(res.Changed) != 1 || !strings.Contains(res.Changed[0].Detail, "bytes changed, its content hashes as sealed") {
		t.Fatalf("check after re-zipping:\n%s", diffs(res))
	}
}

func TestSealCatchesARewrittenActionEntry(t *testing.T) {
	f := newSealFixture(t)
	msg := f.seal(t)
	// The action now names another output: what a poisoner does.
	evil := cachetest.ActionEntry(f.out.ActionID, f.exe.OutputID, 9, cachetest.Written())
	if err := os.WriteFile(f.out.Action, evil, 0o666); err != nil {
		t.Fatal(err)
	}
	res := f.check(t, msg, false)
	if len(res.Changed) != 1 || res.Changed[0].Kind != "action" || res.Changed[0].Name != f.out.ActionID ||
		!strings.Contains(res.Changed[0].Detail, "rewritten: it names output "+f.exe.OutputID[:12]) {
		t.Fatalf("check:\n%s", diffs(res))
	}
	// An output rewritten in place, same size, its times set back.
	f2 := newSealFixture(t)
	msg = f2.seal(t)
	fi, _ := os.Stat(f2.out.Path)
	os.WriteFile(f2.out.Path, []byte("ARCHIVE of example.com/a"), 0o666)
	os.Chtimes(f2.out.Path, fi.ModTime(), fi.ModTime())
	res = f2.check(t, msg, false)
	if len(res.Changed) != 1 || res.Changed[0].Kind != "output" || !strings.Contains(res.Changed[0].Detail, "its content hashes to") ||
		!strings.Contains(res.Changed[0].Detail, "1 sealed action names it ("+f2.out.ActionID[:12]) {
		t.Fatalf("check of a rewritten output:\n%s", diffs(res))
	}
}

func TestSealListsAdditionsAndNamesWhatIsGone(t *testing.T) {
	f := newSealFixture(t)
	msg := f.seal(t)
	f.c.Add(cachetest.Mod("example.com/c", "v0.1.0"))
	added := f.c.AddBuildEntry("compile c", []byte("archive of c"), cachetest.Written())
	res := f.check(t, msg, false)
	if !res.OK() || diffs(res) != "added version example.com/c@v0.1.0: not in the seal\nadded action "+added.ActionID+": not in the seal\n" {
		t.Fatalf("additions:\n%s", diffs(res))
	}
	// Gone: a version's tree, a whole version, an action, an output.
	cachetest.MakeWritable(f.b.Dir)
	os.RemoveAll(f.b.Dir)
	cachetest.MakeWritable(f.a.Dir)
	for _, p := range []string{f.a.Dir, f.a.Zip, f.a.ZipHash, f.a.Info, f.a.Mod} {
		os.RemoveAll(p)
	}
	os.Remove(f.shared[0].Action)
	os.RemoveAll(f.exe.Path)
	res = f.check(t, msg, false)
	want := "changed version example.com/b@v1.2.0: the extracted tree is gone\n" +
		"changed output " + f.exe.OutputID + ": sealed, no longer in the build cache; 1 sealed action names it (" + f.exe.ActionID[:12] + "…)\n" +
		"gone version example.com/a@v1.0.0: sealed, no longer in the module cache\n" +
		"gone action " + f.shared[0].ActionID + ": sealed, no longer in the build cache\n"
	got := diffs(res)
	got = got[:strings.Index(got, "added")]
	if res.OK() || got != want {
		t.Fatalf("gone:\n%s\nwant:\n%s", got, want)
	}
}

func TestSealRejectsBadSignatures(t *testing.T) {
	f := newSealFixture(t)
	msg := f.seal(t)
	open := func(msg []byte, vkey string) error {
		_, _, err := OpenSeal(bytes.NewReader(msg), vkey)
		return err
	}
	edited := bytes.Replace(msg, []byte(f.a.Sum), []byte(f.b.Sum), 1)
	if err := open(edited, f.vkey); !errors.Is(err, ErrSealInvalid) || !strings.Contains(err.Error(), "signature by ci-test does not verify") {
		t.Errorf("edited manifest: %v", err)
	}
	otherS, otherV, _ := NewSealKey("intruder")
	m, _, _ := (&Sealer{}).Build(context.Background(), f.snap(t), 0)
	byOther, _, err := Sign(m, otherS)
	if err != nil {
		t.Fatal(err)
	}
	if err := open(byOther, f.vkey); !errors.Is(err, ErrSealInvalid) || !strings.Contains(err.Error(), "signed by key intruder, not by ci-test") {
		t.Errorf("another key: %v", err)
	}
	if err := open(msg, otherV); !errors.Is(err, ErrSealInvalid) {
		t.Errorf("checked with another verifier: %v", err)
	}
	if err := open(msg, "not a key"); !errors.Is(err, ErrSealInvalid) || !strings.Contains(err.Error(), "no note verifier key") {
		t.Errorf("a bad verifier key: %v", err)
	}
	if err := open([]byte("modscope seal v1\n"), f.vkey); !errors.Is(err, ErrSealInvalid) {
		t.Errorf("unsigned: %v", err)
	}
	// Signed by the right key, but malformed: exit 2 too, one line.
	signer, _ := note.NewSigner(f.skey)
	for _, text := range []string{
		"modscope seal v2\n",
		"modscope seal v1\ncreated 2026-01-02T03:04:05Z\ngo \"go1.26.8\"\nmodcache \"/m\"\ngocache \"/g\"\nx y\n",
		"modscope seal v1\ncreated 2026-01-02T03:04:05Z\ngo \"go1.26.8\"\nmodcache \"/m\"\ngocache \"/g\"\na " + f.out.ActionID + " " + f.out.OutputID + " 1 2\n",
		"modscope seal v1\ncreated 2026-01-02T03:04:05Z\ngo \"go1.26.8\"\nmodcache \"/m\"\ngocache \"/g\"\nv \"a\" \"v1\" zip=h1:x\n",
		"modscope seal v1\ncreated 2026-01-02T03:04:05Z\ngo \"go1.26.8\"\nmodcache \"/m\"\ngocache \"/g\"\nd ../../etc 1 = -\n",
		"modscope seal v1\ncreated 2026-01-02T03:04:05Z\ngo \"go1.26.8\"\nmodcache \"/m\"\ngocache \"/g\"\nd " + f.out.OutputID + " -\nd " + f.out.OutputID + " -\n",
		"modscope seal v1\ncreated 2026-01-02T03:04:05Z\ngo \"go1.26.8\"\nmodcache \"/m\"\ngocache \"/g\"\nv \"" + strings.Repeat("x", 70<<10) + "\" \"v1\"\n",
	} {
		signed, err := note.Sign(&note.Note{Text: text}, signer)
		if err != nil {
			t.Fatal(err)
		}
		err = open(signed, f.vkey)
		if !errors.Is(err, ErrSealInvalid) || !strings.Contains(err.Error(), "malformed") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%.60q: %v", text, err)
		}
	}
	// A seal past the size cap is refused before it is parsed.
	defer func(n int64) { maxSealBytes = n }(maxSealBytes)
	maxSealBytes = int64(len(msg) - 1)
	if err := open(msg, f.vkey); !errors.Is(err, ErrSealInvalid) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("past the cap: %v", err)
	}
}

// TestSealIdentityShortcut: an edit that keeps the size and sets the
// mtime back (touch -d) still changes the ctime, so the check hashes the
// file again and catches it; --rehash catches it whatever the identity.
func TestSealIdentityShortcut(t *testing.T) {
	f := newSealFixture(t)
	msg := f.seal(t)
	lib := filepath.Join(f.a.Dir, "lib.go")
	fi, err := os.Stat(lib)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(lib)
	evil := bytes.Replace(old, []byte("hello from"), []byte("HELLO FROM"), 1)
	if len(evil) != len(old) || bytes.Equal(evil, old) {
		t.Fatal("the edit must keep the size")
	}
	cachetest.Writable(f.a.Dir, func() {
		os.Chmod(lib, 0o644)
		if err := os.WriteFile(lib, evil, 0o444); err != nil {
			t.Fatal(err)
		}
		os.Chmod(lib, fi.Mode())
	})
	// touch -d back: the file's and every directory's times as sealed.
	filepath.WalkDir(f.a.Dir, func(p string, d fs.DirEntry, err error) error {
		os.Chtimes(p, cachetest.Written(), cachetest.Written())
		return nil
	})
	if after, _ := os.Stat(lib); after.Size() != fi.Size() || !after.ModTime().Equal(fi.ModTime()) || after.Mode() != fi.Mode() {
		t.Fatalf("the edit should keep size, mtime and mode: %v %v", fi, after)
	}
	for _, rehash := range []bool{false, true} {
		res := f.check(t, msg, rehash)
		if len(res.Changed) != 1 || res.Changed[0].Name != "example.com/a@v1.0.0" || !strings.Contains(res.Changed[0].Detail, "extracted tree hashes to") {
			t.Fatalf("rehash=%v:\n%s", rehash, diffs(res))
		}
	}
}

// TestSealAfterARestore: the caches copied elsewhere as a restore does
// (content and mtimes kept, new inodes and ctimes) check as sealed, all of
// it hashed again: identity vouches for nothing there.
func TestSealAfterARestore(t *testing.T) {
	f := newSealFixture(t)
	msg := f.seal(t)
	for _, root := range []string{f.c.ModCache, f.c.BuildCache} {
		moved := root + ".orig"
		cachetest.MakeWritable(root)
		if err := os.Rename(root, moved); err != nil {
			t.Fatal(err)
		}
		if err := restoreCopy(moved, root); err != nil {
			t.Fatal(err)
		}
		cachetest.MakeWritable(moved)
		os.RemoveAll(moved)
	}
	res := f.check(t, msg, false)
	if !res.OK() || len(res.Added) != 0 || res.Vouched != 0 || res.Rehashed != fixtureParts {
		t.Fatalf("restored copy: %+v\n%s", res, diffs(res))
	}
}

// restoreCopy copies a tree as tar does: content, modes and mtimes.
func restoreCopy(from, to string) error {
	type dirTime struct {
		path string
		t    time.Time
		mode fs.FileMode
	}
	var dirs []dirTime
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, dirTime{dst, fi.ModTime(), fi.Mode().Perm()})
			return os.MkdirAll(dst, 0o777)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, fi.Mode().Perm()); err != nil {
			return err
		}
		return os.Chtimes(dst, fi.ModTime(), fi.ModTime())
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Chtimes(dirs[i].path, dirs[i].t, dirs[i].t)
		os.Chmod(dirs[i].path, dirs[i].mode)
	}
	return err
}

// TestSealARealBuild: the caches a real go build fills (a module from a
// file:// proxy, the standard library compiled into GOCACHE, the module
// index) seal and check as sealed; an action entry the build wrote,
// rewritten to name another of its outputs, is caught.
func TestSealARealBuild(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("compiles the standard library into an empty GOCACHE")
	}
	c, _, _, tree, goVer := indexFixture(t)
	skey, vkey, _ := NewSealKey("ci-test")
	snap := indexSnap(t, c, goVer)
	m, skipped, err := (&Sealer{}).Build(context.Background(), snap, 0)
	if err != nil || len(skipped) != 0 {
		t.Fatalf("Build: %v %+v", err, skipped)
	}
	if len(m.Versions) != 1 || m.Versions[0].Tree == nil || len(m.Actions) < 10 {
		t.Fatalf("the manifest of a real build: %d versions, %d actions", len(m.Versions), len(m.Actions))
	}
	msg, _, err := Sign(m, skey)
	if err != nil {
		t.Fatal(err)
	}
	open := func() *SealCheck {
		m, _, err := OpenSeal(bytes.NewReader(msg), vkey)
		if err != nil {
			t.Fatal(err)
		}
		res, err := (&Sealer{}).Check(context.Background(), indexSnap(t, c, goVer), m, CheckOptions{Rehash: true})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := open(); !res.OK() || len(res.Added) != 0 {
		t.Fatalf("check of an untouched real cache:\n%s", diffs(res))
	}
	// The module index entry of the tree is an action like any other.
	id := ModuleIndexID(goVer, tree)
	var index *SealedAction
	for i := range m.Actions {
		if m.Actions[i].ID == id {
			index = &m.Actions[i]
		}
	}
	if index == nil {
		t.Fatal("the module index entry is not in the seal")
	}
	victim, other := m.Actions[0], m.Actions[1]
	if victim.Output == other.Output {
		other = m.Actions[2]
	}
	path := entryFile(c.BuildCache, victim.ID, 'a')
	if err := os.WriteFile(path, cachetest.ActionEntry(victim.ID, other.Output, other.Size, time.Unix(0, victim.Time)), 0o666); err != nil {
		t.Fatal(err)
	}
	res := open()
	if len(res.Changed) != 1 || res.Changed[0].Name != victim.ID || !strings.Contains(res.Changed[0].Detail, "rewritten") {
		t.Fatalf("a rewritten action entry of a real build:\n%s", diffs(res))
	}
}
