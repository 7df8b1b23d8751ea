package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzAppendIndent: for any JSON value, appendIndent of its compact form
// at a depth is json.Indent's output with that depth's prefix, and what
// jsonIndenter writes.
func FuzzAppendIndent(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `{"a":[]}`, `[1,2,{"b":{}}]`, `"a\"b\\"`, `{"k\"":"v,:{}[]"}`, `null`, `-1.5e3`, `[true,false,null]`,
		`{"a":{"b":{"c":[[],[{}],"x"]}}}`, `"é\u2028"`, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	} {
		f.Add([]byte(s), 0)
		f.Add([]byte(s), 3)
	}
	f.Fuzz(func(t *testing.T, data []byte, depth int) {
		if depth < 0 || depth > 80 || !json.Valid(data) {
			t.Skip()
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			t.Skip()
		}
		prefix := strings.Repeat("  ", depth)
		var want bytes.Buffer
		if err := json.Indent(&want, compact.Bytes(), prefix, "  "); err != nil {
			t.Fatal(err)
		}
		got := appendIndent(nil, compact.Bytes(), depth)
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("appendIndent(%q, %d) =\n%s\nwant\n%s", compact.Bytes(), depth, got, want.Bytes())
		}
		var streamed bytes.Buffer
		bw := bufio.NewWriter(&streamed)
		(&jsonIndenter{w: bw, depth: depth}).write(compact.Bytes())
		bw.Flush()
		if !bytes.Equal(streamed.Bytes(), got) {
			t.Fatalf("jsonIndenter at depth %d wrote\n%s\nappendIndent\n%s", depth, streamed.Bytes(), got)
		}
	})
}
