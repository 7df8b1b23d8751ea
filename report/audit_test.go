package report

import (
	"strings"
	"testing"
	"time"

	"modscope/actions"
)

// TestWriteAuditSaysWhatItKnows: the text report gives each finding's
// facts, says "no fixed version" and "no rationale given" rather than
// leaving a gap, names GOPROXY as a go.mod's source, dates the copy from
// the clock it is given, and prints names from the cache through
// Printable.
func TestWriteAuditSaysWhatItKnows(t *testing.T) {
	now := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	fetched := now.Add(-3 * time.Hour)
	rep := &actions.AuditReport{
		Project: "/p", BuildList: "the requires of go.mod (1 module)",
		VulnDB: &actions.VulnDBStatus{URL: "https://db.example", Source: "cache", Modified: time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC),
			Fetched: &fetched, NetworkError: "dial tcp: refused", Missing: 2},
		Findings: []actions.AuditFinding{
			{Kind: actions.AuditVulnerable, Module: "example.com/e\x1b[2Jvil", Version: "v1.0.0", ID: "GO-2024-0009"},
			{Kind: actions.AuditRetracted, Module: "example.com/r", Version: "v1.0.0", From: "v1.1.0", Source: "proxy", InBuild: true},
		},
		Counts: map[actions.AuditKind]int{actions.AuditVulnerable: 1, actions.AuditRetracted: 1},
		GoMods: map[string]int{"cache": 1, "proxy": 1},
		Purge:  []string{},
		Notes:  []string{"a note"},
	}
	var b strings.Builder
	if err := WriteAudit(&b, rep, now); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Vulnerability database https://db.example\n  modified 2026-01-10 (5 days old), from the copy fetched 3 hours ago\n",
		"  the network failed (dial tcp: refused): this is the copy;",
		"Latest go.mod files: 1 from the cache, 1 from GOPROXY\n",
		"  example.com/e?[2Jvil@v1.0.0  only in the cache\n    GO-2024-0009\n    no fixed version; affected: every package\n",
		"    retracted by the go.mod of v1.1.0 (from GOPROXY): no rationale given\n",
		"Deprecated modules: none\n",
		"  - 2 database entries could not be read, so the findings may lack them\n  - a note\n",
		"1 finding affects the project's build (exit 1)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("an escape reached the report:\n%q", out)
	}
}
