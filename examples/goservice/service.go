package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// blockSize is how many bytes one unit of --work hashes.
const blockSize = 16 << 10

// config is the service's flags.
type config struct {
	addr        string
	liveHeapMiB int // pointer-rich heap held for the process lifetime
	work        int // SHA-256 blocks hashed per request
	allocKiB    int // short-lived garbage allocated per request
}

// validate rejects values that cannot work, naming the flag.
func (c config) validate() error {
	switch {
	case c.liveHeapMiB < 0 || c.liveHeapMiB > 64<<10:
		return fmt.Errorf("--live-heap-mib %d: want 0..65536", c.liveHeapMiB)
	case c.work < 0:
		return fmt.Errorf("--work %d: want >= 0", c.work)
	case c.allocKiB < 0 || c.allocKiB > 1<<20:
		return fmt.Errorf("--alloc-kib %d: want 0..1048576", c.allocKiB)
	}
	return nil
}

// node is one 64-byte object of the live heap; the pointer makes the GC
// trace it in every cycle.
type node struct {
	next *node
	data [56]byte
}

// chunk is one 1 KiB object of per-request garbage, with a pointer so the
// GC scans it too.
type chunk struct {
	next *chunk
	data [1016]byte
}

// liveChains is how many linked lists the live heap is spread over.
const liveChains = 1024

// service handles the requests.
type service struct {
	cfg      config
	block    []byte // read-only input of the CPU work
	live     [liveChains]*node
	requests atomic.Int64
}

// newService builds the live heap: liveHeapMiB MiB of 64-byte nodes linked
// in random order, with a fixed seed, so marking it chases pointers.
func newService(cfg config) *service {
	s := &service{cfg: cfg, block: make([]byte, blockSize)}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range s.block {
		s.block[i] = byte(rng.Uint32())
	}
	for i := range cfg.liveHeapMiB << 20 / 64 {
		n := &node{}
		n.data[0] = byte(i)
		c := rng.IntN(liveChains)
		n.next, s.live[c] = s.live[c], n
	}
	return s
}

func (s *service) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /work", s.handleWork)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /stats", s.handleStats)
	return mux
}

// workResponse is the body of /work.
type workResponse struct {
	Iterations int    `json:"iterations"`
	AllocKiB   int    `json:"alloc_kib"`
	Digest     string `json:"digest"`
	Garbage    byte   `json:"garbage"`
	Micros     int64  `json:"micros"`
}

// handleWork does the fixed CPU work, allocates the garbage and answers
// with their results, so neither can be optimized away.
func (s *service) handleWork(w http.ResponseWriter, _ *http.Request) {
	start := time.Now()
	digest := hashChain(s.block, s.cfg.work)
	garbage := allocate(s.cfg.allocKiB)
	s.requests.Add(1)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(workResponse{
		Iterations: s.cfg.work, AllocKiB: s.cfg.allocKiB, Digest: hex.EncodeToString(digest[:]),
		Garbage: garbage, Micros: time.Since(start).Microseconds(),
	})
}

// hashChain hashes block n times, each time prefixed by the previous digest.
func hashChain(block []byte, n int) [sha256.Size]byte {
	var d [sha256.Size]byte
	h := sha256.New()
	for range n {
		h.Reset()
		h.Write(d[:])
		h.Write(block)
		h.Sum(d[:0])
	}
	return d
}

// allocate allocates kib 1 KiB chunks, linked so they stay reachable until
// the request ends, and sums one byte of each into the result.
func allocate(kib int) byte {
	var head *chunk
	for i := range kib {
		c := &chunk{next: head}
		c.data[i%len(c.data)] = byte(i)
		head = c
	}
	var x byte
	for i, c := 0, head; c != nil; i, c = i+1, c.next {
		x += c.data[(kib-1-i)%len(c.data)]
	}
	return x
}

// statsMetrics are the runtime/metrics /stats reports, by JSON name.
var statsMetrics = map[string]string{
	"gomaxprocs":      "/sched/gomaxprocs:threads",
	"gogc_percent":    "/gc/gogc:percent",
	"gomemlimit":      "/gc/gomemlimit:bytes",
	"gc_cycles":       "/gc/cycles/total:gc-cycles",
	"live_heap_bytes": "/gc/heap/live:bytes",
	"heap_goal_bytes": "/gc/heap/goal:bytes",
	"gc_cpu_seconds":  "/cpu/classes/gc/total:cpu-seconds",
	"cpu_seconds":     "/cpu/classes/total:cpu-seconds",
}

// handleStats reports the Go runtime settings and GC activity, so an
// experiment can see what GOMAXPROCS, GOGC and GOMEMLIMIT did.
func (s *service) handleStats(w http.ResponseWriter, _ *http.Request) {
	samples := make([]metrics.Sample, 0, len(statsMetrics))
	for _, name := range statsMetrics {
		samples = append(samples, metrics.Sample{Name: name})
	}
	metrics.Read(samples)
	out := map[string]any{"requests": s.requests.Load()}
	for key, name := range statsMetrics {
		for _, sm := range samples {
			switch {
			case sm.Name != name:
			case sm.Value.Kind() == metrics.KindUint64:
				out[key] = sm.Value.Uint64()
			case sm.Value.Kind() == metrics.KindFloat64:
				out[key] = sm.Value.Float64()
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
