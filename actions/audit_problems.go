package actions

import (
	"strings"

	"modscope/cachescan"
)

// AuditProblems turns an audit's findings into problems of the kinds
// vulnerable, retracted and deprecated, for the TUI's findings layer and
// the text report. Each has the module path, the version (none for a
// deprecation that the project's build does not use), a one-line detail,
// Path the version's download directory (the module's for a deprecation),
// and a fix that is a command. Severities:
//   - vulnerable: error when the project builds with it (it compiles
//     known-vulnerable code: fix the project), warning when only in the
//     cache with its code (any build that selects it compiles it, offline:
//     purge it), info when only its .mod and .info are cached and the
//     build does not use it (no code to compile, nothing to purge);
//   - retracted: warning (the go command itself only warns of it), info
//     when only .mod and .info are cached and the build does not use it;
//   - deprecated: info (the module works; its author names a successor).
//
// snap is the snapshot the audit ran on; it gives the paths.
func AuditProblems(snap *cachescan.Snapshot, rep *AuditReport) []cachescan.Problem {
	if snap == nil || rep == nil {
		return nil
	}
	var out []cachescan.Problem
	for i := range rep.Findings {
		f := &rep.Findings[i]
		m := snap.ModCache.Find(f.Module)
		if m == nil {
			continue
		}
		p := cachescan.Problem{Module: f.Module, Version: f.Version, Detail: auditDetail(f)}
		if f.Kind == AuditDeprecated {
			p.Kind, p.Severity = cachescan.KindDeprecated, cachescan.SeverityInfo
			p.Path = moduleDownloadDir(m)
			if f.InBuild {
				p.Version = f.BuildVersion
				if v := snap.ModCache.FindVersion(f.Module, f.BuildVersion); v != nil && v.DownloadDir != "" {
					p.Path = v.DownloadDir
				}
			}
			p.Fix = "move to what the deprecation names, then go mod tidy (in the project)"
			out = append(out, p)
			continue
		}
		v := snap.ModCache.FindVersion(f.Module, f.Version)
		if v == nil {
			continue
		}
		p.Path = v.DownloadDir
		code := v.HasZip || v.HasDir || v.HasZipHash
		mv := "=" + f.Module + "@" + f.Version
		kind := []AuditKind{f.Kind}
		switch f.Kind {
		case AuditVulnerable:
			p.Kind = cachescan.KindVulnerable
		case AuditRetracted:
			p.Kind = cachescan.KindRetracted
		default:
			continue
		}
		switch {
		case f.InBuild && f.Module == toolchainPath:
			p.Severity = cachescan.SeverityError
			if f.Fixed != "" {
				p.Fix = "go get toolchain@" + cachescan.ShellQuote(f.Fixed) + " (in the project: the go command then switches to that release)"
			} else {
				p.Fix = "no Go release fixes it yet: watch " + f.URL
			}
		case f.InBuild:
			p.Severity = cachescan.SeverityError
			if f.Kind == AuditRetracted {
				p.Severity = cachescan.SeverityWarning
				p.Fix = "go get " + cachescan.ShellQuote(f.Module+"@latest") + " (in the project), then go mod tidy"
			} else if f.Fixed != "" {
				p.Fix = "go get " + cachescan.ShellQuote(f.Module+"@"+f.Fixed) + " (in the project), then go mod tidy"
			} else {
				p.Fix = "no version fixes it: move off the module (go get " + cachescan.ShellQuote(f.Module+"@none") + " drops it) or see " + f.URL
			}
		case !code:
			p.Severity = cachescan.SeverityInfo
			p.Fix = "nothing to remove: only its .mod and .info are cached, which a purge keeps and no build compiles"
		case f.Module == toolchainPath:
			p.Severity = cachescan.SeverityWarning
			p.Fix = "modscope purge --toolchains " + cachescan.ShellQuote(mv)
		case f.Unused:
			p.Severity = cachescan.SeverityWarning
			p.Fix = rep.PurgeCommand(kind, mv)
		case rep.Project == "":
			p.Severity = cachescan.SeverityWarning
			p.Fix = "modscope purge " + cachescan.ShellQuote(mv) + " (no project was checked: make sure none needs it)"
		default:
			// Not in the build, but go.sum or a replace names its code.
			p.Severity = cachescan.SeverityWarning
			p.Fix = "go mod tidy (in the project: its go.sum names it), then " + rep.PurgeCommand(kind, mv)
		}
		out = append(out, p)
	}
	cachescan.SortProblems(out)
	return out
}

// auditDetail is a finding's one-line detail, printable.
func auditDetail(f *AuditFinding) string {
	where := "only in the cache"
	if f.InBuild {
		where = "in the project's build"
	}
	s := f.Reason()
	if f.Kind == AuditVulnerable {
		s = f.ID
		if len(f.Aliases) > 0 {
			s += " (" + strings.Join(f.Aliases, ", ") + ")"
		}
		if f.Summary != "" {
			s += ": " + f.Summary
		}
		if f.Fixed != "" {
			s += "; fixed in " + f.Fixed
		} else {
			s += "; no fixed version"
		}
	}
	if f.Kind == AuditDeprecated && f.InBuild {
		where = "the project builds with " + f.BuildVersion
	}
	return cachescan.Printable(strings.Join(strings.Fields(s+" ("+where+")"), " "))
}

// moduleDownloadDir is the module's cache/download/<path>/@v directory.
func moduleDownloadDir(m *cachescan.Module) string {
	for _, v := range m.Versions {
		if v.DownloadDir != "" {
			return v.DownloadDir
		}
	}
	return ""
}
