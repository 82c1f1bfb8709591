package optimize

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Algorithm names an optimizer.
type Algorithm string

// Optimizers.
const (
	Random Algorithm = "random" // uniform in the encoding (log-uniform on log scales)
	Sobol  Algorithm = "sobol"  // scrambled (digitally shifted) Sobol sequence
	GP     Algorithm = "gp"     // Gaussian-process Bayesian optimization
)

// Algorithms lists every optimizer, in the order benchmarks show them.
var Algorithms = []Algorithm{Random, Sobol, GP}

// ErrExhausted is returned by Ask when every configuration of a finite space
// (or every candidate) has been suggested already.
var ErrExhausted = errors.New("optimize: every configuration has been suggested")

// Config is what an optimizer is built from.
type Config struct {
	Algorithm Algorithm `json:"algorithm"`
	Space     Space     `json:"space"`
	Seed      uint64    `json:"seed"`
	// Objectives is the number of values in each Observation (default 1).
	// With more than one, gp scalarizes them with ParEGO.
	Objectives int `json:"objectives,omitempty"`
	// Constraints is the number of constraint values in each Observation
	// of a trial that did not fail; a value <= 0 is satisfied.
	Constraints int `json:"constraints,omitempty"`
	// Candidates, when set, is the finite set of configurations the
	// optimizer may suggest (a lookup table): random draws among the
	// unsuggested candidates, sobol takes the unsuggested candidate nearest
	// to its next point, and gp maximizes its acquisition over the
	// unsuggested candidates.
	Candidates []Point `json:"candidates,omitempty"`
	// InitialPoints is the size of gp's space-filling (Sobol) design before
	// the model is used: default max(5, parameters+1). Told trials, such as
	// a baseline or a warm start, count towards it.
	InitialPoints int `json:"initial_points,omitempty"`
	// ParamConstraints restrict the configurations Ask suggests (and the
	// candidates it draws from) to those whose decoded values satisfy every
	// one; see LinearConstraint. Unlike Constraints, they are known before
	// a trial runs.
	ParamConstraints []LinearConstraint `json:"param_constraints,omitempty"`
}

// Observation is the outcome of one trial. Every objective is minimized.
type Observation struct {
	// Values holds the objectives, Config.Objectives of them, unless Failed.
	Values []float64 `json:"values,omitempty"`
	// Constraints holds Config.Constraints values, unless Failed; a value
	// <= 0 is satisfied. They let gp model how far a trial was from
	// feasibility (for example log(p99 / SLO)), not only whether it was.
	Constraints []float64 `json:"constraints,omitempty"`
	// Infeasible marks a trial that ran and measured its objectives but
	// broke a requirement (a metric bound), also one not in Constraints.
	// It is a negative so that the zero Observation is feasible.
	Infeasible bool `json:"infeasible,omitempty"`
	// Failed marks a trial that produced no measurement (it crashed, was
	// killed, a metric could not be collected). Values are ignored.
	Failed bool `json:"failed,omitempty"`
}

// Feasible reports whether the trial ran, met its requirements and
// satisfied every constraint.
func (o Observation) Feasible() bool {
	return !o.Failed && !o.Infeasible && o.constraintsMet()
}

func (o Observation) constraintsMet() bool {
	for _, c := range o.Constraints {
		if c > 0 {
			return false
		}
	}
	return true
}

// Trial is a told point and its observation.
type Trial struct {
	Point       Point       `json:"point"`
	Observation Observation `json:"observation"`
}

// Optimizer suggests configurations (Ask) and learns from their outcomes
// (Tell). It is not safe for concurrent use. Its JSON encoding is its whole
// state: an optimizer decoded from it suggests exactly what the original
// would have.
type Optimizer struct {
	cfg     Config
	trials  []Trial
	pending []Point // asked, not told yet
	asks    uint64  // Ask calls so far: the random stream of the next Ask
	next    uint32  // next Sobol index
	hyper   map[string][]float64

	// Derived from the above.
	seen     map[string]bool // keys of told and pending points
	candKeys []string        // key of each candidate
	sob      *sobol
	shift    []uint32
	lin      []linear // compiled ParamConstraints
	admitOK  bool     // an admissible configuration is known to exist
}

// New builds an optimizer. Errors name the offending field or parameter.
func New(cfg Config) (*Optimizer, error) {
	if cfg.Objectives == 0 {
		cfg.Objectives = 1
	}
	if cfg.InitialPoints == 0 {
		cfg.InitialPoints = max(5, cfg.Space.Dims()+1)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	o := &Optimizer{cfg: cfg, hyper: map[string][]float64{}}
	o.lin = compile(cfg.Space, cfg.ParamConstraints)
	o.cfg.Candidates = nil
	if cfg.Candidates != nil {
		o.cfg.Candidates = make([]Point, 0, len(cfg.Candidates))
		dup := map[string]bool{}
		for _, c := range cfg.Candidates {
			c = cfg.Space.Canonical(c)
			if k := key(c); !dup[k] && o.admissible(c) {
				dup[k] = true
				o.cfg.Candidates = append(o.cfg.Candidates, c)
			}
		}
		if len(o.cfg.Candidates) == 0 {
			return nil, errors.New("candidates: none satisfies the parameter constraints")
		}
	}
	o.derive()
	return o, nil
}

func (c Config) validate() error {
	switch c.Algorithm {
	case Random, Sobol, GP:
	default:
		return fmt.Errorf("algorithm %q: want random, sobol or gp", c.Algorithm)
	}
	if err := c.Space.Validate(); err != nil {
		return err
	}
	switch {
	case c.Objectives < 1:
		return fmt.Errorf("objectives %d: must be >= 1", c.Objectives)
	case c.Constraints < 0:
		return fmt.Errorf("constraints %d: must be >= 0", c.Constraints)
	case c.InitialPoints < 1:
		return fmt.Errorf("initial points %d: must be >= 1", c.InitialPoints)
	case c.Candidates != nil && len(c.Candidates) == 0:
		return errors.New("candidates: empty")
	}
	for i, p := range c.Candidates {
		if err := c.Space.checkPoint(p); err != nil {
			return fmt.Errorf("candidates[%d]: %w", i, err)
		}
	}
	for i, pc := range c.ParamConstraints {
		if err := pc.Validate(c.Space); err != nil {
			return fmt.Errorf("param_constraints[%d] %q: %w", i, pc.Name, err)
		}
	}
	return nil
}

// derive rebuilds the lookup structures from the state.
func (o *Optimizer) derive() {
	o.seen = map[string]bool{}
	for _, t := range o.trials {
		o.seen[key(o.cfg.Space.Canonical(t.Point))] = true
	}
	for _, p := range o.pending {
		o.seen[key(p)] = true
	}
	o.candKeys = make([]string, len(o.cfg.Candidates))
	for i, c := range o.cfg.Candidates {
		o.candKeys[i] = key(c)
	}
	d := min(o.cfg.Space.Dims(), MaxSobolDims)
	o.sob, _ = newSobol(d)
	r := rand.New(rand.NewPCG(o.cfg.Seed, 0x50b01))
	o.shift = make([]uint32, d)
	for i := range o.shift {
		o.shift[i] = r.Uint32()
	}
	o.lin = compile(o.cfg.Space, o.cfg.ParamConstraints)
}

// Config returns the configuration (with defaults filled in).
func (o *Optimizer) Config() Config { return o.cfg }

// Trials returns the told trials in the order they were told.
func (o *Optimizer) Trials() []Trial { return slices.Clone(o.trials) }

// Pending returns the points asked and not told yet.
func (o *Optimizer) Pending() []Point { return slices.Clone(o.pending) }

// Tell records the outcome of a trial at p, which need not have been asked
// (a baseline or a warm start from earlier results). Telling a pending point
// removes it from the pending set.
func (o *Optimizer) Tell(p Point, obs Observation) error {
	if err := o.cfg.Space.checkPoint(p); err != nil {
		return fmt.Errorf("tell: %w", err)
	}
	if !obs.Failed {
		if len(obs.Values) != o.cfg.Objectives {
			return fmt.Errorf("tell: %d objective values, want %d", len(obs.Values), o.cfg.Objectives)
		}
		if len(obs.Constraints) != o.cfg.Constraints {
			return fmt.Errorf("tell: %d constraint values, want %d", len(obs.Constraints), o.cfg.Constraints)
		}
		for i, v := range append(slices.Clone(obs.Values), obs.Constraints...) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("tell: value %d is %v, want a finite number (or Failed)", i, v)
			}
		}
	}
	c := o.cfg.Space.Canonical(p)
	k := key(c)
	o.pending = slices.DeleteFunc(o.pending, func(q Point) bool { return key(q) == k })
	o.trials = append(o.trials, Trial{Point: slices.Clone(p), Observation: cloneObs(obs)})
	o.seen[k] = true
	return nil
}

func cloneObs(o Observation) Observation {
	o.Values = slices.Clone(o.Values)
	o.Constraints = slices.Clone(o.Constraints)
	return o
}

// Ask suggests n configurations to try next, all different from each other,
// from every told point and from every pending one. The points are
// canonical (see Space.Canonical) and become pending until told. Ask returns
// fewer than n points only when fewer unsuggested configurations are left,
// and ErrExhausted when none is. Every point satisfies the parameter
// constraints; when no configuration does, Ask returns ErrNoAdmissible.
func (o *Optimizer) Ask(n int) ([]Point, error) {
	if n < 1 {
		return nil, fmt.Errorf("ask: n = %d, want >= 1", n)
	}
	if err := o.checkAdmissible(); err != nil {
		return nil, fmt.Errorf("ask: %w", err)
	}
	rng := rand.New(rand.NewPCG(o.cfg.Seed, o.asks))
	o.asks++
	var out []Point
	var err error
	switch o.cfg.Algorithm {
	case Random:
		out, err = o.askEach(n, func() (Point, bool) { return o.randomPoint(rng) })
	case Sobol:
		out, err = o.askEach(n, func() (Point, bool) { return o.sobolPoint(rng) })
	case GP:
		out, err = o.askGP(n, rng)
	}
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, ErrExhausted
	}
	return out, nil
}

// askEach collects up to n points from next, marking each pending.
func (o *Optimizer) askEach(n int, next func() (Point, bool)) ([]Point, error) {
	var out []Point
	for range n {
		p, ok := next()
		if !ok {
			break
		}
		o.addPending(p)
		out = append(out, p)
	}
	return out, nil
}

func (o *Optimizer) addPending(p Point) {
	o.pending = append(o.pending, p)
	o.seen[key(p)] = true
}

// available lists the indices of the candidates not told or pending.
func (o *Optimizer) available() []int {
	var out []int
	for i, k := range o.candKeys {
		if !o.seen[k] {
			out = append(out, i)
		}
	}
	return out
}

// randomPoint draws an unsuggested admissible point: uniform in the
// encoding, or uniform among the unsuggested candidates.
func (o *Optimizer) randomPoint(rng *rand.Rand) (Point, bool) {
	if o.cfg.Candidates != nil {
		av := o.available()
		if len(av) == 0 {
			return nil, false
		}
		return slices.Clone(o.cfg.Candidates[av[rng.IntN(len(av))]]), true
	}
	for range o.draws() {
		p := make(Point, o.cfg.Space.Dims())
		for i := range p {
			p[i] = rng.Float64()
		}
		p = o.cfg.Space.Canonical(p)
		if !o.seen[key(p)] && o.admissible(p) {
			return p, true
		}
	}
	// A small discrete space nearly used up: draw among what is left.
	left := o.enumerate()
	if len(left) == 0 {
		return nil, false
	}
	return left[rng.IntN(len(left))], true
}

// maxEnumerate bounds the size of a discrete space enumerate lists.
const maxEnumerate = 1 << 18

// enumerate lists the unsuggested admissible configurations of an
// all-discrete space of at most maxEnumerate configurations; nil otherwise.
func (o *Optimizer) enumerate() []Point {
	var out []Point
	o.eachDiscrete(func(p Point) bool {
		if !o.seen[key(p)] && o.admissible(p) {
			out = append(out, slices.Clone(p))
		}
		return true
	})
	return out
}

// eachDiscrete calls f with every configuration (canonical, reused between
// calls) of an all-discrete space of at most maxEnumerate configurations,
// until f returns false. It reports whether the space is such a space.
func (o *Optimizer) eachDiscrete(f func(Point) bool) bool {
	s := o.cfg.Space
	size := 1.0
	for _, p := range s.Params {
		if !p.discrete() {
			return false
		}
		size *= float64(p.cardinality())
	}
	if size > maxEnumerate {
		return false
	}
	cur := make(Point, s.Dims())
	var rec func(i int) bool
	rec = func(i int) bool {
		if i == len(cur) {
			return f(cur)
		}
		for _, u := range s.Params[i].grid() {
			cur[i] = u
			if !rec(i + 1) {
				return false
			}
		}
		return true
	}
	rec(0)
	return true
}

// cardinality is the number of values of a discrete parameter.
func (p Param) cardinality() int {
	if p.Kind == Categorical {
		return len(p.Values)
	}
	return int(p.Max-p.Min) + 1
}

// grid lists the canonical coordinates of every value of a discrete
// parameter.
func (p Param) grid() []float64 {
	k := p.cardinality()
	out := make([]float64, k)
	for j := range k {
		if p.Kind == Categorical {
			out[j] = (float64(j) + 0.5) / float64(k)
		} else {
			out[j] = p.toUnit(p.Min + float64(j))
		}
	}
	return out
}

// sobolPoint takes the next Sobol point that maps to an unsuggested
// admissible configuration (the nearest unsuggested candidate, with
// candidates).
func (o *Optimizer) sobolPoint(rng *rand.Rand) (Point, bool) {
	if o.cfg.Space.Dims() > MaxSobolDims {
		return o.randomPoint(rng) // beyond the published direction numbers
	}
	if o.cfg.Candidates != nil {
		av := o.available()
		if len(av) == 0 {
			return nil, false
		}
		u := make(Point, o.cfg.Space.Dims())
		o.sob.point(o.next, o.shift, u)
		o.next++
		return slices.Clone(o.cfg.Candidates[o.nearest(u, av)]), true
	}
	for range 256 {
		u := make(Point, o.cfg.Space.Dims())
		o.sob.point(o.next, o.shift, u)
		o.next++
		p := o.cfg.Space.Canonical(u)
		if !o.seen[key(p)] && o.admissible(p) {
			return p, true
		}
	}
	return o.randomPoint(rng)
}

// nearest returns the candidate index among av closest to u in the
// model's feature space (one-hot categories).
func (o *Optimizer) nearest(u Point, av []int) int {
	s := o.cfg.Space
	f, g := make([]float64, s.featureDims()), make([]float64, s.featureDims())
	s.featurize(u, f)
	best, bestD := av[0], math.Inf(1)
	for _, i := range av {
		s.featurize(o.cfg.Candidates[i], g)
		var d float64
		for j, v := range f {
			d += (v - g[j]) * (v - g[j])
		}
		if d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// Best returns the feasible trial with the lowest first objective, and
// false when no trial is feasible.
func (o *Optimizer) Best() (Trial, bool) {
	best, ok := Trial{}, false
	for _, t := range o.trials {
		if t.Observation.Feasible() && (!ok || t.Observation.Values[0] < best.Observation.Values[0]) {
			best, ok = t, true
		}
	}
	return best, ok
}

// ParetoFront returns the feasible trials no other feasible trial
// dominates, in the order they were told.
func (o *Optimizer) ParetoFront() []Trial {
	var feas []Trial
	var vals [][]float64
	for _, t := range o.trials {
		if t.Observation.Feasible() {
			feas = append(feas, t)
			vals = append(vals, t.Observation.Values)
		}
	}
	var out []Trial
	for _, i := range ParetoFront(vals) {
		out = append(out, feas[i])
	}
	return out
}

// stateVersion is the version of the JSON state format.
const stateVersion = 1

type state struct {
	Version int                  `json:"version"`
	Config  Config               `json:"config"`
	Trials  []Trial              `json:"trials"`
	Pending []Point              `json:"pending,omitempty"`
	Asks    uint64               `json:"asks"`
	Sobol   uint32               `json:"sobol_index"`
	Hyper   map[string][]float64 `json:"hyperparameters,omitempty"`
}

// MarshalJSON encodes the optimizer's whole state: configuration, seed,
// trials, pending points, the position of its random streams and the last
// fitted hyperparameters (the warm start of the next fit).
func (o *Optimizer) MarshalJSON() ([]byte, error) {
	return json.Marshal(state{Version: stateVersion, Config: o.cfg, Trials: o.trials, Pending: o.pending,
		Asks: o.asks, Sobol: o.next, Hyper: o.hyper})
}

// UnmarshalJSON restores an optimizer from MarshalJSON's output.
func (o *Optimizer) UnmarshalJSON(data []byte) error {
	var s state
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("optimizer state: %w", err)
	}
	if s.Version != stateVersion {
		return fmt.Errorf("optimizer state: version %d, want %d", s.Version, stateVersion)
	}
	if err := s.Config.validate(); err != nil {
		return fmt.Errorf("optimizer state: %w", err)
	}
	*o = Optimizer{cfg: s.Config, trials: s.Trials, pending: s.Pending, asks: s.Asks, next: s.Sobol, hyper: s.Hyper}
	if o.hyper == nil {
		o.hyper = map[string][]float64{}
	}
	for i, t := range o.trials {
		if err := o.cfg.Space.checkPoint(t.Point); err != nil {
			return fmt.Errorf("optimizer state: trial %d: %w", i, err)
		}
	}
	for i, p := range o.pending {
		if err := o.cfg.Space.checkPoint(p); err != nil {
			return fmt.Errorf("optimizer state: pending %d: %w", i, err)
		}
	}
	o.derive()
	return nil
}
