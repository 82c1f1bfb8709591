package optimize

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// maximizeAdmissible is maximizeContinuous restricted to admissible points:
// random admissible points and admissible perturbations of the best trials
// are scored; the best few are improved by L-BFGS over the float
// parameters, pulled back into the admissible region when the step left it,
// and by a hill climb over admissible discrete neighbors.
func (s *surrogate) maximizeAdmissible(o *Optimizer, rng *rand.Rand) (Point, bool) {
	sp := o.cfg.Space
	d := sp.Dims()
	var raw []scored
	add := func(p Point) {
		p = sp.Canonical(p)
		if !o.seen[key(p)] && o.admissible(p) {
			raw = append(raw, scored{p, s.acquisition(p)})
		}
	}
	want := min(4096, 512+128*d)
	for try := 0; len(raw) < want && try < 16*want; try++ {
		p := make(Point, d)
		for i := range p {
			p[i] = rng.Float64()
		}
		add(p)
	}
	top := o.topTrials(5)
	for _, t := range top {
		for j := range 64 {
			sigma := 0.1
			if j%2 == 1 {
				sigma = 0.01
			}
			add(s.perturb(t, sigma, rng))
		}
	}
	if len(raw) == 0 {
		return o.randomPoint(rng)
	}
	sort.SliceStable(raw, func(a, b int) bool { return raw[a].v > raw[b].v })
	best := raw[0]
	for _, r := range raw[:min(5, len(raw))] {
		p := s.localSearchAdmissible(o, r.p)
		if o.seen[key(p)] || !o.admissible(p) {
			continue
		}
		if v := s.acquisition(p); v > best.v {
			best = scored{p, v}
		}
	}
	return best.p, true
}

// localSearchAdmissible improves the admissible point start by L-BFGS over
// its float coordinates (pulled back toward start if that leaves the
// admissible region), then by an admissible hill climb.
func (s *surrogate) localSearchAdmissible(o *Optimizer, start Point) Point {
	sp := o.cfg.Space
	var cont []int
	for i, par := range sp.Params {
		if !par.discrete() {
			cont = append(cont, i)
		}
	}
	p := start
	if len(cont) > 0 {
		p = o.pullBack(start, sp.Canonical(s.lbfgs(start, cont)))
	}
	return s.climbAdmissible(o, p)
}

// pullBack returns b when it is admissible, else the admissible point
// nearest to b found by bisection on the segment from the admissible a.
func (o *Optimizer) pullBack(a, b Point) Point {
	if o.admissible(b) {
		return b
	}
	at := func(t float64) Point {
		q := make(Point, len(a))
		for i := range q {
			q[i] = a[i] + t*(b[i]-a[i])
		}
		return o.cfg.Space.Canonical(q)
	}
	lo, hi := 0.0, 1.0
	for range 30 {
		mid := (lo + hi) / 2
		if o.admissible(at(mid)) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return at(lo)
}

// climbAdmissible moves to the best admissible discrete neighbor while it
// improves, up to 3 rounds.
func (s *surrogate) climbAdmissible(o *Optimizer, p Point) Point {
	sp := o.cfg.Space
	cur := sp.Canonical(p)
	curV := s.acquisition(cur)
	if !o.admissible(cur) {
		curV = math.Inf(-1)
	}
	for range 3 {
		moved := false
		for i, par := range sp.Params {
			if !par.discrete() {
				continue
			}
			for _, u := range neighbors(par, cur[i]) {
				q := slices.Clone(cur)
				q[i] = u
				if !o.admissible(q) {
					continue
				}
				if v := s.acquisition(q); v > curV {
					cur, curV, moved = q, v, true
				}
			}
		}
		if !moved {
			break
		}
	}
	return cur
}
