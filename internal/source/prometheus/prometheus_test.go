package prometheus_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/source/prometheus"
	"tailor.dev/tailor/internal/source/sourcetest"
	"tailor.dev/tailor/internal/workload"
)

func TestConformance(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T, samples []workload.Sample) source.Source {
		s, err := prometheus.New(prometheus.Config{URL: startPrometheus(t, samples)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestUnreachable(t *testing.T) {
	addr := freeAddr(t) // nothing listens there now
	s, err := prometheus.New(prometheus.Config{URL: "http://" + addr, Retries: 2, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Containers(context.Background(), source.Window{Start: sourcetest.Start, End: sourcetest.Start.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "http://"+addr) || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("error = %v, want one naming %s as unreachable", err, addr)
	}
}

func TestMissingMetrics(t *testing.T) {
	url := startPrometheus(t, nil)
	s, err := prometheus.New(prometheus.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Containers(context.Background(), source.Window{Start: sourcetest.Start, End: sourcetest.Start.Add(time.Hour)})
	if !errors.Is(err, prometheus.ErrNoMetrics) || !strings.Contains(err.Error(), prometheus.MetricMemory) ||
		!strings.Contains(err.Error(), url) {
		t.Errorf("error = %v, want ErrNoMetrics naming %s and %s", err, prometheus.MetricMemory, url)
	}
}

// TestConformanceChunked splits every range query into chunks of 5 steps.
func TestConformanceChunked(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T, samples []workload.Sample) source.Source {
		s, err := prometheus.New(prometheus.Config{URL: startPrometheus(t, samples), MaxPoints: 5})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestRetriesTransientErrors(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls++
		if calls <= 2 {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[]}}`)
	}))
	defer srv.Close()
	s, err := prometheus.New(prometheus.Config{URL: srv.URL, Retries: 3, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Samples(context.Background(), source.Query{Namespace: "shop", Step: time.Minute,
		Window: source.Window{Start: sourcetest.Start, End: sourcetest.Start.Add(time.Hour)}})
	if err == nil {
		r.Close()
	}
	// The owner queries ask for a vector and get a matrix: that error is not
	// transient, so it surfaces after the two 503s were retried.
	if calls != 3 || err == nil || !strings.Contains(err.Error(), "unexpected result type") {
		t.Errorf("%d calls, error %v; want 3 calls (2 retried 503s) then the result-type error", calls, err)
	}
}
