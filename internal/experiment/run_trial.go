package experiment

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"tailor.dev/tailor/internal/optimize"
)

// Trial is one configuration to run, with every template of spec.trial
// rendered for it.
type Trial struct {
	Number     int  // 1-based, unique within a results directory
	Baseline   bool // the baseline configuration
	Experiment string
	// Values are the parameter values by name.
	Values Values
	// Data is what the templates were rendered with: the parameters
	// (float64 for float, int64 for int, string for categorical) and the
	// reserved variables addr, port, trial and experiment.
	Data    map[string]any
	Addr    string // 127.0.0.1:port, free when chosen; the service should listen here
	Command []string
	Env     map[string]string // added to the runner's own environment
	// Resources are the trial's CPU and memory (request = limit); zero
	// when spec.trial.resources leaves them unset.
	Resources Resources
	Readiness Readiness
	Load      LoadTest
	// Timeout bounds the whole trial; Run cancels the context passed to
	// RunTrial when it expires.
	Timeout time.Duration
}

// Resources are a trial's rendered resources.
type Resources struct {
	CPU         string  // the quantity as rendered, such as "500m" or "0.5"
	Memory      string  // such as "512Mi"
	CPUCores    float64 // CPU in cores
	MemoryBytes int64   // memory in bytes
}

// Readiness says when the service is ready for load: HTTPGet answers a
// status in 200..399 (polled every Interval), within Timeout of the start.
// With no HTTPGet, the service is ready when Addr accepts a TCP connection.
type Readiness struct {
	HTTPGet  string
	Timeout  time.Duration
	Interval time.Duration
}

// LoadTest is the load test: Rate requests per second of Method URL for
// Warmup (not measured) and then Duration (measured).
type LoadTest struct {
	Method         string
	URL            string
	Headers        map[string]string
	Body           string
	Rate           float64
	Duration       time.Duration
	Warmup         time.Duration
	RequestTimeout time.Duration
}

// templateData is the data of a trial's templates.
func (s *Spec) templateData(experiment string, values []optimize.Value, number, port int) map[string]any {
	data := map[string]any{
		VarAddr:       net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		VarPort:       port,
		VarTrial:      number,
		VarExperiment: experiment,
	}
	for i, p := range s.Parameters {
		v := values[i]
		switch v.Kind {
		case optimize.Categorical:
			data[p.Name] = v.Category
		case optimize.Int:
			data[p.Name] = int64(v.Num)
		default:
			data[p.Name] = v.Num
		}
	}
	return data
}

// renderer renders templates, collecting errors by field path.
type renderer struct {
	data map[string]any
	errs []FieldError
}

func (r *renderer) str(field, text string) string {
	out, _ := r.try(field, text)
	return out
}

// try renders text and reports whether it rendered.
func (r *renderer) try(field, text string) (string, bool) {
	out, err := Render(field, text, r.data)
	if err != nil {
		r.errs = append(r.errs, FieldError{Field: field, Detail: err.Error()})
		return "", false
	}
	return out, true
}

func (r *renderer) strMap(field string, m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for _, k := range sortedKeys(m) {
		out[k] = r.str(field+"."+k, m[k])
	}
	return out
}

func (r *renderer) fail(field, format string, args ...any) {
	r.errs = append(r.errs, FieldError{Field: field, Detail: fmt.Sprintf(format, args...)})
}

// render renders the trial template of a defaulted spec over data.
func (s *Spec) render(data map[string]any) (Trial, []FieldError) {
	t := s.Trial
	r := &renderer{data: data}
	out := Trial{Data: data, Timeout: t.Timeout.Std()}
	out.Addr, _ = data[VarAddr].(string)
	for i, c := range t.Command {
		out.Command = append(out.Command, r.str(fmt.Sprintf("spec.trial.command[%d]", i), c))
	}
	out.Env = r.strMap("spec.trial.env", t.Env)
	out.Resources = r.resources(t.Resources)
	out.Readiness = Readiness{Timeout: t.Readiness.Timeout.Std(), Interval: t.Readiness.Interval.Std()}
	if t.Readiness.HTTPGet != "" {
		out.Readiness.HTTPGet = r.url("spec.trial.readiness.httpGet", t.Readiness.HTTPGet)
	}
	lt := t.Load
	out.Load = LoadTest{
		Method:         lt.Target.Method,
		URL:            r.url("spec.trial.load.target.url", lt.Target.URL),
		Headers:        r.strMap("spec.trial.load.target.headers", lt.Target.Headers),
		Body:           r.str("spec.trial.load.target.body", lt.Target.Body),
		Rate:           lt.Rate,
		Duration:       lt.Duration.Std(),
		Warmup:         lt.Warmup.Std(),
		RequestTimeout: lt.RequestTimeout.Std(),
	}
	return out, r.errs
}

func (r *renderer) resources(t ResourcesTemplate) Resources {
	var out Resources
	var ok bool
	if t.CPU != "" {
		const field = "spec.trial.resources.cpu"
		if out.CPU, ok = r.try(field, t.CPU); ok {
			if q, ok := r.quantity(field, out.CPU); ok {
				out.CPUCores = q.AsApproximateFloat64()
			}
		}
	}
	if t.Memory != "" {
		const field = "spec.trial.resources.memory"
		if out.Memory, ok = r.try(field, t.Memory); ok {
			if q, ok := r.quantity(field, out.Memory); ok {
				out.MemoryBytes = q.Value()
			}
		}
	}
	return out
}

// quantity parses a rendered Kubernetes quantity, which must be > 0.
func (r *renderer) quantity(field, s string) (resource.Quantity, bool) {
	q, err := resource.ParseQuantity(s)
	switch {
	case err != nil:
		r.fail(field, "%q is not a Kubernetes quantity (such as 500m, 0.5, 512Mi, 1Gi)", s)
		return q, false
	case q.Sign() <= 0:
		r.fail(field, "%q: must be > 0", s)
		return q, false
	}
	return q, true
}

// url renders an http(s) URL with a host.
func (r *renderer) url(field, text string) string {
	s, ok := r.try(field, text)
	if !ok {
		return s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.fail(field, "%q: want an http:// or https:// URL with a host", s)
	}
	return s
}
