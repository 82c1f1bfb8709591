package benchmark

import (
	"math"

	"tailor.dev/tailor/internal/optimize"
)

// Branin returns the Branin(-Hoo) function on x1 in [-5, 10], x2 in [0, 15]:
//
//	f = (x2 - 5.1/(4 pi^2) x1^2 + 5/pi x1 - 6)^2 + 10 (1 - 1/(8 pi)) cos(x1) + 10
//
// with minimum 10/(8 pi) = 0.397887... at (-pi, 12.275), (pi, 2.275) and
// (9.42478, 2.475), and maximum 308.129... at (-5, 0) (gonum
// optimize/functions.BraninHoo; Dixon and Szego 1978).
func Branin() Problem {
	return Problem{
		Name: "branin",
		Space: optimize.Space{Params: []optimize.Param{
			{Name: "x1", Kind: optimize.Float, Min: -5, Max: 10},
			{Name: "x2", Kind: optimize.Float, Min: 0, Max: 15},
		}},
		Optimum: 10 / (8 * math.Pi),
		Worst:   branin(-5, 0),
		Budget:  20,
		eval: func(p optimize.Point) (optimize.Observation, error) {
			x1, x2 := -5+15*p[0], 15*p[1]
			return optimize.Observation{Values: []float64{branin(x1, x2)}}, nil
		},
	}
}

func branin(x1, x2 float64) float64 {
	const b, c, t = 5.1 / (4 * math.Pi * math.Pi), 5 / math.Pi, 1 / (8 * math.Pi)
	q := x2 - b*x1*x1 + c*x1 - 6
	return q*q + 10*(1-t)*math.Cos(x1) + 10
}

// Hartmann6 returns the 6-dimensional Hartmann function on [0, 1]^6, with
// minimum -3.32237 at (0.20169, 0.150011, 0.476874, 0.275332, 0.311652,
// 0.6573) (Dixon and Szego 1978; the constants as in the Virtual Library of
// Simulation Experiments, Surjanovic and Bingham, www.sfu.ca/~ssurjano).
// Its values are negative; its maximum over the domain is about 0.
func Hartmann6() Problem {
	return Problem{
		Name: "hartmann6",
		Space: optimize.Space{Params: []optimize.Param{
			{Name: "x1", Kind: optimize.Float, Min: 0, Max: 1},
			{Name: "x2", Kind: optimize.Float, Min: 0, Max: 1},
			{Name: "x3", Kind: optimize.Float, Min: 0, Max: 1},
			{Name: "x4", Kind: optimize.Float, Min: 0, Max: 1},
			{Name: "x5", Kind: optimize.Float, Min: 0, Max: 1},
			{Name: "x6", Kind: optimize.Float, Min: 0, Max: 1},
		}},
		Optimum: hartmann6Min,
		Worst:   0,
		Budget:  60,
		eval: func(p optimize.Point) (optimize.Observation, error) {
			return optimize.Observation{Values: []float64{hartmann6(p)}}, nil
		},
	}
}

// hartmann6Min is the global minimum, evaluated at the published minimizer
// to more digits than the rounded -3.32237.
const hartmann6Min = -3.322368011391339

var (
	h6Alpha = [4]float64{1.0, 1.2, 3.0, 3.2}
	h6A     = [4][6]float64{
		{10, 3, 17, 3.5, 1.7, 8},
		{0.05, 10, 17, 0.1, 8, 14},
		{3, 3.5, 1.7, 10, 17, 8},
		{17, 8, 0.05, 10, 0.1, 14},
	}
	h6P = [4][6]float64{
		{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
		{0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
		{0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
		{0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381},
	}
)

func hartmann6(x []float64) float64 {
	var f float64
	for i := range 4 {
		var s float64
		for j := range 6 {
			d := x[j] - h6P[i][j]
			s += h6A[i][j] * d * d
		}
		f -= h6Alpha[i] * math.Exp(-s)
	}
	return f
}
