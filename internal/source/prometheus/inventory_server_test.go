package prometheus_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// startPrometheusOM builds TSDB blocks from OpenMetrics text with promtool,
// starts a real Prometheus over them on a free 127.0.0.1 port and returns
// its URL; the server stops when the test ends. It is startPrometheus
// (server_test.go) for text that is not made of workload.Samples.
func startPrometheusOM(t *testing.T, om []byte) string {
	t.Helper()
	needBinaries(t)
	dir := t.TempDir()
	file, data := filepath.Join(dir, "series.om"), filepath.Join(dir, "tsdb")
	if err := os.WriteFile(file, om, 0o644); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if out, err := exec.Command("promtool", "tsdb", "create-blocks-from", "openmetrics", file, data).CombinedOutput(); err != nil {
		t.Fatalf("promtool create-blocks-from openmetrics: %v\n%s", err, out)
	}
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
				t.Logf("prometheus over %d bytes of OpenMetrics ready at %s after %s", len(om), url, time.Since(began).Round(time.Millisecond))
				return url
			}
		}
	}
}
