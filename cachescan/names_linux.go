package cachescan

import (
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// direntBufs holds getdents buffers: one call fills 64 KiB with a thousand
// names or more, so all but the largest directories take one call and the
// empty one that ends the listing.
var direntBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// eachName calls f with the name of every entry of an open directory but
// "." and "..", with none of the os package's per-directory bookkeeping.
// The name points into the getdents buffer and is valid only during the
// call: f copies it (strings.Clone) to keep it. The NUL the kernel
// wrote follows it there, which statName relies on.
func eachName(fd int, f func(name string)) error {
	bufp := direntBufs.Get().(*[]byte)
	defer direntBufs.Put(bufp)
	buf := *bufp
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n <= 0 {
			return nil
		}
		// struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen;
		// u8 d_type; char d_name[]; }, d_name NUL-terminated.
		const nameOff = 19
		for off := 0; off+nameOff < n; {
			reclen := int(*(*uint16)(unsafe.Pointer(&buf[off+16])))
			if reclen <= nameOff || off+reclen > n {
				return unix.EIO // a record the kernel would never write
			}
			rec := buf[off+nameOff : off+reclen]
			off += reclen
			if *(*uint64)(unsafe.Pointer(&buf[off-reclen])) == 0 {
				continue // a deleted entry
			}
			l := 0
			for l < len(rec) && rec[l] != 0 {
				l++
			}
			if l == len(rec) {
				return unix.EIO // no NUL: never written by the kernel
			}
			if l == 0 || (rec[0] == '.' && (l == 1 || l == 2 && rec[1] == '.')) {
				continue
			}
			f(unsafe.String(&rec[0], l))
		}
	}
}
