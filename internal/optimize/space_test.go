package optimize

import (
	"math"
	"strings"
	"testing"
)

func testSpace() Space {
	return Space{Params: []Param{
		{Name: "cpu", Kind: Float, Min: 0.1, Max: 4, Log: true},
		{Name: "replicas", Kind: Int, Min: 1, Max: 5},
		{Name: "gc", Kind: Categorical, Values: []string{"serial", "parallel", "g1"}},
		{Name: "heap", Kind: Int, Min: 64, Max: 4096, Log: true},
		{Name: "ratio", Kind: Float, Min: -1, Max: 1},
	}}
}

func TestSpaceValidate(t *testing.T) {
	if err := testSpace().Validate(); err != nil {
		t.Fatalf("valid space: %v", err)
	}
	for _, c := range []struct {
		name  string
		param Param
		msg   string
	}{
		{"max below min", Param{Name: "cpu", Kind: Float, Min: 4, Max: 1}, `"cpu": max 1: must be > min 4`},
		{"equal bounds", Param{Name: "n", Kind: Int, Min: 3, Max: 3}, `"n": max 3: must be > min 3`},
		{"log of zero", Param{Name: "mem", Kind: Float, Min: 0, Max: 1, Log: true}, `"mem": min 0: must be > 0 on a log scale`},
		{"log int below 1", Param{Name: "n", Kind: Int, Min: 0, Max: 9, Log: true}, `"n": min 0: must be >= 1`},
		{"fractional int", Param{Name: "n", Kind: Int, Min: 0.5, Max: 9}, `"n": min 0.5: must be a whole number`},
		{"infinite", Param{Name: "x", Kind: Float, Min: 0, Max: math.Inf(1)}, `"x": max +Inf: must be finite`},
		{"NaN", Param{Name: "x", Kind: Float, Min: math.NaN(), Max: 1}, `"x": min NaN: must be finite`},
		{"one category", Param{Name: "gc", Kind: Categorical, Values: []string{"g1"}}, `"gc": values: want at least 2`},
		{"repeated category", Param{Name: "gc", Kind: Categorical, Values: []string{"g1", "g1"}}, `"gc": values: "g1" given twice`},
		{"categorical with bounds", Param{Name: "gc", Kind: Categorical, Values: []string{"a", "b"}, Max: 2}, `"gc": min/max`},
		{"float with values", Param{Name: "x", Kind: Float, Max: 1, Values: []string{"a"}}, `"x": values: only categorical`},
		{"no kind", Param{Name: "x", Max: 1}, `"x": kind: missing`},
		{"bad kind", Param{Name: "x", Kind: "bool", Max: 1}, `"x": kind "bool"`},
		{"no name", Param{Kind: Float, Max: 1}, `name: must not be empty`},
	} {
		s := testSpace()
		s.Params = append(s.Params, c.param)
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.msg)
		}
	}
	s := testSpace()
	s.Params = append(s.Params, Param{Name: "cpu", Kind: Float, Max: 1})
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), `"cpu": name used twice`) {
		t.Errorf("duplicate name: %v", err)
	}
	if err := (Space{}).Validate(); err == nil {
		t.Error("empty space accepted")
	}
}

func TestEncodeDecode(t *testing.T) {
	s := testSpace()
	vals := []Value{
		{Kind: Float, Num: 0.5},
		{Kind: Int, Num: 3},
		{Kind: Categorical, Category: "g1"},
		{Kind: Int, Num: 512},
		{Kind: Float, Num: -0.25},
	}
	p, err := s.Encode(vals)
	if err != nil {
		t.Fatal(err)
	}
	// cpu: log scale, (log 0.5 - log 0.1) / (log 4 - log 0.1).
	if want := math.Log(5) / math.Log(40); math.Abs(p[0]-want) > 1e-15 {
		t.Errorf("cpu coordinate %v, want %v", p[0], want)
	}
	// replicas: 5 bins over [0.5, 5.5], 3 is the center of the third.
	if p[1] != 0.5 {
		t.Errorf("replicas coordinate %v, want 0.5", p[1])
	}
	// gc: third of three categories, bin center 5/6.
	if p[2] != 2.5/3 {
		t.Errorf("gc coordinate %v, want %v", p[2], 2.5/3)
	}
	if p[4] != 0.375 {
		t.Errorf("ratio coordinate %v, want 0.375", p[4])
	}
	got, err := s.Decode(p)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v.Kind != vals[i].Kind || v.Category != vals[i].Category || math.Abs(v.Num-vals[i].Num) > 1e-12*math.Max(1, math.Abs(v.Num)) {
			t.Errorf("%s: decoded %+v, want %+v", s.Params[i].Name, v, vals[i])
		}
	}
	if got[3].String() != "512" || got[2].String() != "g1" {
		t.Errorf("String: %v %v", got[3], got[2])
	}
	for _, c := range []struct {
		vals []Value
		msg  string
	}{
		{[]Value{{Kind: Float, Num: 5}, vals[1], vals[2], vals[3], vals[4]}, `"cpu": 5 is outside [0.1, 4]`},
		{[]Value{vals[0], {Kind: Int, Num: 2.5}, vals[2], vals[3], vals[4]}, `"replicas": 2.5 is not a whole number`},
		{[]Value{vals[0], vals[1], {Kind: Categorical, Category: "zgc"}, vals[3], vals[4]}, `"gc": "zgc" is not one of`},
		{[]Value{vals[0], vals[1], {Kind: Float, Num: 1}, vals[3], vals[4]}, `"gc": value of kind "float"`},
		{vals[:2], "2 values for 5 parameters"},
	} {
		if _, err := s.Encode(c.vals); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Encode error %v, want %q", err, c.msg)
		}
	}
	if _, err := s.Decode(Point{0, 0, 0, 0, 1.5}); err == nil || !strings.Contains(err.Error(), `"ratio"`) {
		t.Errorf("Decode out of [0, 1]: %v", err)
	}
}

// Every integer of a range gets the same share of the unit interval, also
// on a log scale, and canonical coordinates decode to themselves.
func TestIntBinsAndCanonical(t *testing.T) {
	p := Param{Name: "n", Kind: Int, Min: 1, Max: 4}
	counts := map[float64]int{}
	for i := range 4000 {
		counts[p.decode((float64(i)+0.5)/4000).Num]++
	}
	for v := 1.0; v <= 4; v++ {
		if counts[v] != 1000 {
			t.Errorf("value %v decoded from %d of 4000 coordinates, want 1000", v, counts[v])
		}
	}
	s := testSpace()
	for _, u := range []float64{0, 0.1, 0.33, 0.5, 0.77, 0.999, 1} {
		pt := Point{u, u, u, u, u}
		c := s.Canonical(pt)
		if key(s.Canonical(c)) != key(c) {
			t.Errorf("canonical of %v is not stable: %v", pt, c)
		}
		a, _ := s.Decode(pt)
		b, _ := s.Decode(c)
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("coordinate %v: %s decodes to %v, its canonical form to %v", u, s.Params[i].Name, a[i], b[i])
			}
		}
	}
}

func TestFeaturizeOneHot(t *testing.T) {
	s := testSpace()
	f := make([]float64, s.featureDims())
	if len(f) != 7 {
		t.Fatalf("%d features, want 7 (4 numbers + 3 categories)", len(f))
	}
	s.featurize(Point{0.2, 0.5, 0.4, 0, 1}, f)
	want := []float64{0.2, 0.5, 0, 1, 0, s.Params[3].canonical(0), 1}
	for i := range want {
		if math.Abs(f[i]-want[i]) > 1e-15 {
			t.Errorf("features %v, want %v", f, want)
			break
		}
	}
}
