package experiment

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"tailor.dev/tailor/internal/optimize"
)

// objective is an optimized metric. The optimizer minimizes sign*value.
type objective struct {
	metric Metric
	sign   float64
}

// objectives lists the optimized metrics, in spec order.
func (s *Spec) objectives() []objective {
	var out []objective
	for _, m := range s.Metrics {
		if !m.Optimized() {
			continue
		}
		sign := 1.0
		if m.Goal == Maximize {
			sign = -1
		}
		out = append(out, objective{metric: m, sign: sign})
	}
	return out
}

// bound is one min or max of a metric of a valid spec.
type bound struct {
	metric Metric
	source Source
	limit  float64
	upper  bool // a max; else a min
}

// bounds lists every metric bound, in spec order, a metric's min first.
func (s *Spec) bounds() []bound {
	var out []bound
	for _, m := range s.Metrics {
		src, _ := LookupSource(m.Source)
		if m.Min != nil {
			v, _ := src.ParseValue(*m.Min)
			out = append(out, bound{metric: m, source: src, limit: v})
		}
		if m.Max != nil {
			v, _ := src.ParseValue(*m.Max)
			out = append(out, bound{metric: m, source: src, limit: v, upper: true})
		}
	}
	return out
}

// violation is the bound's constraint value for the optimizer: <= 0 when
// met. A positive limit gives log((v + d) / (limit + d)) for a max (the
// inverse for a min) with d = limit/1000, a scale-free distance that stays
// finite at v = 0; a zero limit gives v - limit.
func (b bound) violation(v float64) float64 {
	if b.limit <= 0 {
		if b.upper {
			return v - b.limit
		}
		return b.limit - v
	}
	d := b.limit / 1000
	r := math.Log((v + d) / (b.limit + d))
	if b.upper {
		return r
	}
	return -r
}

func (b bound) met(v float64) bool {
	if b.upper {
		return v <= b.limit
	}
	return v >= b.limit
}

// broken explains a broken bound at v.
func (b bound) broken(v float64) string {
	side := "above the max"
	if !b.upper {
		side = "below the min"
	}
	return fmt.Sprintf("%s = %s is %s %s (metric %q)", b.source.Name, b.source.Format(v), side, b.source.Format(b.limit), b.metric.Name)
}

// judgement is what the spec makes of a trial's measurements.
type judgement struct {
	obs    optimize.Observation
	status Status
	reason string
}

// judge turns measured metrics (by source) into an observation: the
// objectives (negated for maximize goals), a constraint value per bound,
// and infeasible with a reason when a bound is broken. It returns an error
// naming the first optimized or bounded source that was not measured.
func (s *Spec) judge(metrics map[string]float64) (judgement, error) {
	j := judgement{status: StatusOK}
	for _, o := range s.objectives() {
		v, ok := metrics[o.metric.Source]
		if !ok {
			return judgement{}, fmt.Errorf("no %s measurement (metric %q)", o.metric.Source, o.metric.Name)
		}
		j.obs.Values = append(j.obs.Values, o.sign*v)
	}
	for _, b := range s.bounds() {
		v, ok := metrics[b.source.Name]
		if !ok {
			return judgement{}, fmt.Errorf("no %s measurement (metric %q)", b.source.Name, b.metric.Name)
		}
		j.obs.Constraints = append(j.obs.Constraints, b.violation(v))
		if !b.met(v) && j.status == StatusOK {
			j.status, j.obs.Infeasible = StatusInfeasible, true
			j.reason = b.broken(v)
		}
	}
	return j, nil
}

// record judges a trial's measurement: failed (a runner error, a failure
// reason, an optimized or bounded source not measured or not finite),
// infeasible (a broken bound) or ok. Metrics keep every finite value
// measured plus cost_per_hour from the trial's resources.
func (s *Spec) record(t Trial, m Measurement, runErr error) (Record, optimize.Observation) {
	rec := Record{Number: t.Number, Baseline: t.Baseline, Parameters: t.Values, Metrics: map[string]float64{}}
	var bad []string
	for k, v := range m.Metrics {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad = append(bad, fmt.Sprintf("%s = %v", k, v))
			continue
		}
		rec.Metrics[k] = v
	}
	if t.Resources.CPU != "" || t.Resources.Memory != "" {
		rec.Metrics[CostPerHour] = s.Prices.CPUCoreHour*t.Resources.CPUCores +
			s.Prices.MemoryGiBHour*float64(t.Resources.MemoryBytes)/(1<<30)
	}
	failed := func(reason string) (Record, optimize.Observation) {
		rec.Status, rec.Reason = StatusFailed, reason
		return rec, optimize.Observation{Failed: true}
	}
	switch {
	case runErr != nil:
		return failed(runErr.Error())
	case m.Failure != "":
		return failed(m.Failure)
	}
	j, err := s.judge(rec.Metrics)
	if err != nil {
		if len(bad) > 0 {
			slices.Sort(bad)
			return failed(fmt.Sprintf("%v (the runner returned %s)", err, strings.Join(bad, ", ")))
		}
		return failed(err.Error())
	}
	rec.Status, rec.Reason = j.status, j.reason
	return rec, j.obs
}
