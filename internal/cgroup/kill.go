package cgroup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultDestroyTimeout bounds Close.
const DefaultDestroyTimeout = 10 * time.Second

// killPoll is the pause between two rounds of SIGKILL.
const killPoll = 5 * time.Millisecond

func errDestroyed(name string) error {
	return fmt.Errorf("cgroup: group %s already destroyed", name)
}

// Processes returns the pids of the processes in the group and in any group
// its processes created below it, sorted.
func (g *Group) Processes() ([]int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.destroyed {
		return nil, errDestroyed(g.name)
	}
	pids, err := procs(treeDirs(g.dirs))
	if err != nil {
		return nil, fmt.Errorf("cgroup: processes of %s: %w", g.name, err)
	}
	return pids, nil
}

// Kill sends SIGKILL to every process in the group until none is left or
// ctx is done. The group stays usable: its accounting can still be read and
// new commands started in it.
func (g *Group) Kill(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.destroyed {
		return nil
	}
	if err := g.kill(ctx); err != nil {
		return fmt.Errorf("cgroup: kill %s: %w", g.name, err)
	}
	return nil
}

// kill empties the group; g.mu is held.
func (g *Group) kill(ctx context.Context) error {
	if g.h.Version == V2 {
		// cgroup.kill (Linux 5.14) kills the whole subtree at once, racing
		// with no fork; older kernels fall back to the loop alone.
		if f := filepath.Join(g.dirs[0], "cgroup.kill"); exists(f) {
			if err := writeFile(f, "1"); err != nil {
				return err
			}
		}
	}
	return killLoop(ctx, func() []string { return treeDirs(g.dirs) })
}

// Destroy kills every process in the group, waits until they are gone (or
// ctx is done) and removes the group's directories. It is idempotent; after
// it succeeded the group cannot be used.
func (g *Group) Destroy(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.destroyed {
		return nil
	}
	if err := g.kill(ctx); err != nil {
		return fmt.Errorf("cgroup: destroy %s: %w", g.name, err)
	}
	for _, dir := range slices.Backward(treeDirs(g.dirs)) {
		if err := rmdir(ctx, dir); err != nil {
			return fmt.Errorf("cgroup: destroy %s: %w", g.name, err)
		}
	}
	g.release()
	return nil
}

// Close destroys the group within DefaultDestroyTimeout.
func (g *Group) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultDestroyTimeout)
	defer cancel()
	return g.Destroy(ctx)
}

// removeDirs undoes a partly created group (no process ever ran in it).
func (g *Group) removeDirs() {
	for _, dir := range slices.Backward(g.dirs) {
		os.Remove(dir)
	}
	g.release()
}

// release drops the ownership locks and stops the peak sampler.
func (g *Group) release() {
	for _, f := range g.held {
		f.Close()
	}
	g.held = nil
	if g.peak != nil {
		g.peak.stop()
	}
	g.destroyed = true
}

// killLoop sends SIGKILL to the processes in dirs() until there are none.
// Zombies are not listed in cgroup.procs, so waiting for their parents to
// reap them is not needed. A pid could in theory be reused between reading
// cgroup.procs and kill(2); with pid_max in the millions this is ignored, as
// runc does.
func killLoop(ctx context.Context, dirs func() []string) error {
	for {
		pids, err := procs(dirs())
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		for _, pid := range pids {
			if err := sigkill(pid); err != nil {
				return fmt.Errorf("kill %d: %w", pid, err)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d processes still alive %v: %w", len(pids), pids[:min(len(pids), 8)], ctx.Err())
		case <-time.After(killPoll):
		}
	}
}

// procs reads cgroup.procs of every dir; vanished dirs count as empty.
func procs(dirs []string) ([]int, error) {
	var pids []int
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, err
		}
		for _, f := range strings.Fields(string(b)) {
			pid, err := strconv.Atoi(f)
			if err != nil {
				return nil, fmt.Errorf("parse %s/cgroup.procs: %w", dir, err)
			}
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return slices.Compact(pids), nil
}

// treeDirs returns roots and every directory below them, parents first.
func treeDirs(roots []string) []string {
	var dirs []string
	for _, root := range roots {
		dirs = append(dirs, root)
		entries, _ := os.ReadDir(root)
		for _, e := range entries {
			if e.IsDir() {
				dirs = append(dirs, treeDirs([]string{filepath.Join(root, e.Name())})...)
			}
		}
	}
	return dirs
}

// rmdir removes an emptied cgroup directory, retrying while the kernel
// still reports it busy.
func rmdir(ctx context.Context, dir string) error {
	for {
		err := syscall.Rmdir(dir)
		if err == nil || errors.Is(err, syscall.ENOENT) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) {
			return fmt.Errorf("rmdir %s: %w", dir, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("rmdir %s: %w: %w", dir, err, ctx.Err())
		case <-time.After(killPoll):
		}
	}
}

// Sweep removes the stale groups below parent in the hierarchy New uses;
// see Hierarchy.Sweep.
func Sweep(ctx context.Context, parent string) ([]string, error) {
	h, err := detectOnce()
	if err != nil {
		return nil, err
	}
	return h.Sweep(ctx, parent)
}

// Sweep removes every group below parent whose owner is gone (a crashed run:
// its ownership lock is free): it kills the group's processes and removes
// the directory, recursively. Groups of live owners, here or in other
// processes, are left alone. It returns the removed directories relative to
// parent, sorted; a missing parent is no error.
func (h *Hierarchy) Sweep(ctx context.Context, parent string) ([]string, error) {
	if err := checkParent(parent); err != nil {
		return nil, fmt.Errorf("cgroup: sweep: %w", err)
	}
	var removed []string
	for _, root := range h.dirs() {
		names, err := sweepDir(ctx, filepath.Join(root, parent), "")
		removed = append(removed, names...)
		if err != nil {
			return removed, fmt.Errorf("cgroup: sweep %s: %w", parent, err)
		}
	}
	slices.Sort(removed)
	return slices.Compact(removed), nil
}

// sweepDir sweeps the children of dir; rel is dir relative to the parent.
func sweepDir(ctx context.Context, dir, rel string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		names, err := sweepOne(ctx, filepath.Join(dir, e.Name()), filepath.Join(rel, e.Name()))
		removed = append(removed, names...)
		if err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// sweepOne removes child if nobody holds its lock: first its stale
// descendants, then its processes, then the directory itself, which stays
// when it still holds live groups.
func sweepOne(ctx context.Context, child, rel string) ([]string, error) {
	f, err := lockDir(child)
	if err != nil {
		return nil, nil // a live owner holds it, or it vanished
	}
	defer f.Close()
	removed, err := sweepDir(ctx, child, rel)
	if err != nil {
		return removed, err
	}
	if err := killLoop(ctx, func() []string { return []string{child} }); err != nil {
		return removed, fmt.Errorf("kill %s: %w", child, err)
	}
	switch err := syscall.Rmdir(child); {
	case err == nil:
		return append(removed, rel), nil
	case errors.Is(err, syscall.EBUSY), errors.Is(err, syscall.ENOENT):
		return removed, nil // live groups below it, or removed concurrently
	default:
		return removed, fmt.Errorf("rmdir %s: %w", child, err)
	}
}
