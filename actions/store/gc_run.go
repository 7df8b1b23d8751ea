package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"gocloud.dev/blob"
)

// maxListSize bounds the @v/list a gc reads and rewrites: a module's
// list of every version it ever tagged is a few kilobytes.
const maxListSize = 1 << 20

// GCResult is what a gc run did, measured: the bytes are the sizes the
// store reported for the objects just before each was deleted.
type GCResult struct {
	Deleted      int   `json:"deleted"`
	DeletedBytes int64 `json:"deletedBytes"`
	// AlreadyGone are the keys that were no longer there (deleted by
	// someone else since the listing): counted, not failures.
	AlreadyGone int `json:"alreadyGone"`
	// Versions are the versions all of whose keys are gone.
	Versions  int         `json:"versions"`
	Lists     int         `json:"listsRewritten"`
	Failures  []GCFailure `json:"failures,omitempty"`
	Cancelled bool        `json:"cancelled,omitempty"`
}

// GCFailure is a key the run could not delete or rewrite.
type GCFailure struct {
	Key string `json:"key"`
	Err string `json:"error"`
}

// GCProgress is how far a run is.
type GCProgress struct {
	Done, Total int
	Bytes       int64
}

// Run carries the plan out through the bucket's API: per module, the
// @v/list first (rewritten without the versions that go, then read back),
// then each version's keys in the plan's order. A stop between the two
// leaves a list that omits versions still there, which the go command
// handles (it fetches a version by name without the list); the other
// order would leave a list naming versions that are gone. Run checks ctx
// between objects and deletes no key that is not the plan's, nor one that
// does not name the plan's version in the store's layout: a plan edited or
// built from a hostile listing cannot reach another object.
func (plan *GCPlan) Run(ctx context.Context, s *Store, progress func(GCProgress)) *GCResult {
	res := &GCResult{}
	total := plan.Objects
	for _, l := range plan.Lists {
		if !l.Delete {
			total++
		}
	}
	done := 0
	tick := func() {
		done++
		if progress != nil {
			progress(GCProgress{Done: done, Total: total, Bytes: res.DeletedBytes})
		}
	}
	lists := map[string]GCList{}
	for _, l := range plan.Lists {
		lists[l.Module] = l
	}
	skipModule := map[string]bool{}
	listDone := map[string]bool{}
	var lastDeletes []GCList
	for _, it := range plan.Items {
		if ctx.Err() != nil {
			res.Cancelled = true
			return res
		}
		if skipModule[it.Module] {
			continue
		}
		if l, ok := lists[it.Module]; ok && !listDone[it.Module] {
			listDone[it.Module] = true
			if l.Delete {
				lastDeletes = append(lastDeletes, l)
			} else {
				if err := plan.rewriteList(ctx, s, l); err != nil {
					// Deleting the versions would leave a list naming
					// them: keep the module as it is.
					res.Failures = append(res.Failures, GCFailure{Key: l.Key, Err: err.Error() + "; its versions were left in place"})
					skipModule[it.Module] = true
					continue
				}
				res.Lists++
				tick()
			}
		}
		// Every key is checked before the first goes: deleting the rest
		// of a version whose zip is refused would leave a zip without
		// its metadata.
		refused := false
		for _, key := range it.Keys {
			if err := plan.checkKey(key, it.Module, it.Version); err != nil {
				res.Failures = append(res.Failures, GCFailure{Key: key, Err: err.Error()})
				refused = true
			}
		}
		if refused {
			continue
		}
		whole := true
		for _, key := range it.Keys {
			if ctx.Err() != nil {
				res.Cancelled = true
				return res
			}
			if !plan.delete(ctx, s, key, res) {
				whole = false
			}
			tick()
		}
		if whole {
			res.Versions++
		}
	}
	// A module's list goes after its last version: a list without
	// versions is harmless, versions without their list are not found
	// by @latest.
	for _, l := range lastDeletes {
		if ctx.Err() != nil {
			res.Cancelled = true
			return res
		}
		if p, _, kind, ok := parseKey(plan.layout, l.Key); !ok || kind != fileList || p != l.Module {
			res.Failures = append(res.Failures, GCFailure{Key: l.Key, Err: "not the module's @v/list: refused"})
			continue
		}
		plan.delete(ctx, s, l.Key, res)
		tick()
	}
	return res
}

// delete deletes one key and counts it; false when it failed.
func (plan *GCPlan) delete(ctx context.Context, s *Store, key string, res *GCResult) bool {
	var size int64
	if a, err := s.Bucket.Attributes(ctx, key); err == nil {
		size = a.Size
	} else if IsNotFound(err) {
		res.AlreadyGone++
		return true
	}
	err := s.Bucket.Delete(ctx, key)
	switch {
	case err == nil:
		res.Deleted++
		res.DeletedBytes += size
	case IsNotFound(err):
		res.AlreadyGone++
	default:
		res.Failures = append(res.Failures, GCFailure{Key: key, Err: oneLine(err.Error())})
		return false
	}
	return true
}

// checkKey refuses a key that is not one of the version's files in the
// plan's layout.
func (plan *GCPlan) checkKey(key, path, vers string) error {
	p, v, kind, ok := parseKey(plan.layout, key)
	if !ok || kind == fileList || p != path || v != vers {
		return fmt.Errorf("not a file of %s@%s: refused", path, vers)
	}
	return nil
}

// rewriteList writes the module's @v/list without the plan's versions and
// reads it back.
func (plan *GCPlan) rewriteList(ctx context.Context, s *Store, l GCList) error {
	if p, _, kind, ok := parseKey(plan.layout, l.Key); !ok || kind != fileList || p != l.Module {
		return fmt.Errorf("not the module's @v/list: refused")
	}
	r, err := s.Bucket.NewReader(ctx, l.Key, nil)
	if IsNotFound(err) {
		return nil // no list to keep right
	}
	if err != nil {
		return fmt.Errorf("reading it: %s", oneLine(err.Error()))
	}
	old, err := io.ReadAll(io.LimitReader(r, maxListSize+1))
	r.Close()
	if err != nil {
		return fmt.Errorf("reading it: %s", oneLine(err.Error()))
	}
	if len(old) > maxListSize {
		return fmt.Errorf("over %d bytes: not a list", maxListSize)
	}
	data := dropVersions(old, l.Drop)
	if bytes.Equal(data, old) {
		return nil
	}
	if err := s.Bucket.WriteAll(ctx, l.Key, data, &blob.WriterOptions{ContentType: "text/plain; charset=utf-8"}); err != nil {
		return fmt.Errorf("writing it: %s", oneLine(err.Error()))
	}
	back, err := s.Bucket.ReadAll(ctx, l.Key)
	if err != nil || !bytes.Equal(back, data) {
		return fmt.Errorf("it did not read back as written")
	}
	return nil
}

// dropVersions is an @v/list without the lines naming the versions; the
// other lines stay as they are (a caching proxy's list names versions
// upstream has and the store may not).
func dropVersions(list []byte, drop []string) []byte {
	var out []byte
	for _, line := range strings.SplitAfter(string(list), "\n") {
		if line == "" {
			continue
		}
		if hasString(drop, strings.TrimSpace(line)) {
			continue
		}
		out = append(out, line...)
	}
	if out == nil {
		out = []byte{}
	}
	return out
}
