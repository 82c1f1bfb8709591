package autopilot

import (
	"math"
	"testing"
	"time"

	"tailor.dev/tailor/internal/workload"
)

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

const gib = 1 << 30

// pow2 are buckets 0.125, 0.25, 0.5, 1, 2, 4, 8: easy to follow by hand.
var pow2 = Buckets{Min: 0.125, Max: 8, Count: 7}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestBuckets(t *testing.T) {
	s := pow2.scale()
	tests := []struct {
		v     float64
		index int
	}{
		{0, 0}, {0.1, 0}, {0.125, 0}, {0.13, 1}, {1, 3}, {1.01, 4}, {8, 6}, {100, 6},
	}
	for _, tt := range tests {
		if got := s.index(tt.v); got != tt.index {
			t.Errorf("index(%v) = %d, want %d", tt.v, got, tt.index)
		}
	}
	for k, want := range []float64{0.125, 0.25, 0.5, 1, 2, 4, 8} {
		if !near(s.bound(k), want) {
			t.Errorf("bound(%d) = %v, want %v", k, s.bound(k), want)
		}
	}
	d := Default()
	if n := len(d.CPUBuckets.scale().bounds); n != 400 {
		t.Errorf("default CPU buckets = %d, want 400", n)
	}
}

// TestLoadAdjustedDecayedPercentile: ten units at 1 core at t0 and one unit
// at 4 cores one day (two CPU half-lives) later. At the later time the
// decayed weights are 10·2^−2 = 2.5 and 1, the load-adjusted ones 1·2.5 =
// 2.5 and 4·1 = 4 (total 6.5). S_p50: 3.25 is first reached at 4 cores; it
// would be 1 core without decay (10 vs 4) or without load adjustment
// (2.5 vs 1).
func TestLoadAdjustedDecayedPercentile(t *testing.T) {
	tests := []struct {
		name  string
		later time.Duration
		p     float64
		want  float64
	}{
		{"decay and load adjustment", 24 * time.Hour, 0.5, 4},
		{"below the old mass", 24 * time.Hour, 0.38, 1}, // 2.5 ≥ 0.38·6.5 = 2.47
		{"no decay (same time)", 0, 0.5, 1},             // 10 ≥ 0.5·14
		{"one half-life", 12 * time.Hour, 0.5, 1},       // 5 ≥ 0.5·9
		{"top", 24 * time.Hour, 1, 4},
	}
	for _, tt := range tests {
		h := newHistogram(pow2.scale(), 12*time.Hour)
		h.add(1, 10, t0)
		h.add(4, 1, t0.Add(tt.later))
		if got := h.loadAdjustedPercentile(tt.p); got != tt.want {
			t.Errorf("%s: S_p%v = %v, want %v", tt.name, tt.p*100, got, tt.want)
		}
	}
	if got := newHistogram(pow2.scale(), time.Hour).loadAdjustedPercentile(0.95); got != 0 {
		t.Errorf("empty histogram percentile = %v, want 0", got)
	}
}

func TestHistogramRescaleAndSubtract(t *testing.T) {
	h := newHistogram(pow2.scale(), time.Hour)
	h.add(8, 1, t0)
	late := t0.Add(100 * time.Hour) // past maxExponent: weights are rescaled
	h.add(0.5, 1, late)
	if !h.ref.Equal(late) {
		t.Fatalf("reference time = %v, want %v", h.ref, late)
	}
	if got := h.loadAdjustedPercentile(0.99); got != 0.5 {
		t.Errorf("S_p99 after 100 half-lives = %v, want 0.5", got)
	}
	h.add(2, 3, late)
	h.subtract(2, 3, late)
	if w := h.weight[h.scale.index(2)]; w != 0 {
		t.Errorf("weight after subtract = %v, want 0", w)
	}
}

// feed returns a container fed one-minute samples from t0 with cpu(m) and
// mem(m), m being the minute.
func feed(cfg Config, minutes int, cpu, mem func(m int) float64) *container {
	c := New(cfg).NewContainer(workload.ContainerRef{}, workload.Resources{}, t0).(*container)
	for m := 0; m < minutes; m++ {
		c.Observe(workload.Sample{Time: t0.Add(time.Duration(m+1) * time.Minute), Interval: time.Minute, CPU: cpu(m), Memory: mem(m)})
	}
	return c
}

func constant(v float64) func(int) float64 { return func(int) float64 { return v } }

// TestSteadyState: constant 0.5 core / 1 GiB for a day with the default
// 400 buckets. CPU bounds are 10^(−3 + 6k/399): 0.5 core falls in
// k = ceil(399·log10(500)/6) = ceil(179.48) = 180, value 10^(−3+1080/399)
// = 0.509058; ×1.1 = 0.559963. Memory bounds are 2^(20 + 22k/399): 1 GiB
// falls in k = ceil(399·10/22) = ceil(181.36) = 182, value 2^(20+4004/399)
// = 1.024619 GiB; ×1.1 = 1.127081 GiB.
func TestSteadyState(t *testing.T) {
	c := feed(Default(), 24*60, constant(0.5), constant(gib))
	got := c.Decide(t0.Add(24*time.Hour), workload.Resources{CPURequest: 4, CPULimit: 8, MemRequest: 8 * gib, MemLimit: 8 * gib})
	wantCPU := math.Pow(10, -3+6*180.0/399) * 1.1
	wantMem := math.Pow(2, 20+22*182.0/399) * 1.1
	if !near(got.CPURequest, wantCPU) || !near(got.MemRequest, wantMem) || got.MemLimit != got.MemRequest || got.CPULimit != 0 {
		t.Fatalf("Decide = %+v, want cpu %v, mem %v", got, wantCPU, wantMem)
	}
	if math.Abs(wantCPU-0.559963) > 1e-6 {
		t.Errorf("hand CPU value %v", wantCPU)
	}
	if math.Abs(wantMem/gib-1.127081) > 1e-6 {
		t.Errorf("hand memory value %v GiB", wantMem/gib)
	}
}

// TestMaxOverLastHour: with a 5-minute CPU half-life, 2 h at 2 cores then
// 0.5 core. Each 5-minute window weighs twice the previous one. When the
// window closing 35 min after the switch is evaluated, the seven 0.5-core
// windows weigh 2^0 + … + 2^6 = 127 units (load 63.5) against less than one
// unit of older 2-core windows (load < 2): 97% ≥ 95%, so the per-window
// recommendation falls from 2·1.1 to 0.5·1.1 (at +30 min it is 31.5 against
// 2, 94%). The applied recommendation is the maximum over the
// last hour, so it stays at 2·1.1 until an hour after the last 2-core
// recommendation (window closing at +30 min).
func TestMaxOverLastHour(t *testing.T) {
	cfg := Default()
	cfg.CPUHalfLife = 5 * time.Minute
	cfg.CPUBuckets = pow2
	switchAt := 120
	cpu := func(m int) float64 {
		if m < switchAt {
			return 2
		}
		return 0.5
	}
	applied := workload.Resources{CPURequest: 1}
	tests := []struct {
		after       time.Duration
		wantCurrent float64
		wantApplied float64
	}{
		{20 * time.Minute, 2 * 1.1, 2 * 1.1},
		{60 * time.Minute, 0.5 * 1.1, 2 * 1.1},
		{95 * time.Minute, 0.5 * 1.1, 0.5 * 1.1},
	}
	for _, tt := range tests {
		minutes := switchAt + int(tt.after/time.Minute)
		c := feed(cfg, minutes, cpu, constant(math.NaN()))
		now := t0.Add(time.Duration(minutes) * time.Minute)
		if got := c.current(now).cpu; !near(got, tt.wantCurrent) {
			t.Errorf("%v after the switch: current = %v, want %v", tt.after, got, tt.wantCurrent)
		}
		if got := c.Decide(now, applied).CPURequest; !near(got, tt.wantApplied) {
			t.Errorf("%v after the switch: Decide cpu = %v, want %v", tt.after, got, tt.wantApplied)
		}
	}
}

// TestMemoryTolerance: a day at 1 GiB with a single 5-minute peak of 4 GiB
// 12 h before the decision. S_p98 ignores it: with t½ = 48 h its
// load-adjusted weight is 4·2^(−12/48) ≈ 3.4 against ≈ 287·0.85 ≈ 244 for
// the 1 GiB windows of the day, 1.4% < 2%. S_max takes it; the intermediate
// statistic takes max(S_p60, 0.5·S_max) = half of it.
func TestMemoryTolerance(t *testing.T) {
	mem := func(m int) float64 {
		if m >= 12*60 && m < 12*60+5 {
			return 4 * gib
		}
		return gib
	}
	bucket := func(v float64) float64 { s := Default().MemoryBuckets.scale(); return s.bound(s.index(v)) }
	tests := []struct {
		name string
		tol  MemoryTolerance
		want float64
	}{
		{"low: S_p98", LowOOMTolerance, bucket(gib) * 1.1},
		{"minimal: S_max", MinimalOOMTolerance, bucket(4*gib) * 1.1},
		{"intermediate: max(S_p60, S_max/2)", IntermediateOOMTolerance, bucket(4*gib) / 2 * 1.1},
	}
	for _, tt := range tests {
		cfg := Default()
		cfg.Memory = tt.tol
		c := feed(cfg, 24*60, constant(0.5), mem)
		if got := c.Decide(t0.Add(24*time.Hour), workload.Resources{}).MemRequest; !near(got, tt.want) {
			t.Errorf("%s: memory = %v GiB, want %v GiB", tt.name, got/gib, tt.want/gib)
		}
	}
	// S_max forgets the peak after MaxHorizon (48 h).
	cfg := Default()
	cfg.Memory = MinimalOOMTolerance
	c := feed(cfg, 61*60+12*60, constant(0.5), mem)
	if got := c.Decide(t0.Add((61+12)*time.Hour), workload.Resources{}).MemRequest; !near(got, bucket(gib)*1.1) {
		t.Errorf("S_max after 61 h = %v GiB, want %v GiB", got/gib, bucket(gib)*1.1/gib)
	}
}

func TestApplyThreshold(t *testing.T) {
	// Recommendation: cpu 0.559963 (see TestSteadyState), memory 1.127081 GiB.
	c := feed(Default(), 24*60, constant(0.5), constant(gib))
	now := t0.Add(24 * time.Hour)
	rec := c.Decide(now, workload.Resources{})
	tests := []struct {
		name    string
		applied workload.Resources
		want    workload.Resources
	}{
		{"both within 1%",
			workload.Resources{CPURequest: rec.CPURequest * 1.009, MemRequest: rec.MemRequest * 0.995, MemLimit: rec.MemRequest * 0.995},
			workload.Resources{CPURequest: rec.CPURequest * 1.009, MemRequest: rec.MemRequest * 0.995, MemLimit: rec.MemRequest * 0.995}},
		{"cpu 5% off, memory within 1%: only cpu changes",
			workload.Resources{CPURequest: rec.CPURequest * 1.05, MemRequest: rec.MemRequest * 0.995, MemLimit: rec.MemRequest * 0.995},
			workload.Resources{CPURequest: rec.CPURequest, MemRequest: rec.MemRequest * 0.995, MemLimit: rec.MemRequest * 0.995}},
		{"memory 2% off", workload.Resources{CPURequest: rec.CPURequest, MemRequest: rec.MemRequest * 1.02, MemLimit: rec.MemRequest * 1.02}, rec},
	}
	for _, tt := range tests {
		if got := c.Decide(now, tt.applied); got != tt.want {
			t.Errorf("%s: Decide = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestCPUOnlyTraceKeepsMemory(t *testing.T) {
	c := feed(Default(), 24*60, constant(0.5), constant(math.NaN()))
	applied := workload.Resources{CPURequest: 4, MemRequest: 3 * gib, MemLimit: 3 * gib}
	got := c.Decide(t0.Add(24*time.Hour), applied)
	if got.MemRequest != 3*gib || got.MemLimit != 3*gib || got.CPURequest == 4 {
		t.Fatalf("Decide = %+v, want new cpu and memory unchanged", got)
	}
}

func TestNoDataKeepsApplied(t *testing.T) {
	c := feed(Default(), 0, nil, nil)
	applied := workload.Resources{CPURequest: 4, MemRequest: 3 * gib, MemLimit: 3 * gib}
	if got := c.Decide(t0, applied); got != applied {
		t.Fatalf("Decide = %+v, want %+v", got, applied)
	}
}

func TestName(t *testing.T) {
	if n := New(Default()).Name(); n != "autopilot" {
		t.Errorf("Name = %q", n)
	}
}
