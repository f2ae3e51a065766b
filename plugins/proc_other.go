//go:build !linux

package plugins

import "os/exec"

// dieWithNode does nothing where the kernel cannot tie a child's life to
// its parent's: a plugin of a node killed outright lingers until its next
// failed write.
func dieWithNode(*exec.Cmd) {}
