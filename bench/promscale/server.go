package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is a real Prometheus (Debian's package) serving the data set.
type server struct {
	url  string
	cmd  *exec.Cmd
	run  string // the run's data directory, removed by stop
	logs bytes.Buffer
	done chan error
}

// startServer hard-links the blocks of data into a fresh run directory
// (so that nothing Prometheus writes touches the cache) and starts
// Prometheus over it with compaction off and query limits raised.
func startServer(data string, logf func(string, ...any)) (*server, error) {
	if _, err := exec.LookPath("prometheus"); err != nil {
		return nil, fmt.Errorf("prometheus not installed (make prometheus, or apt-get install prometheus): %w", err)
	}
	s := &server{run: filepath.Join(data, fmt.Sprintf("run-%d", os.Getpid())), done: make(chan error, 1)}
	if err := linkTree(filepath.Join(data, "blocks"), filepath.Join(s.run, "tsdb")); err != nil {
		return nil, err
	}
	cfg := filepath.Join(s.run, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1m\n"), 0o644); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s.url = "http://" + addr
	s.cmd = exec.Command("prometheus", "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(s.run, "tsdb"),
		"--storage.tsdb.retention.time=100y",
		// One block range: the day-sized blocks are never compacted while
		// the benchmark runs.
		"--storage.tsdb.min-block-duration=2h", "--storage.tsdb.max-block-duration=2h",
		"--query.max-samples=500000000", "--query.timeout=10m",
		"--web.listen-address="+addr, "--log.level=warn")
	s.cmd.Stdout, s.cmd.Stderr = &s.logs, &s.logs
	began := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.done <- s.cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for {
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("prometheus exited: %v\n%s", err, s.logs.String())
		case <-ctx.Done():
			s.stop()
			return nil, fmt.Errorf("prometheus at %s not ready after 5m\n%s", s.url, s.logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := http.Get(s.url + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				logf("prometheus %s ready at %s after %s", version(), s.url, time.Since(began).Round(time.Millisecond))
				return s, nil
			}
		}
	}
}

// cpu is the CPU time Prometheus used so far.
func (s *server) cpu() time.Duration { return procCPU(s.cmd.Process.Pid) }

// rss is Prometheus' resident set size now.
func (s *server) rss() int64 { return procStatusKB(s.cmd.Process.Pid, "VmRSS") * 1024 }

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	_ = os.RemoveAll(s.run)
}

// linkTree recreates the directories of src under dst with hard links to
// its files.
func linkTree(src, dst string) error {
	return filepath.Walk(src, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		return os.Link(path, to)
	})
}

// warm reads every file of dir once so that the page cache holds it for
// both measured phases alike.
func warm(dir string) (int64, error) {
	var n int64
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		m, err := io.Copy(io.Discard, f)
		n += m
		return err
	})
	return n, err
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func version() string {
	out, err := exec.Command("prometheus", "--version").CombinedOutput()
	if err != nil {
		return "?"
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if f := strings.Fields(first); len(f) >= 3 {
		return f[2]
	}
	return first
}

// procCPU is the user + system CPU time of process pid (from /proc).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start at ')'.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const hz = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / hz
}

// procStatusKB reads a "kB" field of /proc/pid/status (VmRSS, VmHWM).
func procStatusKB(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
