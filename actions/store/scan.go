package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// defaultWorkers is how many versions are read at once: the work is
// waiting on the store, not the CPU.
const defaultWorkers = 8

// MaxWorkers bounds ScanOptions.Workers and VerifyOptions.Workers.
const MaxWorkers = 256

// ModuleStats is one module's share of the store.
type ModuleStats struct {
	Path     string    `json:"path"`
	Versions int       `json:"versions"`
	Size     int64     `json:"size"`
	Newest   time.Time `json:"newest,omitzero"`
	Oldest   time.Time `json:"oldest,omitzero"`
}

// Stats are the modules' shares, largest first, and the store's newest
// and oldest version.
func Stats(inv *Inventory) (mods []ModuleStats, newest, oldest time.Time) {
	for _, m := range inv.Modules {
		st := ModuleStats{Path: m.Path, Versions: len(m.Versions), Size: m.Size}
		for _, v := range m.Versions {
			if !v.Newest.IsZero() && v.Newest.After(st.Newest) {
				st.Newest = v.Newest
			}
			if !v.Oldest.IsZero() && (st.Oldest.IsZero() || v.Oldest.Before(st.Oldest)) {
				st.Oldest = v.Oldest
			}
		}
		if st.Newest.After(newest) {
			newest = st.Newest
		}
		if !st.Oldest.IsZero() && (oldest.IsZero() || st.Oldest.Before(oldest)) {
			oldest = st.Oldest
		}
		mods = append(mods, st)
	}
	slices.SortStableFunc(mods, func(a, b ModuleStats) int {
		if a.Size != b.Size {
			if a.Size > b.Size {
				return -1
			}
			return 1
		}
		return 0
	})
	return mods, newest, oldest
}

// Scan judges every version of the inventory without hashing: the files
// a version lacks, and what each object's content says (.info JSON naming
// the version, .mod parsing and naming the module, the zip's central
// directory passing x/mod/zip's checks, the .mod equal to the zip's
// go.mod). A zip is read through range reads of its central directory and
// go.mod only. It reads the store but never writes to it. Errors reading
// an object are in ReadErrors, never damage.
func Scan(ctx context.Context, s *Store, inv *Inventory, opts ScanOptions) (*ScanReport, error) {
	start := time.Now()
	rep := &ScanReport{Inventory: inv, Checked: inv.Versions()}
	rep.Modules, rep.Newest, rep.Oldest = Stats(inv)
	rep.Damage = append(rep.Damage, missingFiles(inv)...)
	var mu sync.Mutex
	forEachVersion(ctx, inv, opts.Workers, func(m *Module, v *Version) {
		dmg, errs := s.checkVersion(ctx, m, v)
		mu.Lock()
		rep.Damage = append(rep.Damage, dmg...)
		rep.ReadErrors = append(rep.ReadErrors, errs...)
		mu.Unlock()
	})
	sortDamage(rep.Damage)
	slices.Sort(rep.ReadErrors)
	rep.Duration = time.Since(start)
	return rep, ctx.Err()
}

// forEachVersion calls f for every version, on workers goroutines, until
// ctx ends.
func forEachVersion(ctx context.Context, inv *Inventory, workers int, f func(*Module, *Version)) {
	if workers <= 0 {
		workers = defaultWorkers
	}
	workers = min(workers, MaxWorkers)
	type job struct {
		m *Module
		v *Version
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if ctx.Err() == nil {
					f(j.m, j.v)
				}
			}
		}()
	}
	defer wg.Wait()
	defer close(jobs)
	for _, m := range inv.Modules {
		for _, v := range m.Versions {
			select {
			case jobs <- job{m, v}:
			case <-ctx.Done():
				return
			}
		}
	}
}

// checkVersion reads a version's objects and judges them.
func (s *Store) checkVersion(ctx context.Context, m *Module, v *Version) (dmg []Damage, readErrs []string) {
	add := func(kind string, o *Object, detail string) {
		dmg = append(dmg, Damage{Kind: kind, Module: m.Path, Version: v.Version, Key: o.Key, Detail: detail, Fix: fixDelete(m.Path, v.Version)})
	}
	readErr := func(o *Object, err error) {
		readErrs = append(readErrs, fmt.Sprintf("%s: %s", o.Key, s.errLine(err)))
	}
	if o := v.File(FileInfo); o != nil {
		if data, err := s.readSmall(ctx, o, maxInfoSize); err != nil {
			if o.Size > maxInfoSize {
				add(DamageInfo, o, err.Error())
			} else {
				readErr(o, err)
			}
		} else if p := checkInfo(data, v.Version); p != "" {
			add(DamageInfo, o, p)
		}
	}
	var mod []byte
	modOK := false
	if o := v.File(FileMod); o != nil {
		if data, err := s.readSmall(ctx, o, maxModSize); err != nil {
			if o.Size > maxModSize {
				add(DamageMod, o, err.Error())
			} else {
				readErr(o, err)
			}
		} else if p := checkMod(data, m.Path); p != "" {
			add(DamageMod, o, p)
		} else {
			mod, modOK = data, true
		}
	}
	if o := v.File(FileZip); o != nil {
		r := newRangeReaderAt(ctx, s.Bucket, o.Key, o.Size)
		zmod, p, err := zipGoMod(r, o.Size, m.Path, v.Version)
		switch {
		case err != nil:
			readErr(o, err)
		case p != "":
			add(DamageZip, o, p)
		case modOK:
			if zmod == nil {
				zmod = synthesizedMod(m.Path)
			}
			if !bytes.Equal(zmod, mod) {
				add(DamageModDiffers, v.File(FileMod), "the .mod is not the go.mod inside the zip (or, without one, the go command's \"module "+m.Path+"\")")
			}
		}
	}
	return dmg, readErrs
}

// fixDelete is the fix of a damaged version: the proxy fetches it again
// from its origin once it is gone.
func fixDelete(path, vers string) string {
	return fmt.Sprintf("delete %s@%s from the store (modscope store gc --damaged) so that the proxy fetches it again", path, vers)
}

func sortDamage(d []Damage) {
	slices.SortStableFunc(d, func(a, b Damage) int {
		if a.Module != b.Module {
			return cmpStr(a.Module, b.Module)
		}
		if a.Version != b.Version {
			return cmpStr(a.Version, b.Version)
		}
		return cmpStr(a.Kind, b.Kind)
	})
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
