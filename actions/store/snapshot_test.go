package store_test

import (
	"context"
	"testing"

	"modscope/actions/store"
	"modscope/actions/store/storetest"
	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// storeSnapshot lists and scans the fixture store, as modscope --store does.
func storeSnapshot(t *testing.T) *cachescan.Snapshot {
	t.Helper()
	ctx := context.Background()
	url := storetest.ProxyStore(t, t.TempDir())
	s, err := store.Open(ctx, url, store.LayoutUnknown)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	inv, err := s.List(ctx, cachetest.Now())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := store.Scan(ctx, s, inv, store.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return store.Snapshot(rep, cachetest.Now())
}

func TestSnapshotOfAStore(t *testing.T) {
	snap := storeSnapshot(t)
	mc := snap.ModCache
	if len(mc.Modules) != 4 {
		t.Fatalf("%d modules, want 4: %+v", len(mc.Modules), mc.Modules)
	}
	if mc.Find("example.com/good") == nil {
		t.Fatal("Find does not find example.com/good: modules not sorted by path?")
	}
	var sum int64
	for _, m := range mc.Modules {
		var ms int64
		for _, v := range m.Versions {
			var vs int64
			for _, f := range v.Files {
				vs += f.ApparentBytes
			}
			if v.Size.Bytes != vs || v.Size.ApparentBytes != vs || v.Size.Files != int64(len(v.Files)) {
				t.Errorf("%s@%s: size %+v, files add up to %d in %d", m.Path, v.Version, v.Size, vs, len(v.Files))
			}
			ms += vs
		}
		if m.List != nil {
			ms += m.List.ApparentBytes
		}
		if m.Size.Bytes != ms {
			t.Errorf("%s: size %d, want %d", m.Path, m.Size.Bytes, ms)
		}
		sum += ms
	}
	if mc.Size.Bytes != sum+mc.Other.Bytes || mc.Size.ApparentBytes != mc.Size.Bytes {
		t.Errorf("store size %+v, modules add up to %d (+%d other)", mc.Size, sum, mc.Other.Bytes)
	}
	for _, c := range []struct {
		mod, ver string
		state    cachescan.VersionState
		zip      bool
	}{
		{"example.com/good", "v1.1.0", cachescan.StateComplete, true},
		{"example.com/meta", "v0.1.0", cachescan.StateMetadata, false},
		{"example.com/broken", "v1.0.0", cachescan.StateDamaged, true},
	} {
		v := mc.FindVersion(c.mod, c.ver)
		if v == nil {
			t.Fatalf("%s@%s missing", c.mod, c.ver)
		}
		if v.State != c.state || v.HasZip != c.zip || !v.HasMod {
			t.Errorf("%s@%s: state %s zip %v mod %v, want %s zip %v", c.mod, c.ver, v.State, v.HasZip, v.HasMod, c.state, c.zip)
		}
	}
	if v := mc.FindVersion("example.com/good", "v1.0.0"); v.DownloadDir != "example.com/good/@v" || v.Files[0].Name != "v1.0.0.info" {
		t.Errorf("keys: dir %q, first file %q", v.DownloadDir, v.Files[0].Name)
	}
	if len(snap.Problems) != 1 {
		t.Fatalf("problems %+v, want the broken version's", snap.Problems)
	}
	pr := snap.Problems[0]
	if pr.Kind != cachescan.KindStoreMissingFile || pr.Severity != cachescan.SeverityError || pr.Module != "example.com/broken" || pr.Path != "example.com/broken/@v" || pr.Fix == "" {
		t.Errorf("problem %+v", pr)
	}
	if k := cachescan.LookupKind(pr.Kind); k == nil || k.Meaning == "" {
		t.Errorf("kind %s is not registered", pr.Kind)
	}
	if snap.BuildCache.Root != "" || snap.Project != nil {
		t.Error("a store's snapshot has a build cache or a project")
	}
	if mc.Root == "" || mc.Root[:7] != "file://" {
		t.Errorf("root %q, want the store's URL", mc.Root)
	}
}

func TestSnapshotKeepsUnknownDamage(t *testing.T) {
	inv := &store.Inventory{URL: "s3://b", Modules: []*store.Module{{Path: "m.com/x", Versions: []*store.Version{{Version: "v1.0.0"}}}}}
	rep := &store.ScanReport{Inventory: inv, Damage: []store.Damage{{Kind: "new-check", Module: "m.com/x", Version: "v1.0.0", Detail: "d", Fix: "f"}}}
	snap := store.Snapshot(rep, cachetest.Now())
	pr := snap.Problems[0]
	if pr.Kind != "store-new-check" || pr.Severity != cachescan.SeverityError || pr.Fix != "f" || pr.Path != "m.com/x" {
		t.Errorf("problem %+v", pr)
	}
	if v := snap.ModCache.FindVersion("m.com/x", "v1.0.0"); v.State != cachescan.StateDamaged {
		t.Errorf("state %s", v.State)
	}
}
