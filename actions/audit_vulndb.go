package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modscope/cachescan"
)

// DefaultVulnDB is the database govulncheck reads when GOVULNDB is unset.
const DefaultVulnDB = "https://vuln.go.dev"

// Size caps on what the audit reads of a database, local or remote, after
// decompression: a hostile or broken database fails the read instead of
// exhausting memory. vuln.go.dev's modules index is a few MB, its largest
// entries some hundred KB.
// They are variables so that tests can lower them.
var (
	maxVulnDBMeta    int64 = 64 << 10
	maxVulnDBIndex   int64 = 64 << 20
	maxVulnDBEntry   int64 = 8 << 20
	maxVulnDBEntries       = 20000
)

const (
	vulnDBFetchJobs    = 8
	vulnDBFetchTimeout = 60 * time.Second
)

// DefaultVulnDBCache is where the audit keeps its copy of remote
// databases: os.UserCacheDir()/modscope/vulndb, or "" without one.
func DefaultVulnDBCache() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "modscope", "vulndb")
}

// VulnDBOptions say which database to read and how.
type VulnDBOptions struct {
	// URL is the database: https://…, http://… or file:///dir, in
	// govulncheck's layout; "" is DefaultVulnDB.
	URL string
	// Cache is the directory holding copies of remote databases; "" is
	// no copy at all (every audit reads the network).
	Cache string
	// Offline: never the network; a remote database is read from the
	// copy only.
	Offline bool
	// Client makes the HTTP requests; nil is a client of modscope's.
	Client *http.Client
	// Clock dates the copy; nil is the system's.
	Clock cachescan.Clock
}

// VulnDBStatus says which database the audit read, from where, and how old
// its data is.
type VulnDBStatus struct {
	URL string `json:"url"`
	// Source is "file" (a file:// directory), "network" (fetched now) or
	// "cache" (the copy of an earlier audit).
	Source string `json:"source"`
	// Modified is the database's own date (index/db.json).
	Modified time.Time `json:"modified"`
	// Fetched is when the copy was last brought up to date ("cache" and
	// "network" sources).
	Fetched *time.Time `json:"fetched,omitempty"`
	// NetworkError says why the network could not be used, when the copy
	// stood in for it.
	NetworkError string `json:"networkError,omitempty"`
	// Missing counts the entries the audit needed and could not read: the
	// findings may lack them.
	Missing int `json:"missing,omitempty"`
	// Notes say what else the reader had to skip (a malformed entry).
	Notes []string `json:"notes,omitempty"`
}

// vulnRef is one vulnerability of a module in index/modules.json.
type vulnRef struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Fixed    string    `json:"fixed,omitempty"`
}

type moduleIndex struct {
	Path  string    `json:"path"`
	Vulns []vulnRef `json:"vulns"`
}

// vulnDB is an opened database: its index, and where entries come from.
type vulnDB struct {
	opts   VulnDBOptions
	status *VulnDBStatus
	index  map[string][]vulnRef
	// dir is the file:// directory; "" for a remote database.
	dir string
	// base is the remote URL without a trailing slash.
	base string
	// copyDir is this database's copy under opts.Cache ("" none).
	copyDir string
	// online: entries missing from the copy may be fetched.
	online bool
	// copyFailed: writing the copy failed once; it is not tried again.
	copyFailed atomic.Bool
	mu         sync.Mutex
}

// copyMeta is what the copy records of itself.
type copyMeta struct {
	URL      string    `json:"url"`
	Modified time.Time `json:"modified"`
	Fetched  time.Time `json:"fetched"`
}

// VulnDBError is why no database could be read at all; the audit cannot
// say anything about vulnerabilities then.
type VulnDBError struct{ Msg string }

func (e *VulnDBError) Error() string { return e.Msg }

// openVulnDB reads the database's index: from a file:// directory, from
// the network (refreshing the copy), or from the copy when the network is
// off or fails.
func openVulnDB(ctx context.Context, opts VulnDBOptions) (*vulnDB, error) {
	raw := opts.URL
	if raw == "" {
		raw = DefaultVulnDB
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return nil, &VulnDBError{fmt.Sprintf("vulnerability database %q: not a URL; give https://host/path or file:///absolute/dir", cachescan.Printable(raw))}
	}
	db := &vulnDB{opts: opts, status: &VulnDBStatus{URL: cachescan.Printable(raw)}}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, &VulnDBError{fmt.Sprintf("vulnerability database %s: a file URL names a local directory: file:///absolute/dir", db.status.URL)}
		}
		db.dir = filepath.FromSlash(u.Path)
		if !filepath.IsAbs(db.dir) {
			return nil, &VulnDBError{fmt.Sprintf("vulnerability database %s: the directory must be absolute: file:///absolute/dir", db.status.URL)}
		}
		if fi, err := os.Stat(db.dir); err != nil || !fi.IsDir() {
			return nil, &VulnDBError{fmt.Sprintf("vulnerability database %s: no such directory; check the path (it holds index/db.json, index/modules.json and ID/)", db.status.URL)}
		}
		db.status.Source = "file"
		return db, db.loadIndex(ctx, "")
	case "http", "https":
	default:
		return nil, &VulnDBError{fmt.Sprintf("vulnerability database %s: scheme %q is not https, http or file", db.status.URL, cachescan.Printable(u.Scheme))}
	}
	db.base = strings.TrimSuffix(raw, "/")
	if opts.Cache != "" {
		sum := sha256.Sum256([]byte(db.base))
		db.copyDir = filepath.Join(opts.Cache, hex.EncodeToString(sum[:8]))
	}
	meta := db.readCopyMeta()
	if opts.Offline {
		if meta == nil {
			return nil, &VulnDBError{fmt.Sprintf("--offline: no copy of %s was kept yet; run modscope audit once with the network, or pass --vulndb file:///DIR (a local copy in govulncheck's layout)", db.status.URL)}
		}
		return db, db.fromCopy(ctx, meta, "")
	}
	// The network: db.json says whether the copy's index is current.
	data, err := db.fetch(ctx, "index/db", maxVulnDBMeta)
	var current struct {
		Modified time.Time `json:"modified"`
	}
	if err == nil {
		if jerr := json.Unmarshal(data, &current); jerr != nil || current.Modified.IsZero() {
			err = fmt.Errorf("index/db.json is not the database's metadata")
		}
	}
	if err != nil {
		if meta == nil {
			return nil, &VulnDBError{fmt.Sprintf("cannot read the vulnerability database %s (%s) and no copy was kept; connect and run again, or pass --vulndb file:///DIR (a local copy in govulncheck's layout)", db.status.URL, cachescan.Printable(auditLine(err.Error())))}
		}
		return db, db.fromCopy(ctx, meta, cachescan.Printable(auditLine(err.Error())))
	}
	db.online = true
	now := opts.Clock.Now().UTC()
	if meta != nil && meta.Modified.Equal(current.Modified) {
		if err := db.fromCopy(ctx, meta, ""); err == nil {
			db.status.Source = "network"
			db.status.Fetched = &now
			db.writeCopyMeta(copyMeta{URL: db.base, Modified: current.Modified, Fetched: now})
			return db, nil
		}
		// A copy that does not read is fetched again.
	}
	db.status.Source = "network"
	db.status.Modified = current.Modified
	db.status.Fetched = &now
	idx, err := db.fetch(ctx, "index/modules", maxVulnDBIndex)
	if err == nil {
		err = db.parseIndex(idx)
	}
	if err != nil {
		if meta != nil {
			db.online = false
			return db, db.fromCopy(ctx, meta, cachescan.Printable(auditLine(err.Error())))
		}
		return nil, &VulnDBError{fmt.Sprintf("cannot read the vulnerability database %s: %s; try again later, or pass --vulndb file:///DIR", db.status.URL, cachescan.Printable(auditLine(err.Error())))}
	}
	db.writeCopy("index/modules.json", idx)
	db.writeCopyMeta(copyMeta{URL: db.base, Modified: current.Modified, Fetched: now})
	return db, nil
}

// fromCopy opens the copy; netErr is why the network was not used.
func (db *vulnDB) fromCopy(ctx context.Context, meta *copyMeta, netErr string) error {
	db.status.Source = "cache"
	db.status.Modified = meta.Modified
	fetched := meta.Fetched
	db.status.Fetched = &fetched
	db.status.NetworkError = netErr
	return db.loadIndex(ctx, db.copyDir)
}

// loadIndex reads index/modules.json (and index/db.json for a file://
// database) from dir.
func (db *vulnDB) loadIndex(ctx context.Context, dir string) error {
	if dir == "" {
		dir = db.dir
	}
	if db.dir != "" {
		data, err := auditReadFile(filepath.Join(dir, "index", "db.json"), maxVulnDBMeta)
		if err != nil {
			return &VulnDBError{fmt.Sprintf("vulnerability database %s: %s; it must hold index/db.json, index/modules.json and ID/<id>.json", db.status.URL, cachescan.Printable(auditLine(err.Error())))}
		}
		var m struct {
			Modified time.Time `json:"modified"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return &VulnDBError{fmt.Sprintf("vulnerability database %s: index/db.json: %s", db.status.URL, cachescan.Printable(auditLine(err.Error())))}
		}
		db.status.Modified = m.Modified
	}
	data, err := auditReadFile(filepath.Join(dir, "index", "modules.json"), maxVulnDBIndex)
	if err == nil {
		err = db.parseIndex(data)
	}
	if err != nil {
		what := "vulnerability database " + db.status.URL
		if dir == db.copyDir {
			what = "the copy of " + db.status.URL + " in " + dir
		}
		return &VulnDBError{fmt.Sprintf("%s: %s; check it holds index/modules.json", what, cachescan.Printable(auditLine(err.Error())))}
	}
	return nil
}

// parseIndex reads index/modules.json.
func (db *vulnDB) parseIndex(data []byte) error {
	var mods []moduleIndex
	if err := json.Unmarshal(data, &mods); err != nil {
		return fmt.Errorf("index/modules.json: %v", auditLine(err.Error()))
	}
	db.index = make(map[string][]vulnRef, len(mods))
	for _, m := range mods {
		db.index[m.Path] = append(db.index[m.Path], m.Vulns...)
	}
	return nil
}

// entries reads the entries that name the given modules: from the file://
// directory, the copy, or the network (which refreshes the copy). What
// cannot be read is counted in the status.
func (db *vulnDB) entries(ctx context.Context, paths []string) map[string]*OSVEntry {
	want := map[string]time.Time{}
	for _, p := range paths {
		for _, r := range db.index[p] {
			if !validOSVID(r.ID) {
				db.note(fmt.Sprintf("the index names an entry %q that is not an ID; skipped", cachescan.Printable(r.ID)))
				continue
			}
			if m, ok := want[r.ID]; !ok || r.Modified.After(m) {
				want[r.ID] = r.Modified
			}
		}
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) > maxVulnDBEntries {
		db.note(fmt.Sprintf("the index names %d entries for these modules; only the first %d are read", len(ids), maxVulnDBEntries))
		db.status.Missing += len(ids) - maxVulnDBEntries
		ids = ids[:maxVulnDBEntries]
	}
	out := make(map[string]*OSVEntry, len(ids))
	var netFailed bool
	work := make(chan string)
	var wg sync.WaitGroup
	for range vulnDBFetchJobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				e, err := db.entry(ctx, id, want[id], &netFailed)
				db.mu.Lock()
				if err != nil {
					db.status.Missing++
					db.notes(err)
				} else if e != nil {
					out[id] = e
				}
				db.mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		work <- id
	}
	close(work)
	wg.Wait()
	return out
}

// entry reads one entry; modified is the index's date of it, which says
// whether the copy's is current.
func (db *vulnDB) entry(ctx context.Context, id string, modified time.Time, netFailed *bool) (*OSVEntry, error) {
	if db.dir != "" {
		data, err := auditReadFile(filepath.Join(db.dir, "ID", id+".json"), maxVulnDBEntry)
		if err != nil {
			return nil, fmt.Errorf("ID/%s.json: %s", id, auditLine(err.Error()))
		}
		return parseOSVEntry(id, data)
	}
	var cached *OSVEntry
	if db.copyDir != "" {
		if data, err := auditReadFile(filepath.Join(db.copyDir, "ID", id+".json"), maxVulnDBEntry); err == nil {
			cached, _ = parseOSVEntry(id, data)
		}
	}
	if cached != nil && (!db.online || !cached.Modified.Before(modified)) {
		return cached, nil
	}
	db.mu.Lock()
	failed := *netFailed
	db.mu.Unlock()
	if !db.online || failed {
		if cached != nil {
			return cached, nil
		}
		return nil, fmt.Errorf("entry %s is not in the copy (a module new to the cache since the copy was made); run again with the network", id)
	}
	data, err := db.fetch(ctx, "ID/"+id, maxVulnDBEntry)
	if err == nil {
		var e *OSVEntry
		if e, err = parseOSVEntry(id, data); err == nil {
			db.writeCopy(filepath.Join("ID", id+".json"), data)
			return e, nil
		}
	}
	if ctx.Err() == nil {
		db.mu.Lock()
		*netFailed = true // one failure is enough: the rest come from the copy
		if db.status.NetworkError == "" {
			db.status.NetworkError = cachescan.Printable(auditLine(err.Error()))
		}
		db.mu.Unlock()
	}
	if cached != nil {
		return cached, nil
	}
	return nil, fmt.Errorf("ID/%s: %s", id, auditLine(err.Error()))
}

func (db *vulnDB) note(s string) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.addNote(s)
}

// notes records err; the caller holds mu.
func (db *vulnDB) notes(err error) { db.addNote(cachescan.Printable(err.Error())) }

func (db *vulnDB) addNote(s string) {
	const maxNotes = 20
	if len(db.status.Notes) < maxNotes {
		db.status.Notes = append(db.status.Notes, s)
	} else if len(db.status.Notes) == maxNotes {
		db.status.Notes = append(db.status.Notes, "(more not shown)")
	}
}
