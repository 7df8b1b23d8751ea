package cachescan_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// lastStateFixture scans a cache with damage and keeps its last state.
func lastStateFixture(t *testing.T) (cachescan.Options, *cachescan.Snapshot) {
	t.Helper()
	c := cachetest.New(t)
	c.Healthy()
	c.Damage()
	opts := cachescan.Options{Clock: cachetest.Clock(), ModCache: c.ModCache, BuildCache: c.BuildCache, Workers: 4,
		Index: filepath.Join(t.TempDir(), "modscope", "scan-index")}
	snap, _ := indexScan(t, c, opts.Index, false)
	if err := cachescan.SaveLastState(opts, snap); err != nil {
		t.Fatal(err)
	}
	return opts, snap
}

func TestLastStateRoundTrip(t *testing.T) {
	opts, snap := lastStateFixture(t)
	got, err := cachescan.LoadLastState(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got.Clock == nil {
		t.Error("the last state does not measure from the options' clock")
	}
	if a, b := snapJSON(t, snap), snapJSON(t, got); a != b {
		t.Errorf("the last state differs from the scan it kept:\n%s\n---\n%s", a, b)
	}
	if len(got.Problems) == 0 || len(got.ModCache.Modules) == 0 {
		t.Error("the last state lost the modules or the problems")
	}
}

// TestLastStateIgnored: a corrupt, truncated, foreign or oversized last
// state is never returned.
func TestLastStateIgnored(t *testing.T) {
	opts, snap := lastStateFixture(t)
	path := cachescan.LastStatePath(opts.Index)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flip := append([]byte(nil), good...)
	flip[len(flip)/2] ^= 0x20
	for name, data := range map[string][]byte{
		"flipped byte": flip,
		"truncated":    good[:len(good)/2],
		"empty":        nil,
		"not one":      []byte("{\"env\":{}}\n\x00\x00\x00\x00"),
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if snap, err := cachescan.LoadLastState(opts); err == nil || snap != nil {
			t.Errorf("%s: the last state was trusted", name)
		}
	}
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	other := opts
	other.ModCache = filepath.Join(t.TempDir(), "elsewhere")
	if _, err := cachescan.LoadLastState(other); err == nil {
		t.Error("the last state of other roots was trusted")
	}
	other = opts
	other.ProjectDir = t.TempDir()
	if _, err := cachescan.LoadLastState(other); err == nil {
		t.Error("the last state of another project was trusted")
	}
	// Another user's, as root can make it: a file of the user's cache
	// directory that someone else wrote is not the user's last scan.
	if os.Geteuid() == 0 {
		if err := os.Chown(path, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, err := cachescan.LoadLastState(opts); err == nil {
			t.Error("another user's last state was read")
		}
		if err := os.Chown(path, 0, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := cachescan.LoadLastState(opts); err != nil {
			t.Errorf("control: the user's own last state is refused: %v", err)
		}
	}
	defer cachescan.SetMaxLastStateSize(int64(len(good) - 1))()
	if _, err := cachescan.LoadLastState(opts); err == nil {
		t.Error("a last state over the bound was read")
	}
	if err := cachescan.SaveLastState(opts, snap); err == nil {
		t.Error("a last state over the bound was written")
	}
	if left, _ := filepath.Glob(path + ".*.tmp"); len(left) != 0 {
		t.Errorf("a failed write left %v", left)
	}
	if _, err := cachescan.LoadLastState(cachescan.Options{}); err == nil {
		t.Error("a last state was read without an index path")
	}
}

// A temporary file a process left mid-write is removed by the next save;
// one being written now is not.
func TestLastStateLeftoversRemoved(t *testing.T) {
	opts, snap := lastStateFixture(t)
	path := cachescan.LastStatePath(opts.Index)
	old, now := path+".123.tmp", path+".456.tmp"
	for _, p := range []string{old, now} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	if err := cachescan.SaveLastState(opts, snap); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(old); err == nil {
		t.Error("an old leftover stayed")
	}
	if _, err := os.Lstat(now); err != nil {
		t.Error("a temporary file being written was removed")
	}
}
