package loadtest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// initialWorkers is how many request senders vegeta starts with; it adds
// more whenever all are busy at a tick (up to Spec.MaxWorkers).
const initialWorkers = 10

// Run sends the spec's load and summarizes the measured part. When ctx is
// done first, the load stops, requests in flight are aborted and Run
// returns the partial result with an error wrapping ctx.Err().
func Run(ctx context.Context, s Spec) (Result, error) {
	if err := s.Validate(); err != nil {
		return Result{}, err
	}
	transport := newTransport(s.timeout())
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: &ctxTransport{ctx: ctx, base: transport}, Timeout: s.timeout()}
	opts := []func(*vegeta.Attacker){
		vegeta.Client(client), // first: it replaces the whole client
		vegeta.Redirects(vegeta.NoFollow),
		vegeta.MaxBody(0), // bodies are read and discarded, not kept
		vegeta.Workers(initialWorkers),
	}
	if s.MaxWorkers > 0 {
		opts = append(opts, vegeta.MaxWorkers(uint64(s.MaxWorkers)))
	}
	atk := vegeta.NewAttacker(opts...)
	target := vegeta.NewStaticTargeter(vegeta.Target{Method: s.method(), URL: s.URL, Header: s.Header, Body: s.Body})

	began := time.Now()
	c := newCollector(began.Add(s.Warmup), s.timeout())
	results := atk.Attack(target, pacer{rate: s.Rate, ctx: ctx}, s.Warmup+s.Duration, "")
	done := ctx.Done()
	sending := s.Duration
	for open := true; open; {
		select {
		case r, ok := <-results:
			if open = ok; ok {
				c.add(r)
			}
		case <-done:
			atk.Stop()
			done = nil
			sending = min(s.Duration, time.Since(c.from))
		}
	}
	res := c.result(sending)
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("loadtest: %s %s: stopped after %v: %w", s.method(), s.URL, time.Since(began).Round(time.Millisecond), err)
	}
	return res, nil
}

// pacer sends at a constant, possibly fractional, rate and stops when ctx
// is done. Like vegeta's own pacer it catches up at once when behind.
type pacer struct {
	rate float64 // requests per second
	ctx  context.Context
}

func (p pacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if p.ctx.Err() != nil {
		return 0, true
	}
	next := time.Duration(float64(hits) / p.rate * float64(time.Second))
	return next - elapsed, false
}

func (p pacer) Rate(time.Duration) float64 { return p.rate }

// newTransport is an HTTP/1.1 keep-alive transport that ignores proxy
// environment variables, so the load goes straight to the service.
func newTransport(timeout time.Duration) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 10000,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: timeout,
	}
}

// ctxTransport aborts requests in flight when ctx is done. vegeta builds
// requests without a context, so the run's context is joined here, and
// released when vegeta closes the response body.
type ctxTransport struct {
	ctx  context.Context
	base http.RoundTripper
}

func (t *ctxTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	stop := context.AfterFunc(t.ctx, cancel)
	release := sync.OnceFunc(func() { stop(); cancel() })
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Close() error {
	defer b.release()
	return b.ReadCloser.Close()
}
