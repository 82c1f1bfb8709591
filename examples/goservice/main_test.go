package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want config
		err  string
	}{
		{"defaults", nil, config{addr: "127.0.0.1:8080", liveHeapMiB: 64, work: 400, allocKiB: 1024}, ""},
		{"all set", []string{"--addr", ":9000", "--live-heap-mib", "256", "--work", "7", "--alloc-kib", "0"},
			config{addr: ":9000", liveHeapMiB: 256, work: 7, allocKiB: 0}, ""},
		{"negative work", []string{"--work=-1"}, config{}, "--work -1"},
		{"huge live heap", []string{"--live-heap-mib=100000"}, config{}, "--live-heap-mib 100000"},
		{"negative garbage", []string{"--alloc-kib=-5"}, config{}, "--alloc-kib -5"},
		{"unknown flag", []string{"--gomaxprocs=2"}, config{}, "flag provided but not defined"},
		{"stray argument", []string{"serve"}, config{}, `unexpected arguments ["serve"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlags(tt.args, io.Discard)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("parseFlags = %v, want an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseFlags = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestServes(t *testing.T) {
	srv := httptest.NewServer(newService(config{liveHeapMiB: 4, work: 10, allocKiB: 64}).routes())
	defer srv.Close()
	if code, body := get(t, srv.URL+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q, want 200 ok", code, body)
	}
	var digests []string
	for range 2 {
		code, body := get(t, srv.URL+"/work")
		var w workResponse
		if err := json.Unmarshal([]byte(body), &w); err != nil || code != 200 || w.Iterations != 10 || w.AllocKiB != 64 || len(w.Digest) != 64 {
			t.Fatalf("/work = %d %s (%v), want 200 with 10 iterations, 64 KiB and a SHA-256 digest", code, body, err)
		}
		digests = append(digests, w.Digest)
	}
	if digests[0] != digests[1] {
		t.Errorf("digests differ between requests: %q", digests)
	}
	code, body := get(t, srv.URL+"/stats")
	var stats map[string]float64
	if err := json.Unmarshal([]byte(body), &stats); err != nil || code != 200 || stats["requests"] != 2 || stats["gomaxprocs"] < 1 || stats["gogc_percent"] == 0 {
		t.Errorf("/stats = %d %s (%v), want 2 requests and runtime settings", code, body, err)
	}
	resp, err := http.Post(srv.URL+"/work", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /work = %d, want 405", resp.StatusCode)
	}
}

// fastest is the shortest of n /work calls on svc, which is the least
// disturbed by other load on the machine.
func fastest(svc *service, n int) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range n {
		start := time.Now()
		svc.handleWork(httptest.NewRecorder(), httptest.NewRequest("GET", "/work", nil))
		best = min(best, time.Since(start))
	}
	return best
}

// The time of a request grows in proportion to --work.
func TestWorkScales(t *testing.T) {
	var prev time.Duration
	var times []time.Duration
	for _, work := range []int{20, 80, 320} {
		d := fastest(newService(config{work: work}), 5)
		t.Logf("--work %d: %v", work, d)
		if d <= prev {
			t.Errorf("--work %d took %v, no longer than the previous, smaller work (%v)", work, d, prev)
		}
		prev = d
		times = append(times, d)
	}
	if ratio := float64(times[2]) / float64(times[0]); ratio < 6 || ratio > 32 {
		t.Errorf("16 times the work took %.1f times as long, want about 16 (6..32)", ratio)
	}
}

// SIGTERM (a cancelled context) makes run return after a graceful
// shutdown.
func TestGracefulShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, config{work: 1}, ln, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	url := "http://" + ln.Addr().String()
	if code, _ := get(t, url+"/work"); code != 200 {
		t.Fatalf("/work = %d, want 200", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run = %v, want nil after shutdown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return after shutdown")
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}
