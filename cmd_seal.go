package main

// seal: a signed manifest of both caches, for caches that travel between
// machines (a CI cache saved on one runner and restored on another).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"modscope/actions"
	"modscope/cachescan"
	"modscope/report"
)

// maxKeyFile bounds a key file read: a note key is under 200 bytes.
const maxKeyFile = 4096

// sealFlags is seal, in one of three modes: --new-key NAME writes a key
// pair; --key KEYFILE --out FILE seals; --check FILE --verifier VKEYFILE
// checks the caches against a seal.
func sealFlags(fs *flag.FlagSet, cfg *config) runFunc {
	jobs := jobsFlag(fs, cfg)
	cacheFlags(fs, cfg)
	newKey := fs.String("new-key", "", "")
	key := fs.String("key", "", "")
	out := fs.String("out", "", "")
	checkFile := fs.String("check", "", "")
	verifier := fs.String("verifier", "", "")
	rehash := fs.Bool("rehash", false, "")
	strict := fs.Bool("strict", false, "")
	cfg.check(checkCombination, func() string {
		modes := 0
		for _, s := range []string{*newKey, *key, *checkFile} {
			if s != "" {
				modes++
			}
		}
		switch {
		case modes != 1:
			return "seal takes one of --new-key NAME, --key KEYFILE --out FILE, or --check FILE --verifier VKEYFILE" + seeFlags
		case *key != "" && *out == "":
			return "--key needs --out FILE, where the signed manifest goes" + seeFlags
		case *checkFile != "" && *verifier == "":
			return "--check needs --verifier VKEYFILE, the NAME.vkey of the key that sealed it" + seeFlags
		case *checkFile != "" && *out != "":
			return "--check writes nothing: drop --out" + seeFlags
		case *checkFile == "" && (*verifier != "" || *rehash || *strict):
			return "--verifier, --rehash and --strict go with --check" + seeFlags
		}
		return ""
	})
	return func(ctx context.Context, cfg *config) int {
		switch {
		case *newKey != "":
			return sealNewKey(cfg, *newKey, *out)
		case *key != "":
			return sealWrite(ctx, cfg, *key, *out, *jobs)
		}
		return sealCheck(ctx, cfg, *checkFile, *verifier, actions.CheckOptions{Rehash: *rehash, Jobs: *jobs}, *strict)
	}
}

// sealNewKey writes NAME.key (0600, the signer key: never printed) and
// NAME.vkey (the verifier key, public) into dir, refusing to overwrite.
func sealNewKey(cfg *config, name, dir string) int {
	if dir == "" {
		dir = "."
	}
	skey, vkey, err := actions.NewSealKey(name)
	if err != nil {
		return fail(cfg.stderr, err)
	}
	if err := mustBeDir("--out", dir); err != nil {
		return fail(cfg.stderr, err)
	}
	keyPath, vkeyPath := filepath.Join(dir, name+".key"), filepath.Join(dir, name+".vkey")
	if err := writeNew(keyPath, skey+"\n", 0o600); err != nil {
		return fail(cfg.stderr, err)
	}
	if err := writeNew(vkeyPath, vkey+"\n", 0o644); err != nil {
		os.Remove(keyPath) // ours, just made: no half pair left
		return fail(cfg.stderr, err)
	}
	doc := struct {
		Key         string `json:"key"`
		Verifier    string `json:"verifier"`
		VerifierKey string `json:"verifierKey"`
	}{keyPath, vkeyPath, vkey}
	if !output(cfg, doc, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "wrote %s (the signer key: keep it secret, give it only to the job that saves the cache)\nand %s (the verifier key, public):\n  %s\n",
			cachescan.Printable(keyPath), cachescan.Printable(vkeyPath), vkey)
		return err
	}) {
		return exitFailed
	}
	return exitOK
}

// writeNew creates a file that must not exist yet.
func writeNew(path, content string, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists: pick another name, or remove it first", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// readKeyFile reads a small key file; its content is never printed.
func readKeyFile(flagName, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		next := "name the NAME.key file modscope seal --new-key NAME wrote, or create one with modscope seal --new-key NAME"
		if flagName == "--verifier" {
			next = "name the NAME.vkey file modscope seal --new-key NAME wrote beside the key (the sealing side has it)"
		}
		return "", fmt.Errorf("%s %s: %v; %s", flagName, path, pathErr(err), next)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return "", fmt.Errorf("%s %s: %v", flagName, path, err)
	}
	if len(data) > maxKeyFile {
		return "", fmt.Errorf("%s %s: larger than a key file can be", flagName, path)
	}
	return strings.TrimSpace(string(data)), nil
}

// pathErr is an open error without the path it repeats.
func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// insideCaches reports whether path is in either cache root.
func insideCaches(cfg *config, path string) bool {
	for _, root := range []string{cfg.opts.ModCache, cfg.opts.BuildCache} {
		if root == "" {
			continue
		}
		if rel, err := filepath.Rel(root, path); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func sealWrite(ctx context.Context, cfg *config, keyFile, out string, jobs int) int {
	stderr := cfg.stderr
	skey, err := readKeyFile("--key", keyFile)
	if err != nil {
		return fail(stderr, err)
	}
	if out, err = filepath.Abs(out); err != nil {
		return fail(stderr, err)
	}
	if insideCaches(cfg, out) {
		fmt.Fprintf(stderr, "modscope: --out %s is inside a cache: write the seal outside both caches (it is saved beside them)\n", cachescan.Printable(out))
		return exitFailed
	}
	cfg.opts.SkipZipCheck = true // seal inflates every zip itself
	snap, code, ok := runScan(ctx, cfg)
	if !ok {
		return code
	}
	s := &actions.Sealer{}
	stop := showProgress(stderr, func() string {
		p := s.Progress()
		return fmt.Sprintf("sealing: %s/%s items, %s hashed", report.Count(p.ItemsDone), report.Count(p.Items), report.HumanBytes(p.BytesDone))
	})
	m, skipped, err := s.Build(ctx, snap, jobs)
	stop()
	if err != nil {
		return fail(stderr, err)
	}
	msg, signer, err := actions.Sign(m, skey)
	if err != nil {
		return fail(stderr, err)
	}
	if err := writeAtomic(out, msg); err != nil {
		return fail(stderr, fmt.Errorf("writing %s: %v; check the directory exists and is writable", out, err))
	}
	rep := actions.SealReport{File: out, Key: signer, Versions: len(m.Versions), Actions: len(m.Actions),
		Outputs: len(m.Outputs), BytesHashed: s.Progress().BytesDone, Skipped: skipped, Manifest: int64(len(msg))}
	if rep.Skipped == nil {
		rep.Skipped = []actions.SealSkip{}
	}
	if !output(cfg, rep, func(w io.Writer) error {
		for _, sk := range skipped {
			fmt.Fprintf(w, "not sealed: %s: %s\n", cachescan.Printable(sk.What), cachescan.Printable(sk.Why))
		}
		_, err := fmt.Fprintf(w, "sealed %s, %s and %s (%s hashed) into %s, signed by %s\n",
			report.Plural(int64(rep.Versions), "module version"), report.Plural(int64(rep.Actions), "build-cache action"),
			report.Plural(int64(rep.Outputs), "output"), report.HumanBytes(rep.BytesHashed), cachescan.Printable(out), cachescan.Printable(rep.Key))
		return err
	}) {
		return exitFailed
	}
	return exitOK
}

// writeAtomic writes a file through a temporary one beside it, renamed
// into place: a reader never sees half a seal.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

func sealCheck(ctx context.Context, cfg *config, file, vkeyFile string, opt actions.CheckOptions, strict bool) int {
	stderr := cfg.stderr
	vkey, err := readKeyFile("--verifier", vkeyFile)
	if err != nil {
		return fail(stderr, err)
	}
	f, err := os.Open(file)
	if err != nil {
		return fail(stderr, fmt.Errorf("--check %s: %v; name the seal file the saving job wrote", file, pathErr(err)))
	}
	m, signer, err := actions.OpenSeal(f, vkey)
	f.Close()
	if err != nil {
		fmt.Fprintf(stderr, "modscope: %s: %s; trust nothing of these caches: start from empty ones (or seal again where the key is)\n",
			cachescan.Printable(file), cachescan.Printable(err.Error()))
		return exitFailed
	}
	cfg.opts.SkipZipCheck = true
	snap, code, ok := runScan(ctx, cfg)
	if !ok {
		return code
	}
	s := &actions.Sealer{}
	stop := showProgress(stderr, func() string {
		p := s.Progress()
		return fmt.Sprintf("checking: %s/%s items, %s hashed", report.Count(p.ItemsDone), report.Count(p.Items), report.HumanBytes(p.BytesDone))
	})
	res, err := s.Check(ctx, snap, m, opt)
	stop()
	if err != nil {
		return fail(stderr, err)
	}
	res.Signer = signer
	if !output(cfg, res, func(w io.Writer) error { return writeSealCheck(w, res, strict) }) {
		return exitFailed
	}
	if !res.OK() || (strict && len(res.Added) > 0) {
		return exitProblems
	}
	return exitOK
}

// writeSealCheck prints a check: every difference, one line each, then
// the verdict.
func writeSealCheck(w io.Writer, c *actions.SealCheck, strict bool) error {
	p := cachescan.Printable
	var err error
	pr := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	pr("seal of %s by %s: %s, %s, %s\n", c.Sealed.Format("2006-01-02 15:04:05 MST"), p(c.Signer),
		report.Plural(int64(c.Versions), "module version"), report.Plural(int64(c.Actions), "build-cache action"), report.Plural(int64(c.Outputs), "output"))
	for _, n := range c.Notes {
		pr("note: %s\n", p(n))
	}
	for _, l := range []struct {
		label string
		diffs []actions.SealDiff
	}{{"changed", c.Changed}, {"gone", c.Gone}, {"added", c.Added}} {
		for _, d := range l.diffs {
			pr("%s: %s %s: %s\n", l.label, d.Kind, p(d.Name), p(d.Detail))
			if d.Path != "" {
				pr("    %s\n", p(d.Path))
			}
		}
	}
	how := fmt.Sprintf("%d vouched for by identity, %d hashed again, %s read", c.Vouched, c.Rehashed, report.HumanBytes(c.BytesHashed))
	switch {
	case !c.OK():
		pr("NOT AS SEALED: %d changed, %d gone (%s); do not build from these caches: start from empty ones\n", len(c.Changed), len(c.Gone), how)
	case len(c.Added) > 0 && strict:
		pr("NOT AS SEALED (--strict): %s added since the seal (%s)\n", report.Plural(int64(len(c.Added)), "entry"), how)
	case len(c.Added) > 0:
		pr("as sealed, with %s added since (%s): an added entry is unchecked; --strict fails on it\n", report.Plural(int64(len(c.Added)), "entry"), how)
	default:
		pr("as sealed (%s)\n", how)
	}
	return err
}
