package experiment

import (
	"fmt"
	"strconv"
	"strings"

	"tailor.dev/tailor/internal/optimize"
)

// space is the optimizer's search space: one parameter per spec parameter,
// in order.
func (s *Spec) space() optimize.Space {
	sp := optimize.Space{Params: make([]optimize.Param, len(s.Parameters))}
	for i, p := range s.Parameters {
		q := optimize.Param{Name: p.Name, Kind: optimize.Kind(p.Type), Log: p.Log, Values: []string(p.Values)}
		if p.Min != nil {
			q.Min = *p.Min
		}
		if p.Max != nil {
			q.Max = *p.Max
		}
		sp.Params[i] = q
	}
	return sp
}

// baseline returns the baseline values of a valid spec, in parameter order.
func (s *Spec) baseline() []optimize.Value {
	out := make([]optimize.Value, len(s.Parameters))
	for i, p := range s.Parameters {
		if p.Type == TypeCategorical {
			out[i] = optimize.Value{Kind: optimize.Categorical, Category: p.Baseline.Text()}
			continue
		}
		v, _ := p.Baseline.Float()
		out[i] = optimize.Value{Kind: optimize.Kind(p.Type), Num: v}
	}
	return out
}

// linear is the constraint as the optimizer enforces it (defaults filled).
func (c Constraint) linear() optimize.LinearConstraint {
	if o := c.Order; o != nil {
		return optimize.Order(c.Name, o.Lower, o.Upper, *o.Factor, o.Offset)
	}
	w := c.WeightedSum
	lc := optimize.LinearConstraint{Name: c.Name, Min: w.Min, Max: w.Max}
	for _, t := range w.Terms {
		lc.Terms = append(lc.Terms, optimize.Term{Param: t.Parameter, Weight: *t.Weight})
	}
	return lc
}

// describe writes the constraint as people read it: "gomaxprocs <= 2*cpu +
// 1", "cpu + 0.001*memory <= 3".
func (c Constraint) describe() string {
	if o := c.Order; o != nil {
		rhs := term(*o.Factor, o.Upper)
		switch {
		case o.Offset > 0:
			rhs += " + " + num(o.Offset)
		case o.Offset < 0:
			rhs += " - " + num(-o.Offset)
		}
		return o.Lower + " <= " + rhs
	}
	w := c.WeightedSum
	parts := make([]string, len(w.Terms))
	for i, t := range w.Terms {
		parts[i] = term(*t.Weight, t.Parameter)
	}
	sum := strings.Join(parts, " + ")
	if w.Min != nil {
		sum = num(*w.Min) + " <= " + sum
	}
	if w.Max != nil {
		sum += " <= " + num(*w.Max)
	}
	return sum
}

func term(w float64, name string) string {
	if w == 1 {
		return name
	}
	return num(w) + "*" + name
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// describeValues lists the constraint's parameters at vals: "gomaxprocs =
// 4, cpu = 1".
func (s *Spec) describeValues(lc optimize.LinearConstraint, vals []optimize.Value) string {
	var parts []string
	for _, t := range lc.Terms {
		for i, p := range s.Parameters {
			if p.Name == t.Param {
				parts = append(parts, fmt.Sprintf("%s = %s", p.Name, vals[i]))
			}
		}
	}
	return strings.Join(parts, ", ")
}

// config is the optimizer configuration of a valid, defaulted spec.
func (s *Spec) config() optimize.Config {
	cfg := optimize.Config{
		Algorithm:     optimize.Algorithm(s.Optimizer.Algorithm),
		Space:         s.space(),
		Seed:          *s.Optimizer.Seed,
		Objectives:    len(s.objectives()),
		Constraints:   len(s.bounds()),
		InitialPoints: s.Optimizer.InitialPoints,
	}
	for _, c := range s.Constraints {
		cfg.ParamConstraints = append(cfg.ParamConstraints, c.linear())
	}
	return cfg
}
