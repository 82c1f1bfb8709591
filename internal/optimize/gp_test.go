package optimize

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Two observations at x = 0 and x = 1 with fixed hyperparameters (l = 1,
// sf2 = 1, sn2 = s). With c = 1 + s, a = k(0, 1), D = c^2 - a^2, the
// generalized-least-squares prior mean is m0 = (y1 + y2) / 2 and at x with
// k1 = k(x, 0), k2 = k(x, 1):
//
//	mean = m0 + (y1 - y2)/2 (k1 - k2) / (c - a)
//	variance = 1 - (c (k1^2 + k2^2) - 2 a k1 k2) / D
func TestGPPosteriorTwoPoints(t *testing.T) {
	a := matern52(1)
	for _, c := range []struct{ y1, y2, s, x float64 }{
		{1, -1, 1e-6, 0.5},
		{0.5, 2, 0.1, 0.25},
		{-1, -1, 0.5, 0.9},
		{3, 1, 0.01, 0.4},
	} {
		g := newGP([][]float64{{0}, {1}}, []float64{c.y1, c.y2}, 0, 1, hyper{ls: []float64{1}, sf2: 1, sn2: c.s})
		mu, v := g.predict([]float64{c.x}, make([]float64, 2))
		cc := 1 + c.s + g.jitter
		k1, k2 := matern52(c.x), matern52(1-c.x)
		wantMu := (c.y1+c.y2)/2 + (c.y1-c.y2)/2*(k1-k2)/(cc-a)
		wantV := 1 - (cc*(k1*k1+k2*k2)-2*a*k1*k2)/(cc*cc-a*a)
		if math.Abs(mu-wantMu) > 1e-9 || math.Abs(v-wantV) > 1e-9 {
			t.Errorf("%+v: posterior (%v, %v), want (%v, %v)", c, mu, v, wantMu, wantV)
		}
		if math.Abs(g.m0-(c.y1+c.y2)/2) > 1e-12 {
			t.Errorf("%+v: prior mean %v, want %v", c, g.m0, (c.y1+c.y2)/2)
		}
		// At a training point with tiny noise the posterior interpolates.
		if c.s < 1e-3 {
			mu, v := g.predict([]float64{0}, make([]float64, 2))
			if math.Abs(mu-c.y1) > 1e-4 || v > 1e-4 {
				t.Errorf("%+v: at x=0 posterior (%v, %v), want (%v, ~0)", c, mu, v, c.y1)
			}
		}
	}
}

// The analytic gradient of the log marginal likelihood matches central
// differences.
func TestLMLGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var x [][]float64
	var y []float64
	for range 12 {
		p := []float64{rng.Float64(), rng.Float64(), rng.Float64()}
		x = append(x, p)
		y = append(y, math.Sin(4*p[0])+p[1]*p[1]-0.5*p[2]+0.05*rng.NormFloat64())
	}
	y, _, _ = standardize(y)
	m := newLML(x, y)
	theta := []float64{math.Log(0.3), math.Log(0.7), math.Log(2), math.Log(1.3), math.Log(0.01)}
	grad := make([]float64, len(theta))
	m.eval(theta, grad)
	for i := range theta {
		tp, tm := append([]float64(nil), theta...), append([]float64(nil), theta...)
		const h = 1e-5
		tp[i] += h
		tm[i] -= h
		fd := (m.eval(tp, nil) - m.eval(tm, nil)) / (2 * h)
		if math.Abs(fd-grad[i]) > 1e-5*math.Max(1, math.Abs(fd)) {
			t.Errorf("d lml / d theta[%d] = %v, central difference %v", i, grad[i], fd)
		}
	}
}

// Fitting recovers a smooth function well enough to predict held-out points,
// and the fitted length scale of an irrelevant input is long.
func TestFitGP(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	f := func(p []float64) float64 { return math.Sin(6*p[0]) + 0.5*p[0] }
	var x [][]float64
	var y []float64
	for range 25 {
		p := []float64{rng.Float64(), rng.Float64()}
		x = append(x, p)
		y = append(y, 10+3*f(p))
	}
	g := fitGP(x, y, nil, rng, fitEffort{randomStarts: 2, iterations: 100})
	var sse, sst float64
	buf := make([]float64, g.n)
	for range 200 {
		p := []float64{rng.Float64(), rng.Float64()}
		mu, _ := g.predict(p, buf)
		pred := g.mean + g.std*mu
		want := 10 + 3*f(p)
		sse += (pred - want) * (pred - want)
		sst += (want - 10) * (want - 10)
	}
	if r2 := 1 - sse/sst; r2 < 0.95 {
		t.Errorf("held-out R^2 = %.3f, want >= 0.95 (hyperparameters %+v)", r2, g.h)
	}
	if g.h.ls[1] < 3*g.h.ls[0] {
		t.Errorf("length scales %v: the irrelevant second input should have the longer one", g.h.ls)
	}
}

func TestConditionMatchesRefit(t *testing.T) {
	h := hyper{ls: []float64{0.4, 0.8}, sf2: 1.5, sn2: 1e-3}
	x := [][]float64{{0.1, 0.2}, {0.5, 0.9}, {0.8, 0.3}}
	y := []float64{0.5, -1, 0.2}
	g := newGP(x, y, 0, 1, h).condition([]float64{0.4, 0.4}, 0.7)
	ref := newGP(append(x, []float64{0.4, 0.4}), append(y, 0.7), 0, 1, h)
	buf := make([]float64, 4)
	for _, p := range [][]float64{{0, 0}, {0.45, 0.4}, {1, 1}} {
		m1, v1 := g.predict(p, buf)
		m2, v2 := ref.predict(p, buf)
		if math.Abs(m1-m2) > 1e-9 || math.Abs(v1-v2) > 1e-9 {
			t.Errorf("at %v: conditioned (%v, %v), refit (%v, %v)", p, m1, v1, m2, v2)
		}
	}
}

func TestCholeskySolve(t *testing.T) {
	a := []float64{4, 2, 0.4, 2, 5, 1, 0.4, 1, 3}
	l := append([]float64(nil), a...)
	if !cholesky(l, 3) {
		t.Fatal("positive definite matrix rejected")
	}
	b := []float64{1, 2, 3}
	x := append([]float64(nil), b...)
	forwardSolve(l, 3, x)
	backSolve(l, 3, x)
	for i := range 3 {
		if got := dot(a[i*3:i*3+3], x); math.Abs(got-b[i]) > 1e-12 {
			t.Errorf("row %d: A x = %v, want %v", i, got, b[i])
		}
	}
	inv := cholInverse(l, 3)
	for i := range 3 {
		for j := range 3 {
			var s float64
			for k := range 3 {
				s += a[i*3+k] * inv[k*3+j]
			}
			if want := map[bool]float64{true: 1, false: 0}[i == j]; math.Abs(s-want) > 1e-12 {
				t.Errorf("A inv(A) [%d,%d] = %v", i, j, s)
			}
		}
	}
	if cholesky([]float64{1, 2, 2, 1}, 2) {
		t.Error("indefinite matrix accepted")
	}
}
