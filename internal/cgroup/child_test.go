//go:build linux

package cgroup_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"tailor.dev/tailor/internal/cgroup"
)

// The test binary doubles as the child processes the tests put in groups:
// with childEnv set, TestMain runs the named role instead of the tests.
const childEnv = "TAILOR_CGROUP_CHILD"

// testParent keeps test groups apart from real runs.
const testParent = "tailor-test"

func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		os.Exit(runChild(role))
	}
	// Groups left by an earlier test binary that crashed; live groups of
	// concurrent test runs hold their locks and are left alone.
	if h, err := cgroup.Detect(); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if removed, err := h.Sweep(ctx, testParent); err != nil || len(removed) > 0 {
			fmt.Fprintf(os.Stderr, "swept stale test groups %v: %v\n", removed, err)
		}
		cancel()
	}
	os.Exit(m.Run())
}

// child returns a command running this test binary in a child role.
func child(role string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childEnv+"="+role), env...)
	cmd.Stderr = os.Stderr
	return cmd
}

func runChild(role string) int {
	switch role {
	case "sleep":
		time.Sleep(time.Hour)
	case "burn":
		for range runtime.GOMAXPROCS(0) - 1 {
			go spin()
		}
		spin()
	case "alloc":
		return allocUntilKilled()
	case "hold":
		mib, _ := strconv.Atoi(os.Getenv("TAILOR_CGROUP_MIB"))
		held := touch(mib)
		fmt.Println("ready")
		time.Sleep(time.Hour)
		runtime.KeepAlive(held)
	case "cgroup":
		b, err := os.ReadFile("/proc/self/cgroup")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		os.Stdout.Write(b)
		fmt.Printf("args: %q\n", os.Args[1:])
	case "fork":
		return forkTree()
	case "crash":
		return crash()
	default:
		fmt.Fprintf(os.Stderr, "unknown child role %q\n", role)
		return 2
	}
	return 0
}

func spin() {
	for x := 0; ; x++ {
		if x == -1 {
			return
		}
	}
}

// touch allocates mib MiB and writes every page, so it is really charged.
func touch(mib int) [][]byte {
	var held [][]byte
	for range mib {
		b := make([]byte, 1<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		held = append(held, b)
	}
	return held
}

// allocUntilKilled allocates up to 1 GiB; reaching the end means no limit
// stopped it.
func allocUntilKilled() int {
	held := touch(1024)
	runtime.KeepAlive(held)
	fmt.Fprintln(os.Stderr, "allocated 1 GiB without being killed")
	return 3
}

// forkTree starts three sleeping children, one of them in its own session
// (out of reach of a process-group kill), prints their pids and sleeps.
func forkTree() int {
	for i := range 3 {
		c := child("sleep")
		c.SysProcAttr = &syscall.SysProcAttr{Setsid: i == 2}
		if err := c.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Print(c.Process.Pid, " ")
	}
	fmt.Println()
	time.Sleep(time.Hour)
	return 0
}

// crash creates a group, starts a sleeper in it, prints its pid and exits
// without cleaning up, like a run killed by SIGKILL.
func crash() int {
	h, err := cgroup.Detect()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	g, err := h.NewGroup(os.Getenv("TAILOR_CGROUP_PARENT"), os.Getenv("TAILOR_CGROUP_NAME"), cgroup.Limits{CPU: 0.5})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	c := child("sleep")
	if err := g.Start(c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(c.Process.Pid)
	return 0
}

// hierarchy returns the detected hierarchy or skips the test.
func hierarchy(t *testing.T) *cgroup.Hierarchy {
	t.Helper()
	h, err := cgroup.Detect()
	if err != nil {
		t.Skip(err)
	}
	t.Logf("using %v", h)
	return h
}

// newGroup creates a group named after the test and destroys it at the end.
func newGroup(t *testing.T, h *cgroup.Hierarchy, limits cgroup.Limits) *cgroup.Group {
	t.Helper()
	name := fmt.Sprintf("%d-%s", os.Getpid(), sanitize(t.Name()))
	g, err := h.NewGroup(testParent, name, limits)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Error(err)
		}
	})
	return g
}

// start starts cmd in g; at the end of the test the group is killed and
// cmd reaped, before the group is destroyed.
func start(t *testing.T, g *cgroup.Group, cmd *exec.Cmd) {
	t.Helper()
	if err := g.Start(cmd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := g.Kill(ctx); err != nil {
			t.Error(err)
		}
		cmd.Wait()
	})
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	for i := len(b) - 1; i > 0; i-- {
		if b[i] == ')' && i+2 < len(b) {
			return b[i+2] != 'Z' && b[i+2] != 'X'
		}
	}
	return true
}
