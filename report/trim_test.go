package report

import (
	"strings"
	"testing"
	"time"

	"modscope/actions"
	"modscope/cachescan"
)

// TestTrimSummary: the one line for a CI log says the plan's figures
// before the run and the measured ones after it, the cap missed, and the
// items that failed; names from the cache never reach it raw.
func TestTrimSummary(t *testing.T) {
	since := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	tp := &actions.TrimPlan{
		Purge: &actions.PurgePlan{Items: []*actions.PurgeItem{
			{Kind: actions.ItemBuild, Label: "build-cache entries", Paths: []string{"a", "b", "c"}},
			{Kind: actions.ItemVersion, Label: "example.com/x\u202e@v1.0.0", Paths: []string{"d"}},
		}},
		MaxSize: 2 << 30, UsedSince: &since, Before: 7 << 30, After: 3 << 30, Missed: 1 << 30,
		Build: actions.TrimSide{Removed: 3, RemovedBytes: 3 << 30, Kept: 812},
		Mod:   actions.TrimSide{Removed: 1, RemovedBytes: 1 << 30, Kept: 155},
	}
	plan := TrimSummary(tp, nil, false)
	want := "trim (plan): 7.0 GiB -> 3.0 GiB (cap 2.0 GiB): would remove 3 build entries (3.0 GiB) and 1 module version (1.0 GiB); kept 812 entries used since 2026-12-02T07:00:00Z and 155 versions the build needs; cap missed by 1.0 GiB"
	if plan != want {
		t.Errorf("plan:\n%s\nwant\n%s", plan, want)
	}
	results := []actions.PurgeResult{
		{Kind: actions.ItemBuild, Removed: true, Freed: cachescan.Size{Bytes: 2 << 30}},
		{Kind: actions.ItemVersion, Err: "permission denied", Freed: cachescan.Size{Bytes: 1 << 20}},
	}
	ran := TrimSummary(tp, results, true)
	want = "trim: 7.0 GiB -> 5.0 GiB (cap 2.0 GiB): removed 3 build entries (2.0 GiB) and 0 module versions (1.0 MiB); kept 812 entries used since 2026-12-02T07:00:00Z and 155 versions the build needs; cap missed by 1.0 GiB; 1 item failed (see above)"
	if ran != want {
		t.Errorf("ran:\n%s\nwant\n%s", ran, want)
	}
	var b strings.Builder
	if err := WriteTrimPlan(&b, tp); err != nil || strings.ContainsRune(b.String(), '\u202e') || !strings.Contains(b.String(), "! the cap is missed by 1.0 GiB") {
		t.Errorf("plan text (%v):\n%s", err, b.String())
	}
}
