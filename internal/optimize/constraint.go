package optimize

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// LinearConstraint restricts the configurations an optimizer may suggest:
// the weighted sum of decoded parameter values (not their unit coordinates),
//
//	sum_i Terms[i].Weight * value(Terms[i].Param),
//
// must lie in [Min, Max]; a nil bound is absent. Only Float and Int
// parameters can appear. "a <= b" is the special case Order builds. Told
// points need not satisfy the constraints (a warm start from other bounds).
type LinearConstraint struct {
	Name  string   `json:"name,omitempty"`
	Terms []Term   `json:"terms"`
	Min   *float64 `json:"min,omitempty"`
	Max   *float64 `json:"max,omitempty"`
}

// Term is one weighted parameter of a LinearConstraint.
type Term struct {
	Param  string  `json:"param"`
	Weight float64 `json:"weight"`
}

// ErrNoAdmissible is returned by Ask when no configuration of the space
// satisfies the parameter constraints (as far as a bounded search can tell).
var ErrNoAdmissible = errors.New("optimize: no configuration satisfies the parameter constraints")

// Order returns the constraint lower <= factor*upper + offset.
func Order(name, lower, upper string, factor, offset float64) LinearConstraint {
	return LinearConstraint{
		Name:  name,
		Terms: []Term{{Param: lower, Weight: 1}, {Param: upper, Weight: -factor}},
		Max:   &offset,
	}
}

// String formats the constraint, for example "0 <= 1*cpu + 0.001*memory <= 3".
func (c LinearConstraint) String() string {
	var b strings.Builder
	if c.Min != nil {
		b.WriteString(fmtNum(*c.Min) + " <= ")
	}
	for i, t := range c.Terms {
		if i > 0 {
			b.WriteString(" + ")
		}
		b.WriteString(fmtNum(t.Weight) + "*" + t.Param)
	}
	if c.Max != nil {
		b.WriteString(" <= " + fmtNum(*c.Max))
	}
	return b.String()
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Validate checks the constraint against the space: known, numeric, distinct
// parameters, finite non-zero weights, at least one finite bound, Min <= Max,
// and a sum that can reach [Min, Max] at all.
func (c LinearConstraint) Validate(s Space) error {
	if len(c.Terms) == 0 {
		return errors.New("terms: want at least one")
	}
	idx := s.index()
	used := map[string]bool{}
	for i, t := range c.Terms {
		j, ok := idx[t.Param]
		switch {
		case !ok:
			return fmt.Errorf("terms[%d]: unknown parameter %q", i, t.Param)
		case s.Params[j].Kind == Categorical:
			return fmt.Errorf("terms[%d]: parameter %q is categorical, want float or int", i, t.Param)
		case used[t.Param]:
			return fmt.Errorf("terms[%d]: parameter %q appears twice", i, t.Param)
		case t.Weight == 0 || !finite(t.Weight):
			return fmt.Errorf("terms[%d]: weight %v, want a finite non-zero number", i, t.Weight)
		}
		used[t.Param] = true
	}
	lo, hi := c.bounds()
	switch {
	case c.Min == nil && c.Max == nil:
		return errors.New("min/max: want at least one bound")
	case c.Min != nil && !finite(*c.Min):
		return fmt.Errorf("min %v: must be finite", *c.Min)
	case c.Max != nil && !finite(*c.Max):
		return fmt.Errorf("max %v: must be finite", *c.Max)
	case lo > hi:
		return fmt.Errorf("min %v: must be <= max %v", lo, hi)
	}
	rlo, rhi := c.reach(s)
	if rhi < lo-tolerance(math.Abs(lo)) || rlo > hi+tolerance(math.Abs(hi)) {
		return fmt.Errorf("no values satisfy %s: the sum ranges over [%v, %v]", c, rlo, rhi)
	}
	return nil
}

// bounds returns [Min, Max] with absent bounds as infinities.
func (c LinearConstraint) bounds() (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if c.Min != nil {
		lo = *c.Min
	}
	if c.Max != nil {
		hi = *c.Max
	}
	return lo, hi
}

// reach is the range of the sum over the whole box of the space.
func (c LinearConstraint) reach(s Space) (lo, hi float64) {
	idx := s.index()
	for _, t := range c.Terms {
		p := s.Params[idx[t.Param]]
		a, b := t.Weight*p.Min, t.Weight*p.Max
		lo, hi = lo+math.Min(a, b), hi+math.Max(a, b)
	}
	return lo, hi
}

// Satisfied evaluates the constraint at values (one per parameter of s, in
// order) and reports the sum and whether it lies within the bounds, up to
// the rounding of decoding.
func (c LinearConstraint) Satisfied(s Space, vals []Value) (float64, bool, error) {
	if len(vals) != len(s.Params) {
		return 0, false, fmt.Errorf("constraint: %d values for %d parameters", len(vals), len(s.Params))
	}
	idx := s.index()
	var sum, mag float64
	for _, t := range c.Terms {
		j, ok := idx[t.Param]
		if !ok || vals[j].Kind == Categorical {
			return 0, false, fmt.Errorf("constraint: parameter %q is not a number of the space", t.Param)
		}
		sum += t.Weight * vals[j].Num
		mag += math.Abs(t.Weight * vals[j].Num)
	}
	lo, hi := c.bounds()
	tol := tolerance(mag)
	return sum, sum >= lo-tol && sum <= hi+tol, nil
}

// tolerance absorbs the rounding of log-scale decoding (exp(log(v)) is not
// always v), so that a baseline on a bound stays admissible.
func tolerance(mag float64) float64 { return 1e-9 * (1 + mag) }

func (s Space) index() map[string]int {
	idx := make(map[string]int, len(s.Params))
	for i, p := range s.Params {
		idx[p.Name] = i
	}
	return idx
}

// linear is a LinearConstraint compiled against a space.
type linear struct {
	idx    []int
	w      []float64
	lo, hi float64
}

func compile(s Space, cs []LinearConstraint) []linear {
	idx := s.index()
	out := make([]linear, len(cs))
	for i, c := range cs {
		l := linear{}
		l.lo, l.hi = c.bounds()
		for _, t := range c.Terms {
			l.idx = append(l.idx, idx[t.Param])
			l.w = append(l.w, t.Weight)
		}
		out[i] = l
	}
	return out
}

// admissible reports whether point p satisfies every parameter constraint.
func (o *Optimizer) admissible(p Point) bool {
	for _, l := range o.lin {
		var sum, mag float64
		for k, i := range l.idx {
			v := o.cfg.Space.Params[i].decode(p[i]).Num
			sum += l.w[k] * v
			mag += math.Abs(l.w[k] * v)
		}
		tol := tolerance(mag)
		if sum < l.lo-tol || sum > l.hi+tol {
			return false
		}
	}
	return true
}

// draws is how many random points one suggestion may reject: more with
// parameter constraints, whose admissible region can be a small part of
// the space.
func (o *Optimizer) draws() int {
	if len(o.lin) > 0 {
		return maxAdmissibleDraws
	}
	return 256
}

// maxAdmissibleDraws bounds the random search for an admissible point: a
// region smaller than about 1/maxAdmissibleDraws of the space (in the unit
// encoding) is reported as empty.
const maxAdmissibleDraws = 1 << 14

// admissibleStream is the random stream of the search for an admissible
// point, apart from Ask's streams so that it does not shift them.
const admissibleStream = 0xad4155

// checkAdmissible returns ErrNoAdmissible when no configuration satisfies
// the parameter constraints: none of the told, pending or candidate points
// does, none of an enumerable discrete space does, or none of
// maxAdmissibleDraws random points does. A success is remembered.
func (o *Optimizer) checkAdmissible() error {
	if len(o.lin) == 0 || o.admitOK {
		return nil
	}
	found := false
	for _, t := range o.trials {
		found = found || o.admissible(o.cfg.Space.Canonical(t.Point))
	}
	for _, p := range o.pending {
		found = found || o.admissible(p)
	}
	found = found || len(o.cfg.Candidates) > 0 // filtered by New
	if !found && o.eachDiscrete(func(p Point) bool { found = o.admissible(p); return !found }) {
		if !found {
			return fmt.Errorf("%w: none of the configurations does", ErrNoAdmissible)
		}
	}
	if !found {
		rng := rand.New(rand.NewPCG(o.cfg.Seed, admissibleStream))
		p := make(Point, o.cfg.Space.Dims())
		for i := 0; i < maxAdmissibleDraws && !found; i++ {
			for j := range p {
				p[j] = rng.Float64()
			}
			found = o.admissible(o.cfg.Space.Canonical(p))
		}
		if !found {
			return fmt.Errorf("%w: none of %d random configurations does", ErrNoAdmissible, maxAdmissibleDraws)
		}
	}
	o.admitOK = true
	return nil
}
