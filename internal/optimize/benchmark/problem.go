// Package benchmark measures the optimizers of package optimize on problems
// with a known optimum: analytic test functions (Branin, Hartmann-6) and
// lookup tables of real measurements (Scout, CherryPick, Lynceus, MOOT),
// where every configuration an optimizer may suggest is a row of the table.
// It reads the tables (Load) and runs seeded optimizations (Run, Bench);
// docs/optimizers.md defines the metrics.
package benchmark

import (
	"fmt"
	"math"

	"tailor.dev/tailor/internal/optimize"
)

// Problem is one single-objective minimization task with a known optimum.
type Problem struct {
	// Name identifies the task, e.g. "branin" or "scout/join_bigdata_spark".
	Name  string
	Space optimize.Space
	// Candidates is the finite set of configurations of a lookup table (nil
	// for a continuous problem).
	Candidates []optimize.Point
	// Constraints is the number of constraint values Evaluate reports.
	Constraints int
	// Optimum is the best feasible objective value; Worst the worst
	// feasible one of a table (the maximum over the domain of an analytic
	// function). Regret is relative to |Optimum|, or to Worst - Optimum when
	// Optimum is 0.
	Optimum, Worst float64
	// Budget is the default number of trials.
	Budget int

	eval func(optimize.Point) (optimize.Observation, error)
}

// Evaluate returns the observation of a configuration. For a table, pt must
// be one of the candidates.
func (p *Problem) Evaluate(pt optimize.Point) (optimize.Observation, error) { return p.eval(pt) }

// Regret is the simple regret of best, the best feasible objective found,
// relative to the optimum's magnitude (to the objective's range when the
// optimum is 0). With nothing feasible found (best = +Inf) it is the regret
// of the worst feasible configuration.
func (p *Problem) Regret(best float64) float64 {
	if math.IsNaN(best) || math.IsInf(best, 0) {
		best = p.Worst
	}
	scale := math.Abs(p.Optimum)
	if scale < 1e-12*math.Abs(p.Worst-p.Optimum) || scale == 0 {
		scale = p.Worst - p.Optimum
	}
	if !(scale > 0) {
		return 0
	}
	return math.Max(0, (best-p.Optimum)/scale)
}

// table is a lookup problem under construction: rows of configuration values
// and their observations.
type table struct {
	name  string
	space optimize.Space
	rows  []tableRow
}

type tableRow struct {
	values []optimize.Value
	obs    optimize.Observation
}

// problem turns the table into a Problem with the given default budget;
// rows that encode to the same configuration must not occur (readers
// merge them first).
func (t table) problem(budget int) (Problem, error) {
	if err := t.space.Validate(); err != nil {
		return Problem{}, fmt.Errorf("%s: %w", t.name, err)
	}
	p := Problem{Name: t.name, Space: t.space, Optimum: math.Inf(1), Worst: math.Inf(-1)}
	byKey := map[string]optimize.Observation{}
	for i, r := range t.rows {
		pt, err := t.space.Encode(r.values)
		if err != nil {
			return Problem{}, fmt.Errorf("%s: row %d: %w", t.name, i+1, err)
		}
		k := pointKey(pt)
		if _, dup := byKey[k]; dup {
			return Problem{}, fmt.Errorf("%s: row %d: configuration given twice", t.name, i+1)
		}
		byKey[k] = r.obs
		p.Candidates = append(p.Candidates, pt)
		p.Constraints = max(p.Constraints, len(r.obs.Constraints))
		if r.obs.Feasible() {
			p.Optimum = math.Min(p.Optimum, r.obs.Values[0])
			p.Worst = math.Max(p.Worst, r.obs.Values[0])
		}
	}
	if math.IsInf(p.Optimum, 1) {
		return Problem{}, fmt.Errorf("%s: no feasible configuration", t.name)
	}
	p.Budget = min(budget, len(p.Candidates))
	p.eval = func(pt optimize.Point) (optimize.Observation, error) {
		obs, ok := byKey[pointKey(t.space.Canonical(pt))]
		if !ok {
			return obs, fmt.Errorf("%s: %v is not a row of the table", t.name, pt)
		}
		return obs, nil
	}
	return p, nil
}

func pointKey(p optimize.Point) string { return fmt.Sprint([]float64(p)) }
