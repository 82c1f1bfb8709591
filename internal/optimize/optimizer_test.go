package optimize

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func smallDiscrete() Space {
	return Space{Params: []Param{
		{Name: "a", Kind: Int, Min: 1, Max: 3},
		{Name: "b", Kind: Categorical, Values: []string{"x", "y"}},
		{Name: "c", Kind: Int, Min: 2, Max: 32, Log: true},
	}}
}

func sphere(p Point) float64 {
	var s float64
	for _, u := range p {
		s += (u - 0.3) * (u - 0.3)
	}
	return s
}

// In a finite space every optimizer suggests each configuration once, in
// batches without duplicates, and then reports ErrExhausted.
func TestAskExhaustsWithoutDuplicates(t *testing.T) {
	sp := smallDiscrete()
	total := 3 * 2 * 31
	for _, alg := range Algorithms {
		o, err := New(Config{Algorithm: alg, Space: sp, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for {
			pts, err := o.Ask(13)
			if errors.Is(err, ErrExhausted) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", alg, err)
			}
			for _, p := range pts {
				k := key(sp.Canonical(p))
				if seen[k] {
					t.Fatalf("%s: %v suggested twice", alg, p)
				}
				seen[k] = true
				if err := o.Tell(p, Observation{Values: []float64{sphere(p)}}); err != nil {
					t.Fatal(err)
				}
			}
			if alg == GP && len(seen) > 60 {
				break // the model is slow to exhaust; the rest is the same code path
			}
		}
		if alg != GP && len(seen) != total {
			t.Errorf("%s: %d distinct suggestions, want %d", alg, len(seen), total)
		}
	}
}

// A batch is distinct from itself, from every told point and from pending
// points of earlier Asks.
func TestBatchesAvoidToldAndPending(t *testing.T) {
	sp := testSpace()
	for _, alg := range Algorithms {
		o, err := New(Config{Algorithm: alg, Space: sp, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for round := range 4 {
			pts, err := o.Ask(4)
			if err != nil {
				t.Fatal(err)
			}
			if len(pts) != 4 {
				t.Fatalf("%s: %d points, want 4", alg, len(pts))
			}
			for i, p := range pts {
				k := key(sp.Canonical(p))
				if seen[k] {
					t.Fatalf("%s round %d: %v suggested again", alg, round, p)
				}
				seen[k] = true
				// Tell all but the last point of each batch; it stays pending.
				if i < len(pts)-1 {
					if err := o.Tell(p, Observation{Values: []float64{sphere(p)}}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		if n := len(o.Pending()); n != 4 {
			t.Errorf("%s: %d pending points, want 4", alg, n)
		}
	}
}

// Suggestions on a table are rows of the table, never repeated.
func TestCandidates(t *testing.T) {
	sp := Space{Params: []Param{
		{Name: "x", Kind: Float, Min: 0, Max: 1},
		{Name: "y", Kind: Float, Min: 0, Max: 1},
	}}
	var cands []Point
	for i := range 7 {
		for j := range 7 {
			cands = append(cands, Point{float64(i) / 6, float64(j) / 6})
		}
	}
	rows := map[string]bool{}
	for _, c := range cands {
		rows[key(c)] = true
	}
	for _, alg := range Algorithms {
		o, err := New(Config{Algorithm: alg, Space: sp, Seed: 1, Candidates: append(cands, cands[3])})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for {
			pts, err := o.Ask(5)
			if errors.Is(err, ErrExhausted) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pts {
				k := key(p)
				if !rows[k] || seen[k] {
					t.Fatalf("%s: %v is not an unsuggested row", alg, p)
				}
				seen[k] = true
				o.Tell(p, Observation{Values: []float64{sphere(p)}})
			}
		}
		if len(seen) != len(cands) {
			t.Errorf("%s: %d rows suggested, want %d", alg, len(seen), len(cands))
		}
	}
}

// drive asks and tells steps batches of n on the sphere.
func drive(t *testing.T, o *Optimizer, steps, n int) [][]Point {
	t.Helper()
	var out [][]Point
	for range steps {
		pts, err := o.Ask(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pts)
		for _, p := range pts {
			obs := Observation{Values: []float64{sphere(p)}, Constraints: []float64{p[1] - 0.8}}
			if p[0] > 0.9 {
				obs = Observation{Failed: true}
			}
			if err := o.Tell(p, obs); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

// An optimizer restored from its JSON state suggests exactly what the
// original suggests, also with points pending at the time of the snapshot.
func TestStateRoundTrip(t *testing.T) {
	for _, alg := range Algorithms {
		o, err := New(Config{Algorithm: alg, Space: testSpace(), Seed: 42, Constraints: 1})
		if err != nil {
			t.Fatal(err)
		}
		drive(t, o, 5, 2)
		if _, err := o.Ask(1); err != nil { // left pending
			t.Fatal(err)
		}
		data, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var r Optimizer
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if !reflect.DeepEqual(r.Trials(), o.Trials()) || !reflect.DeepEqual(r.Pending(), o.Pending()) {
			t.Fatalf("%s: restored trials or pending points differ", alg)
		}
		want, got := drive(t, o, 3, 2), drive(t, &r, 3, 2)
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s: restored optimizer suggests %v, original %v", alg, got, want)
		}
		again, _ := json.Marshal(&r)
		now, _ := json.Marshal(o)
		if string(again) != string(now) {
			t.Errorf("%s: states diverged after resuming", alg)
		}
	}
	var r Optimizer
	for _, bad := range []string{`{`, `{"version": 9}`, `{"version": 1, "config": {"algorithm": "gp", "space": {"params": []}}}`} {
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("state %s accepted", bad)
		}
	}
}

func TestSameSeedSameSuggestions(t *testing.T) {
	for _, alg := range Algorithms {
		a, _ := New(Config{Algorithm: alg, Space: testSpace(), Seed: 5, Constraints: 1})
		b, _ := New(Config{Algorithm: alg, Space: testSpace(), Seed: 5, Constraints: 1})
		c, _ := New(Config{Algorithm: alg, Space: testSpace(), Seed: 6, Constraints: 1})
		pa, pb, pc := drive(t, a, 8, 1), drive(t, b, 8, 1), drive(t, c, 8, 1)
		if !reflect.DeepEqual(pa, pb) {
			t.Errorf("%s: same seed, different suggestions", alg)
		}
		if reflect.DeepEqual(pa, pc) {
			t.Errorf("%s: different seeds, same suggestions", alg)
		}
	}
}

func TestConfigAndTellErrors(t *testing.T) {
	for _, c := range []struct {
		cfg Config
		msg string
	}{
		{Config{Algorithm: "tpe", Space: testSpace()}, `algorithm "tpe"`},
		{Config{Algorithm: GP, Space: Space{Params: []Param{{Name: "x", Kind: Float, Min: 1, Max: 0}}}}, `"x": max 0: must be > min 1`},
		{Config{Algorithm: GP, Space: testSpace(), Objectives: -1}, "objectives -1"},
		{Config{Algorithm: GP, Space: testSpace(), Constraints: -2}, "constraints -2"},
		{Config{Algorithm: GP, Space: testSpace(), Candidates: []Point{}}, "candidates: empty"},
		{Config{Algorithm: GP, Space: testSpace(), Candidates: []Point{{0, 0}}}, "candidates[0]: point has 2 coordinates"},
	} {
		if _, err := New(c.cfg); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("New(%+v): error %v, want %q", c.cfg, err, c.msg)
		}
	}
	o, _ := New(Config{Algorithm: Random, Space: testSpace(), Constraints: 1})
	p := Point{0.5, 0.5, 0.5, 0.5, 0.5}
	for _, c := range []struct {
		p   Point
		obs Observation
		msg string
	}{
		{Point{0.5}, Observation{Values: []float64{1}, Constraints: []float64{0}}, "1 coordinates"},
		{Point{0.5, 0.5, 2, 0.5, 0.5}, Observation{Values: []float64{1}, Constraints: []float64{0}}, `"gc": coordinate 2`},
		{p, Observation{Values: []float64{1, 2}, Constraints: []float64{0}}, "2 objective values, want 1"},
		{p, Observation{Values: []float64{1}}, "0 constraint values, want 1"},
		{p, Observation{Values: []float64{math.NaN()}, Constraints: []float64{0}}, "NaN"},
	} {
		if err := o.Tell(c.p, c.obs); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Tell(%v, %+v): error %v, want %q", c.p, c.obs, err, c.msg)
		}
	}
	if err := o.Tell(p, Observation{Failed: true}); err != nil {
		t.Errorf("a failed trial needs no values: %v", err)
	}
	if _, err := o.Ask(0); err == nil {
		t.Error("Ask(0) accepted")
	}
}

func TestObservationFeasible(t *testing.T) {
	for _, c := range []struct {
		obs  Observation
		want bool
	}{
		{Observation{Values: []float64{1}}, true},
		{Observation{Values: []float64{1}, Constraints: []float64{0, -1}}, true},
		{Observation{Values: []float64{1}, Constraints: []float64{0, 0.1}}, false},
		{Observation{Values: []float64{1}, Infeasible: true}, false},
		{Observation{Failed: true}, false},
	} {
		if got := c.obs.Feasible(); got != c.want {
			t.Errorf("%+v: feasible %v, want %v", c.obs, got, c.want)
		}
	}
}

// bestAfter runs alg for n sequential trials of f and returns the best
// feasible value.
func bestAfter(t *testing.T, cfg Config, n int, f func(Point) Observation) float64 {
	t.Helper()
	o, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		pts, err := o.Ask(1)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Tell(pts[0], f(pts[0])); err != nil {
			t.Fatal(err)
		}
	}
	b, ok := o.Best()
	if !ok {
		return math.Inf(1)
	}
	return b.Observation.Values[0]
}

// On a smooth 3-D bowl, GP gets far closer to the minimum than random search
// with the same 25 trials, on every seed.
func TestGPBeatsRandom(t *testing.T) {
	sp := Space{Params: []Param{
		{Name: "x", Kind: Float, Min: 0, Max: 1},
		{Name: "y", Kind: Float, Min: 0, Max: 1},
		{Name: "z", Kind: Float, Min: 0, Max: 1},
	}}
	f := func(p Point) Observation { return Observation{Values: []float64{1 + 10*sphere(p)}} }
	for seed := range uint64(3) {
		g := bestAfter(t, Config{Algorithm: GP, Space: sp, Seed: seed}, 25, f)
		r := bestAfter(t, Config{Algorithm: Random, Space: sp, Seed: seed}, 25, f)
		if g-1 > 0.01 || g-1 > (r-1)/10 {
			t.Errorf("seed %d: gp regret %.4g, random %.4g", seed, g-1, r-1)
		}
	}
}

// Constraint values and failed trials steer the search: the optimum of
// x + y subject to x + y >= 0.8 (constraint 0.8 - x - y <= 0), with every
// trial at y > 0.9 failing, is on the line x + y = 0.8.
func TestGPConstraintsAndFailures(t *testing.T) {
	sp := Space{Params: []Param{
		{Name: "x", Kind: Float, Min: 0, Max: 1},
		{Name: "y", Kind: Float, Min: 0, Max: 1},
	}}
	o, err := New(Config{Algorithm: GP, Space: sp, Seed: 1, Constraints: 1})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for i := range 30 {
		pts, err := o.Ask(1)
		if err != nil {
			t.Fatal(err)
		}
		p := pts[0]
		obs := Observation{Values: []float64{p[0] + p[1]}, Constraints: []float64{0.8 - p[0] - p[1]}}
		if p[1] > 0.9 {
			obs = Observation{Failed: true}
			if i >= 15 {
				failed++
			}
		}
		o.Tell(p, obs)
	}
	b, ok := o.Best()
	if !ok || b.Observation.Values[0] > 0.82 {
		t.Errorf("best feasible %+v (found %v), want x + y within 0.02 of 0.8", b, ok)
	}
	if failed > 2 {
		t.Errorf("%d of the last 15 trials failed: the failure model should avoid y > 0.9", failed)
	}
}

// Infeasible trials without constraint values are modeled by the
// feasibility classifier.
func TestGPInfeasibleWithoutConstraintValues(t *testing.T) {
	sp := Space{Params: []Param{{Name: "x", Kind: Float, Min: 0, Max: 1}, {Name: "y", Kind: Float, Min: 0, Max: 1}}}
	f := func(p Point) Observation {
		return Observation{Values: []float64{sphere(p)}, Infeasible: p[0] < 0.5}
	}
	got := bestAfter(t, Config{Algorithm: GP, Space: sp, Seed: 2}, 25, f)
	// Constrained minimum at (0.5, 0.3): 0.04.
	if got > 0.045 {
		t.Errorf("best feasible %v, want <= 0.045 (optimum 0.04)", got)
	}
}

// ParEGO: with two objectives the GP finds a front with more hypervolume
// than random search with the same trials.
func TestParEGOHypervolume(t *testing.T) {
	sp := Space{Params: []Param{{Name: "x", Kind: Float, Min: 0, Max: 1}, {Name: "y", Kind: Float, Min: 0, Max: 1}}}
	f := func(p Point) []float64 {
		return []float64{p[0]*p[0] + p[1]*p[1], (p[0]-1)*(p[0]-1) + p[1]*p[1]}
	}
	hv := func(alg Algorithm, seed uint64) float64 {
		o, err := New(Config{Algorithm: alg, Space: sp, Seed: seed, Objectives: 2})
		if err != nil {
			t.Fatal(err)
		}
		for range 6 {
			pts, err := o.Ask(4)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pts {
				o.Tell(p, Observation{Values: f(p)})
			}
		}
		var front [][]float64
		for _, tr := range o.ParetoFront() {
			front = append(front, tr.Observation.Values)
		}
		v, err := Hypervolume(front, []float64{1.2, 1.2})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var g, r float64
	for seed := range uint64(3) {
		g += hv(GP, seed)
		r += hv(Random, seed)
	}
	if g <= r {
		t.Errorf("mean hypervolume gp %.4f <= random %.4f", g/3, r/3)
	}
}

// Tables larger than maxScored are subsampled; suggestions stay rows.
func TestLargeCandidateSet(t *testing.T) {
	sp := Space{Params: []Param{{Name: "x", Kind: Float, Min: 0, Max: 1}, {Name: "y", Kind: Float, Min: 0, Max: 1}}}
	var cands []Point
	rows := map[string]bool{}
	for i := range 80 {
		for j := range 80 {
			p := Point{float64(i) / 79, float64(j) / 79}
			cands = append(cands, p)
			rows[key(p)] = true
		}
	}
	o, err := New(Config{Algorithm: GP, Space: sp, Seed: 1, Candidates: cands})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		pts, err := o.Ask(1)
		if err != nil {
			t.Fatal(err)
		}
		if !rows[key(pts[0])] {
			t.Fatalf("%v is not a candidate", pts[0])
		}
		o.Tell(pts[0], Observation{Values: []float64{sphere(pts[0])}})
	}
	if b, _ := o.Best(); sphere(b.Point) > 0.02 {
		t.Errorf("best %v after 10 trials of 6400 rows", b.Point)
	}
}
