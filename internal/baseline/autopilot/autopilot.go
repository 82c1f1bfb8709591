package autopilot

import (
	"math"
	"time"

	"tailor.dev/tailor/internal/simulate"
	"tailor.dev/tailor/internal/workload"
)

// MemoryTolerance is a job's OOM tolerance, which selects the memory
// statistic (paper §3.2.2).
type MemoryTolerance int

const (
	// LowOOMTolerance uses S_p98, the paper's default for large jobs.
	LowOOMTolerance MemoryTolerance = iota
	// MinimalOOMTolerance uses S_max, the paper's default for small jobs.
	MinimalOOMTolerance
	// IntermediateOOMTolerance uses max(S_p60, 0.5·S_max).
	IntermediateOOMTolerance
)

// Config is the moving-window recommender configuration.
type Config struct {
	// Window is the aggregation window of the input signal: 5 min.
	Window time.Duration
	// CPUHalfLife and MemoryHalfLife are the decay half-lives t½: 12 h and
	// 48 h.
	CPUHalfLife, MemoryHalfLife time.Duration
	// CPUPercentile is the CPU statistic for serving jobs: S_p95.
	CPUPercentile float64
	// Memory selects the memory statistic; LowOOMTolerance (S_p98) by
	// default.
	Memory MemoryTolerance
	// MaxHorizon is the look-back of S_max ("the last N samples"). The
	// reference gives no N; we use 48 h, one memory half-life.
	MaxHorizon time.Duration
	// SafetyMargin is added to the statistic: +10%.
	SafetyMargin float64
	// Smoothing: the recommendation is the maximum of the recommendations
	// over the last hour.
	Smoothing time.Duration
	// ApplyThreshold is the replay's rule: a resource is changed when the
	// recommendation differs from the applied value by more than 1%.
	ApplyThreshold float64
	// CPUBuckets (cores) and MemoryBuckets (bytes): about 400 fixed buckets
	// as in the paper, exponential so that they cover the whole data range
	// with a constant relative resolution (≈3.5% and ≈3.9%).
	CPUBuckets, MemoryBuckets Buckets
}

// Default returns the configuration of the paper's moving-window recommender
// for a serving job with low OOM tolerance.
func Default() Config {
	return Config{
		Window:         5 * time.Minute,
		CPUHalfLife:    12 * time.Hour,
		MemoryHalfLife: 48 * time.Hour,
		CPUPercentile:  0.95,
		Memory:         LowOOMTolerance,
		MaxHorizon:     48 * time.Hour,
		SafetyMargin:   0.10,
		Smoothing:      time.Hour,
		ApplyThreshold: 0.01,
		CPUBuckets:     Buckets{Min: 0.001, Max: 1000, Count: 400},
		MemoryBuckets:  Buckets{Min: 1 << 20, Max: 1 << 42, Count: 400},
	}
}

type policy struct {
	cfg      Config
	cpu, mem scale
}

// New returns the Autopilot moving-window baseline policy.
func New(cfg Config) simulate.Policy {
	return &policy{cfg: cfg, cpu: cfg.CPUBuckets.scale(), mem: cfg.MemoryBuckets.scale()}
}

// Name implements simulate.Policy.
func (*policy) Name() string { return "autopilot" }

// NewContainer implements simulate.Policy.
func (p *policy) NewContainer(workload.ContainerRef, workload.Resources, time.Time) simulate.ContainerPolicy {
	return &container{
		cfg: p.cfg,
		cpu: newHistogram(p.cpu, p.cfg.CPUHalfLife),
		mem: newHistogram(p.mem, p.cfg.MemoryHalfLife),
	}
}

// recommendation is one moving-window output; 0 means "no data".
type recommendation struct {
	at       time.Time
	cpu, mem float64
}

// peak is the memory peak of one closed 5-minute window.
type peak struct {
	at time.Time
	v  float64
}

type container struct {
	cfg      Config
	cpu, mem *histogram

	window  time.Time // start of the current 5-minute window; zero before data
	peak    float64   // running memory peak of the current window
	hasPeak bool

	peaks  []peak           // closed windows within MaxHorizon, for S_max
	recent []recommendation // closed windows' recommendations within Smoothing
}

// Observe implements simulate.ContainerPolicy. CPU samples enter the CPU
// histogram of their window with weight interval/Window (the paper's
// per-window histogram of 1 s usage, of which we only see interval means);
// memory samples update the window's peak, which is the single memory
// sample of the window (replaced in the histogram when it grows).
func (c *container) Observe(s workload.Sample) {
	key := s.Time.Add(-s.Interval).Truncate(c.cfg.Window)
	if c.window.IsZero() || key.After(c.window) {
		if !c.window.IsZero() {
			c.closeWindow()
		}
		c.window, c.hasPeak = key, false
	}
	if s.HasCPU() {
		c.cpu.add(s.CPU, float64(s.Interval)/float64(c.cfg.Window), c.window)
	}
	if s.HasMemory() && (!c.hasPeak || s.Memory > c.peak) {
		if c.hasPeak {
			c.mem.subtract(c.peak, 1, c.window)
		}
		c.mem.add(s.Memory, 1, c.window)
		c.peak, c.hasPeak = s.Memory, true
	}
}

// closeWindow records the window's peak and its recommendation.
func (c *container) closeWindow() {
	end := c.window.Add(c.cfg.Window)
	if c.hasPeak {
		c.peaks = append(c.peaks, peak{at: c.window, v: c.peak})
	}
	r := c.current(end)
	c.recent = append(c.recent, r)
	c.recent = c.recent[expired(c.recent, end.Add(-c.cfg.Smoothing), recommendation.time):]
	c.peaks = c.peaks[expired(c.peaks, end.Add(-c.cfg.MaxHorizon), peak.time):]
}

// OOM implements simulate.ContainerPolicy. The moving window has no OOM
// rule of its own: the peak that caused the kill is already in the memory
// histogram, and the replay calls Decide right after.
func (c *container) OOM(time.Time, workload.Resources, float64) {}

// Decide implements simulate.ContainerPolicy: the recommendation is the
// maximum of the recommendations of the last hour (including one computed
// now, over the current partial window). Autopilot resizes Borg limits in
// place, without restarts, so each resource is changed whenever it moves by
// more than ApplyThreshold.
func (c *container) Decide(now time.Time, applied workload.Resources) workload.Resources {
	r := c.current(now)
	for _, p := range c.recent {
		if p.at.After(now.Add(-c.cfg.Smoothing)) {
			r.cpu, r.mem = math.Max(r.cpu, p.cpu), math.Max(r.mem, p.mem)
		}
	}
	next := applied
	if r.cpu > 0 && differs(r.cpu, applied.CPURequest, c.cfg.ApplyThreshold) {
		next.CPURequest, next.CPULimit = r.cpu, 0
	}
	if r.mem > 0 && differs(r.mem, applied.MemRequest, c.cfg.ApplyThreshold) {
		next.MemRequest, next.MemLimit = r.mem, r.mem
	}
	return next
}

func differs(rec, applied, threshold float64) bool {
	return applied <= 0 || math.Abs(rec-applied)/applied > threshold
}

// current is the recommendation at now from the histograms as they are:
// statistic × (1 + SafetyMargin).
func (c *container) current(now time.Time) recommendation {
	m := 1 + c.cfg.SafetyMargin
	return recommendation{
		at:  now,
		cpu: c.cpu.loadAdjustedPercentile(c.cfg.CPUPercentile) * m,
		mem: c.memoryStatistic(now) * m,
	}
}

// memoryStatistic selects the statistic for the configured OOM tolerance.
func (c *container) memoryStatistic(now time.Time) float64 {
	switch c.cfg.Memory {
	case MinimalOOMTolerance:
		return c.sMax(now)
	case IntermediateOOMTolerance:
		return math.Max(c.mem.loadAdjustedPercentile(0.60), 0.5*c.sMax(now))
	default:
		return c.mem.loadAdjustedPercentile(0.98)
	}
}

// sMax is S_max: the highest non-empty bucket value among the window peaks
// of the last MaxHorizon (current window included); 0 without data.
func (c *container) sMax(now time.Time) float64 {
	top, ok := c.peak, c.hasPeak
	for _, p := range c.peaks {
		if p.at.After(now.Add(-c.cfg.MaxHorizon)) && (!ok || p.v > top) {
			top, ok = p.v, true
		}
	}
	if !ok {
		return 0
	}
	return c.mem.scale.bound(c.mem.scale.index(top))
}

func (r recommendation) time() time.Time { return r.at }
func (p peak) time() time.Time           { return p.at }

// expired counts the leading elements of the time-ordered xs that are at or
// before cutoff. Re-slicing past them keeps the lists short; append
// reallocates as they move through their backing arrays.
func expired[T any](xs []T, cutoff time.Time, at func(T) time.Time) int {
	i := 0
	for i < len(xs) && !at(xs[i]).After(cutoff) {
		i++
	}
	return i
}
