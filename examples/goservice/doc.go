// Command goservice is an HTTP service whose tail latency responds to the
// knobs a right-sizing experiment turns: its CPU limit, its memory limit,
// GOMAXPROCS, GOGC and GOMEMLIMIT. GET /work hashes a fixed amount of data
// (--work) and allocates short-lived garbage (--alloc-kib) while the process
// holds a pointer-rich live heap (--live-heap-mib); /healthz answers "ok";
// /stats reports the Go runtime's settings and GC activity. SIGTERM or
// SIGINT shut it down gracefully. README.md explains how latency should
// respond to each knob, with measurements.
package main
