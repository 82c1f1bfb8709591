//go:build linux

package cgroup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// unifiedWithoutControllers returns the cgroup v2 hierarchy as a Hierarchy
// with no controllers, or skips. On hybrid machines, where cpu and memory
// are bound to v1, it still exercises the v2 paths that need no controller:
// clone3(CLONE_INTO_CGROUP), cgroup.kill, Sweep and core cpu.stat.
func unifiedWithoutControllers(t *testing.T) *Hierarchy {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	mounts, err := parseMountInfo(f)
	if err != nil {
		t.Fatal(err)
	}
	root, err := v2Mount(mounts)
	if err == nil {
		err = checkWritable(root)
	}
	if err != nil {
		t.Skipf("cgroup v2: %v", err)
	}
	return &Hierarchy{Version: V2, CPU: root, CPUAcct: root, Memory: root}
}

func TestV2StartKillSweep(t *testing.T) {
	h := unifiedWithoutControllers(t)
	parent := fmt.Sprintf("tailor-test/v2-%d", os.Getpid())
	g, err := h.NewGroup(parent, "g", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TAILOR_CGROUP_CHILD=sleep")
	if err := g.Start(cmd); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", cmd.Process.Pid))
	if want := "0::/" + parent + "/g\n"; err != nil || !strings.Contains(string(b), want) {
		t.Fatalf("/proc/%d/cgroup = %q, %v; want a line %q", cmd.Process.Pid, b, err, want)
	}
	// The child's start-up CPU time reaches the group's cpu.stat once the
	// kernel has accounted it: poll rather than read once.
	var s Stats
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if s, err = g.Stats(); err != nil || s.CPUUsage > 0 {
			break
		}
	}
	if err != nil || s.CPUUsage <= 0 {
		t.Errorf("Stats() = %+v, %v; want some CPU usage within 5 s", s, err)
	}
	if removed, err := h.Sweep(context.Background(), parent); err != nil || len(removed) != 0 {
		t.Errorf("Sweep of a live group = %v, %v; want nothing removed", removed, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := g.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("child ended with %v, want killed", err)
	}
	if _, err := os.Stat(g.dirs[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still exists: %v", g.dirs[0], err)
	}
	if removed, err := h.Sweep(context.Background(), "tailor-test"); err != nil {
		t.Errorf("Sweep(tailor-test) = %v, %v", removed, err)
	}
}
