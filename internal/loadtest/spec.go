package loadtest

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout is the per-request timeout used when Spec.Timeout is 0.
const DefaultTimeout = 30 * time.Second

// Spec is one load test: one request sent at a constant rate.
type Spec struct {
	// Method is the HTTP method; "" means GET.
	Method string
	// URL is the absolute http or https URL requested.
	URL string
	// Header is sent with every request; may be nil.
	Header http.Header
	// Body is sent with every request; may be nil.
	Body []byte
	// Rate is the number of requests sent per second, constant.
	Rate float64
	// Duration is how long the measured part lasts.
	Duration time.Duration
	// Warmup is how long requests are sent before measuring starts; they
	// are not measured. 0 means no warm-up.
	Warmup time.Duration
	// Timeout bounds each request, from sending to the end of the body;
	// 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxWorkers caps the number of requests in flight; 0 means no cap.
	MaxWorkers int
}

// Validate reports every invalid field of the spec, naming it.
func (s Spec) Validate() error {
	var errs []string
	bad := func(field, format string, args ...any) {
		errs = append(errs, field+": "+fmt.Sprintf(format, args...))
	}
	if s.Method != "" && (strings.ContainsAny(s.Method, " \t\r\n()<>@,;:\\\"/[]?={}") || s.Method != strings.ToUpper(s.Method)) {
		bad("Method", "%q is not an HTTP method token", s.Method)
	}
	if u, err := url.Parse(s.URL); err != nil {
		bad("URL", "%v", err)
	} else if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		bad("URL", "%q: want an absolute http:// or https:// URL", s.URL)
	}
	if math.IsNaN(s.Rate) || math.IsInf(s.Rate, 0) || s.Rate <= 0 {
		bad("Rate", "%v requests/s: want > 0", s.Rate)
	}
	if s.Duration <= 0 {
		bad("Duration", "%v: want > 0", s.Duration)
	} else if s.Rate > 0 && s.Rate*s.Duration.Seconds() < 1 {
		bad("Duration", "%v at %v requests/s is less than one request", s.Duration, s.Rate)
	}
	if s.Warmup < 0 {
		bad("Warmup", "%v: want >= 0", s.Warmup)
	}
	if s.Timeout < 0 {
		bad("Timeout", "%v: want >= 0 (0 = %v)", s.Timeout, DefaultTimeout)
	}
	if s.MaxWorkers < 0 {
		bad("MaxWorkers", "%d: want >= 0 (0 = no cap)", s.MaxWorkers)
	}
	if len(errs) > 0 {
		return fmt.Errorf("loadtest: invalid spec: %s", strings.Join(errs, "; "))
	}
	return nil
}

func (s Spec) method() string {
	if s.Method == "" {
		return http.MethodGet
	}
	return s.Method
}

func (s Spec) timeout() time.Duration {
	if s.Timeout == 0 {
		return DefaultTimeout
	}
	return s.Timeout
}
