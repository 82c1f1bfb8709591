package optimize

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Kind is the type of a parameter.
type Kind string

// Parameter kinds.
const (
	Float       Kind = "float"       // a real number in [Min, Max]
	Int         Kind = "int"         // a whole number in [Min, Max]
	Categorical Kind = "categorical" // one of Values, unordered
)

// Param is one dimension of a search space.
type Param struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Min and Max bound Float and Int parameters, inclusive.
	Min float64 `json:"min,omitempty"`
	Max float64 `json:"max,omitempty"`
	// Log spaces a Float or Int parameter evenly in log(value): Min must
	// be > 0 for a Float and >= 1 for an Int.
	Log bool `json:"log,omitempty"`
	// Values are the choices of a Categorical parameter.
	Values []string `json:"values,omitempty"`
}

// Space is an ordered list of parameters.
type Space struct {
	Params []Param `json:"params"`
}

// Point is a configuration in the normalized encoding: one coordinate in
// [0, 1] per parameter, in the order of Space.Params.
//
//   - Float: (v - Min) / (Max - Min), or the same in log(v) when Log.
//   - Int: the range is widened by half a step on each side, [Min-0.5,
//     Max+0.5] (in log when Log), and cut into one equal bin per integer, so
//     that a uniform coordinate gives every integer the same chance. The
//     canonical coordinate of an integer is its bin's center.
//   - Categorical: index encoding, the i-th of k values owns the bin
//     [i/k, (i+1)/k) and its canonical coordinate is (i+0.5)/k.
//
// The index encoding keeps a Point one coordinate per parameter, which is
// what quasi-random designs (Sobol) and the JSON state want and what makes a
// Point easy to read. The order it implies between categories is never seen
// by a model: the Gaussian process expands every categorical coordinate into
// a one-hot vector before its kernel, so all categories are equally far apart.
type Point []float64

// Value is one decoded parameter value.
type Value struct {
	Kind Kind `json:"kind"`
	// Num is the value of a Float or Int parameter (a whole number for Int).
	Num float64 `json:"num,omitempty"`
	// Category is the value of a Categorical parameter.
	Category string `json:"category,omitempty"`
}

// String formats v for people and for templates.
func (v Value) String() string {
	switch v.Kind {
	case Categorical:
		return v.Category
	case Int:
		return strconv.FormatInt(int64(v.Num), 10)
	}
	return strconv.FormatFloat(v.Num, 'g', -1, 64)
}

// Validate checks every parameter. Errors name the parameter.
func (s Space) Validate() error {
	if len(s.Params) == 0 {
		return errors.New("space: no parameters")
	}
	seen := map[string]bool{}
	var errs []error
	for i, p := range s.Params {
		if err := p.validate(); err != nil {
			errs = append(errs, fmt.Errorf("parameter %d %q: %w", i, p.Name, err))
			continue
		}
		if seen[p.Name] {
			errs = append(errs, fmt.Errorf("parameter %d %q: name used twice", i, p.Name))
		}
		seen[p.Name] = true
	}
	return errors.Join(errs...)
}

func (p Param) validate() error {
	if strings.TrimSpace(p.Name) == "" {
		return errors.New("name: must not be empty")
	}
	switch p.Kind {
	case Float, Int:
		return p.validateRange()
	case Categorical:
		if p.Log {
			return errors.New("log: only float and int parameters have a log scale")
		}
		if p.Min != 0 || p.Max != 0 {
			return errors.New("min/max: a categorical parameter has values, not bounds")
		}
		if len(p.Values) < 2 {
			return fmt.Errorf("values: want at least 2, have %d", len(p.Values))
		}
		seen := map[string]bool{}
		for _, v := range p.Values {
			if seen[v] {
				return fmt.Errorf("values: %q given twice", v)
			}
			seen[v] = true
		}
		return nil
	case "":
		return errors.New("kind: missing (want float, int or categorical)")
	}
	return fmt.Errorf("kind %q: want float, int or categorical", p.Kind)
}

func (p Param) validateRange() error {
	switch {
	case len(p.Values) > 0:
		return fmt.Errorf("values: only categorical parameters have values")
	case math.IsNaN(p.Min) || math.IsInf(p.Min, 0):
		return fmt.Errorf("min %v: must be finite", p.Min)
	case math.IsNaN(p.Max) || math.IsInf(p.Max, 0):
		return fmt.Errorf("max %v: must be finite", p.Max)
	case p.Max <= p.Min:
		return fmt.Errorf("max %v: must be > min %v", p.Max, p.Min)
	case p.Kind == Int && (p.Min != math.Trunc(p.Min) || math.Abs(p.Min) > 1<<52):
		return fmt.Errorf("min %v: must be a whole number", p.Min)
	case p.Kind == Int && (p.Max != math.Trunc(p.Max) || math.Abs(p.Max) > 1<<52):
		return fmt.Errorf("max %v: must be a whole number", p.Max)
	case p.Log && p.Kind == Float && p.Min <= 0:
		return fmt.Errorf("min %v: must be > 0 on a log scale", p.Min)
	case p.Log && p.Kind == Int && p.Min < 1:
		return fmt.Errorf("min %v: must be >= 1 on a log scale", p.Min)
	}
	return nil
}

// Dims is the number of parameters, the length of a Point.
func (s Space) Dims() int { return len(s.Params) }

// checkPoint reports a point of the wrong length or with a coordinate
// outside [0, 1].
func (s Space) checkPoint(p Point) error {
	if len(p) != len(s.Params) {
		return fmt.Errorf("point has %d coordinates, the space %d parameters", len(p), len(s.Params))
	}
	for i, u := range p {
		if !(u >= 0 && u <= 1) {
			return fmt.Errorf("parameter %q: coordinate %v is not in [0, 1]", s.Params[i].Name, u)
		}
	}
	return nil
}

// Decode turns a point into typed values, one per parameter.
func (s Space) Decode(p Point) ([]Value, error) {
	if err := s.checkPoint(p); err != nil {
		return nil, err
	}
	out := make([]Value, len(p))
	for i, u := range p {
		out[i] = s.Params[i].decode(u)
	}
	return out, nil
}

// Encode turns typed values into the canonical point. Errors name the
// parameter whose value is out of range or of the wrong kind.
func (s Space) Encode(vals []Value) (Point, error) {
	if len(vals) != len(s.Params) {
		return nil, fmt.Errorf("encode: %d values for %d parameters", len(vals), len(s.Params))
	}
	p := make(Point, len(vals))
	for i, v := range vals {
		u, err := s.Params[i].encode(v)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", s.Params[i].Name, err)
		}
		p[i] = u
	}
	return p, nil
}

// Canonical maps every coordinate to the canonical coordinate of the value
// it decodes to (bin centers for Int and Categorical, clamped to [0, 1] for
// Float). Two points are the same configuration exactly when their
// canonical forms are equal.
func (s Space) Canonical(p Point) Point {
	out := make(Point, len(p))
	for i, u := range p {
		out[i] = s.Params[i].canonical(u)
	}
	return out
}

// key identifies the configuration of a canonical point.
func key(p Point) string {
	var b strings.Builder
	for i, u := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(u, 'g', -1, 64))
	}
	return b.String()
}

func (p Param) width() float64 {
	lo, hi := p.Min, p.Max
	if p.Kind == Int {
		lo, hi = lo-0.5, hi+0.5
	}
	if p.Log {
		return math.Log(hi) - math.Log(lo)
	}
	return hi - lo
}

// toUnit maps a number in the parameter's (widened) range to [0, 1].
func (p Param) toUnit(v float64) float64 {
	lo := p.Min
	if p.Kind == Int {
		lo -= 0.5
	}
	var u float64
	if p.Log {
		u = (math.Log(v) - math.Log(lo)) / p.width()
	} else {
		u = (v - lo) / p.width()
	}
	return clamp01(u)
}

func (p Param) fromUnit(u float64) float64 {
	lo := p.Min
	if p.Kind == Int {
		lo -= 0.5
	}
	if p.Log {
		return math.Exp(math.Log(lo) + u*p.width())
	}
	return lo + u*p.width()
}

func (p Param) decode(u float64) Value {
	u = clamp01(u)
	switch p.Kind {
	case Categorical:
		return Value{Kind: Categorical, Category: p.Values[p.index(u)]}
	case Int:
		v := math.Round(p.fromUnit(u))
		return Value{Kind: Int, Num: math.Min(p.Max, math.Max(p.Min, v))}
	}
	return Value{Kind: Float, Num: math.Min(p.Max, math.Max(p.Min, p.fromUnit(u)))}
}

func (p Param) encode(v Value) (float64, error) {
	if v.Kind != p.Kind {
		return 0, fmt.Errorf("value of kind %q for a %s parameter", v.Kind, p.Kind)
	}
	switch p.Kind {
	case Categorical:
		for i, c := range p.Values {
			if c == v.Category {
				return (float64(i) + 0.5) / float64(len(p.Values)), nil
			}
		}
		return 0, fmt.Errorf("%q is not one of %s", v.Category, strings.Join(p.Values, ", "))
	case Int:
		if v.Num != math.Trunc(v.Num) {
			return 0, fmt.Errorf("%v is not a whole number", v.Num)
		}
	}
	if !(v.Num >= p.Min && v.Num <= p.Max) {
		return 0, fmt.Errorf("%v is outside [%v, %v]", v.Num, p.Min, p.Max)
	}
	return p.toUnit(v.Num), nil
}

func (p Param) canonical(u float64) float64 {
	switch p.Kind {
	case Categorical:
		return (float64(p.index(u)) + 0.5) / float64(len(p.Values))
	case Int:
		return p.toUnit(p.decode(u).Num)
	}
	return clamp01(u)
}

func (p Param) index(u float64) int {
	k := len(p.Values)
	return min(k-1, max(0, int(math.Floor(clamp01(u)*float64(k)))))
}

// discrete reports whether the parameter has finitely many values.
func (p Param) discrete() bool { return p.Kind != Float }

// features is the width of the parameter in the model's feature vector.
func (p Param) features() int {
	if p.Kind == Categorical {
		return len(p.Values)
	}
	return 1
}

// featureDims is the length of the model's feature vector.
func (s Space) featureDims() int {
	n := 0
	for _, p := range s.Params {
		n += p.features()
	}
	return n
}

// featurize writes the model features of point p into dst: the canonical
// coordinate of a Float or Int, a one-hot vector of a Categorical. Rounding
// to the canonical point here is what makes the acquisition function see
// integer and categorical parameters as they will be run.
func (s Space) featurize(p Point, dst []float64) {
	j := 0
	for i, par := range s.Params {
		if par.Kind == Categorical {
			k := par.index(p[i])
			for c := range par.Values {
				dst[j+c] = 0
			}
			dst[j+k] = 1
			j += len(par.Values)
			continue
		}
		dst[j] = par.canonical(p[i])
		j++
	}
}

func clamp01(u float64) float64 {
	if math.IsNaN(u) || u < 0 {
		return 0
	}
	if u > 1 {
		return 1
	}
	return u
}
