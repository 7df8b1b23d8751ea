package actions

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"modscope/cachescan"
)

// TestAuditPurgePolicy: the audit policy plans exactly the vulnerable
// versions no project uses, each with its reason, removing their code and
// leaving .mod and .info; the project's version, the fixed one and a
// clean module stay; an empty policy plans nothing even with patterns.
func TestAuditPurgePolicy(t *testing.T) {
	snap, dbDir := vulnFixture(t)
	rep, err := Audit(context.Background(), snap, AuditOptions{Offline: true, VulnDB: VulnDBOptions{URL: dbURL(dbDir)}})
	if err != nil {
		t.Fatal(err)
	}
	targets := rep.PurgeTargets()
	plan, err := Plan(snap, targets)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, it := range plan.Items {
		if it.Kind == ItemVersion && it.Refused == "" {
			reasons[it.Label] = it.Reason
			for _, p := range it.Paths {
				if strings.HasSuffix(p, ".mod") || strings.HasSuffix(p, ".info") {
					t.Errorf("%s: removes %s", it.Label, p)
				}
			}
			if len(it.Paths) == 0 {
				t.Errorf("%s: nothing removed", it.Label)
			}
		}
	}
	want := map[string]string{
		"example.com/other@" + otherOld:  "vulnerable: GO-2024-0002, fixed in v0.0.0-20230901000000-000000000000",
		"example.com/vuln@" + pseudoVuln: "vulnerable: GO-2024-0001 (CVE-2024-0001, GHSA-aaaa-bbbb-cccc), fixed in v1.2.0",
	}
	if !reflect.DeepEqual(reasons, want) {
		t.Errorf("planned:\n got %q\nwant %q", reasons, want)
	}
	// A version the project uses is never taken, even if named.
	targets.Audit[AuditKey{"example.com/vuln", "v1.0.0"}] = "vulnerable: forced"
	plan, _ = Plan(snap, targets)
	if got := planned(plan); len(got) != 2 {
		t.Errorf("the project's version planned: %q", got)
	}
	// Only retracted: none here; the empty policy with a pattern plans nothing.
	none := rep.PurgeTargets(AuditRetracted)
	none.Patterns = []string{"example.com/vuln"}
	plan, err = Plan(snap, none)
	if err != nil || len(plan.Items) != 0 {
		t.Errorf("empty policy: %v, %d items", err, len(plan.Items))
	}
	// Without a project the policy is refused, not guessed.
	noProj := *snap
	noProj.Project = nil
	if _, err := Plan(&noProj, rep.PurgeTargets()); err == nil || !strings.Contains(err.Error(), "needs a project") {
		t.Errorf("no project: %v", err)
	}
}

// TestAuditPurgeRetractedAndToolchains: retracted versions with code go
// with their rationale; one with only .mod and .info gives no item; a
// toolchain is never taken.
func TestAuditPurgeRetracted(t *testing.T) {
	c, proj := retractFixture(t)
	c.AddToolchain("go1.21.0", "linux", "amd64")
	snap := scanCache(t, c, cachescan.Env{GOPROXY: "off"}, proj)
	rep, err := Audit(context.Background(), snap, AuditOptions{Offline: true, VulnDB: VulnDBOptions{URL: emptyDB(t)}})
	if err != nil {
		t.Fatal(err)
	}
	targets := rep.PurgeTargets()
	targets.Audit[AuditKey{"golang.org/toolchain", "v0.0.1-go1.21.0.linux-amd64"}] = "vulnerable: x"
	plan, err := Plan(snap, targets)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range plan.Items {
		got = append(got, it.Label+" "+it.Reason)
	}
	if want := []string{"example.com/r@v1.0.0 retracted: Broken build."}; !reflect.DeepEqual(got, want) {
		t.Errorf("planned %q, want %q", got, want)
	}
	runAll(t, plan)
	v := snap.ModCache.FindVersion("example.com/r", "v1.0.0")
	base := filepath.Join(v.DownloadDir, v.EscapedVersion)
	if exists(v.Dir) || exists(base+".zip") || !exists(base+".mod") || !exists(base+".info") {
		t.Errorf("after the purge: tree %v zip %v mod %v info %v", exists(v.Dir), exists(base+".zip"), exists(base+".mod"), exists(base+".info"))
	}
}

// TestAuditProblems: findings become problems of the audit kinds, with
// the severity of where they are, the version's download directory as
// Path, and a fix that is a command; LookupKind knows the kinds, no purge
// --problems or repair acts on them, and Carry drops them (a rescan keeps
// only what verify found; the audit runs again).
func TestAuditProblems(t *testing.T) {
	snap, dbDir := vulnFixture(t)
	rep, err := Audit(context.Background(), snap, AuditOptions{Offline: true, VulnDB: VulnDBOptions{URL: dbURL(dbDir)}})
	if err != nil {
		t.Fatal(err)
	}
	ps := AuditProblems(snap, rep)
	got := map[string]cachescan.Problem{}
	for _, p := range ps {
		got[p.Kind+" "+p.Module+"@"+p.Version] = p
		if k := cachescan.LookupKind(p.Kind); k == nil || !k.Audit || k.Verify || p.Severity.Rank() < k.Severity.Rank() {
			t.Errorf("%s: kind %+v, severity %s", p.Kind, k, p.Severity)
		}
		if v := snap.ModCache.FindVersion(p.Module, p.Version); v == nil || p.Path != v.DownloadDir {
			t.Errorf("%s@%s: path %q", p.Module, p.Version, p.Path)
		}
		if p.Detail != cachescan.Printable(p.Detail) || strings.Contains(p.Detail, "\n") {
			t.Errorf("detail %q", p.Detail)
		}
	}
	in := got["vulnerable example.com/vuln@v1.0.0"]
	if in.Severity != cachescan.SeverityError || in.Fix != "go get example.com/vuln@v1.2.0 (in the project), then go mod tidy" ||
		in.Detail != "GO-2024-0001 (CVE-2024-0001, GHSA-aaaa-bbbb-cccc): Parser panics on ?[31mcrafted? input; fixed in v1.2.0 (in the project's build)" {
		t.Errorf("in the build: %+v", in)
	}
	cache := got["vulnerable example.com/vuln@"+pseudoVuln]
	if cache.Severity != cachescan.SeverityWarning || cache.Fix != "modscope purge --vulnerable --vulndb "+dbURL(dbDir)+" --offline =example.com/vuln@"+pseudoVuln {
		t.Errorf("only in the cache: %+v", cache)
	}
	if len(ps) != 3 {
		t.Errorf("%d problems: %+v", len(ps), ps)
	}
	// Not damage: --problems plans nothing for them, lists none as manual.
	plan, err := Plan(snap, Targets{Problems: true, Found: ps})
	if err != nil || len(plan.Items) != 0 || len(plan.Manual) != 0 {
		t.Errorf("--problems with audit problems: %v, %d items, %d manual", err, len(plan.Items), len(plan.Manual))
	}
	if rp := PlanRepair(snap, ps); len(rp.Manual) != 0 || len(rp.Downloads) != 0 || len(rp.Purge.Items) != 0 {
		t.Errorf("repair acts on audit problems: %+v", rp)
	}
	if kept := Carry(ps, snap, nil); len(kept) != 0 {
		t.Errorf("Carry kept %d audit problems", len(kept))
	}
	if !InVerifyScope(ps[0], nil) {
		t.Error("InVerifyScope")
	}

	// Retracted (warning, and info with only .mod/.info) and deprecated (info).
	c, proj := retractFixture(t)
	snap = scanCache(t, c, cachescan.Env{GOPROXY: "off"}, proj)
	rep, err = Audit(context.Background(), snap, AuditOptions{Offline: true, VulnDB: VulnDBOptions{URL: emptyDB(t)}})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, p := range AuditProblems(snap, rep) {
		lines = append(lines, string(p.Severity)+" "+p.Kind+" "+p.Module+"@"+p.Version+": "+p.Fix)
	}
	want := []string{
		"warning retracted example.com/r@v1.0.0: modscope purge --retracted --vulndb " + rep.VulnDB.URL + " --offline =example.com/r@v1.0.0",
		"warning retracted example.com/r@v1.0.1: go get example.com/r@latest (in the project), then go mod tidy",
		"info deprecated example.com/r@v1.0.1: move to what the deprecation names, then go mod tidy (in the project)",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("problems:\n got %q\nwant %q", lines, want)
	}
}
