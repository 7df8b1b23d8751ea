//go:build !unix

package actions

import "os/exec"

// detach does nothing where process groups are not set this way.
func detach(cmd *exec.Cmd) {}
