package prometheus_test

import (
	"testing"

	"tailor.dev/tailor/internal/lab/promserver"
)

// startPrometheusOM builds TSDB blocks from OpenMetrics text and starts a
// real Prometheus over them (internal/lab/promserver); it returns the URL.
// It is startPrometheus for text that is not made of workload.Samples.
func startPrometheusOM(t *testing.T, om []byte) string {
	t.Helper()
	return promserver.ForTest(t, om).URL
}
