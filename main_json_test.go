package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"modscope/cachescan/cachetest"
)

// TestWriteJSONAsEncoder: writeJSON writes exactly what json.Encoder with
// a two-space indent writes (the JSON output's bytes do not change).
func TestWriteJSONAsEncoder(t *testing.T) {
	snap := cachetest.GoldenSnapshot(t)
	for _, v := range []any{
		snap, nil, []string{}, map[string]any{},
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
