package optimize

import "math"

const (
	logSqrt2Pi = 0.9189385332046728 // log(sqrt(2 pi))
	sqrtHalfPi = 1.2533141373155003 // sqrt(pi / 2)
)

// logEI is the log of the expected improvement below best of a normal
// posterior N(mu, sigma^2) (minimization):
//
//	EI = sigma h(z),  h(z) = phi(z) + z Phi(z),  z = (best - mu) / sigma.
//
// It stays finite and accurate where EI underflows (z << 0), which is where
// most of the search space is once the model is confident; the formulation
// follows Ament et al., "Unexpected Improvements to Expected Improvement for
// Bayesian Optimization" (NeurIPS 2023).
func logEI(mu, sigma, best float64) float64 {
	return math.Log(sigma) + logH(best-mu, sigma)
}

func logH(diff, sigma float64) float64 { return logh(diff / sigma) }

// logh is log(phi(z) + z Phi(z)).
func logh(z float64) float64 {
	switch {
	case z > -1:
		return math.Log(normPDF(z) + z*normCDF(z))
	case z > -37:
		// h(z) = phi(z) (1 + z Phi(z)/phi(z)) and Phi(z)/phi(z) =
		// sqrt(pi/2) erfcx(-z/sqrt2); the log1p keeps the small difference.
		return -0.5*z*z - logSqrt2Pi + math.Log1p(z*sqrtHalfPi*erfcx(-z/math.Sqrt2))
	}
	// Asymptotic series h(z)/phi(z) = z^-2 (1 - 3 z^-2 + 15 z^-4 - 105 z^-6),
	// exact to double precision for z <= -37.
	w := 1 / (z * z)
	return -0.5*z*z - logSqrt2Pi + math.Log(w) + math.Log1p(w*(-3+w*(15-105*w)))
}

// logPhi is log Phi(z), the log of the standard normal CDF, stable for very
// negative z.
func logPhi(z float64) float64 {
	if z > -5 {
		return math.Log(normCDF(z))
	}
	t := -z / math.Sqrt2
	return math.Log(0.5*erfcx(t)) - t*t
}

func normPDF(z float64) float64 { return math.Exp(-0.5*z*z - logSqrt2Pi) }

func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// erfcx is the scaled complementary error function exp(t^2) erfc(t), for
// t >= 0.
func erfcx(t float64) float64 {
	if t < 5 {
		return math.Exp(t*t) * math.Erfc(t)
	}
	// Laplace's continued fraction erfc(t) = exp(-t^2)/sqrt(pi) *
	// 1/(t + (1/2)/(t + 1/(t + (3/2)/(t + ...)))), evaluated backwards; 80
	// terms reach double precision for t >= 5.
	f := t
	for k := 80; k >= 1; k-- {
		f = t + float64(k)/2/f
	}
	return 1 / (math.SqrtPi * f)
}
