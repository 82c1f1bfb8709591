//go:build linux

package cgroup

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// The system calls the package needs, Linux-only like cgroups themselves;
// sys_other.go lets the rest of tailor build elsewhere.

func platformCheck() error { return nil }

// flock takes f's exclusive flock(2) without blocking.
func flock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// writable is access(2) with W_OK.
func writable(dir string) error { return syscall.Access(dir, 2) }

// sigkill sends SIGKILL; a process already gone is no error.
func sigkill(pid int) error {
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}

// startAttrs makes the child lead its own process group (unless it asked
// for its own session) and, when cgroupFD >= 0, be cloned straight into
// that cgroup (clone3 CLONE_INTO_CGROUP, cgroup v2).
func startAttrs(attr *syscall.SysProcAttr, cgroupFD int) {
	if !attr.Setsid {
		attr.Setpgid, attr.Pgid = true, 0
	}
	if cgroupFD >= 0 {
		attr.UseCgroupFD, attr.CgroupFD = true, cgroupFD
	}
}

// waitStopped waits until the child pid has stopped itself. If it ended
// instead, it has been reaped here and cmd.Wait will fail.
func waitStopped(pid int) error {
	for {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(pid, &ws, syscall.WUNTRACED, nil)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil:
			return fmt.Errorf("wait for the start wrapper: %w", err)
		case ws.Stopped():
			return nil
		case ws.Signaled():
			return fmt.Errorf("start wrapper %s killed by %v before joining the group", shell, ws.Signal())
		default:
			return fmt.Errorf("start wrapper %s exited with status %d before joining the group", shell, ws.ExitStatus())
		}
	}
}

// resume sends SIGCONT.
func resume(pid int) error { return syscall.Kill(pid, syscall.SIGCONT) }
