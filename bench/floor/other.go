//go:build !linux

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "floor: Linux only (it times the rule's system calls: O_PATH opens and fstatat)")
	os.Exit(2)
}
