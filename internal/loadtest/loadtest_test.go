package loadtest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tailor.dev/tailor/internal/loadtest"
)

func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func run(t *testing.T, s loadtest.Spec) loadtest.Result {
	t.Helper()
	res, err := loadtest.Run(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	return res
}

// The latency of a handler that sleeps a known time is that time plus a
// little, at every percentile.
func TestLatencyPercentiles(t *testing.T) {
	for _, sleep := range []time.Duration{5 * time.Millisecond, 40 * time.Millisecond} {
		t.Run(sleep.String(), func(t *testing.T) {
			url := serve(t, func(w http.ResponseWriter, r *http.Request) { time.Sleep(sleep) })
			res := run(t, loadtest.Spec{URL: url, Rate: 50, Duration: time.Second})
			if res.Requests < 45 || res.Requests > 52 || res.Rate < 45 || res.Rate > 52 {
				t.Errorf("%d requests at %.1f/s, want about 50 at 50/s", res.Requests, res.Rate)
			}
			slack := 30 * time.Millisecond // a loaded 2-core machine
			for name, got := range map[string]time.Duration{"min": res.Min, "p50": res.P50, "mean": res.Mean, "p95": res.P95} {
				if got < sleep || got > sleep+slack {
					t.Errorf("%s latency %v, want %v..%v", name, got, sleep, sleep+slack)
				}
			}
			if !(res.Min <= res.P50 && res.P50 <= res.P95 && res.P95 <= res.P99 && res.P99 <= res.Max) {
				t.Errorf("percentiles out of order: %+v", res)
			}
			if res.ErrorRate != 0 || res.Successes != res.Requests || res.StatusCodes[200] != res.Requests {
				t.Errorf("errors %.2f, %d/%d ok, codes %v; want all 200", res.ErrorRate, res.Successes, res.Requests, res.StatusCodes)
			}
			if res.Throughput < 40 || res.Throughput > 52 {
				t.Errorf("throughput %.1f/s, want about 50", res.Throughput)
			}
		})
	}
}

// MaxWorkers caps the requests in flight: one worker against a 100 ms
// handler sends about 10 requests per second whatever the rate asked.
func TestMaxWorkersCapsTheLoad(t *testing.T) {
	var inFlight, most atomic.Int64
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(100 * time.Millisecond)
	})
	res := run(t, loadtest.Spec{URL: url, Rate: 50, Duration: time.Second, MaxWorkers: 1})
	if most.Load() != 1 || res.Requests < 8 || res.Requests > 12 || res.Rate > 12 {
		t.Errorf("%d requests at %.1f/s, at most %d in flight; want about 10 at 10/s, one at a time",
			res.Requests, res.Rate, most.Load())
	}
}

// Method, header and body reach the server.
func TestSendsTheRequest(t *testing.T) {
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("X-Trial") != "7" || string(b) != `{"n":1}` {
			http.Error(w, "unexpected request", http.StatusBadRequest)
		}
	})
	res := run(t, loadtest.Spec{Method: "POST", URL: url, Header: http.Header{"X-Trial": {"7"}}, Body: []byte(`{"n":1}`),
		Rate: 20, Duration: 250 * time.Millisecond})
	if res.Requests == 0 || res.ErrorRate != 0 {
		t.Errorf("%d requests, error rate %.2f, errors %v; want all accepted", res.Requests, res.ErrorRate, res.Errors)
	}
}

// Non-2xx statuses, timeouts and refused connections are errors, counted
// per status code, with their messages kept once each.
func TestErrorsCounted(t *testing.T) {
	var n atomic.Int64
	everyFourth500 := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%4 == 0 {
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	})
	slow := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	})
	redirect := serve(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/elsewhere", http.StatusFound) })
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name      string
		url       string
		timeout   time.Duration
		code      int     // status code of the failures
		errorRate float64 // expected, ±0.05
		message   string  // in Errors
	}{
		{"every fourth 500", everyFourth500, 0, 500, 0.25, "500 Internal Server Error"},
		{"timeouts", slow, 50 * time.Millisecond, 0, 1, "timeout: no response within 50ms"},
		{"refused", closed.URL, 0, 0, 1, "connection refused"},
		{"redirect not followed", redirect, 0, 302, 1, "302 Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, loadtest.Spec{URL: tt.url, Rate: 40, Duration: 500 * time.Millisecond, Timeout: tt.timeout})
			failed := res.Requests - res.Successes
			if d := res.ErrorRate - tt.errorRate; d < -0.05 || d > 0.05 || res.StatusCodes[tt.code] != failed {
				t.Errorf("error rate %.3f with codes %v, want %.2f with %d failures under code %d",
					res.ErrorRate, res.StatusCodes, tt.errorRate, failed, tt.code)
			}
			if len(res.Errors) != 1 || !strings.Contains(res.Errors[0], tt.message) {
				t.Errorf("Errors = %q, want one message containing %q", res.Errors, tt.message)
			}
		})
	}
}

// Requests sent during the warm-up are excluded: a handler that is slow for
// its first ten requests only does not show in the measured latencies.
func TestWarmupExcluded(t *testing.T) {
	var n atomic.Int64
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 10 {
			time.Sleep(300 * time.Millisecond)
		}
	})
	res := run(t, loadtest.Spec{URL: url, Rate: 50, Warmup: time.Second, Duration: time.Second})
	if res.WarmupRequests < 45 || res.WarmupRequests > 52 || res.Requests < 45 || res.Requests > 52 {
		t.Errorf("%d warm-up and %d measured requests, want about 50 each", res.WarmupRequests, res.Requests)
	}
	if res.Max >= 150*time.Millisecond {
		t.Errorf("max latency %v: slow warm-up requests were measured", res.Max)
	}
}

// Cancelling the context stops the load and aborts requests in flight.
func TestCancelStopsPromptly(t *testing.T) {
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(10 * time.Second):
		case <-r.Context().Done():
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	res, err := loadtest.Run(ctx, loadtest.Spec{URL: url, Rate: 20, Duration: 30 * time.Second})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Run returned %v after start, want soon after the cancel at 300ms", d)
	}
	if res.Requests < 3 || res.Requests > 10 {
		t.Errorf("%d requests in about 300ms at 20/s, want about 6", res.Requests)
	}
}

func TestValidate(t *testing.T) {
	ok := loadtest.Spec{URL: "http://127.0.0.1:8080/work", Rate: 10, Duration: time.Second}
	tests := []struct {
		name   string
		change func(*loadtest.Spec)
		err    string // substring; "" = valid
	}{
		{"valid", func(*loadtest.Spec) {}, ""},
		{"method", func(s *loadtest.Spec) { s.Method = "get it" }, `Method: "get it"`},
		{"relative url", func(s *loadtest.Spec) { s.URL = "/work" }, `URL: "/work": want an absolute`},
		{"ftp url", func(s *loadtest.Spec) { s.URL = "ftp://host/x" }, "URL:"},
		{"zero rate", func(s *loadtest.Spec) { s.Rate = 0 }, "Rate: 0 requests/s"},
		{"zero duration", func(s *loadtest.Spec) { s.Duration = 0 }, "Duration: 0s"},
		{"too short to send", func(s *loadtest.Spec) { s.Rate, s.Duration = 0.5, time.Second }, "less than one request"},
		{"negative warmup", func(s *loadtest.Spec) { s.Warmup = -time.Second }, "Warmup: -1s"},
		{"negative timeout", func(s *loadtest.Spec) { s.Timeout = -1 }, "Timeout:"},
		{"negative workers", func(s *loadtest.Spec) { s.MaxWorkers = -1 }, "MaxWorkers: -1"},
		{"all at once", func(s *loadtest.Spec) { s.Rate, s.Duration = -1, 0 }, "Rate: -1 requests/s: want > 0; Duration: 0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.change(&s)
			err := s.Validate()
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.err)
			}
			if tt.err == "" {
				return
			}
			if _, err := loadtest.Run(context.Background(), s); err == nil {
				t.Error("Run accepted an invalid spec")
			}
		})
	}
}

func TestWaitReady(t *testing.T) {
	start := time.Now()
	warming := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if time.Since(start) < 300*time.Millisecond {
			http.Error(w, "warming up", http.StatusServiceUnavailable)
		}
	})
	never := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "still warming up", http.StatusServiceUnavailable)
	})
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name, url string
		err       string // substring; "" = ready
	}{
		{"becomes ready", warming, ""},
		{"never ready", never, `not ready within 500ms`},
		{"last status and body", never, `last: 503 Service Unavailable: "still warming up"`},
		{"nothing listening", closed.URL, "connection refused"},
		{"bad url", "localhost:80", "want an absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := loadtest.WaitReady(context.Background(), tt.url, 500*time.Millisecond)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("WaitReady = %v, want an error containing %q", err, tt.err)
			}
		})
	}
}
