package actions

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"testing"
	"time"
)

// BenchmarkOpenSeal500k opens and parses a signed manifest of 500,000
// action entries and as many outputs: the size and memory the README
// quotes.
func BenchmarkOpenSeal500k(b *testing.B) {
	m := &Manifest{Created: time.Unix(0, 0), GoVersion: "go1.26.8", ModCache: "/m", GoCache: "/g"}
	for i := 0; i < 500000; i++ {
		a := sha256.Sum256([]byte(fmt.Sprint("a", i)))
		o := sha256.Sum256([]byte(fmt.Sprint("o", i)))
		m.Actions = append(m.Actions, SealedAction{ID: hex.EncodeToString(a[:]), Output: hex.EncodeToString(o[:]), Size: 123456, Time: 1796197177036041210})
		m.Outputs = append(m.Outputs, SealedOutput{ID: hex.EncodeToString(o[:]), SHA: hex.EncodeToString(o[:]), Size: 123456, Ident: "SEA7R3PLUz78e2mcw8hPXcAc"})
	}
	sort.Slice(m.Actions, func(i, j int) bool { return m.Actions[i].ID < m.Actions[j].ID })
	sort.Slice(m.Outputs, func(i, j int) bool { return m.Outputs[i].ID < m.Outputs[j].ID })
	skey, vkey, _ := NewSealKey("bench")
	msg, _, err := Sign(m, skey)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, _, err := OpenSeal(bytes.NewReader(msg), vkey)
		if err != nil || len(got.Actions) != 500000 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(msg))/(1<<20), "MiB/seal")
}
