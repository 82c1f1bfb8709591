package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"tailor.dev/tailor/internal/cgroup"
	"tailor.dev/tailor/internal/loadtest"
)

type options struct {
	bin         string
	cpus        []float64
	memoryMiB   int64
	rate        float64
	duration    time.Duration
	warmup      time.Duration
	serviceArgs []string
	env         []string
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sweep:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sweep:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	var cpus, serviceArgs, env string
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.StringVar(&o.bin, "bin", "", "goservice binary (default: go build it into a temporary directory)")
	fs.StringVar(&cpus, "cpus", "0.5,1,2", "comma-separated CPU limits in cores")
	fs.Int64Var(&o.memoryMiB, "memory-mib", 0, "memory limit in MiB (0 = none)")
	fs.Float64Var(&o.rate, "rate", 150, "requests per second")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "measured load duration per limit")
	fs.DurationVar(&o.warmup, "warmup", 5*time.Second, "unmeasured load before it")
	fs.StringVar(&serviceArgs, "service-args", "", "extra goservice flags, space-separated")
	fs.StringVar(&env, "env", "", "extra environment for goservice, comma-separated (GOMAXPROCS=1,GOGC=200)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, f := range strings.Split(cpus, ",") {
		c, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || c <= 0 {
			return o, fmt.Errorf("--cpus: %q is not a positive number of cores", f)
		}
		o.cpus = append(o.cpus, c)
	}
	o.serviceArgs = strings.Fields(serviceArgs)
	if env != "" {
		o.env = strings.Split(env, ",")
	}
	return o, nil
}

func run(ctx context.Context, o options, out io.Writer) error {
	if o.bin == "" {
		dir, err := os.MkdirTemp("", "goservice-sweep-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.bin = filepath.Join(dir, "goservice")
		build := exec.CommandContext(ctx, "go", "build", "-o", o.bin, "tailor.dev/tailor/examples/goservice")
		if b, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build goservice: %w\n%s", err, b)
		}
	}
	fmt.Fprintf(out, "goservice %s, env [%s], memory limit %d MiB; load %.0f req/s for %v after %v warm-up\n\n",
		strings.Join(o.serviceArgs, " "), strings.Join(o.env, " "), o.memoryMiB, o.rate, o.duration, o.warmup)
	fmt.Fprintln(out, "| CPU limit | p50 | p95 | p99 | max | ok/s | errors | cores used | throttled periods | OOM kills |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|---|")
	for i, cpu := range o.cpus {
		row, err := trial(ctx, o, i, cpu)
		if err != nil {
			return fmt.Errorf("CPU limit %v: %w", cpu, err)
		}
		fmt.Fprintln(out, row)
	}
	return nil
}

// trial runs goservice under one CPU limit and returns its table row.
func trial(ctx context.Context, o options, i int, cpu float64) (string, error) {
	g, err := cgroup.New(fmt.Sprintf("goservice-sweep-%d-%d", os.Getpid(), i), cgroup.Limits{CPU: cpu, Memory: o.memoryMiB << 20})
	if err != nil {
		return "", err
	}
	defer g.Close()
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(o.bin, append([]string{"--addr", addr}, o.serviceArgs...)...)
	cmd.Env = append(os.Environ(), o.env...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := g.Start(cmd); err != nil {
		return "", err
	}
	stopService := sync.OnceFunc(func() {
		g.Kill(context.Background())
		cmd.Wait()
	})
	defer stopService()
	if err := loadtest.WaitReady(ctx, "http://"+addr+"/healthz", 30*time.Second); err != nil {
		stopService()
		return "", fmt.Errorf("%w\n%s", err, logs.Bytes())
	}
	before, err := g.Stats()
	if err != nil {
		return "", err
	}
	start := time.Now()
	res, err := loadtest.Run(ctx, loadtest.Spec{URL: "http://" + addr + "/work", Rate: o.rate,
		Duration: o.duration, Warmup: o.warmup, Timeout: 10 * time.Second})
	if err != nil {
		return "", err
	}
	after, err := g.Stats()
	if err != nil {
		return "", err
	}
	d := after.Sub(before)
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }
	return fmt.Sprintf("| %g | %s | %s | %s | %s | %.1f | %.2f%% | %.2f | %.0f%% | %d |", cpu,
		ms(res.P50), ms(res.P95), ms(res.P99), ms(res.Max), res.Throughput, 100*res.ErrorRate,
		d.Cores(time.Since(start)), 100*d.ThrottledRatio(), after.OOMKills), nil
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
