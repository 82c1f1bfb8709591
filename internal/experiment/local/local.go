// Package local runs experiment trials on this machine without a cluster:
// the trial's command runs as a real process tree in its own cgroup (v1 or
// v2, internal/cgroup) with the trial's CPU quota and memory limit, the
// runner waits for readiness, drives HTTP load with vegeta
// (internal/loadtest) and reads latency, throughput and errors from the load
// and CPU throttling, peak memory and OOM kills from the cgroup. Every
// process and cgroup is removed when the trial ends, also on failure and
// cancellation.
package local

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"tailor.dev/tailor/internal/cgroup"
	"tailor.dev/tailor/internal/experiment"
	"tailor.dev/tailor/internal/loadtest"
)

// Options configure the runner.
type Options struct {
	// Dir is the working directory of trial commands ("" = the current one).
	Dir string
	// LogTail is how many bytes of a trial's output a failure reason quotes
	// (default 2000).
	LogTail int
}

// Runner implements experiment.Runner with local processes.
type Runner struct {
	opts Options
}

// New checks that cgroups can be used here, removes the groups a crashed
// earlier run left behind, and returns a runner.
func New(opts Options) (*Runner, error) {
	if _, err := cgroup.Detect(); err != nil {
		return nil, fmt.Errorf("local trial runner: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cgroup.DefaultDestroyTimeout)
	defer cancel()
	if _, err := cgroup.Sweep(ctx, cgroup.DefaultParent); err != nil {
		return nil, fmt.Errorf("local trial runner: remove stale cgroups: %w", err)
	}
	if opts.LogTail <= 0 {
		opts.LogTail = 2000
	}
	return &Runner{opts: opts}, nil
}

// RunTrial runs one trial. A trial whose service cannot start, never gets
// ready, dies during the load (an OOM kill, say) or whose load cannot be
// driven returns a Measurement with a Failure reason; only a cancelled
// context or a broken cgroup setup is an error.
func (r *Runner) RunTrial(ctx context.Context, t experiment.Trial) (m experiment.Measurement, err error) {
	if len(t.Command) == 0 {
		return experiment.Measurement{Failure: "no command"}, nil
	}
	name := fmt.Sprintf("%s-trial-%d-%d", t.Experiment, t.Number, time.Now().UnixNano()%1e9)
	g, err := cgroup.New(name, cgroup.Limits{CPU: t.Resources.CPUCores, Memory: t.Resources.MemoryBytes})
	if err != nil {
		return m, fmt.Errorf("trial %d: %w", t.Number, err)
	}
	defer func() {
		if cerr := g.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("trial %d: %w", t.Number, cerr)
		}
	}()
	p, err := r.start(g, t)
	if err != nil {
		return experiment.Measurement{Failure: err.Error()}, nil
	}
	defer p.stop(g)
	if err := waitReady(ctx, t, p); err != nil {
		if ctx.Err() != nil {
			return m, ctx.Err()
		}
		return r.failure(g, p, fmt.Sprintf("not ready: %v", err)), nil
	}
	return r.measure(ctx, g, t, p)
}

// proc is the trial's main process and its output.
type proc struct {
	cmd    *exec.Cmd
	out    *tail
	exited chan struct{}
	err    error // set before exited is closed
}

func (r *Runner) start(g *cgroup.Group, t experiment.Trial) (*proc, error) {
	// Checked here: under cgroup v1 the command is exec'd by a wrapper
	// shell, whose "not found" would only show as exit status 127.
	if _, err := exec.LookPath(t.Command[0]); err != nil {
		return nil, fmt.Errorf("command %q did not start: %v", strings.Join(t.Command, " "), err)
	}
	cmd := exec.Command(t.Command[0], t.Command[1:]...)
	cmd.Dir = r.opts.Dir
	cmd.Env = os.Environ()
	for k, v := range t.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{cmd: cmd, out: &tail{max: r.opts.LogTail}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := g.Start(cmd); err != nil {
		return nil, fmt.Errorf("command %q did not start: %v", strings.Join(t.Command, " "), err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// stop kills the group's processes and waits for the main one.
func (p *proc) stop(g *cgroup.Group) {
	ctx, cancel := context.WithTimeout(context.Background(), cgroup.DefaultDestroyTimeout)
	defer cancel()
	_ = g.Kill(ctx)
	select {
	case <-p.exited:
	case <-ctx.Done():
	}
}

func (p *proc) done() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// failure describes why the trial's service stopped or misbehaved, with
// the OOM kills the cgroup saw and the end of its output.
func (r *Runner) failure(g *cgroup.Group, p *proc, what string) experiment.Measurement {
	m := experiment.Measurement{Metrics: map[string]float64{}}
	if st, err := g.Stats(); err == nil {
		m.Metrics[experiment.OOMKills] = float64(st.OOMKills)
		m.Metrics[experiment.PeakMemoryBytes] = float64(st.MemoryPeak)
		if st.OOMKills > 0 {
			what = fmt.Sprintf("OOM-killed (%d kills, memory peak %d bytes): %s", st.OOMKills, st.MemoryPeak, what)
		}
	}
	if p.done() && p.err != nil {
		what += fmt.Sprintf("; the service exited: %v", p.err)
	}
	if out := strings.TrimSpace(p.out.String()); out != "" {
		what += "; output: " + out
	}
	m.Failure = what
	return m
}

// waitReady polls the readiness check until it passes, the process exits
// or the timeout expires.
func waitReady(ctx context.Context, t experiment.Trial, p *proc) error {
	timeout := t.Readiness.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	every := t.Readiness.Interval
	if every <= 0 {
		every = 100 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if last = probe(ctx, t); last == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("the service exited before it was ready (%v)", p.err)
		case <-ctx.Done():
			return fmt.Errorf("not ready within %s: last check: %v", timeout, last)
		case <-time.After(every):
		}
	}
}

func probe(ctx context.Context, t experiment.Trial) error {
	if t.Readiness.HTTPGet == "" {
		c, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", t.Addr)
		if err == nil {
			c.Close()
		}
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.Readiness.HTTPGet, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 399 {
		return fmt.Errorf("GET %s: %s", t.Readiness.HTTPGet, resp.Status)
	}
	return nil
}

// measure drives the load and reads the cgroup's accounting around it.
func (r *Runner) measure(ctx context.Context, g *cgroup.Group, t experiment.Trial, p *proc) (experiment.Measurement, error) {
	before, err := g.Stats()
	if err != nil {
		return experiment.Measurement{}, fmt.Errorf("trial %d: %w", t.Number, err)
	}
	res, lerr := loadtest.Run(ctx, loadSpec(t))
	if ctx.Err() != nil {
		return experiment.Measurement{}, ctx.Err()
	}
	after, err := g.Stats()
	if err != nil {
		return experiment.Measurement{}, fmt.Errorf("trial %d: %w", t.Number, err)
	}
	if p.done() || after.OOMKills > 0 {
		return r.failure(g, p, "during the load test"), nil
	}
	if lerr != nil {
		return r.failure(g, p, fmt.Sprintf("load test: %v", lerr)), nil
	}
	d := after.Sub(before)
	return experiment.Measurement{Metrics: map[string]float64{
		experiment.LatencyP50:        res.P50.Seconds(),
		experiment.LatencyP95:        res.P95.Seconds(),
		experiment.LatencyP99:        res.P99.Seconds(),
		experiment.Throughput:        res.Throughput,
		experiment.ErrorRate:         res.ErrorRate,
		experiment.CPUThrottledRatio: d.ThrottledRatio(),
		experiment.OOMKills:          float64(after.OOMKills),
		experiment.PeakMemoryBytes:   float64(after.MemoryPeak),
	}}, nil
}

func loadSpec(t experiment.Trial) loadtest.Spec {
	l := t.Load
	h := http.Header{}
	for k, v := range l.Headers {
		h.Set(k, v)
	}
	return loadtest.Spec{Method: l.Method, URL: l.URL, Header: h, Body: []byte(l.Body), Rate: l.Rate,
		Duration: l.Duration, Warmup: l.Warmup, Timeout: l.RequestTimeout}
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
