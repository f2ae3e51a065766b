package plugins

import (
	"os/exec"
	"syscall"
)

// dieWithNode makes the kernel kill the plugin if the node dies without
// stopping it (kill -9, a crash), so that no plugin outlives its node. The
// signal follows the thread that started the plugin; Go keeps its threads
// for the life of the process unless a goroutine locked to one exits, which
// the supervisor never does.
func dieWithNode(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
