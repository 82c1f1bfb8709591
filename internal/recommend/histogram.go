package recommend

import (
	"math"
	"time"
)

// histogram is an exponentially decaying histogram over exponential buckets.
//
// Bucket i covers [first*ratio^i, first*ratio^(i+1)); values below first land in
// bucket 0. Only the range of buckets that ever received weight is stored
// (weights[j] is bucket lo+j), so a container whose usage spans two orders of
// magnitude costs about 100 float32s. A sample at time t gets weight
// w*2^((t-ref)/halfLife); ref moves forward when weights grow too large, which
// rescales all stored weights (the relative weights are unchanged).
type histogram struct {
	ref     int64 // reference time, unix seconds
	lo      int32 // index of weights[0]
	total   float32
	weights []float32
}

// bucketing is the shared (per Config) bucket layout.
type bucketing struct {
	first    float64
	logRatio float64
	max      int32 // number of buckets
	halfLife float64
}

func newBucketing(first, ratio, maxValue float64, halfLife time.Duration) bucketing {
	lr := math.Log(ratio)
	n := int32(math.Ceil(math.Log(maxValue/first)/lr)) + 1
	return bucketing{first: first, logRatio: lr, max: n, halfLife: halfLife.Seconds()}
}

func (b bucketing) index(v float64) int32 {
	if v < b.first {
		return 0
	}
	i := int32(math.Log(v/b.first) / b.logRatio)
	if i >= b.max {
		return b.max - 1
	}
	return i
}

func (b bucketing) start(i int32) float64 {
	if i == 0 {
		return 0
	}
	return b.first * math.Exp(float64(i)*b.logRatio)
}

// maxExponent bounds the decay factor before weights are renormalised.
const maxExponent = 40

func (h *histogram) add(b bucketing, v, w float64, t int64) {
	if h.weights == nil {
		h.ref = t
	}
	exp := float64(t-h.ref) / b.halfLife
	if exp > maxExponent {
		h.shift(t, b)
		exp = 0
	}
	w *= math.Exp2(exp)
	i := b.index(v)
	h.grow(i)
	h.weights[i-h.lo] += float32(w)
	h.total += float32(w)
}

// shift moves the reference time to t and rescales the weights.
func (h *histogram) shift(t int64, b bucketing) {
	f := float32(math.Exp2(-float64(t-h.ref) / b.halfLife))
	h.total = 0
	for j := range h.weights {
		h.weights[j] *= f
		h.total += h.weights[j]
	}
	h.ref = t
}

func (h *histogram) grow(i int32) {
	switch {
	case h.weights == nil:
		h.lo = i
		h.weights = make([]float32, 1, 8)
	case i < h.lo:
		n := make([]float32, int(h.lo-i)+len(h.weights))
		copy(n[h.lo-i:], h.weights)
		h.weights, h.lo = n, i
	case int(i-h.lo) >= len(h.weights):
		h.weights = append(h.weights, make([]float32, int(i-h.lo)+1-len(h.weights))...)
	}
}

// percentile returns the value below which a fraction p of the weight lies,
// interpolating linearly inside the bucket (VPA returns the bucket end, which
// overstates small values by up to 28%).
func (h *histogram) percentile(b bucketing, p float64) float64 {
	if h.total <= 0 {
		return 0
	}
	target := p * float64(h.total)
	var cum float64
	for j, w := range h.weights {
		if w == 0 {
			continue
		}
		if cum+float64(w) >= target {
			i := h.lo + int32(j)
			lo, hi := b.start(i), b.start(i+1)
			frac := (target - cum) / float64(w)
			return lo + frac*(hi-lo)
		}
		cum += float64(w)
	}
	return b.start(h.lo + int32(len(h.weights)))
}

// merge adds o's weights into h (aggregation across replicas).
func (h *histogram) merge(b bucketing, o *histogram) {
	if o.total <= 0 {
		return
	}
	if h.weights == nil {
		h.ref = o.ref
	}
	// Bring both to the later reference time.
	scale := float32(1)
	if o.ref > h.ref {
		h.shift(o.ref, b)
	} else {
		scale = float32(math.Exp2(-float64(h.ref-o.ref) / b.halfLife))
	}
	for j, w := range o.weights {
		if w == 0 {
			continue
		}
		i := o.lo + int32(j)
		h.grow(i)
		h.weights[i-h.lo] += w * scale
		h.total += w * scale
	}
}

func (h *histogram) empty() bool { return h.total <= 0 }
