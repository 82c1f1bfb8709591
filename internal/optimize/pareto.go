package optimize

import (
	"fmt"
	"math"
	"slices"
)

// Dominates reports whether a Pareto-dominates b when every objective is
// minimized: a is nowhere worse and somewhere better.
func Dominates(a, b []float64) bool {
	better := false
	for i, v := range a {
		if v > b[i] {
			return false
		}
		if v < b[i] {
			better = true
		}
	}
	return better
}

// NonDominatedSort splits points into Pareto fronts (minimization): front 0
// holds the indices of the non-dominated points, front 1 those dominated only
// by front 0, and so on. Indices within a front are ascending. This is the
// fast non-dominated sort of Deb et al. (NSGA-II), O(M n^2).
func NonDominatedSort(points [][]float64) [][]int {
	n := len(points)
	dominatedBy := make([]int, n) // how many points dominate i
	dominates := make([][]int, n) // the points i dominates
	for i := range n {
		for j := i + 1; j < n; j++ {
			switch {
			case Dominates(points[i], points[j]):
				dominates[i] = append(dominates[i], j)
				dominatedBy[j]++
			case Dominates(points[j], points[i]):
				dominates[j] = append(dominates[j], i)
				dominatedBy[i]++
			}
		}
	}
	var fronts [][]int
	var cur []int
	for i := range n {
		if dominatedBy[i] == 0 {
			cur = append(cur, i)
		}
	}
	for len(cur) > 0 {
		fronts = append(fronts, cur)
		var next []int
		for _, i := range cur {
			for _, j := range dominates[i] {
				if dominatedBy[j]--; dominatedBy[j] == 0 {
					next = append(next, j)
				}
			}
		}
		slices.Sort(next)
		cur = next
	}
	return fronts
}

// ParetoFront returns the indices of the non-dominated points, ascending.
// Duplicated points are all kept.
func ParetoFront(points [][]float64) []int {
	fronts := NonDominatedSort(points)
	if len(fronts) == 0 {
		return nil
	}
	return fronts[0]
}

// Hypervolume is the volume dominated by points and bounded by the
// reference point ref (minimization), for 2 or 3 objectives. Points that do
// not strictly dominate ref in every objective add nothing.
func Hypervolume(points [][]float64, ref []float64) (float64, error) {
	if len(ref) != 2 && len(ref) != 3 {
		return 0, fmt.Errorf("hypervolume: %d objectives, want 2 or 3", len(ref))
	}
	var in [][]float64
	for i, p := range points {
		if len(p) != len(ref) {
			return 0, fmt.Errorf("hypervolume: point %d has %d objectives, the reference point %d", i, len(p), len(ref))
		}
		ok := true
		for j, v := range p {
			if math.IsNaN(v) {
				return 0, fmt.Errorf("hypervolume: point %d objective %d is NaN", i, j)
			}
			ok = ok && v < ref[j]
		}
		if ok {
			in = append(in, p)
		}
	}
	if len(ref) == 2 {
		return hv2(in, ref[0], ref[1]), nil
	}
	// Slice along the third objective: between consecutive z values the
	// dominated region's cross-section is the 2-D hypervolume of the points
	// at or below that z.
	slices.SortFunc(in, func(a, b []float64) int { return cmpFloat(a[2], b[2]) })
	var v float64
	for i := range in {
		top := ref[2]
		if i+1 < len(in) {
			top = in[i+1][2]
		}
		if top > in[i][2] {
			v += hv2(in[:i+1], ref[0], ref[1]) * (top - in[i][2])
		}
	}
	return v, nil
}

// hv2 is the 2-D hypervolume of points (first two objectives) below (rx, ry).
func hv2(points [][]float64, rx, ry float64) float64 {
	ps := slices.Clone(points)
	slices.SortFunc(ps, func(a, b []float64) int {
		if c := cmpFloat(a[0], b[0]); c != 0 {
			return c
		}
		return cmpFloat(a[1], b[1])
	})
	var v float64
	y := ry
	for _, p := range ps {
		if p[1] < y {
			v += (rx - p[0]) * (y - p[1])
			y = p[1]
		}
	}
	return v
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parEGOWeights returns the weight vectors ParEGO draws from (Knowles,
// "ParEGO: a hybrid algorithm with on-line landscape approximation for
// expensive multiobjective optimization problems", IEEE TEC 10(1), 2006):
// every vector (l_1/s, ..., l_k/s) with whole l_i >= 0 summing to s, with
// s = 10 for 2 objectives (11 vectors), 4 for 3 (15) and 3 beyond.
func parEGOWeights(k int) [][]float64 {
	s := 3
	switch k {
	case 2:
		s = 10
	case 3:
		s = 4
	}
	var out [][]float64
	var rec func(prefix []int, left int)
	rec = func(prefix []int, left int) {
		if len(prefix) == k-1 {
			w := make([]float64, k)
			for i, l := range prefix {
				w[i] = float64(l) / float64(s)
			}
			w[k-1] = float64(left) / float64(s)
			out = append(out, w)
			return
		}
		for l := 0; l <= left; l++ {
			rec(append(prefix, l), left-l)
		}
	}
	rec(nil, s)
	return out
}

// parEGORho weighs the sum term that makes the Chebyshev scalarization
// strictly monotone (Knowles 2006 uses 0.05).
const parEGORho = 0.05

// scalarize is the augmented Chebyshev scalarization of ParEGO of the
// objective vectors (each row one trial), after normalizing every objective
// to [0, 1] over the rows: max_j w_j f_j + rho sum_j w_j f_j.
func scalarize(values [][]float64, w []float64) []float64 {
	k := len(w)
	lo, hi := make([]float64, k), make([]float64, k)
	for j := range k {
		lo[j], hi[j] = math.Inf(1), math.Inf(-1)
		for _, v := range values {
			lo[j], hi[j] = math.Min(lo[j], v[j]), math.Max(hi[j], v[j])
		}
	}
	out := make([]float64, len(values))
	for i, v := range values {
		var mx, sum float64
		for j := range k {
			f := 0.0
			if hi[j] > lo[j] {
				f = (v[j] - lo[j]) / (hi[j] - lo[j])
			}
			mx = math.Max(mx, w[j]*f)
			sum += w[j] * f
		}
		out[i] = mx + parEGORho*sum
	}
	return out
}
