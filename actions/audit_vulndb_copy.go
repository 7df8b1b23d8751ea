package actions

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"modscope/cachescan"
)

// Reaching the database: fetches with their caps, and the copy kept
// under the user cache directory.

// fetch GETs endpoint+".json.gz" as govulncheck does, and returns it
// decompressed, at most limit bytes.
func (db *vulnDB) fetch(ctx context.Context, endpoint string, limit int64) ([]byte, error) {
	client := db.opts.Client
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, vulnDBFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, db.base+"/"+endpoint+".json.gz", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "modscope")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s.json.gz: %s", endpoint, resp.Status)
	}
	zr, err := gzip.NewReader(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s.json.gz: %v", endpoint, err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s.json.gz: %v", endpoint, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s.json.gz: larger than %d bytes once decompressed", endpoint, limit)
	}
	return data, nil
}

// readCopyMeta reads the copy's record of itself; nil when there is no
// usable copy of this database.
func (db *vulnDB) readCopyMeta() *copyMeta {
	if db.copyDir == "" {
		return nil
	}
	data, err := auditReadFile(filepath.Join(db.copyDir, "meta.json"), maxVulnDBMeta)
	if err != nil {
		return nil
	}
	var m copyMeta
	if json.Unmarshal(data, &m) != nil || m.URL != db.base || m.Modified.IsZero() {
		return nil
	}
	return &m
}

func (db *vulnDB) writeCopyMeta(m copyMeta) {
	data, err := json.Marshal(m)
	if err == nil {
		db.writeCopy("meta.json", data)
	}
}

// writeCopy replaces one file of the copy atomically. The copy only saves
// the network, so a failure to write it is no error of the audit's; the
// note says why the next audit will fetch again.
func (db *vulnDB) writeCopy(rel string, data []byte) {
	if db.copyDir == "" || db.copyFailed.Load() {
		return
	}
	if err := auditWriteFile(filepath.Join(db.copyDir, rel), data); err != nil && db.copyFailed.CompareAndSwap(false, true) {
		db.note("the copy could not be kept: " + cachescan.Printable(auditLine(err.Error())))
	}
}

// auditWriteFile writes a file atomically: a temporary file in the same
// directory, renamed into place.
func auditWriteFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// auditReadFile reads a regular file of at most limit bytes.
func auditReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", filepath.Base(path))
	}
	var b bytes.Buffer
	if _, err := io.Copy(&b, io.LimitReader(f, limit+1)); err != nil {
		return nil, err
	}
	if int64(b.Len()) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", filepath.Base(path), limit)
	}
	return b.Bytes(), nil
}

// auditLine is the first line of s.
func auditLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
