package ui

import (
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// auditDoneMsg carries an audit of the cache (A).
type auditDoneMsg struct {
	rep *actions.AuditReport
	err error
}

// auditKey audits the cached versions as modscope audit --offline does:
// the vulnerability database's copy and the cached go.mod files, no
// network, so that A is as safe as browsing. Its findings join the
// findings layer as problems (vulnerable, retracted, deprecated): a
// marker on their rows and a group in the Problems view; modscope purge
// --vulnerable --retracted removes the unused ones.
func (m *Model) auditKey() tea.Cmd {
	if !m.ready() {
		return nil
	}
	if m.showingLast() {
		m.status = lastStateWhy
		return nil
	}
	if m.found.auditing {
		m.status = "an audit is already running"
		return nil
	}
	m.found.auditing = true
	m.status = "auditing the cache offline, against the vulnerability database's copy…"
	ctx, snap, url := m.ctx, m.c.snap, os.Getenv("GOVULNDB")
	return func() tea.Msg {
		rep, err := actions.Audit(ctx, snap, actions.AuditOptions{Offline: true,
			VulnDB: actions.VulnDBOptions{URL: url, Cache: actions.DefaultVulnDBCache(), Clock: snap.Clock}})
		return auditDoneMsg{rep, err}
	}
}

// audited puts an audit's findings in the layer, in place of an earlier
// audit's.
func (m *Model) audited(msg auditDoneMsg) {
	m.found.auditing = false
	if msg.err != nil {
		// The TUI takes the database from GOVULNDB, not --vulndb.
		m.status = "audit: " + strings.ReplaceAll(cachescan.Printable(msg.err.Error()), "pass --vulndb", "set GOVULNDB to")
		return
	}
	m.found.audit = actions.AuditProblems(m.c.snap, msg.rep)
	m.refreshProblems(false, false)
	m.status = cachescan.Printable(report.AuditVerdict(msg.rep)) + " · database " + cachescan.Printable(report.VulnDBAge(msg.rep.VulnDB, m.c.snap.Clock.Now()))
}

// keepAudit is what of an audit's findings still holds after a rescan:
// those of versions still in the cache (what a version is does not
// change; whether it is gone does).
func keepAudit(ps []cachescan.Problem, snap *cachescan.Snapshot) []cachescan.Problem {
	var out []cachescan.Problem
	for _, p := range ps {
		if m := snap.ModCache.Find(p.Module); m != nil && (p.Version == "" || snap.ModCache.FindVersion(p.Module, p.Version) != nil) {
			out = append(out, p)
		}
	}
	return out
}
