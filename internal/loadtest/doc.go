// Package loadtest drives real HTTP load at a constant rate with vegeta
// (github.com/tsenart/vegeta/v12) used as a library, and summarizes it the
// way a latency SLO is judged: nearest-rank latency percentiles over every
// measured request, throughput of successful responses, an error rate, a
// status-code histogram and the first distinct errors.
//
// Run sends Spec.Rate requests per second for Spec.Warmup plus
// Spec.Duration without a pause between the two, so the service is warm and
// the load steady when measuring starts; requests sent during the warm-up
// are counted in Result.WarmupRequests and nothing else. The load is open:
// requests are sent on schedule whether or not earlier ones have returned
// (vegeta adds workers as needed up to Spec.MaxWorkers), so a slow service
// shows up as latency, not as a lower request rate. Result.Rate falls below
// Spec.Rate only when MaxWorkers caps the concurrency or the load generator
// itself is starved of CPU. With a cap, requests wait for a free worker and
// that wait is not part of their latency (coordinated omission), so leave
// MaxWorkers at 0 when judging a latency SLO.
//
// A request succeeds when it gets a 2xx response within Spec.Timeout;
// redirects are not followed and count as errors. Cancelling the context
// stops the load and aborts requests in flight; Run then returns what it
// measured so far with the context's error.
//
// WaitReady polls a URL until it answers 2xx, for services that were just
// started.
package loadtest
