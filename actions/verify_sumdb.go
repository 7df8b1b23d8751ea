package actions

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"golang.org/x/mod/module"

	"modscope/cachescan"
)

// checkSumDB compares a version's hashes with the checksum database.
func checkSumDB(db *sumDBChecker, m *cachescan.Module, ver *cachescan.Version, res *result) {
	if why := db.notCheckable(m.Path); why != "" {
		res.notCheckable = append(res.notCheckable, Skipped{m.Path, ver.Version, ver.DownloadDir, why})
		return
	}
	have := ver.ZipHash
	if have == "" {
		have = res.hashes.Zip
	}
	if have == "" {
		// No zip and no ziphash: the tree itself is what the go command
		// uses, so the tree is what the database must vouch for.
		have = res.hashes.Dir
	}
	if have == "" && res.hashes.GoMod == "" {
		return // nothing of it to compare
	}
	zip, gomod, err := db.lookup(m.Path, ver.Version)
	if err != nil {
		res.sumErr = sumDBErrLine(err)
		return
	}
	res.sumChecked = true
	base := filepath.Join(ver.DownloadDir, ver.EscapedVersion)
	mv := m.Path + "@" + ver.Version
	q := cachescan.ShellQuote
	// Only when every part hashed agrees with the database: a ziphash is
	// just a text file, and a zip or tree that differs is the cache's fault.
	if have != "" && zip != "" && have == zip && (res.hashes.Zip == "" || res.hashes.Zip == zip) && (res.hashes.Dir == "" || res.hashes.Dir == zip) {
		// The database vouches for the cache: a go.sum that disagrees is
		// the wrong one, and removing the cached copy fixes nothing.
		for i := range res.problems {
			if pr := &res.problems[i]; pr.Kind == cachescan.KindGoSumMismatch && pr.Module == m.Path && pr.Version == ver.Version {
				pr.Kind = cachescan.KindGoSumWrong
				sf := res.sumFile
				pr.Detail = fmt.Sprintf("%s says %s; the cache and %s agree on %s: %s is wrong", sf, firstWord(pr.Detail, sf+" says "), db.cfg.name, zip, sf)
				pr.Fix = "leave the cache alone; in the project, restore the " + sf + " line (git checkout " + sf + "), or delete the lines of " +
					m.Path + " " + ver.Version + " from " + sf + " and run go mod download " + mv
			}
		}
	}
	if have != "" && zip != "" && have != zip {
		detail := sumDBMismatchDetail(db.cfg.name, zip, ver.ZipHash, res.hashes)
		res.problems = append(res.problems, cachescan.Problem{Kind: cachescan.KindSumDBMismatch, Severity: cachescan.SeverityError,
			Module: m.Path, Version: ver.Version, Path: base + ".ziphash", Detail: detail,
			Fix: fixRemove(ver, base, true) + "; " + cachescan.DownloadCmd(mv)})
	}
	if res.hashes.GoMod != "" && gomod != "" && res.hashes.GoMod != gomod {
		res.problems = append(res.problems, cachescan.Problem{Kind: cachescan.KindModModified, Severity: cachescan.SeverityError,
			Module: m.Path, Version: ver.Version, Path: base + ".mod",
			Detail: fmt.Sprintf("the .mod hashes to %s, %s says %s", res.hashes.GoMod, db.cfg.name, gomod),
			Fix:    "rm " + q(base+".mod") + "  (the go command fetches it again; needs the network)"})
	}
}

// hashedPart is a part of a cached version that has a hash of its own.
type hashedPart string

// The parts sumDBMismatchDetail compares with the database.
const (
	hashedZipHash hashedPart = "ziphash"
	hashedZip     hashedPart = "zip"
	hashedTree    hashedPart = "tree"
)

func (p hashedPart) String() string { return "the " + string(p) }

func joinParts(ps []hashedPart) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, " and ")
}

// sumDBMismatchDetail says what differs from the database's hash want:
// the ziphash (what builds check), and whether the zip and the extracted
// tree agree with the database (only the ziphash is wrong: local
// corruption) or not (the cached copy is not what the database vouches
// for). An empty hash is a part the cache does not have.
func sumDBMismatchDetail(db, want, ziphash string, h VersionHashes) string {
	var parts []string
	var agree, differ []hashedPart
	if ziphash != "" {
		if ziphash != want {
			differ = append(differ, hashedZipHash)
		}
		parts = append(parts, hashedZipHash.String()+" says "+ziphash)
	}
	for _, part := range []struct {
		part hashedPart
		hash string
	}{{hashedZip, h.Zip}, {hashedTree, h.Dir}} {
		switch {
		case part.hash == "":
			parts = append(parts, "no "+string(part.part)+" to compare")
		case part.hash == want:
			agree = append(agree, part.part)
			parts = append(parts, part.part.String()+" agrees with "+db)
		default:
			differ = append(differ, part.part)
			parts = append(parts, part.part.String()+" hashes to "+part.hash)
		}
	}
	detail := db + " says " + want + "; " + strings.Join(parts, ", ")
	switch {
	case len(agree) > 0 && len(differ) == 1 && differ[0] == hashedZipHash:
		detail += ": only the ziphash is wrong (local corruption)"
	case len(agree) == 0:
		detail += ": the cached copy is not what " + db + " vouches for (download it again to tell local damage from an upstream change)"
	default:
		verb := " agree, "
		if len(agree) == 1 {
			verb = " agrees, "
		}
		detail += ": " + joinParts(agree) + verb + joinParts(differ) + " not (local corruption)"
	}
	return detail
}

// sumDBErrLine makes a failure one clear line: an outage names no module,
// so that it is one line however many modules it stopped.
func sumDBErrLine(err error) string {
	if isUnreachable(err) {
		return "checksum database unreachable: " + firstLine(unreachableLine(err)) + "; check GOPROXY, GOSUMDB and the network (HTTPS_PROXY)"
	}
	if strings.HasPrefix(err.Error(), "initializing sumdb.Client") {
		return "checksum database: " + firstLine(err.Error()) + "; nothing was checked against it (a misbehaving server or proxy, a bad GOSUMDB key, or a corrupt $GOPATH/pkg/sumdb latest)"
	}
	line := "checksum database: " + firstLine(err.Error())
	// The server says why it refused (the client wraps the error as text).
	if _, resp, ok := strings.Cut(err.Error(), "\n\tserver response: "); ok {
		line += " (server response: " + firstLine(resp) + ")"
	}
	return line
}

// checkSumDBCache authenticates every cached lookup against the cached
// tiles, offline, as the go command would on its next lookup of it. A
// lookup the cached tiles cannot prove against latest (the newest tree the
// go command has seen, which moves with any lookup from any module cache,
// while tiles are cached only as lookups need them) cannot be checked
// offline: it is counted in unchecked, never a problem. One that fails is a
// corrupt cache (doc: "downloaded inconsistent tile"), which the go command
// never repairs by itself.
func checkSumDBCache(snap *cachescan.Snapshot) (out []cachescan.Problem, unchecked int) {
	cfg, err := parseGOSUMDB(snap.Env.GOSUMDB)
	if err != nil || cfg.off || snap.ModCache.Root == "" {
		return nil, 0
	}
	dbRoot := filepath.Join(snap.ModCache.Root, "cache", "download", "sumdb", cfg.name)
	lookups := filepath.Join(dbRoot, "lookup")
	var files []string
	filepath.WalkDir(lookups, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		return nil, 0
	}
	db := newSumDBChecker(context.Background(), snap.Env, snap.ModCache.Root, true)
	if db.client == nil {
		return nil, 0
	}
	for i, f := range files {
		rel, _ := filepath.Rel(lookups, f)
		rel = filepath.ToSlash(rel)
		at := strings.LastIndex(rel, "@")
		if at < 0 {
			continue
		}
		path, err1 := module.UnescapePath(rel[:at])
		vers, err2 := module.UnescapeVersion(rel[at+1:])
		if err1 != nil || err2 != nil {
			continue
		}
		db.ops.takeWanted()
		_, err := db.client.Lookup(path, vers)
		if len(db.ops.securityErrors()) > 0 {
			// A fork: evidence, not cache damage. Stop here.
			return []cachescan.Problem{securityProblem(db.cfg, db.ops.gopath, db.ops.securityErrors()[:1])}, 0
		}
		if err == nil {
			continue
		}
		msg := err.Error()
		// The client remembers a tile it could not read, so a later lookup
		// needing it fails without asking again: tell by the message too.
		needsNetwork := db.ops.takeWanted() || strings.Contains(msg, errOffline.Error())
		init := strings.Index(msg, "initializing sumdb.Client")
		if needsNetwork {
			if init >= 0 {
				// The client cannot start without tiles of latest the
				// cache lacks: no lookup can be checked offline.
				return out, unchecked + len(files) - i
			}
			unchecked++
			continue
		}
		if init >= 0 {
			// Not this lookup: every lookup would say so. Once, naming the
			// real culprit: the cached tiles, or the key or latest tree.
			p := cachescan.Problem{Kind: cachescan.KindSumDBCache, Severity: cachescan.SeverityWarning,
				Detail: "the checksum database client cannot start: " + firstLine(msg[init:])}
			if strings.Contains(msg, "tile") {
				p.Path = filepath.Join(dbRoot, "tile")
				p.Fix = "rm -rf " + cachescan.ShellQuote(p.Path) + "  (fetched and authenticated again)"
			} else {
				// latest is the go command's memory of the tree it has
				// seen (fork detection): never offered for deletion.
				p.Path = filepath.Join(db.ops.gopath, "pkg", "sumdb", db.cfg.name, "latest")
				p.Fix = "check GOSUMDB: the key must be the one that signed " + cachescan.ShellQuote(p.Path) +
					" (the go command fails the same way); that file is the go command's fork-detection memory: keep it (see go help module-auth)"
			}
			return []cachescan.Problem{p}, 0
		}
		out = append(out, cachescan.Problem{Kind: cachescan.KindSumDBCache, Severity: cachescan.SeverityWarning,
			Module: path, Version: vers, Path: f,
			Detail: "fails authentication: " + firstLine(strings.TrimPrefix(msg, path+"@"+vers+": ")),
			Fix:    "rm -rf " + cachescan.ShellQuote(filepath.Join(dbRoot, "tile")) + " " + cachescan.ShellQuote(f) + "  (fetched and authenticated again)"})
	}
	return out, unchecked
}

// sumDBCacheNote says in a line that n cached lookups could not be checked
// offline, and why that is no problem.
func sumDBCacheNote(snap *cachescan.Snapshot, n int) string {
	if n == 0 {
		return ""
	}
	latest := "$GOPATH/pkg/sumdb latest"
	if cfg, err := parseGOSUMDB(snap.Env.GOSUMDB); err == nil && !cfg.off {
		if list := filepath.SplitList(snap.Env.GOPATH); len(list) > 0 && list[0] != "" {
			latest = filepath.Join(list[0], "pkg", "sumdb", cfg.name, "latest")
		}
	}
	return pluralize(n, "cached checksum-database lookup") + " could not be checked offline: the cached tiles do not reach the newest tree the go command has seen (" +
		latest + "), which is normal; verify --sumdb checks the versions online"
}

// firstWord returns the word after the marker in s ("" without it).
func firstWord(s, marker string) string {
	_, after, ok := strings.Cut(s, marker)
	if !ok {
		return ""
	}
	w, _, _ := strings.Cut(after, " ")
	return strings.TrimRight(w, ";,")
}
