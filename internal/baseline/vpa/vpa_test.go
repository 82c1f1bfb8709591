package vpa

import (
	"math"
	"testing"
	"time"

	"tailor.dev/tailor/internal/simulate"
	"tailor.dev/tailor/internal/workload"
)

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

const mib = 1 << 20

// constant returns n one-minute samples of cpu cores and mem bytes ending at
// t0+1min, t0+2min, ...
func constant(n int, cpu, mem float64) []workload.Sample {
	out := make([]workload.Sample, n)
	for i := range out {
		out[i] = workload.Sample{
			Time:     t0.Add(time.Duration(i+1) * time.Minute),
			Interval: time.Minute,
			CPU:      cpu,
			Memory:   mem,
		}
	}
	return out
}

// newFed returns a VPA container whose pod started at podStart, fed with
// samples (the aggregate outlives pods, so history may predate the pod).
func newFed(t *testing.T, podStart time.Time, initial workload.Resources, samples []workload.Sample) *container {
	t.Helper()
	c := New(Default()).NewContainer(workload.ContainerRef{Container: "app"}, initial, podStart).(*container)
	for _, s := range samples {
		c.Observe(s)
	}
	return c
}

// bucketEnd is the upstream exponential histogram read-out done by hand:
// value v falls in bucket b = floor(log_r(v(r−1)/first + 1)); Percentile
// returns the start of bucket b+1 = first·(r^(b+1) − 1)/(r − 1).
func bucketEnd(first, v float64) float64 {
	const r = 1.05
	b := math.Floor(math.Log(v*(r-1)/first+1) / math.Log(r))
	return first * (math.Pow(r, b+1) - 1) / (r - 1)
}

// withMargin applies the upstream ×(1+0.15) margin on integer amounts
// (millicores or bytes): base + trunc(base·0.15).
func withMargin(base int64) int64 { return base + int64(float64(base)*0.15) }

// TestHandComputedRecommendation drives the upstream recommender with 2 days
// of a constant 0.5 core / 1 GiB at one sample per minute and checks the
// numbers derived by hand from the VPA histogram rules.
//
// CPU: 0.5 core lies in bucket floor(log_1.05(0.5·0.05/0.01 + 1)) =
// floor(25.68) = 25; p90 = p50 = p95 = start of bucket 26 =
// 0.01·(1.05^26 − 1)/0.05 = 0.511135 core = 511 m (truncated); margin
// trunc(511·0.15) = 76 → target 587 m. Confidence = min(lifespan 2879 min /
// 1440, 2880 samples / 1440) = 1.999306: upper = trunc(587·(1 + 1/1.999306))
// = 880 m, lower = trunc(587·(1 + 0.001/1.999306)^−2) = 586 m.
//
// Memory: both daily peaks (1 GiB) lie in bucket
// floor(log_1.05(1073741824·0.05/1e7 + 1)) = floor(37.95) = 37; the read-out
// is the start of bucket 38 = 1e7·(1.05^38 − 1)/0.05 = 1 077 095 457 B;
// margin trunc(·0.15) = 161 564 318 → target 1 238 659 775 B (1181.28 MiB);
// upper 1 858 204 782 B, lower 1 237 421 614 B.
func TestHandComputedRecommendation(t *testing.T) {
	c := newFed(t, t0, workload.Resources{CPURequest: 1, MemRequest: 2 << 30}, constant(2*24*60, 0.5, 1<<30))
	rec, ok := c.Recommendation()
	if !ok {
		t.Fatal("no recommendation after 2 days of samples")
	}
	// The formulas reproduce the literal numbers above.
	if got := withMargin(int64(bucketEnd(0.01, 0.5) * 1000)); got != 587 {
		t.Fatalf("hand formula CPU = %d m, want 587", got)
	}
	if got := withMargin(int64(bucketEnd(1e7, 1<<30))); got != 1238659775 {
		t.Fatalf("hand formula memory = %d, want 1238659775", got)
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"target cpu (m)", rec.Target.CPURequest * 1000, 587},
		{"lower cpu (m)", rec.LowerBound.CPURequest * 1000, 586},
		{"upper cpu (m)", rec.UpperBound.CPURequest * 1000, 880},
		{"target memory", rec.Target.MemRequest, 1238659775},
		{"lower memory", rec.LowerBound.MemRequest, 1237421614},
		{"upper memory", rec.UpperBound.MemRequest, 1858204782},
	}
	for _, tt := range tests {
		if math.Abs(tt.got-tt.want) > 1e-6 {
			t.Errorf("%s = %.6f, want %.0f", tt.name, tt.got, tt.want)
		}
	}
}

func TestPodMinimum(t *testing.T) {
	// 5 mCPU / 50 MiB is below the pod minimum of 25 mCPU / 250 MiB.
	c := newFed(t, t0, workload.Resources{}, constant(24*60, 0.005, 50*mib))
	rec, _ := c.Recommendation()
	if rec.Target.CPURequest != 0.025 || rec.Target.MemRequest != 250*mib {
		t.Errorf("target = %v cores / %v B, want 0.025 / %d", rec.Target.CPURequest, rec.Target.MemRequest, 250*mib)
	}
}

// Recommendation after 2 days of 0.5 core / 1 GiB (TestHandComputedRecommendation).
var (
	targetCPU = 0.587
	targetMem = 1238659775.0
)

func TestDecideUpdaterRule(t *testing.T) {
	decideAt := t0.Add(48 * time.Hour)
	tests := []struct {
		name    string
		podAge  time.Duration
		applied workload.Resources
		change  bool
	}{
		// CPU 700 m is inside [586, 848] m, memory 1.4 GiB inside
		// [1237, 1858] MB; ResourceDiff = 113/700 + 0.176 = 0.34 ≥ 0.1.
		{"in bounds, diff 34%, pod 6h old", 6 * time.Hour, workload.Resources{CPURequest: 0.7, MemRequest: 1.4 * (1 << 30)}, false},
		{"in bounds, diff 34%, pod 13h old", 13 * time.Hour, workload.Resources{CPURequest: 0.7, MemRequest: 1.4 * (1 << 30)}, true},
		{"in bounds, diff 2%, pod 13h old", 13 * time.Hour, workload.Resources{CPURequest: 0.6, MemRequest: targetMem}, false},
		{"cpu above upper bound, pod 1h old", time.Hour, workload.Resources{CPURequest: 1, MemRequest: targetMem}, true},
		{"memory below lower bound, pod 1h old", time.Hour, workload.Resources{CPURequest: targetCPU, MemRequest: 1 << 30}, true},
		{"no request set, pod 1h old", time.Hour, workload.Resources{}, true},
		{"at target, pod 3 days old", 72 * time.Hour, workload.Resources{CPURequest: targetCPU, MemRequest: targetMem}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.applied.MemLimit = tt.applied.MemRequest
			c := newFed(t, decideAt.Add(-tt.podAge), tt.applied, constant(2*24*60, 0.5, 1<<30))
			got := c.Decide(decideAt, tt.applied)
			want := tt.applied
			if tt.change {
				want = workload.Resources{CPURequest: targetCPU, MemRequest: targetMem, MemLimit: targetMem}
			}
			if got != want {
				t.Fatalf("Decide = %+v, want %+v", got, want)
			}
			if tt.change && !c.podStart.Equal(decideAt) {
				t.Errorf("pod start = %v, want recreated at %v", c.podStart, decideAt)
			}
		})
	}
}

func TestShouldUpdate(t *testing.T) {
	u := Default().Updater
	rec := Recommendation{
		Target:     workload.Resources{CPURequest: 1, MemRequest: 1000},
		LowerBound: workload.Resources{CPURequest: 0.5, MemRequest: 500},
		UpperBound: workload.Resources{CPURequest: 2, MemRequest: 2000},
		Memory:     true,
	}
	tests := []struct {
		name     string
		applied  workload.Resources
		age      time.Duration
		quickOOM bool
		want     bool
	}{
		{"in bounds young", workload.Resources{CPURequest: 1.5, MemRequest: 1000}, time.Hour, false, false},
		{"in bounds old diff 50%", workload.Resources{CPURequest: 2, MemRequest: 1000}, 12 * time.Hour, false, true},
		// |1 − 1.05|/1.05 + 0 = 0.048 < 0.1
		{"in bounds old diff 5%", workload.Resources{CPURequest: 1.05, MemRequest: 1000}, 24 * time.Hour, false, false},
		// 0.0476 + |1100 − 1000|/1100 = 0.1385: the diff sums over resources.
		{"in bounds old diff summed", workload.Resources{CPURequest: 1.05, MemRequest: 1100}, 24 * time.Hour, false, true},
		{"cpu below lower bound young", workload.Resources{CPURequest: 0.4, MemRequest: 1000}, 0, false, true},
		{"memory above upper bound young", workload.Resources{CPURequest: 1, MemRequest: 2001}, 0, false, true},
		{"quick OOM young in bounds", workload.Resources{CPURequest: 1, MemRequest: 900}, time.Minute, true, true},
		{"quick OOM at target", workload.Resources{CPURequest: 1, MemRequest: 1000}, time.Minute, true, false},
	}
	for _, tt := range tests {
		if got := u.ShouldUpdate(rec, tt.applied, tt.age, tt.quickOOM); got != tt.want {
			t.Errorf("%s: ShouldUpdate = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestOOM checks that an OOM is recorded as upstream does: a memory peak of
// max(request + 100 MiB, 1.2·request) in a new 24 h interval, which carries
// more than half of the decayed weight, so even the lower bound (p50) rises
// above the request and the update happens at once.
func TestOOM(t *testing.T) {
	applied := workload.Resources{CPURequest: targetCPU, MemRequest: targetMem, MemLimit: targetMem}
	end := t0.Add(48 * time.Hour)
	c := newFed(t, t0, applied, constant(2*24*60, 0.5, 1<<30))
	c.OOM(end, applied, 1.3*(1<<30))
	if c.quickOOM {
		t.Error("OOM 2 days after start counted as quick")
	}
	got := c.Decide(end.Add(time.Minute), applied)
	bump := math.Max(targetMem+100*mib, 1.2*targetMem)
	wantMem := float64(withMargin(int64(bucketEnd(1e7, bump))))
	want := workload.Resources{CPURequest: targetCPU, MemRequest: wantMem, MemLimit: wantMem}
	if got != want {
		t.Fatalf("Decide after OOM = %+v, want %+v", got, want)
	}
}

func TestQuickOOM(t *testing.T) {
	applied := workload.Resources{CPURequest: 1, MemRequest: 1 << 30, MemLimit: 1 << 30}
	c := newFed(t, t0, applied, constant(60, 0.5, 1<<30))
	c.OOM(t0.Add(9*time.Minute), applied, 2<<30)
	if !c.quickOOM {
		t.Error("OOM 9 min after pod start is not quick")
	}
	c.OOM(t0.Add(30*time.Minute), applied, 2<<30)
	if c.quickOOM {
		t.Error("OOM 21 min after the container restart is quick")
	}
	c.OOM(t0.Add(35*time.Minute), applied, 2<<30)
	if !c.quickOOM {
		t.Error("OOM 5 min after the container restart is not quick")
	}
}

func TestCPUOnlyTraceKeepsMemory(t *testing.T) {
	applied := workload.Resources{CPURequest: 2, MemRequest: 3 << 30, MemLimit: 3 << 30}
	c := newFed(t, t0, applied, constant(2*24*60, 0.5, math.NaN()))
	got := c.Decide(t0.Add(48*time.Hour), applied)
	want := workload.Resources{CPURequest: targetCPU, MemRequest: 3 << 30, MemLimit: 3 << 30}
	if got != want {
		t.Fatalf("Decide = %+v, want %+v", got, want)
	}
}

func TestNoSamplesKeepsApplied(t *testing.T) {
	applied := workload.Resources{CPURequest: 2, MemRequest: 1 << 30, MemLimit: 1 << 30}
	c := newFed(t, t0, applied, nil)
	if got := c.Decide(t0.Add(time.Hour), applied); got != applied {
		t.Fatalf("Decide without samples = %+v, want %+v", got, applied)
	}
}

func TestName(t *testing.T) {
	var p simulate.Policy = New(Default())
	if p.Name() != "vpa" {
		t.Errorf("Name = %q", p.Name())
	}
}
