package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// snapshotJSON is the snapshot as the CLI and a UI see it.
func snapshotJSON(t *testing.T, snap *cachescan.Snapshot) []byte {
	t.Helper()
	data, err := json.MarshalIndent(snap, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// unchanged fails t when the snapshot is no longer what before says.
func unchanged(t *testing.T, what string, snap *cachescan.Snapshot, before []byte) {
	t.Helper()
	if after := snapshotJSON(t, snap); !bytes.Equal(before, after) {
		t.Errorf("%s changed the snapshot it was given:\nbefore %s\nafter  %s", what, before, after)
	}
}

// TestVerifyAndOfflineLeaveTheSnapshotAlone: what verify and offline find
// is in their reports; the snapshot they are given stays as the scan left
// it, problems, versions and all, so that a UI holding it shows the scan
// and the findings side by side (and a rescan is the only thing that
// changes it).
func TestVerifyAndOfflineLeaveTheSnapshotAlone(t *testing.T) {
	c, proj, env := offlineFixture(t)
	// Damage the scan sees and damage only hashing sees, in the project's
	// own versions and elsewhere, and a damaged build output.
	c.Damage()
	lib := filepath.Join(c.ModCache, "example.com", "lib@v1.2.0")
	cachetest.Writable(lib, func() {
		os.WriteFile(filepath.Join(lib, "extra.go"), []byte("package lib\n"), 0o444)
	})
	old := cachetest.Written()
	o := c.AddBuildEntry("output", []byte("output bytes"), old)
	os.WriteFile(o.Path, []byte("OUTPUT BYTES"), 0o666)
	cachetest.Chtimes(t, o.Path, old)
	t.Setenv("GOSUMDB", "off")
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOENV", "off")
	scan := func() *cachescan.Snapshot {
		snap, err := cachescan.NewScanner().Scan(context.Background(), cachescan.Options{
			Clock: cachetest.Clock(), Env: cachescan.Env{GOSUMDB: "off"}, ModCache: c.ModCache, BuildCache: c.BuildCache,
			ProjectDir: proj, SkipZipCheck: true})
		if err != nil {
			t.Fatal(err)
		}
		return snap
	}
	snap := scan()
	before := snapshotJSON(t, snap)
	problems := len(snap.Problems)

	rep, err := NewVerifier().Verify(context.Background(), snap, VerifyOptions{Jobs: 2, CheckZips: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) == 0 {
		t.Fatal("verify found nothing: the test damages nothing only hashing finds")
	}
	unchanged(t, "Verify", snap, before)
	if _, err := NewVerifier().Verify(context.Background(), snap, VerifyOptions{Patterns: []string{"example.com/lib"}}); err != nil {
		t.Fatal(err)
	}
	unchanged(t, "Verify example.com/lib", snap, before)

	orep, err := Offline(context.Background(), snap)
	if err != nil {
		t.Fatal(err)
	}
	if orep.Ready {
		t.Fatalf("offline says ready with a damaged example.com/lib: %+v", orep)
	}
	unchanged(t, "Offline", snap, before)
	if _, err := Export(snap, orep, filepath.Join(t.TempDir(), "export")); err == nil {
		t.Error("export of a report that is not ready")
	}
	unchanged(t, "Export", snap, before)

	// A vendored build: offline compares vendor/ with the cache's copies.
	goRun(t, proj, env, "mod", "vendor")
	snap = scan()
	before = snapshotJSON(t, snap)
	orep, err = Offline(context.Background(), snap)
	if err != nil {
		t.Fatal(err)
	}
	if orep.Mode != ModeVendor || orep.Vendor == nil {
		t.Fatalf("not a vendored build: %+v", orep)
	}
	unchanged(t, "Offline of a vendored build", snap, before)
	if len(snap.Problems) != problems {
		t.Errorf("the scan found %d problems before vendoring, %d after", problems, len(snap.Problems))
	}
}
