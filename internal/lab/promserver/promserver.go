// Package promserver runs a real Prometheus (Debian's prometheus and
// promtool) over history loaded from OpenMetrics text, for tests,
// benchmarks and demos: promtool builds TSDB blocks, and a Prometheus
// serves them read-only on a free 127.0.0.1 port.
package promserver

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Binaries checks that prometheus and promtool are installed.
func Binaries() error {
	for _, b := range []string{"promtool", "prometheus"} {
		if _, err := exec.LookPath(b); err != nil {
			return fmt.Errorf("%s not installed (run `make prometheus`, or apt-get install prometheus): %w", b, err)
		}
	}
	return nil
}

// Server is a running Prometheus.
type Server struct {
	URL    string
	cmd    *exec.Cmd
	exited chan error
	logs   *bytes.Buffer
}

// Load writes OpenMetrics text into dir and builds TSDB blocks from it in
// dir/tsdb with promtool.
func Load(ctx context.Context, dir string, openMetrics []byte) error {
	om := filepath.Join(dir, "history.om")
	if err := os.WriteFile(om, openMetrics, 0o644); err != nil {
		return fmt.Errorf("promserver: %w", err)
	}
	out, err := exec.CommandContext(ctx, "promtool", "tsdb", "create-blocks-from", "openmetrics", om, filepath.Join(dir, "tsdb")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("promserver: promtool create-blocks-from openmetrics: %w\n%s", err, out)
	}
	return nil
}

// Start runs Prometheus over dir/tsdb and waits until it is ready.
func Start(ctx context.Context, dir string) (*Server, error) {
	if err := Binaries(); err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1m\n"), 0o644); err != nil {
		return nil, fmt.Errorf("promserver: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + addr, exited: make(chan error, 1), logs: &bytes.Buffer{}}
	s.cmd = exec.Command("prometheus", "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--storage.tsdb.retention.time=100y", "--web.listen-address="+addr, "--log.level=warn")
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("promserver: start prometheus: %w", err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		select {
		case err := <-s.exited:
			s.exited <- err
			return fmt.Errorf("promserver: prometheus exited: %v\n%s", err, s.logs.String())
		case <-ctx.Done():
			return fmt.Errorf("promserver: prometheus at %s not ready: %w\n%s", s.URL, ctx.Err(), s.logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := http.Get(s.URL + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
}

// Stop terminates Prometheus (SIGTERM, then SIGKILL after 10 s).
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		s.exited <- err
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		s.exited <- <-s.exited
	}
}

// ForTest loads openMetrics into a fresh Prometheus for the test and stops
// it when the test ends. It skips the test when the binaries are missing.
func ForTest(t testing.TB, openMetrics []byte) *Server {
	t.Helper()
	if err := Binaries(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	if err := Load(context.Background(), dir, openMetrics); err != nil {
		t.Fatal(err)
	}
	s, err := Start(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("promserver: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
