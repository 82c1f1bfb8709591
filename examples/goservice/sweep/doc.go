// Command sweep measures how goservice's latency responds to its CPU limit:
// for each limit it starts goservice in a fresh cgroup (internal/cgroup),
// waits until it is ready, drives a constant vegeta load at /work
// (internal/loadtest) and prints one row of a markdown table with the
// latency percentiles, throughput, errors, CPU used, the share of CFS
// periods throttled and the OOM kills. It is the reproducible sanity check behind the table in
// examples/goservice/README.md, not a test; it needs root and cgroups.
//
//	go run ./examples/goservice/sweep --cpus 0.5,1,2 --rate 150 --duration 20s
package main
