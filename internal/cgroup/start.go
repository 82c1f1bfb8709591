package cgroup

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// shell is the v1 start wrapper; see the package documentation.
const (
	shell        = "/bin/sh"
	stopThenExec = `kill -STOP $$ && exec "$@"`
)

// Start starts cmd inside the group, like cmd.Start, and returns once the
// process is in the group, before it has run any code of its own. Wait for
// it with cmd.Wait as usual. The command runs in its own process group
// unless cmd.SysProcAttr asks for a new session; other SysProcAttr fields are
// kept.
//
// Killing cmd.Process (or exec.CommandContext's default Cancel) kills only
// that process; Kill, Destroy and Run kill the whole group.
func (g *Group) Start(cmd *exec.Cmd) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.destroyed {
		return errDestroyed(g.name)
	}
	var attr syscall.SysProcAttr
	if cmd.SysProcAttr != nil {
		attr = *cmd.SysProcAttr
	}
	cmd.SysProcAttr = &attr
	var err error
	if g.h.Version == V2 {
		startAttrs(&attr, int(g.held[0].Fd()))
		err = cmd.Start()
	} else {
		startAttrs(&attr, -1)
		err = g.startV1(cmd)
	}
	if err != nil {
		return fmt.Errorf("cgroup: start %s in %s: %w", cmd.Path, g.name, err)
	}
	return nil
}

// startV1 starts cmd stopped under the shell wrapper, moves it into the
// group and lets it exec. cmd.Path and cmd.Args are restored afterwards.
func (g *Group) startV1(cmd *exec.Cmd) error {
	if cmd.Err != nil {
		return cmd.Err
	}
	path, args := cmd.Path, cmd.Args
	defer func() { cmd.Path, cmd.Args = path, args }()
	target := path
	if !strings.Contains(target, "/") {
		target = "./" + target // execve semantics, not a $PATH search
	}
	argv0, rest := path, []string(nil)
	if len(args) > 0 {
		argv0, rest = args[0], args[1:]
	}
	cmd.Path = shell
	cmd.Args = append([]string{"sh", "-c", stopThenExec, argv0, target}, rest...)
	if err := cmd.Start(); err != nil {
		return err
	}
	pid := cmd.Process.Pid
	err := waitStopped(pid)
	for _, dir := range g.dirs {
		if err != nil {
			break
		}
		err = writeFile(filepath.Join(dir, "cgroup.procs"), strconv.Itoa(pid))
	}
	if err == nil {
		err = resume(pid)
	}
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return err
	}
	return nil
}

// Run starts cmd in the group and waits for it. When ctx is done before cmd
// ends, every process in the group is killed and the error wraps ctx.Err().
// The group is not removed, so its Stats stay readable; Close it afterwards.
func (g *Group) Run(ctx context.Context, cmd *exec.Cmd) error {
	if err := g.Start(cmd); err != nil {
		return err
	}
	killed := make(chan error, 1)
	stop := context.AfterFunc(ctx, func() {
		kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultDestroyTimeout)
		defer cancel()
		killed <- g.Kill(kctx)
	})
	err := cmd.Wait()
	if !stop() {
		err = errors.Join(ctx.Err(), <-killed, err)
	}
	if err != nil {
		return fmt.Errorf("cgroup: run %s in %s: %w", cmd.Path, g.name, err)
	}
	return nil
}
