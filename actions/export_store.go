package actions

import (
	"context"
	"errors"
	"io"

	"modscope/cachescan"
)

// This file is what modscope's team-store commands (actions/store, through
// package main) use of this package: the zip hashing and the checksum
// database client, the same code `modscope verify` runs.

// HashZipAt is the h1 hash of the module zip read from r (size bytes), as
// dirhash.HashZip computes it from a file. It checks the zip's layout
// before inflating anything (declared sizes past x/mod/zip's limit,
// overlapping or out-of-range entries) and holds each entry to its
// declared size. count, when not nil, is told of the bytes inflated; an
// error it returns stops the hashing.
func HashZipAt(r io.ReaderAt, size int64, count func(n int64) error) (string, error) {
	if count == nil {
		count = func(int64) error { return nil }
	}
	sums, err := zipSumsFrom(r, size, nil, count, make([]byte, 64<<10))
	if err != nil {
		return "", err
	}
	return h1(sums)
}

// IsZipDamage reports whether err, from HashZipAt, is about the zip's
// content (not a zip, corrupt, a zip bomb) rather than reading it.
func IsZipDamage(err error) bool {
	var ze *zipError
	return errors.As(err, &ze)
}

// SumDB looks versions up in the checksum database as `modscope verify`
// does: GOSUMDB, GONOSUMDB (defaulting to GOPRIVATE) and GOPROXY honoured,
// the go command's sumdb cache under env.GOMODCACHE shared. It is safe for
// concurrent use.
type SumDB struct{ c *sumDBChecker }

// NewSumDB is a client for env's checksum database. offline reads the
// caches only and writes nothing.
func NewSumDB(ctx context.Context, env cachescan.Env, offline bool) *SumDB {
	return &SumDB{c: newSumDBChecker(ctx, env, env.GOMODCACHE, offline)}
}

// Name is the database's name (sum.golang.org), or "" when GOSUMDB is off
// or unreadable.
func (d *SumDB) Name() string { return d.c.cfg.name }

// NotCheckable says why path is not looked up (GOSUMDB=off, a match of
// GONOSUMDB/GOPRIVATE, a bad GOSUMDB), or "".
func (d *SumDB) NotCheckable(path string) string { return d.c.notCheckable(path) }

// Lookup is the database's h1 hashes of a version's zip and go.mod. An
// error is one line, with a next step; after the first failure to reach
// the database every lookup returns that failure at once.
func (d *SumDB) Lookup(path, version string) (zipH1, modH1 string, err error) {
	zipH1, modH1, err = d.c.lookup(path, version)
	if err != nil {
		return "", "", errors.New(sumDBErrLine(err))
	}
	return zipH1, modH1, nil
}

// SecurityErrors are the SECURITY ERROR messages the client reported (a
// database that contradicts itself): evidence, never to be repaired.
func (d *SumDB) SecurityErrors() []string {
	if d.c.ops == nil {
		return nil
	}
	return d.c.ops.securityErrors()
}
