package experiment

import (
	"math"

	"tailor.dev/tailor/internal/optimize"
)

// Judge returns the status of a record under the results' spec, which may
// differ from the status written when the trial finished if the metric
// bounds changed since. A record missing an optimized or bounded metric is
// failed.
func (r *Results) Judge(rec Record) (Status, string) {
	if rec.Status == StatusFailed {
		return StatusFailed, rec.Reason
	}
	j, err := r.Experiment.Spec.judge(rec.Metrics)
	if err != nil {
		return StatusFailed, err.Error()
	}
	return j.status, j.reason
}

// feasible returns the records the spec judges feasible and their
// objectives as the optimizer sees them (every one minimized).
func (r *Results) feasible() ([]Record, [][]float64) {
	var recs []Record
	var vals [][]float64
	for _, rec := range r.Trials {
		j, err := r.Experiment.Spec.judge(rec.Metrics)
		if rec.Status == StatusFailed || err != nil || j.status != StatusOK {
			continue
		}
		recs = append(recs, rec)
		vals = append(vals, j.obs.Values)
	}
	return recs, vals
}

// Feasible returns the trials that met every metric bound, in file order.
func (r *Results) Feasible() []Record {
	recs, _ := r.feasible()
	return recs
}

// Baseline returns the baseline trial.
func (r *Results) Baseline() (Record, bool) {
	for _, rec := range r.Trials {
		if rec.Baseline {
			return rec, true
		}
	}
	return Record{}, false
}

// ParetoFront returns the feasible trials no other feasible trial beats on
// every optimized metric, in file order.
func (r *Results) ParetoFront() []Record {
	recs, vals := r.feasible()
	var out []Record
	for _, i := range optimize.ParetoFront(vals) {
		out = append(out, recs[i])
	}
	return out
}

// Recommended returns the configuration to apply, among the feasible
// trials: with one optimized metric the best value; with several, the
// point of the Pareto front closest to the ideal point (Euclidean, every
// metric rescaled to [0, 1] over the front, 0 the best value on it). Ties
// go to the better first optimized metric, then to the lower trial number.
// It is false when no trial is feasible.
func (r *Results) Recommended() (Record, bool) {
	recs, vals := r.feasible()
	if len(recs) == 0 {
		return Record{}, false
	}
	front := optimize.ParetoFront(vals)
	k := len(vals[0])
	lo, hi := make([]float64, k), make([]float64, k)
	for j := range k {
		lo[j], hi[j] = math.Inf(1), math.Inf(-1)
		for _, i := range front {
			lo[j], hi[j] = math.Min(lo[j], vals[i][j]), math.Max(hi[j], vals[i][j])
		}
	}
	best, bestD := -1, math.Inf(1)
	for _, i := range front {
		var d float64
		for j := range k {
			if hi[j] > lo[j] {
				x := (vals[i][j] - lo[j]) / (hi[j] - lo[j])
				d += x * x
			}
		}
		tie := d == bestD && (vals[i][0] < vals[best][0] ||
			vals[i][0] == vals[best][0] && recs[i].Number < recs[best].Number)
		if best < 0 || d < bestD || tie {
			best, bestD = i, d
		}
	}
	return recs[best], true
}

// Gain compares a metric of a trial with the baseline's.
type Gain struct {
	Metric   string  `json:"metric"`
	Source   string  `json:"source"`
	Goal     string  `json:"goal,omitempty"` // "" for a tracked metric
	Baseline float64 `json:"baseline"`
	Value    float64 `json:"value"`
	// Better is true when Value beats Baseline in the direction of Goal.
	Better bool `json:"better"`
}

// Change is (Value - Baseline) / Baseline; false when Baseline is 0 and
// Value is not.
func (g Gain) Change() (float64, bool) {
	switch {
	case g.Value == g.Baseline:
		return 0, true
	case g.Baseline == 0:
		return 0, false
	}
	return (g.Value - g.Baseline) / math.Abs(g.Baseline), true
}

// Gains compares rec with the baseline trial on every metric of the spec
// both measured, in spec order. It is empty without a baseline trial that
// ran.
func (r *Results) Gains(rec Record) []Gain {
	base, ok := r.Baseline()
	if !ok || base.Status == StatusFailed {
		return nil
	}
	var out []Gain
	for _, m := range r.Experiment.Spec.Metrics {
		b, ok1 := base.Metrics[m.Source]
		v, ok2 := rec.Metrics[m.Source]
		if !ok1 || !ok2 {
			continue
		}
		g := Gain{Metric: m.Name, Source: m.Source, Goal: m.Goal, Baseline: b, Value: v}
		g.Better = (m.Goal == Minimize && v < b) || (m.Goal == Maximize && v > b)
		out = append(out, g)
	}
	return out
}
