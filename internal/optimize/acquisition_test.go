package optimize

import (
	"math"
	"testing"
)

// directEI is the textbook expected improvement below best (minimization).
func directEI(mu, sigma, best float64) float64 {
	z := (best - mu) / sigma
	return sigma * (z*normCDF(z) + normPDF(z))
}

func TestLogEIMatchesDirectEI(t *testing.T) {
	for _, c := range []struct{ mu, sigma, best float64 }{
		{0, 1, 0},
		{0, 1, 1},
		{1, 1, 0},
		{2, 0.5, 0},     // z = -4
		{0.3, 0.01, 0},  // z = -30
		{-3, 2, 1},      // z = 2
		{10, 1, 50},     // z = 40, EI ~ 40
		{0, 1e-3, 1e-4}, // small sigma
		{5, 3, -1},      // z = -2
		{0.5, 0.1, 0.45},
	} {
		ei := directEI(c.mu, c.sigma, c.best)
		if ei < 1e-250 {
			t.Fatalf("case %+v: EI %v too small to compare directly", c, ei)
		}
		got := logEI(c.mu, c.sigma, c.best)
		if math.Abs(got-math.Log(ei)) > 1e-9*math.Max(1, math.Abs(got)) {
			t.Errorf("logEI(%v, %v, %v) = %.15g, log(EI) = %.15g", c.mu, c.sigma, c.best, got, math.Log(ei))
		}
	}
}

func TestLogEIFarInTheTail(t *testing.T) {
	// Where EI underflows, log EI stays finite, decreasing in mu and
	// continuous across the branch points z = -1 and z = -37.
	prev := math.Inf(1)
	for mu := 0.5; mu < 100; mu += 0.5 {
		v := logEI(mu, 1, 0)
		if math.IsInf(v, 0) || math.IsNaN(v) || v >= prev {
			t.Fatalf("logEI(mu=%v) = %v after %v", mu, v, prev)
		}
		prev = v
	}
	for _, z := range []float64{-1, -37} {
		lo, hi := logh(z-1e-9), logh(z+1e-9)
		if math.Abs(lo-hi) > 1e-6*math.Abs(lo) {
			t.Errorf("logh jumps at %v: %v vs %v", z, lo, hi)
		}
	}
	// Asymptote: log h(z) ~ -z^2/2 - log sqrt(2 pi) - 2 log|z|.
	z := -1e4
	want := -z*z/2 - logSqrt2Pi - 2*math.Log(-z)
	if got := logh(z); math.Abs(got-want) > 1e-6 {
		t.Errorf("logh(%v) = %v, want about %v", z, got, want)
	}
}

func TestLogPhi(t *testing.T) {
	for _, z := range []float64{3, 0, -1, -4.9, -5, -5.1, -10, -30} {
		want := math.Log(normCDF(z))
		if got := logPhi(z); math.Abs(got-want) > 1e-10*math.Abs(want)+1e-15 {
			t.Errorf("logPhi(%v) = %.15g, want %.15g", z, got, want)
		}
	}
	// Beyond float range of Phi: log Phi(z) ~ -z^2/2 - log(-z sqrt(2 pi)).
	z := -100.0
	want := -z*z/2 - math.Log(-z) - logSqrt2Pi
	if got := logPhi(z); math.Abs(got-want) > 1e-3 {
		t.Errorf("logPhi(%v) = %v, want about %v", z, got, want)
	}
	for _, x := range []float64{26, 40, 1e4} {
		// erfcx is continuous across its branch point and ~ 1/(x sqrt(pi)).
		if got, approx := erfcx(x), 1/(x*math.SqrtPi); math.Abs(got/approx-1) > 1e-3 {
			t.Errorf("erfcx(%v) = %v, far from %v", x, got, approx)
		}
	}
	if a, b := erfcx(5-1e-12), erfcx(5+1e-12); math.Abs(a/b-1) > 1e-11 {
		t.Errorf("erfcx jumps at 5: %v vs %v", a, b)
	}
	for _, x := range []float64{5, 7.5, 10} { // the direct formula is still exact here
		if a, b := erfcx(x), math.Exp(x*x)*math.Erfc(x); math.Abs(a/b-1) > 1e-13 {
			t.Errorf("erfcx(%v) = %v, exp(x^2) erfc(x) = %v", x, a, b)
		}
	}
}
