//go:build linux

package cgroup_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tailor.dev/tailor/internal/cgroup"
)

const mib = 1 << 20

func TestDetectExplains(t *testing.T) {
	h, err := cgroup.Detect()
	if err != nil {
		if !errors.Is(err, cgroup.ErrUnavailable) || !strings.Contains(err.Error(), "cgroup v1:") || !strings.Contains(err.Error(), "cgroup v2:") {
			t.Fatalf("Detect error %q should wrap ErrUnavailable and explain both versions", err)
		}
		t.Skip(err)
	}
	if h.Version != cgroup.V1 && h.Version != cgroup.V2 || h.CPU == "" || h.CPUAcct == "" || h.Memory == "" {
		t.Fatalf("Detect = %+v, want a version and three directories", h)
	}
	t.Log(h)
}

// A process burning CPU on every core under a 0.2-core limit uses about 0.2
// cores and is throttled in nearly every period.
func TestCPULimitThrottles(t *testing.T) {
	g := newGroup(t, hierarchy(t), cgroup.Limits{CPU: 0.2})
	cmd := child("burn", "GOMAXPROCS=2")
	start(t, g, cmd)
	time.Sleep(300 * time.Millisecond)
	before, err := g.Stats()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	time.Sleep(2 * time.Second)
	after, err := g.Stats()
	if err != nil {
		t.Fatal(err)
	}
	d, elapsed := after.Sub(before), time.Since(start)
	t.Logf("over %v: %.3f cores, %d/%d periods throttled (%.2f), throttled %v",
		elapsed, d.Cores(elapsed), d.Throttled, d.Periods, d.ThrottledRatio(), d.ThrottledTime)
	if c := d.Cores(elapsed); c < 0.05 || c > 0.35 {
		t.Errorf("used %.3f cores under a 0.2-core limit, want 0.05..0.35", c)
	}
	if want := elapsed / cgroup.DefaultPeriod; d.Periods < uint64(want)/2 || d.Periods > uint64(want)+5 {
		t.Errorf("%d CFS periods in %v, want about %d", d.Periods, elapsed, want)
	}
	if d.ThrottledRatio() < 0.5 || d.ThrottledTime <= 0 {
		t.Errorf("throttled in %d of %d periods for %v, want most periods", d.Throttled, d.Periods, d.ThrottledTime)
	}
}

// A process allocating past a 64 MiB limit is OOM-killed, once, and the peak
// stops at the limit.
func TestMemoryLimitOOMKills(t *testing.T) {
	g := newGroup(t, hierarchy(t), cgroup.Limits{Memory: 64 * mib})
	t.Logf("swap: %s", g.Swap())
	cmd := child("alloc")
	if err := g.Start(cmd); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want killed by SIGKILL", err)
	}
	s, err := g.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.OOMKills != 1 {
		t.Errorf("OOMKills = %d, want 1", s.OOMKills)
	}
	t.Logf("peak %d bytes, limit %d", s.MemoryPeak, 64*mib)
	// The kernel charges in per-CPU batches, so the peak may pass the limit
	// by a few pages.
	if s.MemoryPeak < 48*mib || s.MemoryPeak > 65*mib {
		t.Errorf("MemoryPeak = %d bytes (%.3f MiB), want 48..65 MiB", s.MemoryPeak, float64(s.MemoryPeak)/mib)
	}
}

// The peak of a process holding 48 MiB is reported, with no OOM kill.
func TestMemoryPeak(t *testing.T) {
	g := newGroup(t, hierarchy(t), cgroup.Limits{Memory: 256 * mib})
	cmd := child("hold", "TAILOR_CGROUP_MIB=48")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start(t, g, cmd)
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		t.Fatalf("child said %q, %v; want ready", line, err)
	}
	s, err := g.Stats()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("current %.1f MiB, peak %.1f MiB", float64(s.MemoryCurrent)/mib, float64(s.MemoryPeak)/mib)
	// 48 MiB held plus the Go runtime (and the race detector's shadow
	// memory under -race), well below the 256 MiB limit.
	if s.MemoryPeak < 48*mib || s.MemoryPeak > 192*mib || s.MemoryCurrent < 40*mib || s.MemoryCurrent > s.MemoryPeak {
		t.Errorf("current %d, peak %d bytes; want a peak of 48..192 MiB above a current of at least 40 MiB",
			s.MemoryCurrent, s.MemoryPeak)
	}
	if s.OOMKills != 0 {
		t.Errorf("OOMKills = %d, want 0", s.OOMKills)
	}
}

// The child is in the group from its first instruction: the first thing it
// does is read its own /proc/self/cgroup.
func TestStartJoinsBeforeExec(t *testing.T) {
	h := hierarchy(t)
	g := newGroup(t, h, cgroup.Limits{CPU: 1, Memory: 128 * mib})
	cmd := child("cgroup")
	weird := `it's a "quoted" $HOME; exit 1`
	cmd.Args = append(cmd.Args, weird)
	args := slices.Clone(cmd.Args)
	var out strings.Builder
	cmd.Stdout = &out
	if err := g.Start(cmd); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cmd.Args, args) {
		t.Errorf("cmd.Args = %q after Start, want %q", cmd.Args, args)
	}
	if want := fmt.Sprintf("args: %q\n", args[1:]); !strings.Contains(out.String(), want) {
		t.Errorf("child output lacks %q:\n%s", want, out.String())
	}
	want := "/" + testParent + "/" + g.Name() + "\n"
	for _, controller := range []string{"cpu", "cpuacct", "memory"} {
		prefix := ":" + controller + ":"
		if h.Version == cgroup.V2 {
			prefix = "0::"
		}
		if !strings.Contains(out.String(), prefix+want) {
			t.Errorf("child's /proc/self/cgroup lacks %q:\n%s", prefix+want, out.String())
		}
	}
}

// Destroy kills the process, removes every directory and can be repeated.
func TestDestroy(t *testing.T) {
	g := newGroup(t, hierarchy(t), cgroup.Limits{CPU: 1, Memory: 128 * mib})
	cmd := child("sleep")
	if err := g.Start(cmd); err != nil {
		t.Fatal(err)
	}
	if pids, err := g.Processes(); err != nil || !slices.Equal(pids, []int{cmd.Process.Pid}) {
		t.Fatalf("Processes() = %v, %v; want [%d]", pids, err, cmd.Process.Pid)
	}
	if err := g.Destroy(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("child ended with %v, want killed", err)
	}
	for _, dir := range g.Dirs() {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists: %v", dir, err)
		}
	}
	if err := g.Destroy(context.Background()); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
	if err := g.Start(child("sleep")); err == nil {
		t.Error("Start after Destroy succeeded")
	}
	if _, err := g.Stats(); err == nil {
		t.Error("Stats after Destroy succeeded")
	}
}

// Grandchildren, also one that left the process group, die with the group.
func TestDestroyKillsGrandchildren(t *testing.T) {
	g := newGroup(t, hierarchy(t), cgroup.Limits{})
	cmd := child("fork")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(cmd); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pids := []int{cmd.Process.Pid}
	for _, f := range strings.Fields(line) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	inGroup, err := g.Processes()
	if err != nil || !slices.Equal(inGroup, slices.Sorted(slices.Values(pids))) {
		t.Fatalf("Processes() = %v, %v; want %v", inGroup, err, pids)
	}
	if err := g.Destroy(context.Background()); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("process %d survived Destroy", pid)
		}
	}
}

// Run kills the whole group when its context ends.
func TestRunKillsOnCancel(t *testing.T) {
	g := newGroup(t, hierarchy(t), cgroup.Limits{CPU: 0.5})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := g.Run(ctx, child("fork"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run = %v, want a context.DeadlineExceeded error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run returned %v after the deadline", d)
	}
	if pids, err := g.Processes(); err != nil || len(pids) != 0 {
		t.Errorf("after Run: Processes() = %v, %v; want none", pids, err)
	}
	if _, err := g.Stats(); err != nil {
		t.Errorf("Stats after Run: %v", err)
	}
}

// Sweep removes the group of a crashed owner, with its processes, and
// leaves a live group alone.
func TestSweep(t *testing.T) {
	h := hierarchy(t)
	parent := fmt.Sprintf("%s/sweep-%d", testParent, os.Getpid())
	live, err := h.NewGroup(parent, "live", cgroup.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		live.Close()
		for _, dir := range live.Dirs() {
			os.Remove(dir[:strings.LastIndexByte(dir, '/')])
		}
	})
	crash := child("crash", "TAILOR_CGROUP_PARENT="+parent, "TAILOR_CGROUP_NAME=crashed")
	out, err := crash.Output()
	if err != nil {
		t.Fatalf("crashing child: %v", err)
	}
	orphan, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || !alive(orphan) {
		t.Fatalf("crashing child printed %q (%v); want the pid of a live process", out, err)
	}
	removed, err := h.Sweep(context.Background(), parent)
	if err != nil || !slices.Equal(removed, []string{"crashed"}) {
		t.Fatalf("Sweep = %v, %v; want [crashed]", removed, err)
	}
	if alive(orphan) {
		t.Errorf("process %d of the stale group survived Sweep", orphan)
	}
	for _, dir := range live.Dirs() {
		crashed := strings.TrimSuffix(dir, "live") + "crashed"
		if _, err := os.Stat(crashed); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists: %v", crashed, err)
		}
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("live group swept: %v", err)
		}
	}
	if removed, err := h.Sweep(context.Background(), parent); err != nil || len(removed) != 0 {
		t.Errorf("second Sweep = %v, %v; want nothing", removed, err)
	}
}

func TestNewGroupRejects(t *testing.T) {
	h := hierarchy(t)
	g := newGroup(t, h, cgroup.Limits{})
	tests := []struct {
		name, parent, group string
		limits              cgroup.Limits
		err                 string
	}{
		{"existing", testParent, g.Name(), cgroup.Limits{}, "file exists"},
		{"slash in name", testParent, "a/b", cgroup.Limits{}, "want a name"},
		{"dot-dot parent", "tailor/..", "x", cgroup.Limits{}, "parent"},
		{"bad limits", testParent, "x", cgroup.Limits{CPU: -1}, "CPU -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := h.NewGroup(tt.parent, tt.group, tt.limits)
			if err == nil {
				g.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("NewGroup = %v, want an error containing %q", err, tt.err)
			}
		})
	}
}

// The limits land in the kernel's interface files as documented.
func TestLimitsWritten(t *testing.T) {
	h := hierarchy(t)
	tests := []struct {
		name   string
		limits cgroup.Limits
		v1, v2 map[string]string // file (relative to the controller's group dir) -> content
	}{
		{"fraction of a core", cgroup.Limits{CPU: 0.2, Memory: 64 * mib},
			map[string]string{"cpu/cpu.cfs_quota_us": "20000", "cpu/cpu.cfs_period_us": "100000", "cpu/cpu.shares": "1024",
				"memory/memory.limit_in_bytes": "67108864", "memory/memory.swappiness": "0"},
			map[string]string{"cpu.max": "20000 100000", "cpu.weight": "39", "memory.max": "67108864", "memory.oom.group": "1"}},
		{"two cores, short period", cgroup.Limits{CPU: 2, Period: 50 * time.Millisecond},
			map[string]string{"cpu/cpu.cfs_quota_us": "100000", "cpu/cpu.cfs_period_us": "50000", "cpu/cpu.shares": "2048"},
			map[string]string{"cpu.max": "100000 50000", "cpu.weight": "79"}},
		{"no limits", cgroup.Limits{},
			map[string]string{"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.shares": "1024"},
			map[string]string{"cpu.max": "max 100000", "memory.max": "max"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGroup(t, h, tt.limits)
			want := tt.v2
			if h.Version == cgroup.V1 {
				want = tt.v1
			}
			for file, content := range want {
				var path string
				if h.Version == cgroup.V1 {
					controller, name, _ := strings.Cut(file, "/")
					root := map[string]string{"cpu": h.CPU, "memory": h.Memory}[controller]
					path = fmt.Sprintf("%s/%s/%s/%s", root, testParent, g.Name(), name)
				} else {
					path = fmt.Sprintf("%s/%s/%s/%s", h.CPU, testParent, g.Name(), file)
				}
				b, err := os.ReadFile(path)
				if got := strings.TrimSpace(string(b)); err != nil || got != content {
					t.Errorf("%s = %q, %v; want %q", path, got, err, content)
				}
			}
		})
	}
}
