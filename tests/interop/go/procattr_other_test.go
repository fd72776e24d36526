//go:build !linux

package interop

import "syscall"

// sysProcAttr: only Linux can tie a child's life to its parent's; elsewhere the
// servers are stopped by the tests' cleanups alone.
func sysProcAttr() *syscall.SysProcAttr { return nil }
