package interop

import "syscall"

// sysProcAttr makes the kernel kill a spawned server when the test process dies, so
// that no server outlives a test binary that crashed or was killed.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
