package autopilot

import (
	"math"
	"sort"
	"time"
)

// Buckets describes exponential bucket boundaries b[k] = Min·r^k, k = 0..Count−1,
// with r chosen so that b[Count−1] = Max. Bucket k holds values in
// (b[k−1], b[k]]; bucket 0 holds everything up to Min and the last bucket
// everything above Max.
type Buckets struct {
	Min, Max float64
	Count    int
}

// scale holds the bucket boundaries; it is computed once per policy and
// shared, read-only, by every container.
type scale struct{ bounds []float64 }

func (b Buckets) scale() scale {
	bounds := make([]float64, b.Count)
	step := math.Log(b.Max/b.Min) / float64(b.Count-1)
	for k := range bounds {
		bounds[k] = snap(b.Min * math.Exp(step*float64(k)))
	}
	bounds[0], bounds[b.Count-1] = b.Min, b.Max
	return scale{bounds: bounds}
}

// snap rounds a boundary to 12 significant digits, so that boundaries that
// are round numbers (2 cores, 1 GiB) are exactly those numbers and a value
// equal to one falls in the bucket it bounds.
func snap(x float64) float64 {
	p := math.Pow(10, 11-math.Floor(math.Log10(x)))
	return math.Round(x*p) / p
}

// bound is b[k], the upper boundary and value of bucket k.
func (s scale) bound(k int) float64 { return s.bounds[k] }

// index is the smallest k with v ≤ b[k], clamped to the last bucket.
func (s scale) index(v float64) int {
	return min(sort.SearchFloat64s(s.bounds, v), len(s.bounds)-1)
}

// maxExponent bounds the growth of stored weights: past it the reference
// time moves forward and every weight is rescaled (as VPA's decaying
// histogram does).
const maxExponent = 64

// histogram is an exponentially decayed histogram: a sample of weight s
// added at time t counts s·2^(−(now−t)/halfLife) at time now. Weights are
// stored relative to a reference time, so decaying costs nothing until the
// rescale.
type histogram struct {
	scale    scale
	halfLife time.Duration
	ref      time.Time
	weight   []float64
}

func newHistogram(s scale, halfLife time.Duration) *histogram {
	return &histogram{scale: s, halfLife: halfLife, weight: make([]float64, len(s.bounds))}
}

// factor is 2^((t − ref)/halfLife), moving ref forward when it grows large.
func (h *histogram) factor(t time.Time) float64 {
	if h.ref.IsZero() {
		h.ref = t
	}
	exp := float64(t.Sub(h.ref)) / float64(h.halfLife)
	if exp > maxExponent {
		shrink := math.Exp2(-exp)
		for k := range h.weight {
			h.weight[k] *= shrink
		}
		h.ref, exp = t, 0
	}
	return math.Exp2(exp)
}

func (h *histogram) add(v, w float64, t time.Time) {
	h.weight[h.scale.index(v)] += w * h.factor(t)
}

func (h *histogram) subtract(v, w float64, t time.Time) {
	k := h.scale.index(v)
	h.weight[k] = math.Max(0, h.weight[k]-w*h.factor(t))
}

// loadAdjustedPercentile is S_pj of the paper: the smallest bucket value
// b[k] at which the cumulative load-adjusted weight Σ_{j≤k} b[j]·w[j]
// reaches p of the total. It returns 0 for an empty histogram.
func (h *histogram) loadAdjustedPercentile(p float64) float64 {
	total := 0.0
	for k, w := range h.weight {
		total += h.scale.bound(k) * w
	}
	if total == 0 {
		return 0
	}
	cum := 0.0
	last := 0
	for k, w := range h.weight {
		if w == 0 {
			continue
		}
		last = k
		cum += h.scale.bound(k) * w
		if cum >= p*total {
			return h.scale.bound(k)
		}
	}
	return h.scale.bound(last)
}
