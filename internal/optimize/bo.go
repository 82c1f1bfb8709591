package optimize

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gonum.org/v1/gonum/optimize"
)

// askGP is the Bayesian-optimization step: a space-filling Sobol design
// (sobolPoint skips points the parameter constraints forbid) until
// InitialPoints trials exist (told or pending), then the maximizer (over
// admissible points only, under parameter constraints) of
// log EI x probability of feasibility under the fitted models, with
// kriging-believer fantasies for pending points and for each point already
// chosen in the batch.
func (o *Optimizer) askGP(n int, rng *rand.Rand) ([]Point, error) {
	var out []Point
	initial := o.cfg.InitialPoints - len(o.trials) - len(o.pending)
	for len(out) < n && (initial > 0 || !o.modelReady()) {
		p, ok := o.sobolPoint(rng)
		if !ok {
			return out, nil
		}
		o.addPending(p)
		out = append(out, p)
		initial--
	}
	if len(out) == n {
		return out, nil
	}
	s := o.fit(rng)
	for _, p := range o.pending {
		s.fantasize(p)
	}
	for len(out) < n {
		p, ok := s.maximize(o, rng)
		if !ok {
			break
		}
		o.addPending(p)
		out = append(out, p)
		s.fantasize(p)
	}
	return out, nil
}

// logIfPositive returns log(y) when every value is positive (costs,
// latencies and durations span orders of magnitude and are multiplicative;
// a minimum is better resolved in log space), else y unchanged.
func logIfPositive(y []float64) []float64 {
	if slices.Min(y) <= 0 {
		return y
	}
	out := make([]float64, len(y))
	for i, v := range y {
		out[i] = math.Log(v)
	}
	return out
}

// modelReady reports whether at least two trials have measured objectives.
func (o *Optimizer) modelReady() bool {
	n := 0
	for _, t := range o.trials {
		if !t.Observation.Failed {
			n++
		}
	}
	return n >= 2
}

// labelOK is the target of the feasibility classifier: false for a failed
// trial, and for an infeasible one whose infeasibility the constraint
// values do not explain (those are modeled by the constraint GPs).
func labelOK(obs Observation) bool {
	if obs.Failed {
		return false
	}
	return !obs.Infeasible || !obs.constraintsMet()
}

// surrogate holds the fitted models of one Ask.
type surrogate struct {
	space   Space
	obj     *gp   // objective (scalarized and transformed)
	cons    []*gp // one per constraint, raw values
	feas    *gp   // classifier on +-1 "ran and met untracked requirements", nil when all did
	best    float64
	hasBest bool
	buf     []float64
	feat    []float64
}

// fit builds the surrogate models from the told trials.
func (o *Optimizer) fit(rng *rand.Rand) *surrogate {
	sp := o.cfg.Space
	s := &surrogate{space: sp, feat: make([]float64, sp.featureDims())}
	var x [][]float64
	var vals [][]float64
	var feasible []bool
	for _, t := range o.trials {
		if t.Observation.Failed {
			continue
		}
		x = append(x, o.features(t.Point))
		vals = append(vals, t.Observation.Values)
		feasible = append(feasible, t.Observation.Feasible())
	}
	effort := fitEffort{randomStarts: 2, iterations: 100}
	if len(x) > 60 {
		effort = fitEffort{randomStarts: 1, iterations: 50}
	}
	// Objective: ParEGO scalarization with a random weight vector per Ask
	// when there are several objectives; a log transform when every value
	// is positive (costs, latencies, durations span orders of magnitude).
	y := make([]float64, len(vals))
	if o.cfg.Objectives > 1 {
		ws := parEGOWeights(o.cfg.Objectives)
		y = scalarize(vals, ws[rng.IntN(len(ws))])
	} else {
		for i, v := range vals {
			y[i] = v[0]
		}
	}
	y = logIfPositive(y)
	s.obj = o.fitModel("objective", x, y, rng, effort)
	for j := range o.cfg.Constraints {
		c := make([]float64, 0, len(x))
		for _, t := range o.trials {
			if !t.Observation.Failed {
				c = append(c, t.Observation.Constraints[j])
			}
		}
		s.cons = append(s.cons, o.fitModel(fmt.Sprintf("constraint/%d", j), x, c, rng, effort))
	}
	var fx [][]float64
	var labels []float64
	allOK := true
	for _, t := range o.trials {
		ok := labelOK(t.Observation)
		allOK = allOK && ok
		fx = append(fx, o.features(t.Point))
		label := 1.0
		if !ok {
			label = -1
		}
		labels = append(labels, label)
	}
	if !allOK {
		s.feas = o.fitModel("feasibility", fx, labels, rng, fitEffort{randomStarts: 1, iterations: 50})
	}
	s.buf = make([]float64, len(o.trials)+len(o.pending)+64)
	// Incumbent: the lowest posterior mean among feasible trials, which
	// discounts the noise of a lucky measurement.
	for i, f := range x {
		if !feasible[i] {
			continue
		}
		mu, _ := s.obj.predict(f, s.grow(s.obj.n))
		if !s.hasBest || mu < s.best {
			s.best, s.hasBest = mu, true
		}
	}
	return s
}

func (o *Optimizer) fitModel(name string, x [][]float64, y []float64, rng *rand.Rand, effort fitEffort) *gp {
	g := fitGP(x, y, o.hyper[name], rng, effort)
	o.hyper[name] = g.h.theta()
	return g
}

func (o *Optimizer) features(p Point) []float64 {
	f := make([]float64, o.cfg.Space.featureDims())
	o.cfg.Space.featurize(p, f)
	return f
}

func (s *surrogate) grow(n int) []float64 {
	if len(s.buf) < n {
		s.buf = make([]float64, 2*n)
	}
	return s.buf
}

// feasibilitySlack widens the classifier's predictive spread: a point next
// to a failed trial gets probability about Phi(-2), not 0.
const feasibilitySlack = 0.5

// acquisition is log EI + log P(feasible) at point p (canonicalized by
// featurize); log P(feasible) alone while no trial is feasible.
func (s *surrogate) acquisition(p Point) float64 {
	s.space.featurize(p, s.feat)
	return s.acqFeatures(s.feat)
}

func (s *surrogate) acqFeatures(f []float64) float64 {
	var v float64
	if s.hasBest {
		mu, vr := s.obj.predict(f, s.grow(s.obj.n))
		v = logEI(mu, math.Sqrt(vr), s.best)
	}
	for _, c := range s.cons {
		mu, vr := c.predict(f, s.grow(c.n))
		m, sd := c.mean+c.std*mu, c.std*math.Sqrt(vr+c.h.sn2)
		v += logPhi(-m / sd)
	}
	if s.feas != nil {
		mu, vr := s.feas.predict(f, s.grow(s.feas.n))
		m, sd := s.feas.mean+s.feas.std*mu, s.feas.std*math.Sqrt(vr)
		v += logPhi(m / math.Sqrt(sd*sd+feasibilitySlack*feasibilitySlack))
	}
	return v
}

// fantasize conditions every model on its own posterior mean at p (the
// kriging believer), so the next point of a batch goes elsewhere.
func (s *surrogate) fantasize(p Point) {
	f := make([]float64, s.space.featureDims())
	s.space.featurize(p, f)
	cond := func(g *gp) *gp {
		mu, _ := g.predict(f, s.grow(g.n))
		return g.condition(f, mu)
	}
	s.obj = cond(s.obj)
	for i, c := range s.cons {
		s.cons[i] = cond(c)
	}
	if s.feas != nil {
		s.feas = cond(s.feas)
	}
}

// maximize returns the unsuggested point of highest acquisition.
func (s *surrogate) maximize(o *Optimizer, rng *rand.Rand) (Point, bool) {
	switch {
	case o.cfg.Candidates != nil:
		return s.maximizeCandidates(o, rng) // only admissible candidates are kept
	case len(o.lin) > 0:
		return s.maximizeAdmissible(o, rng)
	}
	return s.maximizeContinuous(o, rng)
}

// maxScored bounds how many candidates one Ask scores; larger tables are
// subsampled (at random, plus the neighbors of the best trials).
const maxScored = 4096

func (s *surrogate) maximizeCandidates(o *Optimizer, rng *rand.Rand) (Point, bool) {
	av := o.available()
	if len(av) == 0 {
		return nil, false
	}
	if len(av) > maxScored {
		av = s.subsample(o, av, rng)
	}
	best, bestV := -1, math.Inf(-1)
	for _, i := range av {
		if v := s.acquisition(o.cfg.Candidates[i]); best < 0 || v > bestV {
			best, bestV = i, v
		}
	}
	return slices.Clone(o.cfg.Candidates[best]), true
}

// subsample keeps maxScored/4 candidates nearest to the best feasible
// trials and fills the rest at random.
func (s *surrogate) subsample(o *Optimizer, av []int, rng *rand.Rand) []int {
	keep := map[int]bool{}
	for _, p := range o.topTrials(3) {
		f := o.features(p)
		type cd struct {
			i int
			d float64
		}
		ds := make([]cd, len(av))
		g := make([]float64, len(f))
		for j, i := range av {
			o.cfg.Space.featurize(o.cfg.Candidates[i], g)
			var d float64
			for k, v := range f {
				d += (v - g[k]) * (v - g[k])
			}
			ds[j] = cd{i, d}
		}
		sort.Slice(ds, func(a, b int) bool { return ds[a].d < ds[b].d })
		for _, c := range ds[:min(len(ds), maxScored/12)] {
			keep[c.i] = true
		}
	}
	out := make([]int, 0, maxScored)
	for i := range keep {
		out = append(out, i)
	}
	slices.Sort(out)
	perm := rng.Perm(len(av))
	for _, j := range perm {
		if len(out) >= maxScored {
			break
		}
		if !keep[av[j]] {
			out = append(out, av[j])
		}
	}
	return out
}

// topTrials returns the points of up to k feasible trials with the lowest
// first objective (all non-failed trials when none is feasible).
func (o *Optimizer) topTrials(k int) []Point {
	var ts []Trial
	for _, t := range o.trials {
		if t.Observation.Feasible() {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		for _, t := range o.trials {
			if !t.Observation.Failed {
				ts = append(ts, t)
			}
		}
	}
	sort.SliceStable(ts, func(a, b int) bool { return ts[a].Observation.Values[0] < ts[b].Observation.Values[0] })
	var out []Point
	for _, t := range ts[:min(k, len(ts))] {
		out = append(out, o.cfg.Space.Canonical(t.Point))
	}
	return out
}

type scored struct {
	p Point
	v float64
}

// maximizeContinuous scores random points and perturbations of the best
// trials, then improves the best few by local search: L-BFGS (central
// differences) over the float parameters, with integer and categorical
// parameters held, then a hill climb over the discrete neighbors (integer
// +-1, every other category).
func (s *surrogate) maximizeContinuous(o *Optimizer, rng *rand.Rand) (Point, bool) {
	sp := o.cfg.Space
	d := sp.Dims()
	var raw []scored
	add := func(p Point) {
		p = sp.Canonical(p)
		if !o.seen[key(p)] {
			raw = append(raw, scored{p, s.acquisition(p)})
		}
	}
	for range min(4096, 512+128*d) {
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
	sort.SliceStable(raw, func(a, b int) bool { return raw[a].v > raw[b].v })
	var starts []Point
	for _, r := range raw[:min(5, len(raw))] {
		starts = append(starts, r.p)
	}
	starts = append(starts, top[:min(2, len(top))]...)
	best := scored{v: math.Inf(-1)}
	for _, st := range starts {
		p := s.localSearch(sp, st)
		if o.seen[key(p)] {
			continue
		}
		if v := s.acquisition(p); best.p == nil || v > best.v {
			best = scored{p, v}
		}
	}
	if best.p == nil && len(raw) > 0 {
		best = raw[0]
	}
	if best.p == nil {
		return o.randomPoint(rng)
	}
	return best.p, true
}

// perturb moves float coordinates of p by N(0, sigma^2) and redraws each
// discrete parameter with probability 1/d.
func (s *surrogate) perturb(p Point, sigma float64, rng *rand.Rand) Point {
	q := slices.Clone(p)
	d := float64(len(p))
	for i, par := range s.space.Params {
		if par.discrete() {
			if rng.Float64() < 1/d {
				q[i] = rng.Float64()
			}
			continue
		}
		q[i] = clamp01(q[i] + sigma*rng.NormFloat64())
	}
	return q
}

// localSearch improves start by L-BFGS over its float coordinates, then by
// hill climbing over its discrete ones.
func (s *surrogate) localSearch(sp Space, start Point) Point {
	p := slices.Clone(start)
	var cont []int
	for i, par := range sp.Params {
		if !par.discrete() {
			cont = append(cont, i)
		}
	}
	if len(cont) > 0 {
		p = s.lbfgs(p, cont)
	}
	return s.climb(sp, p)
}

// fdStep is the central-difference step in the unit encoding.
const fdStep = 1e-6

func (s *surrogate) lbfgs(p Point, cont []int) Point {
	// x = (1 - cos(pi v)) / 2 maps the real line onto [0, 1] smoothly and
	// periodically: the search is unconstrained, and a step past a bound
	// folds back instead of sticking to it, as clamping would.
	at := func(v []float64) Point {
		q := slices.Clone(p)
		for j, i := range cont {
			q[i] = clamp01((1 - math.Cos(math.Pi*v[j])) / 2)
		}
		return q
	}
	f := func(u []float64) float64 { return -s.acquisition(at(u)) }
	problem := optimize.Problem{
		Func: f,
		Grad: func(grad, u []float64) {
			w := slices.Clone(u)
			for j := range u {
				w[j] = u[j] + fdStep
				fp := f(w)
				w[j] = u[j] - fdStep
				fm := f(w)
				w[j] = u[j]
				grad[j] = (fp - fm) / (2 * fdStep)
			}
		},
	}
	u0 := make([]float64, len(cont))
	for j, i := range cont {
		u0[j] = math.Acos(1-2*p[i]) / math.Pi
	}
	settings := &optimize.Settings{
		MajorIterations: 40,
		FuncEvaluations: 120,
		Converger:       &optimize.FunctionConverge{Absolute: 1e-9, Relative: 1e-9, Iterations: 4},
	}
	res, err := optimize.Minimize(problem, u0, settings, &optimize.LBFGS{})
	if res == nil || (err != nil && res.X == nil) || !(res.F <= f(u0)) {
		return p
	}
	return at(res.X)
}

// climb moves to the best discrete neighbor while it improves, up to 3
// rounds.
func (s *surrogate) climb(sp Space, p Point) Point {
	cur := sp.Canonical(p)
	curV := s.acquisition(cur)
	for range 3 {
		moved := false
		for i, par := range sp.Params {
			if !par.discrete() {
				continue
			}
			for _, u := range neighbors(par, cur[i]) {
				q := slices.Clone(cur)
				q[i] = u
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

// neighbors are the canonical coordinates next to u: the adjacent integers,
// or every other category.
func neighbors(par Param, u float64) []float64 {
	if par.Kind == Categorical {
		var out []float64
		k := par.index(u)
		for j := range par.Values {
			if j != k {
				out = append(out, (float64(j)+0.5)/float64(len(par.Values)))
			}
		}
		return out
	}
	v := par.decode(u).Num
	var out []float64
	for _, w := range []float64{v - 1, v + 1} {
		if w >= par.Min && w <= par.Max {
			out = append(out, par.toUnit(w))
		}
	}
	return out
}
