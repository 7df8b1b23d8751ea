package actions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/lockedfile"
	"golang.org/x/mod/sumdb"

	"modscope/actions/confine"
	"modscope/cachescan"
)

// sumDBOps is the go command's way of reaching a checksum database
// (modfetch/sumdb.go): through the user's GOPROXY when a proxy says it
// supports it, sharing $GOMODCACHE/cache/download/sumdb and
// $GOPATH/pkg/sumdb/<name>/latest with the go command and its locks.
type sumDBOps struct {
	cfg      sumDBConfig
	modcache string
	gopath   string
	proxy    string
	offline  bool // read the caches only; write nothing
	http     *http.Client
	ctx      context.Context // cancels requests in flight

	baseOnce sync.Once
	base     string
	baseErr  error

	mu       sync.Mutex
	security []string
	netErr   error // the first failure to reach a server, as returned
	// wanted is set when an offline client needed the network: the
	// client wraps errors with %v, so errOffline cannot be found in them.
	wanted bool
}

func newSumDBOps(ctx context.Context, cfg sumDBConfig, env cachescan.Env, modcache string, offline bool) *sumDBOps {
	gopath := ""
	if list := filepath.SplitList(env.GOPATH); len(list) > 0 {
		gopath = list[0]
	}
	return &sumDBOps{cfg: cfg, modcache: modcache, gopath: gopath, proxy: env.GOPROXY, offline: offline,
		http: &http.Client{Timeout: sumDBTimeout}, ctx: ctx}
}

// ReadRemote fetches a path from the database, through a proxy if one
// supports it.
func (o *sumDBOps) ReadRemote(path string) ([]byte, error) {
	if o.offline {
		o.mu.Lock()
		o.wanted = true
		o.mu.Unlock()
		return nil, errOffline
	}
	o.baseOnce.Do(o.initBase)
	err := o.baseErr
	var data []byte
	if err == nil {
		data, err = o.get(o.base + path)
	}
	// The client wraps errors with %v: keep the original to tell an outage
	// from an answer about one module.
	if err != nil && isUnreachable(err) {
		o.mu.Lock()
		if o.netErr == nil {
			o.netErr = err
		}
		o.mu.Unlock()
	}
	return data, err
}

// initBase picks where lookups go, as dbClient.initBase does: the first
// GOPROXY entry whose /sumdb/<name>/supported answers 200; 404 and 410 (or
// any error after a "|") move on; direct, off or the end of the list mean
// the database itself.
func (o *sumDBOps) initBase() {
	if o.cfg.url != "" {
		o.base = o.cfg.url
		return
	}
	direct := "https://" + o.cfg.name
	rest := o.proxy
	var best error // as TryProxies ranks them: a real error beats a 404
	for rest != "" {
		var entry string
		var orSep bool
		if i := strings.IndexAny(rest, ",|"); i >= 0 {
			entry, orSep, rest = rest[:i], rest[i] == '|', rest[i+1:]
		} else {
			entry, rest = rest, ""
		}
		entry = strings.TrimSpace(entry)
		switch entry {
		case "", "noproxy":
			continue
		case "direct", "off":
			o.base = direct
			return
		}
		if !strings.Contains(entry, "://") {
			entry = "https://" + entry // as the go command reads "goproxy.cn"
		}
		base := strings.TrimSuffix(entry, "/") + "/sumdb/" + o.cfg.name
		_, err := o.get(base + "/supported")
		if err == nil {
			o.base = base
			return
		}
		var st *statusError
		notFound := errors.As(err, &st) && (st.code == 404 || st.code == 410) || errors.Is(err, fs.ErrNotExist)
		if !notFound {
			err = fmt.Errorf("through %s: %w", entry, err)
			if best == nil {
				best = err
			}
			if !orSep {
				o.baseErr = err // a "," entry that fails for real: unavailable
				return
			}
		}
	}
	if best != nil {
		o.baseErr = best
		return
	}
	o.base = direct
}

type statusError struct {
	url  string
	code int
	body string
}

func (e *statusError) Error() string {
	msg := fmt.Sprintf("reading %s: %d %s", e.url, e.code, http.StatusText(e.code))
	if e.body != "" {
		msg += "\n\tserver response: " + e.body
	}
	return msg
}

// get reads an http(s) or file URL.
func (o *sumDBOps) get(u string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(u, "file://"); ok {
		p, err := url.PathUnescape(rest)
		if err != nil {
			return nil, err
		}
		return os.ReadFile(filepath.FromSlash(p))
	}
	req, err := http.NewRequestWithContext(o.ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := o.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		body := strings.TrimSpace(string(data))
		if len(body) > 300 {
			body = body[:300]
		}
		return nil, &statusError{url: u, code: resp.StatusCode, body: body}
	}
	return data, nil
}

// ReadConfig returns the verifier key, or the newest signed tree the go
// command has seen ($GOPATH/pkg/sumdb/<name>/latest; missing means empty).
func (o *sumDBOps) ReadConfig(file string) ([]byte, error) {
	if file == "key" {
		return []byte(o.cfg.key), nil
	}
	if o.gopath == "" {
		return nil, nil
	}
	data, err := readLockedCapped(filepath.Join(o.gopath, "pkg", "sumdb", file), cachescan.MaxSmallFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// WriteConfig updates latest with the go command's compare-and-swap.
func (o *sumDBOps) WriteConfig(file string, old, new []byte) error {
	if o.offline || o.gopath == "" || file == "key" {
		return nil
	}
	dir := filepath.Join(o.gopath, "pkg", "sumdb")
	// The go command creates pkg/sumdb below GOPATH as it writes; so does
	// this, but never through a link planted at pkg or sumdb.
	if err := confine.MkdirUnder(o.gopath, filepath.Join("pkg", "sumdb")); err != nil {
		return err
	}
	root, err := confine.Open(dir, confine.SumDBConfig)
	if err != nil {
		return err
	}
	defer root.Close()
	targ := filepath.Join(dir, filepath.FromSlash(file))
	if err := root.MkdirAll(filepath.Dir(targ)); err != nil {
		return err
	}
	f, err := root.Edit(targ)
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return err
	}
	if len(data) > 0 && !bytes.Equal(data, old) {
		return sumdb.ErrWriteConflict
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(new, 0); err != nil {
		return err
	}
	return f.Close()
}

// ReadCache reads a cached tile or lookup; an empty file is one being
// written, so it counts as missing, as in the go command. Tiles and
// lookups are kilobytes: one past the scan's cap is damage, not read whole.
func (o *sumDBOps) ReadCache(file string) ([]byte, error) {
	targ := filepath.Join(o.modcache, "cache", "download", "sumdb", filepath.FromSlash(file))
	data, err := readLockedCapped(targ, cachescan.MaxSmallFile)
	if err == nil && len(data) == 0 {
		err = &fs.PathError{Op: "read", Path: targ, Err: fs.ErrNotExist}
	}
	return data, err
}

// WriteCache saves an authenticated tile or lookup, as the go command does.
func (o *sumDBOps) WriteCache(file string, data []byte) {
	if o.offline {
		return
	}
	root, err := confine.Open(o.modcache, confine.ModCache)
	if err != nil {
		return // a cache it may not change: the tile is fetched again next time
	}
	defer root.Close()
	// As lockedfile.Write: lock, truncate, write; through the confined
	// layer, so a linked tile cannot send the write elsewhere.
	targ := filepath.Join(o.modcache, "cache", "download", "sumdb", filepath.FromSlash(file))
	if root.MkdirAll(filepath.Dir(targ)) != nil {
		return
	}
	f, err := root.Edit(targ)
	if err != nil {
		return
	}
	defer f.Close()
	if f.Truncate(0) == nil {
		f.WriteAt(data, 0)
	}
}

// Log drops the client's chatter.
func (o *sumDBOps) Log(string) {}

// SecurityError keeps the message: the caller reports it; nothing is
// repaired automatically after one.
func (o *sumDBOps) SecurityError(msg string) {
	o.mu.Lock()
	o.security = append(o.security, msg)
	o.mu.Unlock()
}

// takeWanted reports whether an offline client needed the network since
// the last call.
func (o *sumDBOps) takeWanted() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	w := o.wanted
	o.wanted = false
	return w
}

// securityErrors returns the SECURITY ERROR messages the client reported.
func (o *sumDBOps) securityErrors() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.security...)
}

// readLockedCapped is lockedfile.Read that reads no more than limit bytes:
// a larger file is cachescan.ErrTooLarge.
func readLockedCapped(name string, limit int64) ([]byte, error) {
	// lockedfile opens by name, following links and blocking on a FIFO:
	// what is not a regular file is refused first. (A swap between the
	// check and the open can still delay this verify; nothing is written.)
	if fi, err := os.Lstat(name); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("not a regular file")}
	}
	f, err := lockedfile.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Its size first: a 3 GiB sparse tile costs no read at all.
	if fi, err := f.Stat(); err == nil && fi.Size() > limit {
		return nil, &fs.PathError{Op: "read", Path: name, Err: cachescan.ErrTooLarge}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &fs.PathError{Op: "read", Path: name, Err: cachescan.ErrTooLarge}
	}
	return data, nil
}
