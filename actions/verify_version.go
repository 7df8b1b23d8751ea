package actions

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"modscope/cachescan"
)

// result is what hashing one item found.
type result struct {
	problems     []cachescan.Problem
	skipped      []Skipped
	notCheckable []Skipped
	sumChecked   bool
	sumErr       string
	hashes       VersionHashes
	bytes        int64
	sumFile      string // the go.sum or go.work.sum a gosum-mismatch quotes
	// recent: a build output written within RecentOutputWindow, not
	// hashed.
	recent bool
}

// versionCheck is one module version being verified: what the project's
// sums say of it, and what was found so far.
type versionCheck struct {
	snap          *cachescan.Snapshot
	m             *cachescan.Module
	ver           *cachescan.Version
	mv, base      string // "path@version", and its files' path without extension
	download      string // the command that fetches it again
	sums, modSums []string
	count         counter // counts into res.bytes too
	buf           []byte
	res           result
	zs            fileSums // the zip's entries, when it was inflated
	// tree is the extracted tree, listed before the zip is inflated so
	// that each of its files is compared with the zip's entry as it
	// inflates (one read of each, no second hash); treeErr is why it
	// could not be listed. skip and copies are a toolchain's go.mod
	// copies (see checkTree).
	tree           *treeList
	treeErr        error
	skip           func(string) bool
	copies         map[string]string
	zipOK          bool   // the zip was hashed; a zip that cannot be read is zip-corrupt, the scan's
	want, wantFrom string // the hash the tree must have, and who says so
}

// verifyVersion hashes one version: its zip, its extracted tree, its .mod,
// and what go.sum says of them. scanCorrupt: the scan found its zip
// zip-corrupt, so it is not inflated at all (a zip bomb fails x/mod/zip's
// checks); the scan's problem stands for it.
func verifyVersion(snap *cachescan.Snapshot, m *cachescan.Module, ver *cachescan.Version, zc *zipCache, checkZips, scanCorrupt bool, count counter, buf []byte) result {
	c := &versionCheck{snap: snap, m: m, ver: ver, mv: m.Path + "@" + ver.Version,
		base: filepath.Join(ver.DownloadDir, ver.EscapedVersion), buf: buf}
	c.count = func(n int64) error { c.res.bytes += n; return count(n) }
	if cachescan.LockHeld(c.base + ".lock") {
		c.res.skipped = append(c.res.skipped, Skipped{m.Path, ver.Version, c.base + ".lock", "a go command holds the version's lock: it is being written"})
		return c.res
	}
	c.sums, c.modSums = snap.Project.Sum(m.Path, ver.Version)
	c.download = cachescan.DownloadCmd(c.mv)
	hashTree := ver.HasDir && !ver.HasPartial && ver.State != cachescan.StateExtracting
	if hashTree && onePass {
		c.listTree()
	}
	if ver.HasZip {
		c.checkZip(zc, checkZips, scanCorrupt)
	}
	c.findWant()
	if hashTree {
		c.checkTree()
	}
	if ver.HasMod {
		c.checkMod()
	}
	c.checkGoSum()
	return c.res
}

// add records a problem of the version.
func (c *versionCheck) add(kind, at, detail, fix string) {
	p := cachescan.Problem{Kind: kind, Module: c.m.Path, Version: c.ver.Version, Path: at, Detail: detail, Fix: fix}
	if k := cachescan.LookupKind(kind); k != nil {
		p.Severity = k.Severity
	}
	c.res.problems = append(c.res.problems, p)
}

// checkZip hashes the zip (with x/mod/zip's checks when the scan left them
// here) and compares it with its ziphash.
func (c *versionCheck) checkZip(zc *zipCache, checkZips, scanCorrupt bool) {
	m, ver, base := c.m, c.ver, c.base
	var check func() (cachescan.Problem, bool)
	if checkZips {
		// The scan left the structural check to this pass.
		check = func() (cachescan.Problem, bool) { return cachescan.ZipProblem(m.Path, ver.Version, base+".zip") }
	}
	h, entries, zp, err := hashZip(base+".zip", zc, check, scanCorrupt, c.tree, c.count, c.buf)
	if zp == nil && err != nil && checkZips {
		if p, bad := cachescan.ZipProblem(m.Path, ver.Version, base+".zip"); bad {
			zp = &p
		}
	}
	var ze *zipError
	if zp == nil && !scanCorrupt && errors.As(err, &ze) {
		// It passed x/mod/zip's checks, yet cannot be inflated within
		// them: the go command fails on it too.
		p := cachescan.Problem{Kind: cachescan.KindZipCorrupt, Module: m.Path, Version: ver.Version, Path: base + ".zip", Detail: ze.detail}
		if k := cachescan.LookupKind(p.Kind); k != nil {
			p.Severity = k.Severity
		}
		zp = &p
	}
	if zp != nil {
		zp.Fix = fixRemove(ver, base, true) + "; " + c.download
		c.res.problems = append(c.res.problems, *zp)
	} else if err != nil && !scanCorrupt && !errors.As(err, &ze) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		// Neither corrupt nor hashed: said, not dropped.
		c.add(cachescan.KindUnreadable, base+".zip", "the zip could not be hashed: "+err.Error(),
			"check it (ls -l, dmesg for I/O errors), then verify again")
	}
	if err == nil {
		c.zipOK, c.zs, c.res.hashes.Zip = true, entries, h
		if ver.ZipHash != "" && h != ver.ZipHash {
			pr := c.snap.Project
			c.add(cachescan.KindZipModified, base+".zip",
				fmt.Sprintf("the zip hashes to %s, its ziphash says %s%s", h, ver.ZipHash, sumTriage(h, ver.ZipHash, c.sums, pr.SumFile(m.Path, ver.Version, h), pr.SumFile(m.Path, ver.Version, ver.ZipHash))),
				fixRemove(ver, base, true)+"; "+c.download)
		}
	}
}

// findWant finds the hash the tree must have: the ziphash, else go.sum,
// else the zip; for golang.org/fips140, extracted from the Go distribution
// rather than downloaded, the zip in $GOROOT/lib/fips140.
func (c *versionCheck) findWant() {
	m, ver := c.m, c.ver
	c.want, c.wantFrom = ver.ZipHash, "the ziphash"
	if c.want == "" && len(c.sums) > 0 {
		c.want, c.wantFrom = c.sums[0], c.snap.Project.SumFile(m.Path, ver.Version, c.sums[0])
	}
	if c.want == "" && c.res.hashes.Zip != "" {
		c.want, c.wantFrom = c.res.hashes.Zip, "the zip"
	}
	if c.want == "" && m.Path == "golang.org/fips140" && ver.HasDir {
		goZip := filepath.Join(c.snap.Env.GOROOT, "lib", "fips140", ver.Version+".zip")
		if c.snap.Env.GOROOT != "" {
			if zs, err := zipSums(goZip, c.count, c.buf); err == nil {
				c.want, _ = h1(zs)
				c.wantFrom = goZip
			}
		}
		if c.want == "" {
			c.res.skipped = append(c.res.skipped, Skipped{m.Path, ver.Version, ver.Dir, "no " + goZip + " to compare the tree with"})
		}
	}
}

// onePass compares each tree file with the zip's entry as it inflates;
// false hashes the zip, then the tree, each in full (tests compare the two).
var onePass = true

// listTree lists the extracted tree, for checkTree and for checkZip to
// compare with the zip as it inflates.
func (c *versionCheck) listTree() {
	ver, mv := c.ver, c.mv
	if ver.Toolchain {
		// The go command copies every _go.mod to a go.mod beside it
		// after extracting: those copies are not in the zip.
		c.copies = map[string]string{}
		c.skip = func(name string) bool {
			if path.Base(name) != "go.mod" {
				return false
			}
			twin := path.Join(path.Dir(name), "_go.mod")
			if _, err := os.Lstat(filepath.Join(ver.Dir, filepath.FromSlash(strings.TrimPrefix(twin, mv+"/")))); err == nil {
				c.copies[name] = twin
				return true
			}
			return false
		}
	}
	c.tree, c.treeErr = listTree(ver.Dir, mv, c.skip)
	if c.treeErr != nil {
		c.tree = nil
	}
}

// checkTree hashes the extracted tree and compares it with want, listing
// the files that differ from the zip. The files checkZip found equal to
// the zip's entries are not read again.
func (c *versionCheck) checkTree() {
	m, ver, mv, base := c.m, c.ver, c.mv, c.base
	if c.tree == nil && c.treeErr == nil {
		c.listTree() // the two passes: listed after the zip was hashed
	}
	copies := c.copies
	var ds fileSums
	err := c.treeErr
	if err == nil {
		var zs fileSums
		if c.zipOK {
			zs = c.zs // nil when the zip's hash came from the cache
		}
		ds, err = hashTree(c.tree, zs, c.count, c.buf)
	}
	if err == nil {
		c.res.hashes.Dir, err = h1(ds)
	}
	switch {
	case err != nil:
		c.add(cachescan.KindDirModified, ver.Dir, "cannot hash the tree: "+err.Error(), fixRemove(ver, base, false))
	case c.want != "" && c.res.hashes.Dir != c.want:
		detail := fmt.Sprintf("the tree hashes to %s, %s says %s", c.res.hashes.Dir, c.wantFrom, c.want)
		if c.zs == nil && c.zipOK {
			// The zip's hash came from the cache: read its entries now,
			// for the list of files that differ.
			c.zs, _ = zipSums(base+".zip", c.count, c.buf)
		}
		if c.zs != nil {
			added, missing, changed := diffSums(ds, c.zs, mv)
			detail += describeDiff(added, missing, changed)
		}
		fix := fixRemove(ver, base, false) + "  (the go command extracts it again from the zip, offline)"
		switch {
		case m.Path == "golang.org/fips140" && !ver.HasZip:
			fix = fixRemove(ver, base, false) + "  (the go command extracts it again from " + filepath.Join(c.snap.Env.GOROOT, "lib", "fips140") + " when GOFIPS140 asks for it, offline)"
		case !ver.HasZip:
			fix = fixRemove(ver, base, false) + "; " + c.download
		}
		c.add(cachescan.KindDirModified, ver.Dir, detail, fix)
	}
	for cp, twin := range copies {
		// go.mod files, held to the scan's cap: a bigger one differs.
		a, errA := cachescan.ReadSmall(filepath.Join(ver.Dir, filepath.FromSlash(strings.TrimPrefix(cp, mv+"/"))), 0)
		b, errB := cachescan.ReadSmall(filepath.Join(ver.Dir, filepath.FromSlash(strings.TrimPrefix(twin, mv+"/"))), 0)
		if errA != nil || errB != nil || string(a) != string(b) {
			c.add(cachescan.KindDirModified, ver.Dir, strings.TrimPrefix(cp, mv+"/")+" differs from the _go.mod it copies",
				"remove the toolchain (chmod -R u+w, rm -rf) and let GOTOOLCHAIN switching fetch it again")
		}
	}
}

// checkMod hashes the .mod and compares it with go.sum's /go.mod line.
func (c *versionCheck) checkMod() {
	ver, base, q := c.ver, c.base, cachescan.ShellQuote
	// The scan's cap: a .mod past it is mod-invalid, never read whole.
	var hint int64
	for _, f := range ver.Files {
		if f.Name == ver.EscapedVersion+".mod" {
			hint = f.ApparentBytes
		}
	}
	data, err := cachescan.ReadSmall(base+".mod", hint)
	if errors.Is(err, cachescan.ErrTooLarge) && !hasProblem(c.snap.Problems, cachescan.KindModInvalid, base+".mod") {
		c.add(cachescan.KindModInvalid, base+".mod", "cannot read: "+err.Error(),
			"rm "+q(base+".mod")+"  (the go command fetches it again; needs the network)")
	}
	if err == nil {
		c.count(int64(len(data)))
		c.res.hashes.GoMod = goModSum(data)
		if len(c.modSums) > 0 && !slices.Contains(c.modSums, c.res.hashes.GoMod) {
			c.add(cachescan.KindModModified, base+".mod",
				fmt.Sprintf("the .mod hashes to %s, %s says %s", c.res.hashes.GoMod, c.snap.Project.SumFile(c.m.Path, ver.Version+"/go.mod", c.modSums[0]), c.modSums[0]),
				"rm "+q(base+".mod")+"  (the go command fetches it again; needs the network)")
		}
	}
}

// checkGoSum compares go.sum with what the cache would hand the go
// command: the ziphash when there is one (it is what builds check), else
// the zip.
func (c *versionCheck) checkGoSum() {
	have := c.ver.ZipHash
	if have == "" {
		have = c.res.hashes.Zip
	}
	sums := c.sums
	if len(sums) == 0 || have == "" || slices.Contains(sums, have) {
		return
	}
	c.res.sumFile = c.snap.Project.SumFile(c.m.Path, c.ver.Version, sums[0])
	detail := fmt.Sprintf("the cache has %s, %s says %s", have, c.res.sumFile, sums[0])
	switch {
	case c.res.hashes.Zip != "" && slices.Contains(sums, c.res.hashes.Zip):
		detail += "; the zip itself matches " + c.res.sumFile + ": only the ziphash is wrong (local corruption)"
	case c.res.hashes.Zip != "":
		detail += "; the zip agrees with the cache: download it again to tell local corruption from an upstream change"
	}
	c.add(cachescan.KindGoSumMismatch, c.base+".ziphash", detail, fixRemove(c.ver, c.base, true)+"; "+c.download)
}

// hasProblem reports whether the scan already found a problem of this kind
// at this path.
func hasProblem(ps []cachescan.Problem, kind, at string) bool {
	for _, p := range ps {
		if p.Kind == kind && p.Path == at {
			return true
		}
	}
	return false
}

// sumTriage says which side of a zip-modified a go.sum (or go.work.sum:
// zipFile and hashFile name the file with each line) agrees with.
func sumTriage(zipHash, zipHashFile string, sums []string, zipFile, hashFile string) string {
	switch {
	case slices.Contains(sums, zipHash):
		return "; " + zipFile + " agrees with the zip: the ziphash is wrong"
	case slices.Contains(sums, zipHashFile):
		return "; " + hashFile + " agrees with the ziphash: the zip was changed"
	}
	return ""
}

// describeDiff lists the files of a tree that differ from the zip's.
func describeDiff(added, missing, changed []string) string {
	d := describeLists(namedList{"changed", changed}, namedList{"added", added}, namedList{"missing", missing})
	if d == "" {
		return ""
	}
	return "; " + d
}

// fixRemove is the command that takes a version's tree (and, with zip, its
// zip and ziphash) out of the cache in the go command's safe order.
func fixRemove(ver *cachescan.Version, base string, zip bool) string {
	dir := ""
	if ver.HasDir {
		dir = ver.Dir
	}
	if zip {
		return cachescan.RemoveCmd(dir, base, base+".zip", base+".ziphash")
	}
	return cachescan.RemoveCmd(dir, base)
}

// hashZip returns a zip's h1 hash. A zip the cache knows is read raw and,
// if its bytes are unchanged, not inflated; its entry sums are then nil.
// The raw hash and the content hash come from one open file, and are only
// recorded together if the file did not change meanwhile (a download or a
// repair replacing it at the same size). check, when not nil, runs
// x/mod/zip's structural checks, unless the cache says these bytes passed
// them; a problem it finds is returned, with a *zipError, and nothing of
// that zip is inflated. corrupt: the scan found it zip-corrupt already, so
// it is not read at all.
func hashZip(zip string, zc *zipCache, check func() (cachescan.Problem, bool), corrupt bool, tree *treeList, count counter, buf []byte) (string, fileSums, *cachescan.Problem, error) {
	if corrupt {
		return "", nil, nil, &zipError{"zip-corrupt: not inflated"}
	}
	f, err := os.Open(zip)
	if err != nil {
		return "", nil, nil, err
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return "", nil, nil, err
	}
	size := before.Size()
	src, err := loadZip(f, size)
	if err != nil {
		return "", nil, nil, err
	}
	defer src.release()
	rawHash := func() ([32]byte, error) {
		if src.mem != nil {
			if err := count(size); err != nil {
				return [32]byte{}, err
			}
			return sha256.Sum256(src.mem.b), nil
		}
		return hashReader(io.NewSectionReader(f, 0, size), count, buf)
	}
	var raw [32]byte
	haveRaw := false
	if zc.known(zip, size) {
		if raw, err = rawHash(); err != nil {
			return "", nil, nil, err
		}
		haveRaw = true
		if h, checked, ok := zc.lookup(zip, size, raw); ok && (checked || check == nil) {
			return h, nil, nil, nil
		}
	}
	if check != nil {
		if p, bad := check(); bad {
			// Never inflate a zip that fails the checks: they are what
			// bounds the inflating.
			return "", nil, &p, &zipError{p.Detail}
		}
	}
	zs, err := zipSumsFrom(src.ReaderAt, size, tree, count, buf)
	if err != nil {
		return "", nil, nil, err
	}
	h, err := h1(zs)
	if err != nil {
		return "", nil, nil, err
	}
	if zc.path != "" {
		if !haveRaw {
			if raw, err = rawHash(); err != nil {
				return h, zs, nil, nil
			}
		}
		after, err := f.Stat()
		if err == nil && after.Size() == size && after.ModTime().Equal(before.ModTime()) && os.SameFile(before, after) {
			zc.record(zip, size, raw, h, check != nil)
		}
	}
	return h, zs, nil, nil
}
