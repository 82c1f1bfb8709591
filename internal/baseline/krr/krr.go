package krr

import (
	"math"
	"slices"
	"time"

	"tailor.dev/tailor/internal/simulate"
	"tailor.dev/tailor/internal/workload"
)

// Config holds the simple strategy settings (SimpleStrategySettings and the
// runner's rounding) plus the replay's apply threshold.
type Config struct {
	CPUPercentile          float64       // cpu_percentile: 95
	MemoryBufferPercentage float64       // memory_buffer_percentage: 15
	History                time.Duration // history_duration: 336 h
	Step                   time.Duration // timeframe_duration: 1.25 min (query step)
	PointsRequired         int           // points_required: 100
	MinHistory             time.Duration // history_range_enough: 3 h
	CPUMin                 float64       // cpu_min_value: 10 m, in cores
	MemoryMin              float64       // memory_min_value: 100 MiB, in bytes
	CPUPrecision           float64       // 1000: round up to 1/1000 core (1 m)
	MemoryPrecision        float64       // 1/1024²: round up to 1 MiB

	// ApplyThreshold is the replay's rule (KRR has no updater): apply when a
	// resource differs from the applied value by at least this fraction.
	ApplyThreshold float64
}

// Default returns KRR v1.29's simple-strategy defaults and a 10% apply
// threshold (VPA's --pod-update-threshold).
func Default() Config {
	return Config{
		CPUPercentile:          95,
		MemoryBufferPercentage: 15,
		History:                336 * time.Hour,
		Step:                   75 * time.Second,
		PointsRequired:         100,
		MinHistory:             3 * time.Hour,
		CPUMin:                 0.010,
		MemoryMin:              100 << 20,
		CPUPrecision:           1000,
		MemoryPrecision:        1.0 / (1 << 20),
		ApplyThreshold:         0.1,
	}
}

type policy struct{ cfg Config }

// New returns the KRR simple-strategy baseline policy.
func New(cfg Config) simulate.Policy { return policy{cfg: cfg} }

// Name implements simulate.Policy.
func (policy) Name() string { return "krr" }

// NewContainer implements simulate.Policy.
func (p policy) NewContainer(workload.ContainerRef, workload.Resources, time.Time) simulate.ContainerPolicy {
	return &container{cfg: p.cfg}
}

type container struct {
	cfg   Config
	win   window
	first time.Time // start of the first sample ever observed
	oom   bool      // an OOM kill happened since the last decision
}

// Observe implements simulate.ContainerPolicy.
func (c *container) Observe(s workload.Sample) {
	if c.first.IsZero() {
		c.first = s.Time.Add(-s.Interval)
	}
	c.win.push(point{end: s.Time.UnixNano(), interval: s.Interval, cpu: s.CPU, mem: s.Memory})
	c.win.dropUntil(s.Time.Add(-c.cfg.History))
}

// OOM implements simulate.ContainerPolicy. With use_oomkill_data off KRR
// ignores the kill itself; it only makes the next decision apply a memory
// increase regardless of the 10% threshold.
func (c *container) OOM(time.Time, workload.Resources, float64) { c.oom = true }

// Decide implements simulate.ContainerPolicy.
func (c *container) Decide(now time.Time, applied workload.Resources) workload.Resources {
	oom := c.oom
	c.oom = false
	rec, ok := c.recommend(now)
	if !ok.any() {
		return applied
	}
	next := applied
	if ok.cpu {
		next.CPURequest, next.CPULimit = rec.CPURequest, 0
	}
	if ok.mem {
		next.MemRequest, next.MemLimit = rec.MemRequest, rec.MemLimit
	}
	raisesMemory := ok.mem && rec.MemRequest > applied.MemRequest
	if (oom && raisesMemory) ||
		(ok.cpu && differs(rec.CPURequest, applied.CPURequest, c.cfg.ApplyThreshold)) ||
		(ok.mem && differs(rec.MemRequest, applied.MemRequest, c.cfg.ApplyThreshold)) {
		return next
	}
	return applied
}

// differs reports whether rec is at least threshold away from applied,
// relative to applied; an unset applied value always differs.
func differs(rec, applied, threshold float64) bool {
	if applied <= 0 {
		return true
	}
	return math.Abs(rec-applied)/applied >= threshold
}

// defined tells which resources have a recommendation.
type defined struct{ cpu, mem bool }

func (d defined) any() bool { return d.cpu || d.mem }

// recommend computes the simple-strategy recommendation at now from the
// window (14 days). A resource without enough history or points is
// undefined ("?" in KRR's table).
func (c *container) recommend(now time.Time) (workload.Resources, defined) {
	c.win.dropUntil(now.Add(-c.cfg.History))
	if c.first.IsZero() || now.Sub(c.first) < c.cfg.MinHistory {
		return workload.Resources{}, defined{}
	}
	cpus := make([]float64, 0, c.win.size)
	var cpuCover, memCover time.Duration
	maxMem := math.Inf(-1)
	for i := 0; i < c.win.size; i++ {
		p := c.win.at(i)
		if !math.IsNaN(p.cpu) {
			cpus = append(cpus, p.cpu)
			cpuCover += p.interval
		}
		if !math.IsNaN(p.mem) {
			maxMem = math.Max(maxMem, p.mem)
			memCover += p.interval
		}
	}
	var r workload.Resources
	var ok defined
	if c.enoughPoints(cpuCover) {
		ok.cpu = true
		r.CPURequest = roundUp(quantile(cpus, c.cfg.CPUPercentile/100), c.cfg.CPUPrecision, c.cfg.CPUMin)
	}
	if c.enoughPoints(memCover) {
		ok.mem = true
		r.MemRequest = roundUp(maxMem*(1+c.cfg.MemoryBufferPercentage/100), c.cfg.MemoryPrecision, c.cfg.MemoryMin)
		r.MemLimit = r.MemRequest
	}
	return r, ok
}

// enoughPoints applies points_required: KRR counts the points of a
// subquery at its 75 s step, i.e. the covered time divided by the step.
func (c *container) enoughPoints(covered time.Duration) bool {
	return covered > 0 && float64(covered)/float64(c.cfg.Step) >= float64(c.cfg.PointsRequired)
}

// roundUp is runner.py's _round_value: ceil(v·precision)/precision, then
// the floor. Same float arithmetic as KRR's Python, so a value that is
// already a whole number of millicores may round up by 1 m, as in KRR.
func roundUp(v, precision, floor float64) float64 {
	return math.Max(math.Ceil(v*precision)/precision, floor)
}

// quantile is Prometheus' quantile_over_time (and numpy's default
// percentile): the φ-quantile with linear interpolation between the closest
// ranks, rank = φ·(n−1). It reorders xs: the lower rank is found by
// selection, the next one is the minimum of what selection left above it.
func quantile(xs []float64, phi float64) float64 {
	rank := phi * float64(len(xs)-1)
	lo := int(math.Floor(rank))
	x := selectKth(xs, lo)
	if lo+1 == len(xs) {
		return x
	}
	next := slices.Min(xs[lo+1:])
	return x + (rank-float64(lo))*(next-x)
}

// selectKth reorders xs so that xs[k] is its k-th smallest element, every
// element before it is ≤ and every element after it ≥ (Hoare's quickselect
// with a median-of-three pivot), and returns xs[k].
func selectKth(xs []float64, k int) float64 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		pivot := max(min(xs[lo], xs[mid]), min(max(xs[lo], xs[mid]), xs[hi]))
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i, j = i+1, j-1
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	return xs[k]
}
