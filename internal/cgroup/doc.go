// Package cgroup puts a process tree under CPU and memory limits exactly like
// a container runtime does, without a container runtime: it owns finding a
// usable cgroup hierarchy, creating and removing tailor-owned groups, starting
// commands inside them, reading their CPU and memory accounting, and killing
// everything they contain.
//
// # Hierarchies
//
// Detect reads /proc/self/mountinfo and picks cgroup v2 when the unified
// hierarchy offers the cpu and memory controllers (in cgroup.controllers and
// enabled in the root's cgroup.subtree_control), otherwise cgroup v1 with the
// cpu, cpuacct and memory controllers mounted (separately or co-mounted).
// When neither works the error wraps ErrUnavailable and says why for each
// version (not mounted, read-only, not root, controller missing); tests turn
// it into t.Skip. Cgroups are Linux-only: elsewhere the package builds but
// Detect returns ErrUnavailable.
//
// Groups live under a parent directory below each controller's mount point,
// DefaultParent ("tailor") unless Hierarchy.NewGroup is given another one:
// /sys/fs/cgroup/{cpu,cpuacct,memory}/tailor/<name> on v1 and
// <unified>/tailor/<name> on v2.
//
// # Limits
//
// CPU is a CFS bandwidth limit (cpu.cfs_quota_us and cpu.cfs_period_us on v1,
// cpu.max on v2): Limits.CPU cores of CPU time per Limits.Period, the same
// mechanism as a Kubernetes CPU limit. The group's CPU weight (cpu.shares;
// v2 cpu.weight, converted as the kubelet does) is Limits.CPU × 1024 as for
// a Kubernetes container whose request equals its limit, but at least 1024,
// the weight of any one process outside the group: on a shared, busy machine
// the quota rather than competition should be what limits a trial. Memory is memory.limit_in_bytes on v1
// and memory.max on v2. Swap is disabled for the group where the kernel lets
// us, so memory pressure ends in an OOM kill as in a container, not in
// swapping: v1 sets memory.memsw.limit_in_bytes equal to the memory limit
// when swap accounting exists and memory.swappiness to 0; v2 sets
// memory.swap.max to 0 when the file exists. v2 also sets memory.oom.group to
// 1, so an OOM kills the whole group as the kubelet does; v1 has no such knob
// and kills the largest process only. Group.Swap reports what was done.
//
// # Starting processes without a race
//
// A process must be inside its group before it runs any of its own code,
// otherwise its first allocations and CPU time escape the limits. On v2,
// Start uses clone3(CLONE_INTO_CGROUP) through SysProcAttr.UseCgroupFD, so
// the child is created inside the group. cgroup v1 has no such call, so Start
// runs the command through
//
//	/bin/sh -c 'kill -STOP $$ && exec "$@"' <argv0> <path> <args...>
//
// waits (wait4 with WUNTRACED) until that shell has stopped itself, writes
// its pid to cgroup.procs of every controller, and only then sends SIGCONT;
// the shell then execs the real program in place, keeping the pid. This is
// the pattern runc uses with its own init process, with the shell as the
// init; the shell's few pages stay charged to the caller's group, everything
// after exec is charged to the new one. The program sees its path as argv[0].
// Every command gets its own process group (unless it asked for its own
// session), so a terminal's Ctrl-C reaches only the caller, which decides.
//
// # Cleanup
//
// Kill sends SIGKILL to every process in the group (v2 through cgroup.kill)
// and repeats until cgroup.procs is empty, so processes that fork while being
// killed, daemonize or leave the process group are caught too. Destroy kills
// and removes the directories and is idempotent; Close is Destroy with a
// default timeout. Run kills the group when its context is done, and callers
// running a long-lived command pair Start with
// context.AfterFunc(ctx, func() { g.Close() }) or a deferred Close, so Ctrl-C
// handled through signal.NotifyContext leaves nothing behind.
//
// A crashed run (SIGKILL, panic) cannot clean up, so every group's directories
// are held open with an exclusive flock(2) by the process that created them;
// the kernel drops the lock when that process dies. Sweep removes, below a
// parent, every group whose lock it can take: those are exactly the groups
// whose owner is gone, so concurrent runs sharing a parent never sweep each
// other's live groups.
//
// # Accounting
//
// Stats reads CPU time (cpuacct.usage; v2 cpu.stat usage_usec), CFS
// periods, throttled periods and throttled time (cpu.stat), current and peak
// memory (memory.max_usage_in_bytes; v2 memory.peak, or sampled every
// PeakSampleInterval where the kernel predates memory.peak) and the number
// of OOM kills (memory.oom_control oom_kill; v2 memory.events oom_kill).
// Stats.Sub gives the counters over a window.
package cgroup
