package prometheus_test

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

	"tailor.dev/tailor/internal/source/prometheus"
	"tailor.dev/tailor/internal/workload"
)

// needBinaries skips the test unless Debian's prometheus and promtool are
// installed (`make prometheus` installs them).
func needBinaries(t *testing.T) {
	t.Helper()
	for _, b := range []string{"promtool", "prometheus"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Skipf("%s not installed (run `make prometheus`, or apt-get install prometheus): %v", b, err)
		}
	}
}

// startPrometheus writes samples as OpenMetrics, builds TSDB blocks with
// promtool, starts a real Prometheus on a free 127.0.0.1 port over them and
// returns its URL. The server is stopped when the test ends.
func startPrometheus(t *testing.T, samples []workload.Sample) string {
	t.Helper()
	needBinaries(t)
	dir := t.TempDir()
	om := filepath.Join(dir, "usage.om")
	var buf bytes.Buffer
	if err := prometheus.WriteOpenMetrics(&buf, samples); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(om, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "tsdb")
	began := time.Now()
	if out, err := exec.Command("promtool", "tsdb", "create-blocks-from", "openmetrics", om, data).CombinedOutput(); err != nil {
		t.Fatalf("promtool create-blocks-from openmetrics: %v\n%s", err, out)
	}
	t.Logf("promtool loaded %d bytes of OpenMetrics in %s", buf.Len(), time.Since(began).Round(time.Millisecond))
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command("prometheus", "--config.file="+cfg, "--storage.tsdb.path="+data,
		"--storage.tsdb.retention.time=100y", "--web.listen-address="+addr, "--log.level=warn")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	url := "http://" + addr
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		select {
		case err := <-exited:
			t.Fatalf("prometheus exited: %v\n%s", err, logs.String())
		case <-ctx.Done():
			t.Fatalf("prometheus at %s not ready after 60s\n%s", url, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := http.Get(url + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("prometheus ready at %s after %s", url, time.Since(began).Round(time.Millisecond))
				return url
			}
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprintf("127.0.0.1:%d", l.Addr().(*net.TCPAddr).Port)
}
