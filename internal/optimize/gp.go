package optimize

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/optimize"
)

// gp is a Gaussian-process regression model with a Matern-5/2 kernel with one
// length scale per feature (ARD), a signal variance and a Gaussian noise
// variance, on standardized targets and a zero prior mean:
//
//	k(x, x') = sf2 (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r),  r^2 = sum_i (x_i - x'_i)^2 / l_i^2
//	y = f(x) + e,  e ~ N(0, sn2)
type gp struct {
	x         [][]float64 // training features
	y         []float64   // standardized targets
	mean, std float64     // raw target = mean + std * y
	h         hyper
	n         int
	l         []float64 // Cholesky factor of K + (sn2 + jitter) I, row-major n x n
	alpha     []float64 // (K + sn2 I)^-1 (y - m0)
	m0        float64   // constant prior mean (standardized), by generalized least squares
	jitter    float64
}

// hyper holds the kernel hyperparameters. As a vector (theta) they are
// log l_1..log l_D, log sf2, log sn2.
type hyper struct {
	ls       []float64
	sf2, sn2 float64
}

func (h hyper) theta() []float64 {
	t := make([]float64, 0, len(h.ls)+2)
	for _, l := range h.ls {
		t = append(t, math.Log(l))
	}
	return append(t, math.Log(h.sf2), math.Log(h.sn2))
}

func hyperOf(theta []float64) hyper {
	d := len(theta) - 2
	h := hyper{ls: make([]float64, d), sf2: math.Exp(theta[d]), sn2: math.Exp(theta[d+1])}
	for i := range d {
		h.ls[i] = math.Exp(theta[i])
	}
	return h
}

// Hyperparameter bounds and priors, in log space. Inputs live in [0, 1]
// and targets are standardized, so the bounds can be fixed:
//   - length scales in [0.01, 100], prior log l ~ N(log 0.7, 1): 95% of the
//     mass between 0.1 and 5 units of the range, close to the classic
//     Gamma(3, 6) prior of GPyTorch/BoTorch (mean 0.5) and a little
//     smoother. The dimension-scaled prior of Hvarfner et al. (ICML 2024,
//     median 10 at 6 features) fitted most dimensions as irrelevant on
//     Hartmann-6 and then searched only the others;
//   - signal variance in [0.01, 100], prior log sf2 ~ N(0, 1.5^2);
//   - noise variance in [1e-7, 1], prior log sn2 ~ N(-10, 2.5^2): median
//     4.5e-5 of the target variance, so a smooth deterministic response is
//     interpolated closely, while two standard deviations up (0.3% to 7%)
//     still leave room for the noise of real load tests, which the
//     likelihood then picks.
const (
	lsPriorMean    = -0.35667494393873245 // log 0.7
	noisePriorMean = -10
	noisePriorSD   = 2.5

	lsLo, lsHi   = -4.605170185988091, 4.605170185988091 // log 0.01, log 100
	sf2Lo, sf2Hi = -4.605170185988091, 4.605170185988091
	sn2Lo, sn2Hi = -16.11809565095832, 0 // log 1e-7, log 1
)

func bounds(d int) (lo, hi []float64) {
	lo, hi = make([]float64, d+2), make([]float64, d+2)
	for i := range d {
		lo[i], hi[i] = lsLo, lsHi
	}
	lo[d], hi[d] = sf2Lo, sf2Hi
	lo[d+1], hi[d+1] = sn2Lo, sn2Hi
	return lo, hi
}

// priorMoments returns the mean and standard deviation of the normal prior
// on each log hyperparameter.
func priorMoments(d int) (mu, sd []float64) {
	mu, sd = make([]float64, d+2), make([]float64, d+2)
	for i := range d {
		mu[i], sd[i] = lsPriorMean, 1
	}
	mu[d], sd[d] = 0, 1.5
	mu[d+1], sd[d+1] = noisePriorMean, noisePriorSD
	return mu, sd
}

const sqrt5 = 2.23606797749979

func matern52(r float64) float64 {
	s := sqrt5 * r
	return (1 + s + s*s/3) * math.Exp(-s)
}

// kernel is sf2 * matern52 of the scaled distance between a and b.
func (h hyper) kernel(a, b []float64) float64 {
	var r2 float64
	for i, l := range h.ls {
		d := (a[i] - b[i]) / l
		r2 += d * d
	}
	return h.sf2 * matern52(math.Sqrt(r2))
}

// standardize returns (y - mean) / std and the moments; std is 1 when all
// targets are equal.
func standardize(raw []float64) (y []float64, mean, std float64) {
	n := float64(len(raw))
	for _, v := range raw {
		mean += v
	}
	mean /= n
	for _, v := range raw {
		std += (v - mean) * (v - mean)
	}
	std = math.Sqrt(std / n)
	if !(std > 1e-12*math.Max(1, math.Abs(mean))) {
		std = 1
	}
	y = make([]float64, len(raw))
	for i, v := range raw {
		y[i] = (v - mean) / std
	}
	return y, mean, std
}

// fitEffort bounds the work of one hyperparameter fit.
type fitEffort struct {
	randomStarts int // starts drawn from the prior, besides the warm start and the prior mode
	iterations   int // L-BFGS iterations per start
}

// fitGP fits a GP to (x, raw) by maximizing the log marginal likelihood
// plus the log prior of the hyperparameters (MAP) with L-BFGS from several
// starts: warm (the previous fit, when it has the right length), the prior
// mode and draws from the prior. Hyperparameters are optimized through a
// logistic map onto their bounds, so the search is unconstrained.
func fitGP(x [][]float64, raw []float64, warm []float64, rng *rand.Rand, effort fitEffort) *gp {
	y, mean, std := standardize(raw)
	d := len(x[0])
	lml := newLML(x, y)
	lo, hi := bounds(d)
	mu, sd := priorMoments(d)
	var starts [][]float64
	if len(warm) == d+2 {
		starts = append(starts, warm)
	}
	starts = append(starts, append([]float64(nil), mu...))
	for range effort.randomStarts {
		t := make([]float64, d+2)
		for i := range t {
			t[i] = mu[i] + sd[i]*rng.NormFloat64()
		}
		starts = append(starts, t)
	}
	toTheta := func(u []float64, theta []float64) {
		for i, v := range u {
			theta[i] = lo[i] + (hi[i]-lo[i])*sigmoid(v)
		}
	}
	negPost := func(u, grad []float64) float64 {
		theta := make([]float64, len(u))
		toTheta(u, theta)
		var gt []float64
		if grad != nil {
			gt = make([]float64, len(u))
		}
		v := lml.eval(theta, gt)
		for i, t := range theta {
			z := (t - mu[i]) / sd[i]
			v -= 0.5 * z * z
			if grad != nil {
				gt[i] -= z / sd[i]
			}
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if grad != nil {
				clear(grad)
			}
			return 1e300
		}
		if grad != nil {
			for i, v := range u {
				s := sigmoid(v)
				grad[i] = -gt[i] * (hi[i] - lo[i]) * s * (1 - s)
			}
		}
		return -v
	}
	problem := optimize.Problem{
		Func: func(u []float64) float64 { return negPost(u, nil) },
		Grad: func(grad, u []float64) { negPost(u, grad) },
	}
	settings := &optimize.Settings{
		MajorIterations: effort.iterations,
		FuncEvaluations: 4 * effort.iterations,
		Converger:       &optimize.FunctionConverge{Absolute: 1e-6, Relative: 1e-6, Iterations: 5},
	}
	best, bestV := []float64(nil), math.Inf(1)
	for _, t := range starts {
		u := make([]float64, d+2)
		for i := range t {
			p := (math.Min(hi[i], math.Max(lo[i], t[i])) - lo[i]) / (hi[i] - lo[i])
			p = math.Min(1-1e-6, math.Max(1e-6, p))
			u[i] = math.Log(p / (1 - p))
		}
		if v := negPost(u, nil); v < bestV {
			best, bestV = u, v
		}
		res, err := optimize.Minimize(problem, u, settings, &optimize.LBFGS{})
		if res == nil || (err != nil && res.X == nil) {
			continue
		}
		if res.F < bestV && !math.IsNaN(res.F) {
			best, bestV = append([]float64(nil), res.X...), res.F
		}
	}
	theta := make([]float64, d+2)
	toTheta(best, theta)
	return newGP(x, y, mean, std, hyperOf(theta))
}

// newGP conditions a GP with fixed hyperparameters on (x, y standardized).
func newGP(x [][]float64, y []float64, mean, std float64, h hyper) *gp {
	g := &gp{x: x, y: y, mean: mean, std: std, h: h, n: len(x)}
	for g.jitter = 1e-8; ; g.jitter *= 10 {
		if g.factor() || g.jitter > 1 {
			break
		}
	}
	return g
}

// factor computes the Cholesky factor and alpha; false if K is singular.
func (g *gp) factor() bool {
	n := g.n
	k := make([]float64, n*n)
	for i := range n {
		for j := range i {
			v := g.h.kernel(g.x[i], g.x[j])
			k[i*n+j], k[j*n+i] = v, v
		}
		k[i*n+i] = g.h.sf2 + g.h.sn2 + g.jitter*g.h.sf2
	}
	if !cholesky(k, n) {
		return false
	}
	g.l = k
	g.m0, g.alpha = glsMean(k, n, g.y)
	return true
}

// predict returns the posterior mean and latent variance (noise excluded)
// of the standardized target at feature vector f. buf must hold n values.
func (g *gp) predict(f, buf []float64) (mu, v float64) {
	k := buf[:g.n]
	for i, xi := range g.x {
		k[i] = g.h.kernel(f, xi)
	}
	mu = g.m0 + dot(k, g.alpha)
	forwardSolve(g.l, g.n, k)
	v = g.h.sf2 - dot(k, k)
	return mu, math.Max(v, 1e-12*g.h.sf2)
}

// condition returns the GP with one more observation (f, y standardized)
// and the same hyperparameters: a fantasy for batch suggestions. The
// Cholesky factor grows by one row in O(n^2).
func (g *gp) condition(f []float64, y float64) *gp {
	n := g.n
	row := make([]float64, n)
	for i, xi := range g.x {
		row[i] = g.h.kernel(f, xi)
	}
	forwardSolve(g.l, n, row)
	d2 := g.h.sf2 + g.h.sn2 + g.jitter*g.h.sf2 - dot(row, row)
	x := append(append([][]float64(nil), g.x...), f)
	ys := append(append([]float64(nil), g.y...), y)
	if !(d2 > 1e-12*g.h.sf2) {
		return newGP(x, ys, g.mean, g.std, g.h)
	}
	m := n + 1
	l := make([]float64, m*m)
	for i := range n {
		copy(l[i*m:i*m+i+1], g.l[i*n:i*n+i+1])
	}
	copy(l[n*m:], row)
	l[n*m+n] = math.Sqrt(d2)
	m0, alpha := glsMean(l, m, ys)
	return &gp{x: x, y: ys, mean: g.mean, std: g.std, h: g.h, n: m, l: l, alpha: alpha, m0: m0, jitter: g.jitter}
}

// lml evaluates the log marginal likelihood of standardized targets and its
// gradient with respect to the log hyperparameters.
type lml struct {
	x  [][]float64
	y  []float64
	sq [][]float64 // squared differences per feature, for pairs i > j in row order
}

func newLML(x [][]float64, y []float64) *lml {
	m := &lml{x: x, y: y}
	for i := range x {
		for j := range i {
			d := make([]float64, len(x[i]))
			for k := range d {
				v := x[i][k] - x[j][k]
				d[k] = v * v
			}
			m.sq = append(m.sq, d)
		}
	}
	return m
}

// eval returns log p(y | theta) and, if grad is non-nil, writes its
// gradient: d/dtheta_j = 1/2 tr((alpha alpha^T - K^-1) dK/dtheta_j).
func (m *lml) eval(theta []float64, grad []float64) float64 {
	n, d := len(m.y), len(theta)-2
	h := hyperOf(theta)
	inv2 := make([]float64, d)
	for i, l := range h.ls {
		inv2[i] = 1 / (l * l)
	}
	k := make([]float64, n*n)
	p := 0
	for i := range n {
		for j := range i {
			var r2 float64
			for f, s := range m.sq[p] {
				r2 += s * inv2[f]
			}
			v := h.sf2 * matern52(math.Sqrt(r2))
			k[i*n+j], k[j*n+i] = v, v
			p++
		}
		k[i*n+i] = h.sf2 + h.sn2 + 1e-8*h.sf2
	}
	if !cholesky(k, n) {
		return math.Inf(-1)
	}
	m0, alpha := glsMean(k, n, m.y)
	var quad float64
	for i, a := range alpha {
		quad += (m.y[i] - m0) * a
	}
	v := -0.5*quad - 0.5*float64(n)*math.Log(2*math.Pi)
	for i := range n {
		v -= math.Log(k[i*n+i])
	}
	if grad == nil {
		return v
	}
	inv := cholInverse(k, n)
	clear(grad)
	p = 0
	for i := range n {
		for j := range i {
			w := alpha[i]*alpha[j] - inv[i*n+j] // W_ij, counted twice and halved
			var r2 float64
			for f, s := range m.sq[p] {
				r2 += s * inv2[f]
			}
			r := math.Sqrt(r2)
			e := math.Exp(-sqrt5 * r)
			grad[d] += w * h.sf2 * (1 + sqrt5*r + 5*r2/3) * e
			c := w * h.sf2 * (5.0 / 3) * (1 + sqrt5*r) * e
			for f, s := range m.sq[p] {
				grad[f] += c * s * inv2[f]
			}
			p++
		}
		w := 0.5 * (alpha[i]*alpha[i] - inv[i*n+i])
		grad[d] += w * h.sf2
		grad[d+1] += w * h.sn2
	}
	return v
}

// glsMean returns the generalized-least-squares constant mean of y under
// the covariance with Cholesky factor l, m0 = 1'K^-1 y / 1'K^-1 1 (ordinary
// kriging, as in Jones, Schonlau and Welch's EGO), and K^-1 (y - m0). It
// is the mean that maximizes the likelihood, so the hyperparameter gradient
// of the concentrated likelihood needs no extra term. Unlike the sample
// mean it down-weights clustered observations: once a run crowds around a
// minimum, the prior mean far from the data stays at the level of the
// spread-out observations.
func glsMean(l []float64, n int, y []float64) (float64, []float64) {
	a := append([]float64(nil), y...)
	forwardSolve(l, n, a)
	backSolve(l, n, a)
	u := make([]float64, n)
	for i := range u {
		u[i] = 1
	}
	forwardSolve(l, n, u)
	backSolve(l, n, u)
	var num, den float64
	for i := range n {
		num += a[i]
		den += u[i]
	}
	if !(den > 0) {
		return 0, a
	}
	m0 := num / den
	for i := range a {
		a[i] -= m0 * u[i]
	}
	return m0, a
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
