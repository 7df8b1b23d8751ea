package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"modscope/cachescan"
)

// Retractions and deprecations live in the go.mod of a module's latest
// version (golang/go #24031, #40357): the go command reads that file, and
// so does the audit, from the cache or, with the network, through GOPROXY.

// Caps on what the audit reads of a go.mod and of a proxy's answers.
const (
	maxAuditGoMod     = 4 << 20
	maxAuditList      = 16 << 20
	maxAuditLatest    = 64 << 10
	proxyFetchJobs    = 8
	proxyFetchTimeout = 30 * time.Second
	maxAuditText      = 500
)

// latestMod is the go.mod a module's retractions and deprecation come from.
type latestMod struct {
	Version string
	// Source is "cache" (the .mod of the latest cached version) or
	// "proxy" (the latest version's go.mod, through GOPROXY).
	Source string
	File   *modfile.File
}

// latestVersion is the version the go command's @latest query (ignoring
// retractions) picks among versions: the highest release, else the
// highest pre-release or pseudo-version; "" when none is semantic.
func latestVersion(versions []string) string {
	best, bestPre := "", ""
	for _, v := range versions {
		if !semver.IsValid(v) {
			continue
		}
		if semver.Prerelease(v) == "" {
			if best == "" || semver.Compare(v, best) > 0 {
				best = v
			}
		} else if bestPre == "" || semver.Compare(v, bestPre) > 0 {
			bestPre = v
		}
	}
	if best != "" {
		return best
	}
	return bestPre
}

// cachedLatest is the latest version of m whose .mod is cached.
func cachedLatest(m *cachescan.Module) *cachescan.Version {
	var vs []string
	byVersion := map[string]*cachescan.Version{}
	for _, v := range m.Versions {
		if v.HasMod && v.State != cachescan.StateInvalid {
			vs = append(vs, v.Version)
			byVersion[v.Version] = v
		}
	}
	return byVersion[latestVersion(vs)]
}

// readCachedMod parses the cached .mod of v.
func readCachedMod(modPath string, v *cachescan.Version) (*modfile.File, error) {
	name := filepath.Join(v.DownloadDir, v.EscapedVersion+".mod")
	data, err := auditReadFile(name, maxAuditGoMod)
	if err != nil {
		return nil, err
	}
	return parseLatestMod(modPath, v.Version, data)
}

// parseLatestMod parses a dependency's go.mod as the go command does
// (lax: only module, go, require and retract count), and checks it is the
// module's own.
func parseLatestMod(modPath, version string, data []byte) (*modfile.File, error) {
	f, err := modfile.ParseLax(modPath+"@"+version+"/go.mod", data, nil)
	if err != nil {
		return nil, fmt.Errorf("%s@%s: go.mod does not parse: %s", modPath, version, auditLine(err.Error()))
	}
	if f.Module == nil || f.Module.Mod.Path != modPath {
		declared := ""
		if f.Module != nil {
			declared = f.Module.Mod.Path
		}
		return nil, fmt.Errorf("%s@%s: go.mod declares module %q: the go command ignores its retractions", modPath, version, declared)
	}
	return f, nil
}

// proxyClient asks GOPROXY for modules' latest go.mod.
type proxyClient struct {
	entries []proxyEntry
	private string // GONOPROXY patterns: never asked about
	client  *http.Client
	mu      sync.Mutex
	// down is why the proxies stopped being asked: after one fails to
	// answer, every other module's go.mod comes from the cache.
	down string
}

// proxyEntry is one GOPROXY entry; orAny: the next is tried after any
// error ("|"), not only after a not-found (",").
type proxyEntry struct {
	url   string
	orAny bool
}

// newProxyClient parses GOPROXY as the go command does. Entries the audit
// cannot use ("direct" needs version control) are left out; "off" ends
// the list.
func newProxyClient(env cachescan.Env, client *http.Client) *proxyClient {
	p := &proxyClient{private: env.GONOPROXY, client: client}
	if p.client == nil {
		p.client = http.DefaultClient
	}
	rest := env.GOPROXY
	for rest != "" {
		entry, orAny := rest, false
		if i := strings.IndexAny(rest, ",|"); i >= 0 {
			entry, orAny, rest = rest[:i], rest[i] == '|', rest[i+1:]
		} else {
			rest = ""
		}
		entry = strings.TrimSpace(entry)
		switch entry {
		case "":
			continue
		case "off":
			return p
		case "direct", "noproxy":
			continue
		}
		p.entries = append(p.entries, proxyEntry{strings.TrimSuffix(entry, "/"), orAny})
	}
	return p
}

// errNotFound is a proxy's 404 or 410: the next entry is asked.
var errNotFound = errors.New("not found")

// latest asks the proxies for a module's latest version and its go.mod.
// ok is false when no proxy could be asked (none usable, the module is
// private, or the proxies are down); err says why when one failed.
func (p *proxyClient) latest(ctx context.Context, modPath string) (version string, data []byte, ok bool, err error) {
	if len(p.entries) == 0 || (p.private != "" && module.MatchPrefixPatterns(p.private, modPath)) {
		return "", nil, false, nil
	}
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down != "" {
		return "", nil, false, nil
	}
	ep, err := module.EscapePath(modPath)
	if err != nil {
		return "", nil, false, nil
	}
	var last error
	for _, e := range p.entries {
		version, data, err = p.ask(ctx, e.url, ep)
		if err == nil {
			return version, data, true, nil
		}
		last = err
		if !errors.Is(err, errNotFound) && !e.orAny {
			break
		}
	}
	if !errors.Is(last, errNotFound) && ctx.Err() == nil {
		p.mu.Lock()
		if p.down == "" {
			p.down = cachescan.Printable(auditLine(last.Error()))
		}
		p.mu.Unlock()
	}
	return "", nil, false, last
}

// ask reads one proxy's list (or @latest) and the latest version's .mod.
func (p *proxyClient) ask(ctx context.Context, base, ep string) (string, []byte, error) {
	list, err := p.get(ctx, base, ep+"/@v/list", maxAuditList)
	if err != nil {
		return "", nil, err
	}
	version := latestVersion(strings.Fields(string(list)))
	if version == "" {
		data, err := p.get(ctx, base, ep+"/@latest", maxAuditLatest)
		if err != nil {
			return "", nil, err
		}
		var info struct{ Version string }
		if json.Unmarshal(data, &info) != nil || !semver.IsValid(info.Version) {
			return "", nil, fmt.Errorf("%s/%s/@latest: no version in the answer", base, ep)
		}
		version = info.Version
	}
	ev, err := module.EscapeVersion(version)
	if err != nil {
		return "", nil, err
	}
	mod, err := p.get(ctx, base, ep+"/@v/"+ev+".mod", maxAuditGoMod)
	if err != nil {
		return "", nil, err
	}
	return version, mod, nil
}

// get reads one file of a proxy: file:// directories as the go command
// reads them, else HTTP.
func (p *proxyClient) get(ctx context.Context, base, rel string, limit int64) ([]byte, error) {
	if dir, ok := strings.CutPrefix(base, "file://"); ok {
		u, err := url.Parse(base)
		if err == nil {
			dir = u.Path
		}
		data, err := auditReadFile(filepath.Join(filepath.FromSlash(dir), filepath.FromSlash(rel)), limit)
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s/%s: %w", base, rel, errNotFound)
		}
		return data, err
	}
	ctx, cancel := context.WithTimeout(ctx, proxyFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/"+rel, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "modscope")
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, fmt.Errorf("%s/%s: %s: %w", base, rel, resp.Status, errNotFound)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%s/%s: %s", base, rel, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s/%s: larger than %d bytes", base, rel, limit)
	}
	return data, nil
}

// auditText makes a text from a go.mod or the database fit to print and
// store: no control or format character, at most maxAuditText runes, on
// one line.
func auditText(s string) string {
	s = cachescan.Printable(strings.Join(strings.Fields(s), " "))
	if r := []rune(s); len(r) > maxAuditText {
		s = string(r[:maxAuditText-1]) + "…"
	}
	return s
}
