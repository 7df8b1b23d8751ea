package actions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"

	"modscope/cachescan"
)

// knownSumDBKeys are the verifier keys the go command has built in.
var knownSumDBKeys = map[string]string{
	"sum.golang.org": "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
}

// sumDBTimeout bounds each request to the checksum database or a proxy.
var sumDBTimeout = 30 * time.Second

// errOffline is what an offline client's remote reads return.
var errOffline = errors.New("offline: checksum database not consulted")

// sumDBConfig is GOSUMDB taken apart as the go command does.
type sumDBConfig struct {
	off  bool
	name string // e.g. sum.golang.org
	key  string // verifier key
	url  string // explicit server URL; empty means "through GOPROXY, else https://<name>"
}

// parseGOSUMDB reads GOSUMDB: "off", a known name, a verifier key, or
// "<key> <url>"; sum.golang.google.cn is an alias served from that URL.
func parseGOSUMDB(v string) (sumDBConfig, error) {
	v = strings.TrimSpace(v)
	if v == "off" {
		return sumDBConfig{off: true}, nil
	}
	if v == "" {
		v = "sum.golang.org"
	}
	if v == "sum.golang.google.cn" {
		v = "sum.golang.org https://sum.golang.google.cn"
	}
	f := strings.Fields(v)
	c := sumDBConfig{key: f[0]}
	if len(f) > 2 {
		return c, fmt.Errorf("invalid GOSUMDB: too many fields")
	}
	if len(f) == 2 {
		c.url = strings.TrimSuffix(f[1], "/")
	}
	if k, ok := knownSumDBKeys[c.key]; ok {
		c.key = k
	}
	name, _, ok := strings.Cut(c.key, "+")
	if !ok {
		return c, fmt.Errorf("invalid GOSUMDB: malformed verifier id (no key for %q)", c.key)
	}
	if name == "" || strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
		// The name is a directory under the caches.
		return c, fmt.Errorf("invalid GOSUMDB: bad database name %q", name)
	}
	c.name = name
	return c, nil
}

// sumDBChecker looks versions up in the checksum database, honouring
// GONOSUMDB (which defaults to GOPRIVATE) and GOSUMDB=off.
type sumDBChecker struct {
	cfg    sumDBConfig
	noSum  string
	client *sumdb.Client
	ops    *sumDBOps
	cfgErr error

	// down is set by the first failure to reach the database, so that an
	// outage costs one timeout, not one per module.
	mu   sync.Mutex
	down error
}

func newSumDBChecker(ctx context.Context, env cachescan.Env, modcache string, offline bool) *sumDBChecker {
	cfg, err := parseGOSUMDB(env.GOSUMDB)
	c := &sumDBChecker{cfg: cfg, cfgErr: err, noSum: env.GONOSUMDB}
	if c.noSum == "" {
		c.noSum = env.GOPRIVATE
	}
	if err == nil && !cfg.off {
		c.ops = newSumDBOps(ctx, cfg, env, modcache, offline)
		c.client = sumdb.NewClient(c.ops)
	}
	return c
}

// notCheckable says why a module is not looked up, or "".
func (c *sumDBChecker) notCheckable(path string) string {
	switch {
	case c.cfgErr != nil:
		return c.cfgErr.Error()
	case c.cfg.off:
		return "GOSUMDB=off"
	case c.noSum != "" && path != "golang.org/toolchain" && module.MatchPrefixPatterns(c.noSum, path):
		// The go command checks toolchains whatever GONOSUMDB says.
		return "matches GONOSUMDB/GOPRIVATE"
	}
	return ""
}

// lookup returns the database's hashes for a version's content and go.mod.
func (c *sumDBChecker) lookup(path, version string) (zip, gomod string, err error) {
	c.mu.Lock()
	down := c.down
	c.mu.Unlock()
	if down != nil {
		return "", "", down
	}
	defer func() {
		if err == nil {
			return
		}
		c.ops.mu.Lock()
		netErr := c.ops.netErr
		c.ops.mu.Unlock()
		if netErr == nil {
			if i := strings.Index(err.Error(), "initializing sumdb.Client"); i >= 0 {
				// The client could not start (a bad key, latest tree or
				// tiles): every lookup would fail the same way.
				netErr = errors.New(err.Error()[i:])
			}
		}
		if netErr != nil {
			err = netErr
			c.mu.Lock()
			if c.down == nil {
				c.down = netErr
			}
			c.mu.Unlock()
		}
	}()
	lines, err := c.client.Lookup(path, version)
	if err != nil {
		return "", "", err
	}
	for _, l := range lines {
		if f := strings.Fields(l); len(f) == 3 {
			zip = f[2]
		}
	}
	lines, err = c.client.Lookup(path, version+"/go.mod")
	if err != nil {
		return zip, "", err
	}
	for _, l := range lines {
		if f := strings.Fields(l); len(f) == 3 {
			gomod = f[2]
		}
	}
	return zip, gomod, nil
}

// isUnreachable tells a failure to reach the database (the network, a
// proxy, a timeout) from an answer about one module.
func isUnreachable(err error) bool {
	var ue *url.Error
	var se *statusError
	if errors.As(err, &ue) {
		return true
	}
	if errors.As(err, &se) {
		// A 4xx is an answer about this request (a module the proxy will
		// not look up, with its reason); 5xx, 408 and 429 say the service
		// is not answering.
		return se.code >= 500 || se.code == http.StatusRequestTimeout || se.code == http.StatusTooManyRequests
	}
	return false
}

// unreachableLine says in one line, without naming a module, why the
// database could not be reached.
func unreachableLine(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		host := ue.URL
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Scheme + "://" + u.Host
		}
		return fmt.Sprintf("%s %s: %v", ue.Op, host, ue.Err)
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.Error()
	}
	return err.Error()
}

// securityProblem is a checksum-database SECURITY ERROR, reported once,
// whole, with nothing to remove: it is evidence.
func securityProblem(cfg sumDBConfig, gopath string, msgs []string) cachescan.Problem {
	latest := filepath.Join(gopath, "pkg", "sumdb", cfg.name, "latest")
	return cachescan.Problem{Kind: cachescan.KindSumDBSecurity, Severity: cachescan.SeverityError, Path: latest,
		Detail: strings.Join(msgs, "\n"),
		Fix:    "do not repair automatically: keep " + cachescan.ShellQuote(latest) + " and the cached tiles as evidence, and report it (see go help module-auth)"}
}
