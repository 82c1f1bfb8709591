package optimize

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func ptr(v float64) *float64 { return &v }

func TestLinearConstraintValidate(t *testing.T) {
	sp := testSpace() // cpu [0.1, 4] log, replicas [1, 5], gc categorical, heap [64, 4096] log, ratio [-1, 1]
	for _, c := range []struct {
		name string
		c    LinearConstraint
		want string // "" = valid
	}{
		{"sum", LinearConstraint{Terms: []Term{{"cpu", 1}, {"replicas", 0.5}}, Max: ptr(4)}, ""},
		{"order", Order("o", "replicas", "cpu", 2, 1), ""},
		{"two bounds", LinearConstraint{Terms: []Term{{"ratio", 1}}, Min: ptr(-0.5), Max: ptr(0.5)}, ""},
		{"no terms", LinearConstraint{Max: ptr(1)}, "terms: want at least one"},
		{"unknown", LinearConstraint{Terms: []Term{{"cpus", 1}}, Max: ptr(1)}, `terms[0]: unknown parameter "cpus"`},
		{"categorical", LinearConstraint{Terms: []Term{{"gc", 1}}, Max: ptr(1)}, `terms[0]: parameter "gc" is categorical`},
		{"twice", LinearConstraint{Terms: []Term{{"cpu", 1}, {"cpu", 2}}, Max: ptr(1)}, `terms[1]: parameter "cpu" appears twice`},
		{"zero weight", LinearConstraint{Terms: []Term{{"cpu", 0}}, Max: ptr(1)}, "terms[0]: weight 0"},
		{"no bound", LinearConstraint{Terms: []Term{{"cpu", 1}}}, "want at least one bound"},
		{"min > max", LinearConstraint{Terms: []Term{{"cpu", 1}}, Min: ptr(2), Max: ptr(1)}, "min 2: must be <= max 1"},
		{"unreachable", LinearConstraint{Terms: []Term{{"cpu", 1}, {"replicas", 1}}, Min: ptr(10)}, "no values satisfy 10 <= 1*cpu + 1*replicas: the sum ranges over [1.1, 9]"},
		{"unreachable below", LinearConstraint{Terms: []Term{{"ratio", -1}}, Max: ptr(-2)}, "no values satisfy"},
	} {
		err := c.c.Validate(sp)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	// New reports the constraint by index and name.
	_, err := New(Config{Algorithm: Random, Space: sp, ParamConstraints: []LinearConstraint{
		{Name: "bad", Terms: []Term{{"gc", 1}}, Max: ptr(1)}}})
	if err == nil || !strings.Contains(err.Error(), `param_constraints[0] "bad": terms[0]`) {
		t.Errorf("New: %v", err)
	}
}

func TestLinearConstraintSatisfied(t *testing.T) {
	sp := Space{Params: []Param{
		{Name: "procs", Kind: Int, Min: 1, Max: 8},
		{Name: "cpu", Kind: Float, Min: 0.25, Max: 2, Log: true},
	}}
	order := Order("procs-vs-cpu", "procs", "cpu", 2, 0) // procs <= 2 cpu
	for _, c := range []struct {
		procs, cpu float64
		sum        float64
		ok         bool
	}{
		{1, 0.5, 0, true},
		{2, 1, 0, true},
		{3, 1, 1, false},
		{1, 2, -3, true},
	} {
		sum, ok, err := order.Satisfied(sp, []Value{{Kind: Int, Num: c.procs}, {Kind: Float, Num: c.cpu}})
		if err != nil || sum != c.sum || ok != c.ok {
			t.Errorf("procs %v cpu %v: sum %v ok %v err %v, want %v %v", c.procs, c.cpu, sum, ok, err, c.sum, c.ok)
		}
	}
	// A value on the bound stays admissible after the log-scale round trip.
	o, err := New(Config{Algorithm: Random, Space: sp, ParamConstraints: []LinearConstraint{order}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := sp.Encode([]Value{{Kind: Int, Num: 2}, {Kind: Float, Num: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !o.admissible(p) {
		vals, _ := sp.Decode(p)
		t.Errorf("baseline on the bound is not admissible (decoded %v)", vals)
	}
	if got := order.String(); got != "1*procs + -2*cpu <= 0" {
		t.Errorf("String() = %q", got)
	}
}

// constrainedSpace mixes every kind; budget: a + b <= 1; order: m <= n.
func constrainedSpace() (Space, []LinearConstraint) {
	sp := Space{Params: []Param{
		{Name: "a", Kind: Float, Min: 0, Max: 1},
		{Name: "b", Kind: Float, Min: 0.01, Max: 1, Log: true},
		{Name: "m", Kind: Int, Min: 1, Max: 8},
		{Name: "n", Kind: Int, Min: 1, Max: 8},
		{Name: "k", Kind: Categorical, Values: []string{"x", "y", "z"}},
	}}
	return sp, []LinearConstraint{
		{Name: "budget", Terms: []Term{{"a", 1}, {"b", 1}}, Max: ptr(1)},
		Order("order", "m", "n", 1, 0),
	}
}

func checkAdmissible(t *testing.T, sp Space, cs []LinearConstraint, p Point) {
	t.Helper()
	vals, err := sp.Decode(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if sum, ok, _ := c.Satisfied(sp, vals); !ok {
			t.Fatalf("suggested %v violates %s (sum %v)", vals, c, sum)
		}
	}
}

// Every algorithm suggests admissible points only, in batches, without
// duplicates, also after its model takes over.
func TestAskRespectsParamConstraints(t *testing.T) {
	sp, cs := constrainedSpace()
	for _, alg := range Algorithms {
		o, err := New(Config{Algorithm: alg, Space: sp, Seed: 4, ParamConstraints: cs})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for range 8 {
			pts, err := o.Ask(3)
			if err != nil {
				t.Fatalf("%s: %v", alg, err)
			}
			if len(pts) != 3 {
				t.Fatalf("%s: %d points, want 3", alg, len(pts))
			}
			for _, p := range pts {
				checkAdmissible(t, sp, cs, p)
				if k := key(p); seen[k] {
					t.Fatalf("%s: %v suggested twice", alg, p)
				} else {
					seen[k] = true
				}
				// Minimum of the sphere around (0.3,...) is inadmissible for a+b.
				obs := Observation{Values: []float64{sphere(p) - p[0] - p[1]}}
				if err := o.Tell(p, obs); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// On a finite space the admissible configurations are suggested once each,
// and then Ask reports ErrExhausted; on a table, only admissible rows are.
func TestParamConstraintsExhaustAndCandidates(t *testing.T) {
	sp := Space{Params: []Param{{Name: "m", Kind: Int, Min: 1, Max: 6}, {Name: "n", Kind: Int, Min: 1, Max: 6}}}
	cs := []LinearConstraint{Order("", "m", "n", 1, -1)} // m < n: 15 of 36
	var table []Point
	for m := 1.0; m <= 6; m++ {
		for n := 1.0; n <= 6; n++ {
			p, _ := sp.Encode([]Value{{Kind: Int, Num: m}, {Kind: Int, Num: n}})
			table = append(table, p)
		}
	}
	for _, cands := range [][]Point{nil, table} {
		for _, alg := range []Algorithm{Random, Sobol, GP} {
			o, err := New(Config{Algorithm: alg, Space: sp, Seed: 9, ParamConstraints: cs, Candidates: cands})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for {
				pts, err := o.Ask(4)
				if errors.Is(err, ErrExhausted) {
					break
				}
				if err != nil {
					t.Fatalf("%s: %v", alg, err)
				}
				for _, p := range pts {
					checkAdmissible(t, sp, cs, p)
					n++
					o.Tell(p, Observation{Values: []float64{sphere(p)}})
				}
			}
			if n != 15 {
				t.Errorf("%s (table %v): %d suggestions, want the 15 admissible configurations", alg, cands != nil, n)
			}
		}
	}
	_, err := New(Config{Algorithm: Random, Space: sp, Candidates: table[:1], ParamConstraints: cs})
	if err == nil || !strings.Contains(err.Error(), "none satisfies the parameter constraints") {
		t.Errorf("table without admissible rows: %v", err)
	}
}

// Constraints that are each reachable but jointly empty make Ask fail with
// ErrNoAdmissible, on continuous and on discrete spaces.
func TestNoAdmissibleConfiguration(t *testing.T) {
	cont := Space{Params: []Param{{Name: "x", Kind: Float, Min: 0, Max: 1}, {Name: "y", Kind: Float, Min: 0, Max: 1}}}
	disc := Space{Params: []Param{{Name: "x", Kind: Int, Min: 0, Max: 5}, {Name: "y", Kind: Int, Min: 0, Max: 5}}}
	for _, sp := range []Space{cont, disc} {
		hi := sp.Params[0].Max
		cs := []LinearConstraint{
			{Name: "low", Terms: []Term{{"x", 1}, {"y", 1}}, Max: ptr(0.4 * hi)},
			{Name: "high", Terms: []Term{{"x", 1}, {"y", 1}}, Min: ptr(1.6 * hi)},
		}
		for _, alg := range Algorithms {
			o, err := New(Config{Algorithm: alg, Space: sp, Seed: 1, ParamConstraints: cs})
			if err != nil {
				t.Fatal(err)
			}
			_, err = o.Ask(1)
			if !errors.Is(err, ErrNoAdmissible) {
				t.Errorf("%s on %s: %v, want ErrNoAdmissible", alg, sp.Params[0].Kind, err)
			}
		}
	}
}

// The GP finds the constrained optimum of (x-1)^2 + (y-1)^2 subject to
// x + y <= 1, which is 0.5 at (0.5, 0.5), and never asks outside.
func TestGPConstrainedOptimum(t *testing.T) {
	sp := Space{Params: []Param{{Name: "x", Kind: Float, Min: 0, Max: 1}, {Name: "y", Kind: Float, Min: 0, Max: 1}}}
	cs := []LinearConstraint{{Name: "sum", Terms: []Term{{"x", 1}, {"y", 1}}, Max: ptr(1)}}
	o, err := New(Config{Algorithm: GP, Space: sp, Seed: 3, ParamConstraints: cs})
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		pts, err := o.Ask(1)
		if err != nil {
			t.Fatal(err)
		}
		p := pts[0]
		checkAdmissible(t, sp, cs, p)
		o.Tell(p, Observation{Values: []float64{(p[0]-1)*(p[0]-1) + (p[1]-1)*(p[1]-1)}})
	}
	b, _ := o.Best()
	if b.Observation.Values[0] > 0.51 {
		t.Errorf("best %v at %v, want <= 0.51 (optimum 0.5 on x + y = 1)", b.Observation.Values[0], b.Point)
	}
}

// Constraints are part of the JSON state: a restored optimizer suggests the
// same admissible points.
func TestParamConstraintsStateRoundTrip(t *testing.T) {
	sp, cs := constrainedSpace()
	for _, alg := range Algorithms {
		o, _ := New(Config{Algorithm: alg, Space: sp, Seed: 8, ParamConstraints: cs})
		step := func(o *Optimizer) []Point {
			pts, err := o.Ask(2)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pts {
				o.Tell(p, Observation{Values: []float64{sphere(p)}})
			}
			return pts
		}
		for range 4 {
			step(o)
		}
		data, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var r Optimizer
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r.Config().ParamConstraints, cs) {
			t.Fatalf("%s: constraints not restored: %+v", alg, r.Config().ParamConstraints)
		}
		for range 3 {
			want, got := step(o), step(&r)
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("%s: restored optimizer suggests %v, original %v", alg, got, want)
			}
			for _, p := range got {
				checkAdmissible(t, sp, cs, p)
			}
		}
	}
}
