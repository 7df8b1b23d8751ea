//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package actions

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"modscope/actions/confine"
)

// tmpPrefix names the temporary directories a download works in.
const tmpPrefix = "modscope-download-"

// holdTmp takes an exclusive flock on tmp/in-use and keeps it open for
// the job's life: the kernel drops it when the process ends, however it
// ends (kill -9 too), which is how a later run tells a stale directory
// from one a running download still uses.
//
// The file is locked under another name and then renamed to in-use: a
// cleanup running at the same moment (another download of this run, or
// another modscope) never sees an in-use file that is not locked yet.
func holdTmp(tmp string) *os.File {
	f, err := os.OpenFile(filepath.Join(tmp, "in-use.new"), os.O_CREATE|os.O_EXCL|os.O_RDWR|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil
	}
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil ||
		os.Rename(filepath.Join(tmp, "in-use.new"), filepath.Join(tmp, "in-use")) != nil {
		f.Close()
		return nil
	}
	return f
}

// removeStaleTmp removes the download directories left in dir by a
// download that was killed: ours only (a real directory, not a link, owned
// by this user, named by tmpPrefix) and only with an in-use file nobody
// holds a lock on. One without the file (another program's, or one being
// set up this instant) is left alone. Removal goes through confine, never
// following a link.
func removeStaleTmp(dir string) (removed []string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), tmpPrefix) || !e.IsDir() {
			continue // ReadDir's type is the lstat's: a link is not a dir
		}
		p := filepath.Join(dir, e.Name())
		var st unix.Stat_t
		if unix.Lstat(p, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != os.Getuid() {
			continue
		}
		f, err := os.OpenFile(filepath.Join(p, "in-use"), os.O_RDWR|syscall.O_NOFOLLOW, 0)
		if err != nil {
			continue
		}
		free := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil
		f.Close()
		if free && confine.RemoveScratch(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed
}
