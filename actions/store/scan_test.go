package store

import (
	"context"
	"crypto/rand"
	"slices"
	"strings"
	"testing"
	"time"
)

func damageKinds(d []Damage) map[string]string {
	out := map[string]string{}
	for _, x := range d {
		out[x.Module+"@"+x.Version] += x.Kind + " "
	}
	return out
}

// TestScanFindsEachDamage puts one version of each damage kind, with real
// zips, in a store of each layout.
func TestScanFindsEachDamage(t *testing.T) {
	for _, l := range []Layout{LayoutProxy, LayoutAthens} {
		t.Run(l.String(), func(t *testing.T) {
			root := t.TempDir()
			good := goodVersion(t, "example.com/good", "v1.0.0")
			noMod := fixVersion{path: "example.com/legacy", vers: "v1.0.0", info: `{"Version":"v1.0.0"}`,
				mod: "module example.com/legacy\n", zip: moduleZip(t, "example.com/legacy", "v1.0.0", map[string]string{"a.go": "package a\n"})}
			missing := goodVersion(t, "example.com/missing", "v1.0.0")
			missing.info = ""
			badZip := goodVersion(t, "example.com/badzip", "v1.0.0")
			badZip.zip = []byte("PK\x03\x04 not a zip")
			wrongPrefix := goodVersion(t, "example.com/prefix", "v1.0.0")
			wrongPrefix.zip = moduleZip(t, "example.com/other", "v1.0.0", map[string]string{"go.mod": wrongPrefix.mod})
			badMod := goodVersion(t, "example.com/badmod", "v1.0.0")
			badMod.mod = "module example.com/someoneelse\n"
			badInfo := goodVersion(t, "example.com/badinfo", "v1.0.0")
			badInfo.info = "{not json"
			differs := goodVersion(t, "example.com/differs", "v1.0.0")
			differs.mod = "module example.com/differs\n\ngo 1.22\n"
			bomb := goodVersion(t, "example.com/bomb", "v1.0.0")
			bomb.zip = bombZip(t, "example.com/bomb", "v1.0.0")
			putVersions(t, root, l, good, noMod, missing, badZip, wrongPrefix, badMod, badInfo, differs, bomb)

			s, inv := openListed(t, root)
			if inv.Layout != l {
				t.Fatalf("layout %v, want %v", inv.Layout, l)
			}
			rep, err := Scan(context.Background(), s, inv, ScanOptions{Workers: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.ReadErrors) > 0 {
				t.Fatalf("read errors %q", rep.ReadErrors)
			}
			got := damageKinds(rep.Damage)
			want := map[string]string{
				"example.com/missing@v1.0.0": DamageMissingFile + " ",
				"example.com/badzip@v1.0.0":  DamageZip + " ",
				"example.com/prefix@v1.0.0":  DamageZip + " ",
				"example.com/badmod@v1.0.0":  DamageMod + " ",
				"example.com/badinfo@v1.0.0": DamageInfo + " ",
				"example.com/differs@v1.0.0": DamageModDiffers + " ",
				"example.com/bomb@v1.0.0":    DamageZip + " ",
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: damage %q, want %q", k, got[k], v)
				}
			}
			for k := range got {
				if want[k] == "" {
					t.Errorf("%s: unexpected damage %q (%+v)", k, got[k], rep.Damage)
				}
			}
			for _, d := range rep.Damage {
				if d.Proven || d.Fix == "" || d.Detail == "" {
					t.Errorf("damage %+v: a scan proves nothing, and says what to do", d)
				}
			}
			if len(rep.Modules) != 9 || rep.Modules[0].Size < rep.Modules[8].Size {
				t.Errorf("module stats %+v", rep.Modules)
			}
			if want := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC); !rep.Newest.Equal(want) || !rep.Oldest.Equal(want) {
				t.Errorf("newest %v oldest %v", rep.Newest, rep.Oldest)
			}
		})
	}
}

// TestZipReadIsBounded: a large zip's central directory and go.mod are
// all Scan reads of it, in a few block reads.
func TestZipReadIsBounded(t *testing.T) {
	root := t.TempDir()
	v := goodVersion(t, "example.com/big", "v1.0.0")
	noise := make([]byte, 6<<20)
	rand.Read(noise)
	v.zip = moduleZip(t, v.path, v.vers, map[string]string{"go.mod": v.mod, "noise.bin": string(noise)})
	putVersions(t, root, LayoutProxy, v)
	s, inv := openListed(t, root)
	o := inv.Modules[0].Versions[0].File(FileZip)
	r := newRangeReaderAt(context.Background(), s.Bucket, o.Key, o.Size)
	gomod, p, err := zipGoMod(r, o.Size, v.path, v.vers)
	if err != nil || p != "" || string(gomod) != v.mod {
		t.Fatalf("zipGoMod: %q %q %v", gomod, p, err)
	}
	t.Logf("%d range reads of %d for a %d-byte zip", r.fetched, blockSize, o.Size)
	if r.fetched > 3 {
		t.Errorf("%d block reads of a %d-byte zip: more than its directory and go.mod", r.fetched, o.Size)
	}
}

// TestScanReportsUnreadableObjects: an object listed but gone when read
// is a read error, not damage.
func TestScanReportsUnreadableObjects(t *testing.T) {
	root := t.TempDir()
	putVersions(t, root, LayoutProxy, goodVersion(t, "example.com/gone", "v1.0.0"))
	s, inv := openListed(t, root)
	if err := s.Bucket.Delete(context.Background(), "example.com/gone/@v/v1.0.0.info"); err != nil {
		t.Fatal(err)
	}
	rep, err := Scan(context.Background(), s, inv, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Damage) != 0 || len(rep.ReadErrors) != 1 || !strings.Contains(rep.ReadErrors[0], "v1.0.0.info") {
		t.Errorf("damage %+v, read errors %q", rep.Damage, rep.ReadErrors)
	}
}

func TestStatsLargestFirst(t *testing.T) {
	inv := &Inventory{Modules: []*Module{{Path: "a", Size: 1}, {Path: "b", Size: 3}, {Path: "c", Size: 2}}}
	mods, _, _ := Stats(inv)
	var order []string
	for _, m := range mods {
		order = append(order, m.Path)
	}
	if !slices.Equal(order, []string{"b", "c", "a"}) {
		t.Errorf("order %v", order)
	}
}

// TestHugeMetadataIsNotRead: a .info or .mod past its bound is damage,
// judged from its listed size without reading it.
func TestHugeMetadataIsNotRead(t *testing.T) {
	root := t.TempDir()
	v := goodVersion(t, "example.com/huge", "v1.0.0")
	v.info = `{"Version":"v1.0.0","X":"` + strings.Repeat("x", maxInfoSize) + `"}`
	v.mod = v.mod + "// " + strings.Repeat("y", maxModSize) + "\n"
	putVersions(t, root, LayoutProxy, v)
	s, inv := openListed(t, root)
	rep, err := Scan(context.Background(), s, inv, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := damageKinds(rep.Damage)["example.com/huge@v1.0.0"]; got != DamageInfo+" "+DamageMod+" " {
		t.Errorf("damage %q (%+v)", got, rep.Damage)
	}
}
