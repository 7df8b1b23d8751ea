package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"modscope/cachescan"
	"modscope/cachescan/cachetest"
)

// TestWriteJSONAsEncoder: writeJSON writes exactly what json.Encoder with
// a two-space indent writes (the JSON output's bytes do not change).
func TestWriteJSONAsEncoder(t *testing.T) {
	snap := cachetest.GoldenSnapshot(t)
	if len(snap.ModCache.Modules) < 2 {
		t.Fatalf("the golden snapshot has %d modules: the splice is not tested", len(snap.ModCache.Modules))
	}
	// A name that holds the key the module list is spliced in at, and a
	// snapshot whose list is empty, not missing.
	tricky := *snap
	tricky.ModCache.Modules = append([]*cachescan.Module{{Path: `x"modules":null{"modcache":{`}}, snap.ModCache.Modules...)
	tricky.Problems = append([]cachescan.Problem{{Module: `"modules":null`, Detail: `"modcache":{"modules":null`}}, snap.Problems...)
	empty := *snap
	empty.ModCache.Modules = []*cachescan.Module{}
	// A list spread over many batches (cut every few versions), and a
	// list of one module.
	defer func(n int) { versionsPerBatch = n }(versionsPerBatch)
	versionsPerBatch = 4
	long := *snap
	long.ModCache.Modules = nil
	for i := 0; i < 20; i++ {
		long.ModCache.Modules = append(long.ModCache.Modules, snap.ModCache.Modules...)
	}
	long.ModCache.Modules = long.ModCache.Modules[1:]
	one := *snap
	one.ModCache.Modules = snap.ModCache.Modules[:1]
	for _, v := range []any{
		snap, &tricky, &empty, &long, &one, &verified{Snapshot: snap}, &verified{Snapshot: &long}, &verified{Snapshot: &tricky}, nil, []string{}, map[string]any{},
		map[string]any{"a": []int{}, "b": map[string]int{}, "c": "<&>\u2028", "d": [][]int{{}, {1, 2}}, "e": []any{map[string]any{}, "x"}},
		[]string{`a"b\`, `\"`, `\\`, "\x00\n\t\"", `{"not":[json]}`, "", `"`, `:`, "é\ufffd"},
		map[string]string{`k"ey`: `v,al`, `{`: `}`},
	} {
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if err := writeJSON(&got, v); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("writeJSON(%T) differs from json.Encoder's output:\n%s\nwant\n%s", v, got.Bytes(), want.Bytes())
		}
	}
}
