package local

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/cgroup"
	"tailor.dev/tailor/internal/experiment"
)

// The test binary doubles as the trial's service: with TAILOR_TEST_SERVE
// set it serves /healthz and /work (a fixed amount of hashing) on that
// address, after allocating TAILOR_TEST_ALLOC_MIB of live memory.
func TestMain(m *testing.M) {
	if addr := os.Getenv("TAILOR_TEST_SERVE"); addr != "" {
		serve(addr)
		return
	}
	os.Exit(m.Run())
}

var live [][]byte

func serve(addr string) {
	mib, _ := strconv.Atoi(os.Getenv("TAILOR_TEST_ALLOC_MIB"))
	for i := 0; i < mib; i++ {
		b := make([]byte, 1<<20)
		for j := range b {
			b[j] = byte(j)
		}
		live = append(live, b)
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("/work", func(w http.ResponseWriter, _ *http.Request) {
		sum := sha256.Sum256([]byte("x"))
		for i := 0; i < 100000; i++ {
			sum = sha256.Sum256(sum[:])
		}
		fmt.Fprintf(w, "%x\n", sum[:4])
	})
	fmt.Fprintln(os.Stderr, http.ListenAndServe(addr, nil))
	os.Exit(3)
}

func newRunner(t *testing.T) *Runner {
	t.Helper()
	if _, err := cgroup.Detect(); err != nil {
		t.Skipf("cgroups not usable here: %v", err)
	}
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var trialNumber = 0

func trial(t *testing.T, cpu float64, memMiB int64, allocMiB int, command ...string) experiment.Trial {
	t.Helper()
	trialNumber++
	l, err := net.Listen("tcp", "127.0.0.1:0") // a port nobody else uses now
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if len(command) == 0 {
		command = []string{os.Args[0]}
	}
	return experiment.Trial{Number: trialNumber, Experiment: "localtest", Addr: addr, Command: command,
		Env:       map[string]string{"TAILOR_TEST_SERVE": addr, "TAILOR_TEST_ALLOC_MIB": strconv.Itoa(allocMiB), "GOMAXPROCS": "2"},
		Resources: experiment.Resources{CPUCores: cpu, MemoryBytes: memMiB << 20},
		Readiness: experiment.Readiness{HTTPGet: "http://" + addr + "/healthz", Timeout: 10 * time.Second},
		Load: experiment.LoadTest{Method: "GET", URL: "http://" + addr + "/work", Rate: 20, Duration: 2 * time.Second,
			Warmup: 500 * time.Millisecond, RequestTimeout: 5 * time.Second}}
}

// leftovers lists cgroups of this test's experiment that still exist.
func leftovers(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, root := range []string{"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"} {
		m, _ := filepath.Glob(filepath.Join(root, cgroup.DefaultParent, "localtest-*"))
		out = append(out, m...)
	}
	return out
}

func TestTrialMeasuresUnderLimits(t *testing.T) {
	r := newRunner(t)
	fast, err := r.RunTrial(t.Context(), trial(t, 1.5, 256, 0))
	if err != nil || fast.Failure != "" {
		t.Fatalf("error %v, failure %q", err, fast.Failure)
	}
	slow, err := r.RunTrial(t.Context(), trial(t, 0.1, 256, 0))
	if err != nil || slow.Failure != "" {
		t.Fatalf("error %v, failure %q", err, slow.Failure)
	}
	for _, k := range []string{experiment.LatencyP50, experiment.LatencyP99, experiment.Throughput, experiment.ErrorRate,
		experiment.CPUThrottledRatio, experiment.PeakMemoryBytes, experiment.OOMKills} {
		if _, ok := fast.Metrics[k]; !ok {
			t.Errorf("metric %s missing: %v", k, fast.Metrics)
		}
	}
	t.Logf("1.5 cores: p99 %.1f ms, throttled %.2f; 0.1 cores: p99 %.1f ms, throttled %.2f",
		fast.Metrics[experiment.LatencyP99]*1000, fast.Metrics[experiment.CPUThrottledRatio],
		slow.Metrics[experiment.LatencyP99]*1000, slow.Metrics[experiment.CPUThrottledRatio])
	// A tenth of a core serves the same load far slower and throttled.
	if slow.Metrics[experiment.LatencyP99] < 2*fast.Metrics[experiment.LatencyP99] || slow.Metrics[experiment.CPUThrottledRatio] < 0.2 {
		t.Errorf("the CPU limit shows no effect: fast %v, slow %v", fast.Metrics, slow.Metrics)
	}
	if fast.Metrics[experiment.ErrorRate] != 0 || fast.Metrics[experiment.Throughput] < 15 {
		t.Errorf("fast trial: %v", fast.Metrics)
	}
	if l := leftovers(t); len(l) > 0 {
		t.Errorf("cgroups left behind: %v", l)
	}
}

func TestTrialFailures(t *testing.T) {
	r := newRunner(t)
	for _, c := range []struct {
		name  string
		trial experiment.Trial
		want  string
	}{
		{"oom", trial(t, 1, 48, 96), "OOM-killed"},
		{"no such command", trial(t, 1, 64, 0, "/nonexistent/service"), "did not start"},
		{"exits at once", trial(t, 1, 64, 0, "/bin/false"), "exited before it was ready"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := r.RunTrial(t.Context(), c.trial)
			if err != nil || !strings.Contains(m.Failure, c.want) {
				t.Errorf("error %v, failure %q; want a failure containing %q", err, m.Failure, c.want)
			}
		})
	}
	if l := leftovers(t); len(l) > 0 {
		t.Errorf("cgroups left behind: %v", l)
	}
}

func TestTrialCancelled(t *testing.T) {
	r := newRunner(t)
	tr := trial(t, 1, 256, 0)
	tr.Load.Duration = time.Minute
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(1500*time.Millisecond, cancel)
	began := time.Now()
	m, err := r.RunTrial(ctx, tr)
	if err == nil || time.Since(began) > 20*time.Second {
		t.Errorf("cancelled trial: error %v (failure %q) after %s", err, m.Failure, time.Since(began))
	}
	if l := leftovers(t); len(l) > 0 {
		t.Errorf("cgroups left behind: %v", l)
	}
}
