package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ReadyPollInterval is the pause between two readiness checks.
const ReadyPollInterval = 50 * time.Millisecond

// readyAttemptTimeout bounds one readiness check, so a hung server does not
// use up the whole timeout in one attempt.
const readyAttemptTimeout = 2 * time.Second

// WaitReady polls rawURL with GET until it answers 2xx. After timeout (or
// when ctx is done) the error says how many checks failed and what the last
// one got: a status line with the start of the body, or the transport error.
func WaitReady(ctx context.Context, rawURL string, timeout time.Duration) error {
	if u, err := url.Parse(rawURL); err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("loadtest: wait ready: URL %q: want an absolute http:// or https:// URL", rawURL)
	}
	if timeout <= 0 {
		return fmt.Errorf("loadtest: wait ready %s: timeout %v: want > 0", rawURL, timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	transport := newTransport(readyAttemptTimeout)
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	for attempt := 1; ; attempt++ {
		last := check(ctx, client, rawURL)
		if last == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			what := fmt.Sprintf("not ready within %v", timeout)
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				what = "stopped before it was ready"
			}
			return fmt.Errorf("loadtest: wait ready %s: %s (%d checks), last: %s: %w", rawURL, what, attempt, last, ctx.Err())
		case <-time.After(ReadyPollInterval):
		}
	}
}

// check GETs rawURL once and describes why it is not ready, or returns "".
func check(ctx context.Context, client *http.Client, rawURL string) string {
	ctx, cancel := context.WithTimeout(ctx, readyAttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return ""
	}
	if b := strings.TrimSpace(string(body)); b != "" {
		return fmt.Sprintf("%s: %q", resp.Status, b)
	}
	return resp.Status
}
