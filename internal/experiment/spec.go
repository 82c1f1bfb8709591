package experiment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"tailor.dev/tailor/internal/cost"
)

// The apiVersion and kind of an Experiment document.
const (
	APIVersion = "tailor.dev/v1alpha1"
	Kind       = "Experiment"
)

// Experiment is an experiment spec, the YAML document
// docs/formats/experiment.md describes.
type Experiment struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Spec       Spec     `json:"spec"`
}

// Metadata names the experiment.
type Metadata struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
}

// Spec is what to vary, what to measure, and how to run one trial.
type Spec struct {
	Optimizer   OptimizerSpec `json:"optimizer,omitzero"`
	Budget      Budget        `json:"budget"`
	Parameters  []Parameter   `json:"parameters"`
	Constraints []Constraint  `json:"constraints,omitempty"`
	Metrics     []Metric      `json:"metrics"`
	Prices      *Prices       `json:"prices,omitempty"`
	Trial       TrialTemplate `json:"trial"`
}

// OptimizerSpec chooses the optimizer.
type OptimizerSpec struct {
	Algorithm     string  `json:"algorithm,omitempty"` // random, sobol or gp (default)
	Seed          *uint64 `json:"seed,omitempty"`      // default 1
	InitialPoints int     `json:"initialPoints,omitempty"`
}

// Budget bounds the experiment.
type Budget struct {
	Trials    int `json:"trials"`              // trials to run, the baseline included
	Parallel  int `json:"parallel,omitempty"`  // trials at a time (default 1)
	MaxFailed int `json:"maxFailed,omitempty"` // stop after this many failed trials (0: never)
}

// Parameter types.
const (
	TypeFloat       = "float"
	TypeInt         = "int"
	TypeCategorical = "categorical"
)

// Parameter is one dimension of the search space.
type Parameter struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Log      bool     `json:"log,omitempty"`
	Values   Choices  `json:"values,omitempty"`
	Baseline *Scalar  `json:"baseline"`
}

// Choices are the values of a categorical parameter. In YAML each is a
// string or a number (kept as written: 25 is "25"); a boolean is an error,
// so that an unquoted off does not silently become "false".
type Choices []string

// UnmarshalJSON reads a list of strings and numbers.
func (c *Choices) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("values: want a list of strings")
	}
	out := make(Choices, len(raw))
	for i, r := range raw {
		var s Scalar
		if err := s.UnmarshalJSON(r); err != nil {
			return fmt.Errorf("values[%d]: %w", i, err)
		}
		out[i] = s.Text()
	}
	*c = out
	return nil
}

// Constraint restricts the configurations the optimizer suggests. Exactly
// one of Order and WeightedSum is set.
type Constraint struct {
	Name        string       `json:"name"`
	Order       *Order       `json:"order,omitempty"`
	WeightedSum *WeightedSum `json:"weightedSum,omitempty"`
}

// Order requires lower <= factor*upper + offset.
type Order struct {
	Lower  string   `json:"lower"`
	Upper  string   `json:"upper"`
	Factor *float64 `json:"factor,omitempty"` // default 1
	Offset float64  `json:"offset,omitempty"`
}

// WeightedSum requires min <= sum of weight*parameter <= max.
type WeightedSum struct {
	Terms []Term   `json:"terms"`
	Min   *float64 `json:"min,omitempty"`
	Max   *float64 `json:"max,omitempty"`
}

// Term is one weighted parameter of a WeightedSum.
type Term struct {
	Parameter string   `json:"parameter"`
	Weight    *float64 `json:"weight,omitempty"` // default 1
}

// Metric goals.
const (
	Minimize = "minimize"
	Maximize = "maximize"
)

// Metric is one measured value of a trial: optimized (it has a goal and
// Optimize is not false), bounded (Min or Max; a trial outside is
// infeasible), or only tracked.
type Metric struct {
	Name     string  `json:"name"`
	Source   string  `json:"source"`
	Goal     string  `json:"goal,omitempty"`
	Optimize *bool   `json:"optimize,omitempty"` // default: true when Goal is set
	Min      *Scalar `json:"min,omitempty"`
	Max      *Scalar `json:"max,omitempty"`
}

// Optimized reports whether the optimizer pursues the metric: Optimize,
// or by default whether the metric has a goal.
func (m Metric) Optimized() bool {
	if m.Optimize == nil {
		return m.Goal != ""
	}
	return *m.Optimize
}

// Prices price the cost_per_hour source.
type Prices struct {
	CPUCoreHour   float64 `json:"cpuCoreHour"`   // USD per core-hour
	MemoryGiBHour float64 `json:"memoryGiBHour"` // USD per GiB-hour
}

// TrialTemplate is what a runner executes for one trial. Strings are Go
// templates over the trial's data (see Trial.Data).
type TrialTemplate struct {
	Command   []string          `json:"command"`
	Env       map[string]string `json:"env,omitempty"`
	Resources ResourcesTemplate `json:"resources,omitzero"`
	Readiness ReadinessTemplate `json:"readiness,omitzero"`
	Load      LoadTemplate      `json:"load"`
	Timeout   Duration          `json:"timeout,omitempty"`
}

// ResourcesTemplate sizes the trial: Kubernetes quantities after
// rendering, each both the request and the limit.
type ResourcesTemplate struct {
	CPU    string `json:"cpu,omitempty"`
	Memory string `json:"memory,omitempty"`
}

// ReadinessTemplate says when the service is ready for load.
type ReadinessTemplate struct {
	HTTPGet  string   `json:"httpGet,omitempty"`
	Timeout  Duration `json:"timeout,omitempty"`  // default 30s
	Interval Duration `json:"interval,omitempty"` // default 250ms
}

// LoadTemplate is the load test run against the service.
type LoadTemplate struct {
	Target         TargetTemplate `json:"target"`
	Rate           float64        `json:"rate"` // requests per second
	Duration       Duration       `json:"duration"`
	Warmup         Duration       `json:"warmup,omitempty"`
	RequestTimeout Duration       `json:"requestTimeout,omitempty"` // default 30s
}

// TargetTemplate is the request of the load test.
type TargetTemplate struct {
	Method  string            `json:"method,omitempty"` // default GET
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// Defaults.
const (
	DefaultAlgorithm        = "gp"
	DefaultSeed             = 1
	DefaultReadinessTimeout = 30 * time.Second
	DefaultReadinessPoll    = 250 * time.Millisecond
	DefaultRequestTimeout   = 30 * time.Second
	// DefaultTimeoutSlack is added to readiness.timeout + load.warmup +
	// load.duration to make the default trial timeout.
	DefaultTimeoutSlack = time.Minute
)

// Defaulted returns a copy of e with every default filled in (the slices
// and pointers it changes are copied; e is not modified).
func (e *Experiment) Defaulted() *Experiment {
	d := *e
	s := &d.Spec
	if s.Optimizer.Algorithm == "" {
		s.Optimizer.Algorithm = DefaultAlgorithm
	}
	if s.Optimizer.Seed == nil {
		seed := uint64(DefaultSeed)
		s.Optimizer.Seed = &seed
	}
	if s.Budget.Parallel == 0 {
		s.Budget.Parallel = 1
	}
	s.Constraints = slices.Clone(s.Constraints)
	for i := range s.Constraints {
		s.Constraints[i] = s.Constraints[i].defaulted()
	}
	s.Metrics = slices.Clone(s.Metrics)
	for i, m := range s.Metrics {
		if m.Optimize == nil {
			opt := m.Goal != ""
			s.Metrics[i].Optimize = &opt
		}
	}
	if s.Prices == nil {
		s.Prices = &Prices{CPUCoreHour: cost.OpenCostOnDemand.CPUCoreHour, MemoryGiBHour: cost.OpenCostOnDemand.MemGiBHour}
	}
	s.Trial = s.Trial.defaulted()
	return &d
}

func (c Constraint) defaulted() Constraint {
	if c.Order != nil {
		o := *c.Order
		if o.Factor == nil {
			o.Factor = ptr(1.0)
		}
		c.Order = &o
	}
	if c.WeightedSum != nil {
		w := *c.WeightedSum
		w.Terms = slices.Clone(w.Terms)
		for i := range w.Terms {
			if w.Terms[i].Weight == nil {
				w.Terms[i].Weight = ptr(1.0)
			}
		}
		c.WeightedSum = &w
	}
	return c
}

func (t TrialTemplate) defaulted() TrialTemplate {
	if t.Readiness.Timeout == 0 {
		t.Readiness.Timeout = Duration(DefaultReadinessTimeout)
	}
	if t.Readiness.Interval == 0 {
		t.Readiness.Interval = Duration(DefaultReadinessPoll)
	}
	if t.Load.Target.Method == "" {
		t.Load.Target.Method = "GET"
	}
	if t.Load.RequestTimeout == 0 {
		t.Load.RequestTimeout = Duration(DefaultRequestTimeout)
	}
	if t.Timeout == 0 {
		t.Timeout = t.minTimeout() + Duration(DefaultTimeoutSlack)
	}
	return t
}

// minTimeout is the least time a trial needs: readiness, warmup and load.
func (t TrialTemplate) minTimeout() Duration {
	return t.Readiness.Timeout + t.Load.Warmup + t.Load.Duration
}

func ptr[T any](v T) *T { return &v }

// Duration is a time.Duration written as a Go duration string ("30s",
// "1m30s") in YAML and JSON.
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration %s: want a string such as \"30s\" or \"1m30s\"", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: want a number with a unit such as \"30s\" or \"1m30s\"", s)
	}
	*d = Duration(v)
	return nil
}

// Scalar is a YAML scalar that may be a number or a string, such as a
// baseline (1, "100") or a metric bound (0.01, "250ms"). It keeps the
// literal text.
type Scalar struct {
	text string
	str  bool
}

// NumberScalar returns a numeric Scalar.
func NumberScalar(v float64) *Scalar {
	return &Scalar{text: strconv.FormatFloat(v, 'g', -1, 64)}
}

// StringScalar returns a string Scalar.
func StringScalar(s string) *Scalar { return &Scalar{text: s, str: true} }

// Text is the literal text (a number's digits, a string's content).
func (s Scalar) Text() string { return s.text }

// IsString reports whether the scalar was written as a string.
func (s Scalar) IsString() bool { return s.str || s.text == "" }

// Float parses a numeric scalar.
func (s Scalar) Float() (float64, error) {
	if s.IsString() {
		return 0, fmt.Errorf("want a number, got the string %q", s.text)
	}
	return strconv.ParseFloat(s.text, 64)
}

func (s Scalar) describe() string {
	if s.IsString() {
		return strconv.Quote(s.text)
	}
	return s.text
}

// MarshalJSON writes a number or a string.
func (s Scalar) MarshalJSON() ([]byte, error) {
	if s.IsString() {
		return json.Marshal(s.text)
	}
	return []byte(s.text), nil
}

// UnmarshalJSON reads a number or a string.
func (s *Scalar) UnmarshalJSON(b []byte) error {
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return err
	}
	switch v := v.(type) {
	case string:
		*s = Scalar{text: v, str: true}
	case json.Number:
		*s = Scalar{text: v.String()}
	default:
		return fmt.Errorf("value %s: want a number or a string (quote YAML words such as off, on, yes and no)", b)
	}
	return nil
}
