package experiment

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"tailor.dev/tailor/internal/optimize"
)

// validateParameters checks every parameter and returns the baseline
// values, or nil when a parameter is invalid.
func (s *Spec) validateParameters(p *problems) []optimize.Value {
	if len(s.Parameters) == 0 {
		p.add("spec.parameters", "want at least one parameter")
		return nil
	}
	n := newNames("spec.parameters", identifier, "a letter or '_' followed by letters, digits and '_' (templates use it as {{.name}})")
	before := len(p.list)
	baseline := make([]optimize.Value, len(s.Parameters))
	for i, par := range s.Parameters {
		n.check(p, i, par.Name)
		if slices.Contains(reservedVars, par.Name) {
			p.add(fmt.Sprintf("spec.parameters[%d].name", i), "%q is reserved (%s are set for every trial)", par.Name, strings.Join(reservedVars, ", "))
		}
		baseline[i] = par.validate(p, fmt.Sprintf("spec.parameters[%d]", i))
	}
	if len(p.list) > before {
		return nil
	}
	return baseline
}

// validate checks one parameter and returns its baseline value.
func (par Parameter) validate(p *problems, at string) optimize.Value {
	switch par.Type {
	case TypeFloat, TypeInt:
		if !par.validateRange(p, at) {
			return optimize.Value{}
		}
	case TypeCategorical:
		if !par.validateValues(p, at) {
			return optimize.Value{}
		}
	case "":
		p.add(at+".type", "required (want float, int or categorical)")
		return optimize.Value{}
	default:
		p.add(at+".type", "unknown type %q (want float, int or categorical)", par.Type)
		return optimize.Value{}
	}
	return par.validateBaseline(p, at)
}

func (par Parameter) validateRange(p *problems, at string) bool {
	before := len(p.list)
	if len(par.Values) > 0 {
		p.add(at+".values", "only categorical parameters have values")
	}
	if par.Min == nil {
		p.add(at+".min", "required for a %s parameter", par.Type)
	}
	if par.Max == nil {
		p.add(at+".max", "required for a %s parameter", par.Type)
	}
	if par.Min == nil || par.Max == nil {
		return false
	}
	lo, hi := *par.Min, *par.Max
	if par.Type == TypeInt {
		for _, b := range []struct {
			f string
			v float64
		}{{"min", lo}, {"max", hi}} {
			if b.v != math.Trunc(b.v) || math.Abs(b.v) > 1<<52 {
				p.add(at+"."+b.f, "must be a whole number (got %v)", b.v)
			}
		}
	}
	if hi <= lo {
		p.add(at+".max", "must be > min (got %v <= %v)", hi, lo)
	}
	switch {
	case par.Log && par.Type == TypeFloat && lo <= 0:
		p.add(at+".log", "needs min > 0 (got %v)", lo)
	case par.Log && par.Type == TypeInt && lo < 1:
		p.add(at+".log", "needs min >= 1 (got %v)", lo)
	}
	return len(p.list) == before
}

func (par Parameter) validateValues(p *problems, at string) bool {
	before := len(p.list)
	if par.Min != nil || par.Max != nil {
		p.add(at, "a categorical parameter has values, not min and max")
	}
	if par.Log {
		p.add(at+".log", "only float and int parameters have a log scale")
	}
	if len(par.Values) < 2 {
		p.add(at+".values", "want at least 2 values (got %d)", len(par.Values))
	}
	seen := map[string]bool{}
	for j, v := range par.Values {
		switch {
		case v == "":
			p.add(fmt.Sprintf("%s.values[%d]", at, j), "must not be empty")
		case seen[v]:
			p.add(fmt.Sprintf("%s.values[%d]", at, j), "duplicate value %q", v)
		}
		seen[v] = true
	}
	return len(p.list) == before
}

func (par Parameter) validateBaseline(p *problems, at string) optimize.Value {
	at += ".baseline"
	b := par.Baseline
	if b == nil {
		p.add(at, "required (the configuration you run today; it is the first trial)")
		return optimize.Value{}
	}
	if par.Type == TypeCategorical {
		if !slices.Contains(par.Values, b.Text()) {
			p.add(at, "%s is not one of %s", b.describe(), strings.Join(par.Values, ", "))
		}
		return optimize.Value{Kind: optimize.Categorical, Category: b.Text()}
	}
	v, err := b.Float()
	switch {
	case err != nil:
		p.add(at, "%v", err)
	case par.Type == TypeInt && v != math.Trunc(v):
		p.add(at, "must be a whole number (got %v)", v)
	case v < *par.Min || v > *par.Max:
		p.add(at, "%v is outside [%v, %v]", v, *par.Min, *par.Max)
	}
	return optimize.Value{Kind: optimize.Kind(par.Type), Num: v}
}

// validateConstraints checks every constraint and that the baseline (when
// the parameters are valid) satisfies it.
func (s *Spec) validateConstraints(p *problems, baseline []optimize.Value) {
	n := newNames("spec.constraints", labelName, "letters, digits, '_', '.' and '-'")
	space := s.space()
	for i, c := range s.Constraints {
		at := fmt.Sprintf("spec.constraints[%d]", i)
		n.check(p, i, c.Name)
		before := len(p.list)
		switch {
		case (c.Order == nil) == (c.WeightedSum == nil):
			p.add(at, "want exactly one of order and weightedSum")
		case c.Order != nil:
			s.validateOrder(p, at+".order", *c.Order)
		default:
			s.validateSum(p, at+".weightedSum", *c.WeightedSum)
		}
		if len(p.list) > before || baseline == nil {
			continue
		}
		lc := c.linear()
		if _, ok, err := lc.Satisfied(space, baseline); err != nil || !ok {
			p.add(at, "the baseline violates %s (%s)", c.describe(), s.describeValues(lc, baseline))
		}
	}
}

func (s *Spec) validateOrder(p *problems, at string, o Order) {
	s.checkTerm(p, at+".lower", o.Lower)
	s.checkTerm(p, at+".upper", o.Upper)
	if o.Lower != "" && o.Lower == o.Upper {
		p.add(at+".upper", "must differ from lower (both %q)", o.Lower)
	}
	if f := *o.Factor; !(f > 0) || math.IsInf(f, 0) {
		p.add(at+".factor", "must be a finite number > 0 (got %v)", f)
	}
}

func (s *Spec) validateSum(p *problems, at string, w WeightedSum) {
	if len(w.Terms) == 0 {
		p.add(at+".terms", "want at least one term")
	}
	seen := map[string]bool{}
	for j, t := range w.Terms {
		tat := fmt.Sprintf("%s.terms[%d]", at, j)
		s.checkTerm(p, tat+".parameter", t.Parameter)
		if seen[t.Parameter] {
			p.add(tat+".parameter", "%q appears twice", t.Parameter)
		}
		seen[t.Parameter] = true
		if wt := *t.Weight; wt == 0 || math.IsNaN(wt) || math.IsInf(wt, 0) {
			p.add(tat+".weight", "must be a finite non-zero number (got %v)", wt)
		}
	}
	switch {
	case w.Min == nil && w.Max == nil:
		p.add(at, "want min, max or both")
	case w.Min != nil && w.Max != nil && *w.Min > *w.Max:
		p.add(at+".max", "must be >= min (got %v < %v)", *w.Max, *w.Min)
	}
}

// checkTerm reports a constraint's reference to a missing or categorical
// parameter.
func (s *Spec) checkTerm(p *problems, field, name string) {
	if name == "" {
		p.add(field, "required")
		return
	}
	i := slices.IndexFunc(s.Parameters, func(q Parameter) bool { return q.Name == name })
	switch {
	case i < 0:
		p.add(field, "unknown parameter %q", name)
	case s.Parameters[i].Type == TypeCategorical:
		p.add(field, "parameter %q is categorical; constraints take float and int parameters", name)
	}
}
