package horizontal

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// finish checks the scenario as a whole once every line is read. Errors
// start with ":line: " when a line is to blame, ": " otherwise.
func (p *parser) finish() error {
	s := p.s
	if _, ok := p.seen["hpa"]; !ok {
		return fmt.Errorf(": no hpa directive")
	}
	if err := s.validateSpec(); err != nil {
		return err
	}
	if len(s.Load.Segments) == 0 {
		return fmt.Errorf(": no load directive")
	}
	s.End = s.Load.End()
	for _, e := range s.Expects {
		if e.To > s.End {
			return fmt.Errorf(":%d: expect at %s is past the end of the load (%s)", e.Line, e.To, s.End)
		}
	}
	if err := s.checkMetricInputs(); err != nil {
		return err
	}
	if s.Initial < 0 {
		return fmt.Errorf(":%d: pods initial must be >= 0 (got %d)", p.seen["pods"], s.Initial)
	}
	return nil
}

// validateSpec runs the API server's validation and blames the line that
// defined the rejected field.
func (s *Scenario) validateSpec() error {
	err := s.Spec.Validate(s.Options)
	var fes FieldErrors
	if !errors.As(err, &fes) {
		return err
	}
	fe := fes[0]
	line, best := 0, ""
	for prefix, l := range s.lines {
		if strings.HasPrefix(fe.Path+".", prefix+".") && len(prefix) > len(best) {
			line, best = l, prefix
		}
	}
	if line == 0 {
		line = s.lines["spec.maxReplicas"]
	}
	return fmt.Errorf(":%d: hpa spec rejected: %w", line, fes)
}

// checkMetricInputs makes sure every metric has an input covering the run.
func (s *Scenario) checkMetricInputs() error {
	for i, m := range s.Spec.Metrics {
		line := s.lines[fmt.Sprintf("spec.metrics[%d]", i)]
		switch m.Type {
		case PodsMetricSourceType:
			if m.Pods.Metric != "rps" || s.LoadKind != "rps" {
				return fmt.Errorf(":%d: pods metric %q has no input: only a load given as rps= feeds the pods metric \"rps\"", line, m.Pods.Metric)
			}
		case ObjectMetricSourceType, ExternalMetricSourceType:
			if err := s.checkValue(metricName(m), line); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Scenario) checkValue(name string, line int) error {
	t, ok := s.Values[name]
	if !ok {
		return fmt.Errorf(":%d: metric %q has no value lines", line, name)
	}
	if t.End() < s.End {
		return fmt.Errorf(":%d: metric %q has values until %s but the load runs until %s", line, name, t.End(), s.End)
	}
	return nil
}

func metricName(m MetricSpec) string {
	if m.Object != nil {
		return m.Object.Metric
	}
	return m.External.Metric
}

// Step is the outcome of one sync of a scenario run.
type Step struct {
	At       time.Duration
	Decision Decision
	Replicas int32 // replicas after the sync
	Ready    int   // Ready pods after the sync
}

// Run simulates the scenario: a sync every Config.SyncPeriod from 0 to End.
func (s *Scenario) Run() ([]Step, error) {
	ctrl, err := NewController(s.Spec, s.Config, s.Options)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cl, err := NewCluster(s.Cluster, start, s.Initial)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	var steps []Step
	for at := time.Duration(0); at <= s.End; at += s.Config.SyncPeriod {
		now := start.Add(at)
		d := ctrl.Step(now, cl.Observe(now, s.loadAt(at)))
		if d.Rescale() {
			cl.Scale(now, d.Desired)
		}
		steps = append(steps, Step{At: at, Decision: d, Replicas: cl.Replicas(), Ready: cl.ReadyPods(now)})
	}
	return steps, nil
}

func (s *Scenario) loadAt(at time.Duration) Load {
	v, _ := s.Load.At(at)
	l := Load{CPU: v, Objects: map[string]float64{}, External: map[string]float64{}}
	if s.LoadKind == "rps" {
		l.CPU, l.PodMetrics = v*s.CPUPerRequest, map[string]float64{"rps": v}
	}
	for _, m := range s.Spec.Metrics {
		switch m.Type {
		case ObjectMetricSourceType:
			l.Objects[m.Object.Metric], _ = s.Values[m.Object.Metric].At(at)
		case ExternalMetricSourceType:
			l.External[m.External.Metric], _ = s.Values[m.External.Metric].At(at)
		}
	}
	for _, m := range s.Missing {
		if at >= m.From && at <= m.To {
			l.MissingPods = max(l.MissingPods, m.Pods)
		}
	}
	return l
}

// Check compares a run with the expectations and returns one error per
// mismatch, each naming the file and line of the expectation.
func (s *Scenario) Check(steps []Step) []error {
	var errs []error
	for _, e := range s.Expects {
		matched := stepsFor(e, steps)
		if len(matched) == 0 {
			errs = append(errs, fmt.Errorf("%s:%d: no sync between %s and %s", s.Name, e.Line, e.From, e.To))
		}
		for _, st := range matched {
			errs = append(errs, s.checkStep(e, st)...)
		}
	}
	return errs
}

// stepsFor returns the syncs an expectation applies to: all in a range, or
// the last one at or before a single time.
func stepsFor(e Expect, steps []Step) []Step {
	var out []Step
	for _, st := range steps {
		if e.From == e.To && st.At <= e.From {
			out = []Step{st}
		} else if e.From != e.To && st.At >= e.From && st.At <= e.To {
			out = append(out, st)
		}
	}
	return out
}

func (s *Scenario) checkStep(e Expect, st Step) []error {
	var errs []error
	check := func(what string, want *int32, got int32) {
		if want != nil && *want != got {
			errs = append(errs, fmt.Errorf("%s:%d: at %s: %s = %d, want %d (%s)", s.Name, e.Line, st.At, what, got, *want, describe(st)))
		}
	}
	check("replicas", e.Replicas, st.Replicas)
	check("ready", e.Ready, int32(st.Ready))
	check("proposal", e.Proposal, st.Decision.Proposal)
	return errs
}

// describe summarises a sync for failure messages.
func describe(st Step) string {
	d := st.Decision
	parts := []string{fmt.Sprintf("current %d, proposal %d, stabilized %d, desired %d", d.Current, d.Proposal, d.Stabilized, d.Desired)}
	for _, m := range d.Metrics {
		if m.Err != nil {
			parts = append(parts, m.Err.Error())
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: ratio %.3f -> %d", m.Name, m.Ratio, m.Replicas))
	}
	reasons := append([]string(nil), d.Reasons...)
	sort.Strings(reasons)
	return strings.Join(append(parts, reasons...), "; ")
}
