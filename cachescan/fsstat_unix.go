//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package cachescan

import (
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// readDir lists a directory and lstats every entry relative to the open
// directory (fstatat), which spares the kernel a path lookup per file.
// O_NOFOLLOW: a directory swapped for a symlink after it was listed is never
// followed.
func readDir(path string) ([]dirEntry, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	ents := make([]dirEntry, 0, len(names))
	var st unix.Stat_t
	for _, name := range names {
		if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			// Removed since it was listed (a go command at work): skip it.
			continue
		}
		ents = append(ents, fromStat(name, &st))
	}
	return ents, nil
}

// lstatEntry stats one path without following a final symlink.
func lstatEntry(path string) (dirEntry, error) {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return dirEntry{}, &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	return fromStat(path, &st), nil
}

func fromStat(name string, st *unix.Stat_t) dirEntry {
	var mode fs.FileMode
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		mode = fs.ModeDir
	case unix.S_IFLNK:
		mode = fs.ModeSymlink
	case unix.S_IFREG:
	case unix.S_IFIFO:
		mode = fs.ModeNamedPipe
	case unix.S_IFSOCK:
		mode = fs.ModeSocket
	default:
		mode = fs.ModeDevice
	}
	mode |= fs.FileMode(st.Mode & 0o777)
	return dirEntry{
		name:   name,
		mode:   mode,
		size:   st.Size,
		blocks: int64(st.Blocks) * 512,
		mtime:  st.Mtim.Nano(),
		dev:    uint64(st.Dev),
		ino:    uint64(st.Ino),
		nlink:  uint64(st.Nlink),
	}
}
