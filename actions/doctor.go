package actions

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/module"

	"modscope/cachescan"
)

// DoctorTimeout bounds each probe.
var DoctorTimeout = 5 * time.Second

// Finding is one thing doctor checked.
type Finding struct {
	// What was checked: "GOPROXY entry https://proxy.golang.org", ...
	Check string `json:"check"`
	OK    bool   `json:"ok"`
	// Detail is what was seen; for a failure, the error as the go command
	// would show it, so that the knowledge base can explain it.
	Detail string `json:"detail"`
	// Explanations are the knowledge base's, for a failure; none means
	// the failure is not in it.
	Explanations []Explanation `json:"explanations,omitempty"`
}

// Doctor checks the setup behind most go mod tidy failures: every GOPROXY
// entry and the checksum database are probed with a short timeout, and
// GOPRIVATE, GONOSUMDB and GONOPROXY are matched against the project's
// requires.
func Doctor(ctx context.Context, env cachescan.Env, project *cachescan.Project) []Finding {
	var out []Finding
	entries := splitProxy(env.GOPROXY)
	if len(entries) == 0 {
		out = append(out, Finding{Check: "GOPROXY", Detail: "GOPROXY list is not the empty string, but contains no entries"})
	}
	for _, e := range entries {
		out = append(out, probeProxy(ctx, e))
	}
	out = append(out, probeSumDB(ctx, env))
	out = append(out, privacy(env, project, entries)...)
	for i := range out {
		if !out[i].OK {
			out[i].Explanations = Explain(out[i].Detail)
		}
	}
	return out
}

// splitProxy lists GOPROXY's entries, separators dropped.
func splitProxy(v string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '|' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func probeProxy(ctx context.Context, entry string) Finding {
	f := Finding{Check: "GOPROXY entry " + entry}
	switch {
	case entry == "direct":
		f.OK, f.Detail = true, "fetch from version control directly (needs git and access to each repository)"
		return f
	case entry == "off":
		f.OK, f.Detail = true, "no fetching at all: only what the module cache holds builds"
		return f
	case strings.HasPrefix(entry, "file://"):
		dir := filepath.FromSlash(strings.TrimPrefix(entry, "file://"))
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			f.Detail = "reading " + entry + ": no such directory"
			return f
		}
		f.OK, f.Detail = true, "a directory in GOPROXY layout"
		return f
	case !strings.HasPrefix(entry, "https://") && !strings.HasPrefix(entry, "http://"):
		if strings.Contains(entry, "://") {
			f.Detail = "invalid proxy URL scheme (must be https, http, file): " + entry
			return f
		}
		entry = "https://" + entry
	}
	// A module every public proxy serves: its list answers 200.
	url := strings.TrimSuffix(entry, "/") + "/golang.org/x/mod/@v/list"
	status, err := get(ctx, url)
	switch {
	case err != nil:
		f.Detail = err.Error()
	case status == http.StatusOK:
		f.OK, f.Detail = true, "answers (200 for golang.org/x/mod's versions)"
	case status == http.StatusNotFound || status == http.StatusGone:
		// The probe asked for a module that exists: not found says
		// something about the proxy, not about a module path.
		f.Detail = fmt.Sprintf("reading %s: %d %s: the proxy does not serve golang.org/x/mod, which any proxy of public modules serves", url, status, http.StatusText(status))
	default:
		f.Detail = fmt.Sprintf("reading %s: %d %s", url, status, http.StatusText(status))
	}
	return f
}

func probeSumDB(ctx context.Context, env cachescan.Env) Finding {
	cfg, err := parseGOSUMDB(env.GOSUMDB)
	f := Finding{Check: "checksum database (GOSUMDB=" + env.GOSUMDB + ")"}
	switch {
	case err != nil:
		f.Detail = err.Error()
		return f
	case cfg.off:
		f.OK, f.Detail = true, "off: only go.sum checks downloads"
		return f
	}
	ops := newSumDBOps(ctx, cfg, env, "", false)
	ops.http.Timeout = DoctorTimeout
	ops.initBase()
	// "checksum database NAME unreachable" tells the knowledge base that
	// the error is the database's, not the proxy's for a module.
	if ops.baseErr != nil {
		// The go command asks the proxies in order and stops at the first
		// one that fails with a "," after it: that entry is what to mend.
		f.Detail = "checksum database " + cfg.name + " unreachable through GOPROXY: " + unreachableLine(ops.baseErr) +
			"\n\tthe go command reaches the database through the GOPROXY entries in order and stops at this failure: fix or remove that entry, or separate it with | so that failures fall through"
		return f
	}
	data, err := ops.get(ops.base + "/latest")
	if err != nil {
		f.Detail = "checksum database " + cfg.name + " unreachable: " + unreachableLine(err)
		return f
	}
	f.OK, f.Detail = true, fmt.Sprintf("%s answers through %s (signed tree, %d bytes)", cfg.name, ops.base, len(data))
	return f
}

func get(ctx context.Context, url string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, DoctorTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// privacy says which requires GOPRIVATE, GONOPROXY and GONOSUMDB cover:
// those are fetched directly and not checked against the checksum
// database, which is right for private modules and wrong for public ones.
func privacy(env cachescan.Env, project *cachescan.Project, proxies []string) []Finding {
	if project == nil {
		return nil
	}
	noProxy, noSum := env.GONOPROXY, env.GONOSUMDB
	if noProxy == "" {
		noProxy = env.GOPRIVATE
	}
	if noSum == "" {
		noSum = env.GOPRIVATE
	}
	var direct, unchecked []string
	for _, r := range project.Requires {
		if noProxy != "" && module.MatchPrefixPatterns(noProxy, r.Path) {
			direct = append(direct, r.Path)
		}
		if noSum != "" && module.MatchPrefixPatterns(noSum, r.Path) {
			unchecked = append(unchecked, r.Path)
		}
	}
	var out []Finding
	if len(direct) > 0 && !slices.Contains(proxies, "direct") {
		out = append(out, Finding{Check: "private requires",
			Detail: fmt.Sprintf("%s: module lookup disabled by GOPRIVATE/GONOPROXY (GOPROXY has no direct entry)", clip(direct, 5))})
	}
	if noProxy != "" || noSum != "" {
		out = append(out, Finding{Check: "GOPRIVATE/GONOPROXY/GONOSUMDB", OK: true,
			Detail: fmt.Sprintf("%d require(s) fetched directly (%s), %d not checked against the checksum database (%s)",
				len(direct), clip(direct, 5), len(unchecked), clip(unchecked, 5))})
	}
	return out
}
