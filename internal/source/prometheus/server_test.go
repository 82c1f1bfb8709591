package prometheus_test

import (
	"bytes"
	"fmt"
	"net"
	"testing"

	"tailor.dev/tailor/internal/lab/promserver"
	"tailor.dev/tailor/internal/source/prometheus"
	"tailor.dev/tailor/internal/workload"
)

// needBinaries skips the test unless Debian's prometheus and promtool are
// installed (`make prometheus` installs them).
func needBinaries(t *testing.T) {
	t.Helper()
	if err := promserver.Binaries(); err != nil {
		t.Skip(err)
	}
}

// startPrometheus writes samples as OpenMetrics and starts a real
// Prometheus over them (internal/lab/promserver); it returns the URL. The
// server is stopped when the test ends.
func startPrometheus(t *testing.T, samples []workload.Sample) string {
	t.Helper()
	var buf bytes.Buffer
	if err := prometheus.WriteOpenMetrics(&buf, samples); err != nil {
		t.Fatal(err)
	}
	return promserver.ForTest(t, buf.Bytes()).URL
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
