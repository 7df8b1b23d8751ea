//go:build unix

package actions

import (
	"os/exec"
	"syscall"
)

// detach puts cmd in a process group of its own, out of reach of the
// terminal's ctrl+c.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
