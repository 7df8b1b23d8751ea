package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/dirhash"
)

// Sums is where Verify finds the hashes a version must have: the checksum
// database (actions.SumDB) or a go.sum (GoSum).
type Sums interface {
	// NotCheckable says why a module is not looked up (GONOSUMDB,
	// GOPRIVATE, GOSUMDB=off), or "".
	NotCheckable(path string) string
	// Lookup is the h1 hashes of a version's zip and go.mod; "" for one
	// the source does not hold. An error means the source gave no answer
	// (unreachable, refused): the version is neither verified nor damaged.
	Lookup(path, version string) (zipH1, modH1 string, err error)
}

// HashZip hashes a module zip read through r, as dirhash.HashZip does a
// file; damage reports that the error is about the zip's content.
// Package main passes actions.HashZipAt and actions.IsZipDamage, so that
// the store is hashed by the code that hashes the module cache.
type HashZip func(r io.ReaderAt, size int64) (h1 string, err error)

// VerifyOptions tune Verify.
type VerifyOptions struct {
	Workers int
	Sums    Sums
	HashZip HashZip
	// IsZipDamage tells an error of HashZip about the zip's content.
	IsZipDamage func(error) bool
	// Match selects the versions to verify; nil verifies all.
	Match func(path, version string) bool
}

// VerifyError is a version, or many, that could not be verified.
type VerifyError struct {
	Module  string `json:"module,omitempty"`
	Version string `json:"version,omitempty"`
	Detail  string `json:"detail"`
	Fix     string `json:"fix"`
	// Count is how many versions had this error; an unreachable database
	// is one error line for all the versions it stopped.
	Count int `json:"count"`
}

// VerifyReport is what Verify found.
type VerifyReport struct {
	URL string `json:"url"`
	// Damage holds the hash mismatches (Proven) and the zips too damaged
	// to hash (not proven: Scan's kind of damage).
	Damage []Damage `json:"damage"`
	// Verified counts the versions whose hashed files all agreed.
	Verified int `json:"verified"`
	// NotCheckable counts the versions not looked up, by reason.
	NotCheckable    int            `json:"notCheckable"`
	NotCheckableWhy map[string]int `json:"notCheckableWhy,omitempty"`
	Errors          []VerifyError  `json:"errors,omitempty"`
	// Selected is how many versions the patterns chose.
	Selected int           `json:"selected"`
	Duration time.Duration `json:"-"`
}

// ErrorCount is how many versions ended in an error.
func (r *VerifyReport) ErrorCount() int {
	n := 0
	for _, e := range r.Errors {
		n += e.Count
	}
	return n
}

// Verify hashes each selected version's zip (h1, streamed through range
// reads) and .mod (h1 of go.mod) and compares them with opts.Sums. Only a
// hash that differs from the source's is Proven damage. It reads the
// store but never writes to it; memory is bounded by the workers' blocks,
// whatever the objects' sizes.
func Verify(ctx context.Context, s *Store, inv *Inventory, opts VerifyOptions) (*VerifyReport, error) {
	if opts.Sums == nil || opts.HashZip == nil {
		return nil, fmt.Errorf("store.Verify needs Sums and HashZip")
	}
	start := time.Now()
	rep := &VerifyReport{URL: s.URL, NotCheckableWhy: map[string]int{}}
	var mu sync.Mutex
	errIndex := map[string]int{}
	addErr := func(e VerifyError, shared bool) {
		if shared {
			// One line for every version it stopped.
			if i, ok := errIndex[e.Detail]; ok {
				rep.Errors[i].Count++
				return
			}
			errIndex[e.Detail] = len(rep.Errors)
			e.Module, e.Version = "", ""
		}
		e.Count = 1
		rep.Errors = append(rep.Errors, e)
	}
	notChecked := func(why string) {
		rep.NotCheckable++
		rep.NotCheckableWhy[why]++
	}
	forEachVersion(ctx, inv, opts.Workers, func(m *Module, v *Version) {
		if opts.Match != nil && !opts.Match(m.Path, v.Version) {
			return
		}
		if !v.Has(FileZip) && !v.Has(FileMod) {
			mu.Lock()
			rep.Selected++
			notChecked("nothing to hash")
			mu.Unlock()
			return
		}
		mu.Lock()
		rep.Selected++
		mu.Unlock()
		if why := opts.Sums.NotCheckable(m.Path); why != "" {
			mu.Lock()
			notChecked(why)
			mu.Unlock()
			return
		}
		wantZip, wantMod, err := opts.Sums.Lookup(m.Path, v.Version)
		if err != nil {
			mu.Lock()
			addErr(VerifyError{Module: m.Path, Version: v.Version, Detail: oneLine(err.Error()),
				Fix: "nothing was judged: retry when the checksum database answers, or compare with a go.sum (modscope store verify --gosum FILE)"}, true)
			mu.Unlock()
			return
		}
		if wantZip == "" && wantMod == "" {
			mu.Lock()
			notChecked("no entry for it")
			mu.Unlock()
			return
		}
		dmg, verr, hashed := s.verifyVersion(ctx, m, v, wantZip, wantMod, opts)
		mu.Lock()
		defer mu.Unlock()
		rep.Damage = append(rep.Damage, dmg...)
		for _, e := range verr {
			addErr(e, false)
		}
		switch {
		case len(dmg) == 0 && len(verr) == 0 && hashed:
			rep.Verified++
		case len(dmg) == 0 && len(verr) == 0:
			notChecked("no entry for its files")
		}
	})
	sortDamage(rep.Damage)
	slices.SortStableFunc(rep.Errors, func(a, b VerifyError) int { return cmpStr(a.Module+"@"+a.Version, b.Module+"@"+b.Version) })
	rep.Duration = time.Since(start)
	return rep, ctx.Err()
}

// verifyVersion hashes the files of v that the source has hashes for.
func (s *Store) verifyVersion(ctx context.Context, m *Module, v *Version, wantZip, wantMod string, opts VerifyOptions) (dmg []Damage, errs []VerifyError, hashed bool) {
	mv := m.Path + "@" + v.Version
	readErr := func(o *Object, err error) {
		errs = append(errs, VerifyError{Module: m.Path, Version: v.Version, Detail: o.Key + ": " + s.errLine(err),
			Fix: "retry; check that the credentials may read the bucket"})
	}
	if o := v.File(FileMod); o != nil && wantMod != "" {
		data, err := s.readSmall(ctx, o, maxModSize)
		switch {
		case err != nil && o.Size > maxModSize:
			dmg = append(dmg, Damage{Kind: DamageMod, Module: m.Path, Version: v.Version, Key: o.Key, Detail: err.Error(), Fix: fixDelete(m.Path, v.Version)})
		case err != nil:
			readErr(o, err)
		default:
			hashed = true
			if got := modHash(data); got != wantMod {
				dmg = append(dmg, Damage{Kind: DamageModHash, Module: m.Path, Version: v.Version, Key: o.Key, Proven: true,
					Detail: fmt.Sprintf("%s's go.mod hashes to %s; %s says %s", mv, got, sumsName(opts.Sums), wantMod),
					Fix:    fixDelete(m.Path, v.Version) + " (the store serves content " + sumsName(opts.Sums) + " disowns: find out how it got there)"})
			}
		}
	}
	if o := v.File(FileZip); o != nil && wantZip != "" {
		r := newRangeReaderAt(ctx, s.Bucket, o.Key, o.Size)
		got, err := opts.HashZip(r, o.Size)
		switch {
		case err != nil && !isReadError(err) && opts.IsZipDamage != nil && opts.IsZipDamage(err):
			dmg = append(dmg, Damage{Kind: DamageZip, Module: m.Path, Version: v.Version, Key: o.Key, Detail: "cannot be hashed: " + s.errLine(err), Fix: fixDelete(m.Path, v.Version)})
		case err != nil:
			readErr(o, err)
		default:
			hashed = true
			if got != wantZip {
				dmg = append(dmg, Damage{Kind: DamageZipHash, Module: m.Path, Version: v.Version, Key: o.Key, Proven: true,
					Detail: fmt.Sprintf("%s's zip hashes to %s; %s says %s", mv, got, sumsName(opts.Sums), wantZip),
					Fix:    fixDelete(m.Path, v.Version) + " (the store serves content " + sumsName(opts.Sums) + " disowns: find out how it got there)"})
			}
		}
	}
	return dmg, errs, hashed
}

// sumsName names the source of the hashes in messages: its Name method's
// answer (sum.golang.org, a go.sum's file name) if it has one.
func sumsName(s Sums) string {
	if n, ok := s.(interface{ Name() string }); ok && n.Name() != "" {
		return n.Name()
	}
	return "the checksum source"
}

// modHash is the go.sum hash of a go.mod's content.
func modHash(data []byte) string {
	h, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	if err != nil {
		return "" // Hash1 fails only on names with newlines
	}
	return h
}
