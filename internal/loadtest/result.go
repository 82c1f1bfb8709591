package loadtest

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// MaxErrors is how many distinct error messages a Result keeps.
const MaxErrors = 5

// Result summarizes the measured part of a load test: the requests sent
// after the warm-up. Latencies are those of every measured request,
// failed ones included, from sending to the end of the response body.
type Result struct {
	// Requests is the number of measured requests.
	Requests int
	// WarmupRequests is the number of requests sent during the warm-up.
	WarmupRequests int
	// Successes is the number of measured requests answered 2xx in time.
	Successes int

	// Latency percentiles (nearest rank), mean, minimum and maximum.
	P50, P95, P99, Max, Mean, Min time.Duration

	// Duration is the measured window: from the end of the warm-up to the
	// end of the last measured response.
	Duration time.Duration
	// Throughput is Successes per second of Duration.
	Throughput float64
	// Rate is the number of measured requests sent per second of
	// Spec.Duration (of the time until cancellation when cancelled); below
	// Spec.Rate the load generator could not keep up.
	Rate float64
	// ErrorRate is the share of measured requests that failed: a non-2xx
	// status, a timeout or a transport error.
	ErrorRate float64
	// StatusCodes counts measured requests by status code; 0 counts those
	// that got no response (timeout, refused connection, ...).
	StatusCodes map[int]int
	// Errors holds the first MaxErrors distinct failure messages.
	Errors []string
}

// String is a one-line summary.
func (r Result) String() string {
	return fmt.Sprintf("%d requests at %.1f/s: p50 %v p95 %v p99 %v max %v, %.1f ok/s, %.2f%% errors",
		r.Requests, r.Rate, r.P50, r.P95, r.P99, r.Max, r.Throughput, 100*r.ErrorRate)
}

// collector accumulates vegeta results.
type collector struct {
	from      time.Time     // start of the measured part
	timeout   time.Duration // per request
	latencies []time.Duration
	warmup    int
	successes int
	lastEnd   time.Time
	codes     map[int]int
	errors    []string
}

func newCollector(from time.Time, timeout time.Duration) *collector {
	return &collector{from: from, timeout: timeout, lastEnd: from, codes: map[int]int{}}
}

func (c *collector) add(r *vegeta.Result) {
	if r.Timestamp.Before(c.from) {
		c.warmup++
		return
	}
	c.latencies = append(c.latencies, r.Latency)
	c.codes[int(r.Code)]++
	if end := r.End(); end.After(c.lastEnd) {
		c.lastEnd = end
	}
	msg := failure(r, c.timeout)
	if msg == "" {
		c.successes++
	} else if len(c.errors) < MaxErrors && !slices.Contains(c.errors, msg) {
		c.errors = append(c.errors, msg)
	}
}

// failure describes why a request failed, or returns "". The several
// messages net/http has for a timeout, depending on when it struck, become
// one.
func failure(r *vegeta.Result, timeout time.Duration) string {
	switch {
	case strings.Contains(r.Error, "Client.Timeout exceeded") || strings.HasSuffix(r.Error, context.DeadlineExceeded.Error()):
		return fmt.Sprintf("timeout: no response within %v", timeout)
	case r.Error != "":
		return r.Error // transport error, or vegeta's status line for >= 400
	case r.Code < 200 || r.Code > 299:
		return fmt.Sprintf("%d %s", r.Code, http.StatusText(int(r.Code)))
	}
	return ""
}

// result summarizes; sending is how long measured requests were sent.
func (c *collector) result(sending time.Duration) Result {
	n := len(c.latencies)
	res := Result{Requests: n, WarmupRequests: c.warmup, Successes: c.successes, StatusCodes: c.codes, Errors: c.errors}
	if n == 0 {
		return res
	}
	l := slices.Clone(c.latencies)
	slices.Sort(l)
	var sum time.Duration
	for _, d := range l {
		sum += d
	}
	res.P50, res.P95, res.P99 = quantile(l, 0.50), quantile(l, 0.95), quantile(l, 0.99)
	res.Min, res.Max, res.Mean = l[0], l[n-1], sum/time.Duration(n)
	res.ErrorRate = float64(n-c.successes) / float64(n)
	res.Duration = c.lastEnd.Sub(c.from)
	if res.Duration > 0 {
		res.Throughput = float64(c.successes) / res.Duration.Seconds()
	}
	if sending > 0 {
		res.Rate = float64(n) / sending.Seconds()
	}
	return res
}

// quantile is the nearest-rank q-quantile of sorted, non-empty l: the
// smallest value with at least q of the values at or below it.
func quantile(l []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(l)))) - 1
	return l[max(0, min(i, len(l)-1))]
}
