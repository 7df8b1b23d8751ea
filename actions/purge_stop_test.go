package actions

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// Stopping a purge of the whole build cache (one item of many entries)
// stops between entries: what went is said, the rest is there.
func TestPurgeStopsWithinABuildCacheItem(t *testing.T) {
	c := cachetest.New(t)
	for i := 0; i < 20; i++ {
		c.AddBuildEntry(fmt.Sprintf("entry %d", i), []byte(fmt.Sprintf("output %d", i)), cachetest.Now())
	}
	snap := scanCache(t, c, cachescan.Env{}, "")
	before := snap.BuildCache.Entries
	plan, err := Plan(snap, Targets{BuildAll: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	entries := 0
	killAt = func(step string) bool {
		if step == "entry" {
			if entries++; entries == 3 {
				cancel() // esc in the TUI, ^C on the command line
			}
		}
		return false
	}
	defer func() { killAt = nil }()
	res := plan.Run(ctx, nil)
	var stopped *PurgeResult
	for i := range res {
		if res[i].Kind == ItemBuild {
			stopped = &res[i]
		}
	}
	if stopped == nil || stopped.Removed || !strings.Contains(stopped.Err, "stopped after 3 of") {
		t.Fatalf("the build-cache item after a stop: %+v; want it stopped after 3 entries", stopped)
	}
	after := scanCache(t, c, cachescan.Env{}, "")
	if gone := before - after.BuildCache.Entries; gone != 3 {
		t.Errorf("%d entries went after the stop at 3 (of %d)", gone, before)
	}
}
