package optimize

import "math"

// Small dense linear algebra on row-major n x n slices. The matrices of a
// Bayesian optimization run are a few hundred rows at most, where these
// loops beat the call overhead of a general library.

// cholesky factors the symmetric positive-definite a (row-major n x n, lower
// triangle read) in place into its lower Cholesky factor L (a = L L^T); the
// strict upper triangle is zeroed. It reports false if a is not positive
// definite.
func cholesky(a []float64, n int) bool {
	for j := range n {
		rj := a[j*n : j*n+n]
		s := rj[j]
		for k := range j {
			s -= rj[k] * rj[k]
		}
		if !(s > 0) || math.IsInf(s, 0) {
			return false
		}
		d := math.Sqrt(s)
		rj[j] = d
		for i := j + 1; i < n; i++ {
			ri := a[i*n : i*n+n]
			s := ri[j]
			for k := range j {
				s -= ri[k] * rj[k]
			}
			ri[j] = s / d
		}
		for k := j + 1; k < n; k++ {
			rj[k] = 0
		}
	}
	return true
}

// forwardSolve overwrites b with the solution of L x = b.
func forwardSolve(l []float64, n int, b []float64) {
	for i := range n {
		ri := l[i*n : i*n+i]
		s := b[i]
		for k, v := range ri {
			s -= v * b[k]
		}
		b[i] = s / l[i*n+i]
	}
}

// backSolve overwrites b with the solution of L^T x = b.
func backSolve(l []float64, n int, b []float64) {
	for i := n - 1; i >= 0; i-- {
		s := b[i]
		for k := i + 1; k < n; k++ {
			s -= l[k*n+i] * b[k]
		}
		b[i] = s / l[i*n+i]
	}
}

// cholInverse returns (L L^T)^-1 as a full row-major n x n matrix.
func cholInverse(l []float64, n int) []float64 {
	// Columns of L^-1, then inv = L^-T L^-1.
	linv := make([]float64, n*n)
	col := make([]float64, n)
	for j := range n {
		clear(col)
		col[j] = 1
		forwardSolve(l, n, col)
		for i := range n {
			linv[i*n+j] = col[i]
		}
	}
	inv := make([]float64, n*n)
	for i := range n {
		for j := 0; j <= i; j++ {
			var s float64
			for k := i; k < n; k++ { // L^-1 is lower triangular: rows k >= max(i, j)
				s += linv[k*n+i] * linv[k*n+j]
			}
			inv[i*n+j] = s
			inv[j*n+i] = s
		}
	}
	return inv
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
