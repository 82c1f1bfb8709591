//go:build !linux

package cgroup

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// cgroups exist only on Linux: Detect fails with ErrUnavailable, so no
// Group is ever created and the functions below are never reached; they
// let the rest of tailor build for other systems.

var errNotLinux = fmt.Errorf("cgroups exist only on Linux, not %s", runtime.GOOS)

func platformCheck() error { return errNotLinux }

func flock(*os.File) error { return errNotLinux }

func writable(string) error { return errNotLinux }

func sigkill(int) error { return errNotLinux }

func startAttrs(*syscall.SysProcAttr, int) {}

func waitStopped(int) error { return errNotLinux }

func resume(int) error { return errNotLinux }
