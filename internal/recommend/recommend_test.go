package recommend

import (
	"math"
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/workload"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func sample(at time.Duration, cpu, mem float64) workload.Sample {
	return workload.Sample{Time: t0.Add(at), Interval: 5 * time.Minute, CPU: cpu, Memory: mem, ThrottledFraction: math.NaN()}
}

func mustEngine(t *testing.T, cfg Config) *Engine {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSteps(t *testing.T) {
	tests := []struct {
		name  string
		in    float64
		step  step
		want  float64
		noted bool
	}{
		{"margin", 1, withMargin(0.1), 1.1, true},
		{"zero margin", 1, withMargin(0), 1, false},
		{"floor raises", 0.001, withFloor(0.005, "min"), 0.005, true},
		{"floor keeps", 0.01, withFloor(0.005, "min"), 0.01, false},
		{"clamp caps", 10, withClamp(4, "max"), 4, true},
		{"clamp off", 10, withClamp(0, "max"), 10, false},
		{"bump on", 1, withBump(true, 0.2, "throttle-bump", "x"), 1.2, true},
		{"bump off", 1, withBump(false, 0.2, "throttle-bump", "x"), 1, false},
		{"round millicores", 0.1234, roundUp(milliCore), 0.124, false},
		{"round exact", 0.5, roundUp(milliCore), 0.5, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.step(value{resource: "cpu", v: tc.in})
			if math.Abs(got.v-tc.want) > 1e-9 {
				t.Fatalf("value = %v, want %v", got.v, tc.want)
			}
			if (len(got.reasons) > 0) != tc.noted {
				t.Fatalf("reasons = %v, want noted=%v", got.reasons, tc.noted)
			}
		})
	}
}

func TestRecommendSteadyUsage(t *testing.T) {
	e := mustEngine(t, Default())
	s := e.NewState()
	for i := 0; i < 3*288; i++ { // 3 days at 5 minutes
		e.Add(s, sample(time.Duration(i)*5*time.Minute, 0.5, 1<<30))
	}
	rec := e.Recommend(s, t0.Add(72*time.Hour))
	cpu, mem := rec.Target.CPURequest, rec.Target.MemRequest
	// Constant usage: the margin is capped at the p99.5 of usage, i.e. 0.5 core
	// within one bucket.
	if cpu < 0.5 || cpu > 0.5*1.06 {
		t.Errorf("cpu = %v, want 0.5 (percentile + margin, capped at the observed p99.5), within one bucket", cpu)
	}
	if mem != math.Ceil((1+Default().Memory.Margin)*(1<<30)/(1<<20))*(1<<20) {
		t.Errorf("memory = %v, want 1 GiB +10%% rounded to MiB", mem)
	}
	if rec.Target.MemLimit != mem || rec.Target.CPULimit != 0 {
		t.Errorf("limits = %+v, want memory limit = request and no CPU limit", rec.Target)
	}
	if rec.Confidence <= 0 || rec.Confidence >= 1 {
		t.Errorf("confidence = %v after 3 of 7 days", rec.Confidence)
	}
	if !strings.Contains(rec.Reasons[0].Detail, "p90") {
		t.Errorf("first reason %q does not name the percentile", rec.Reasons[0].Detail)
	}
}

func TestRecommendCPUOnly(t *testing.T) {
	e := mustEngine(t, Default())
	s := e.NewState()
	e.Add(s, sample(0, 1, math.NaN()))
	rec := e.Recommend(s, t0)
	if !rec.HasCPU || rec.HasMemory || rec.Target.MemRequest != 0 {
		t.Fatalf("CPU-only trace gave %+v", rec)
	}
}

func TestOOMRaisesMemoryAtOnce(t *testing.T) {
	e := mustEngine(t, Default())
	s := e.NewState()
	for i := 0; i < 288; i++ {
		e.Add(s, sample(time.Duration(i)*5*time.Minute, 0.1, 500<<20))
	}
	e.RecordOOM(s, t0.Add(24*time.Hour), 600<<20, 610<<20)
	rec := e.Recommend(s, t0.Add(24*time.Hour))
	want := float64(610<<20) * 1.2 // max(+20%, +100 MiB) of the usage at OOM
	if rec.Target.MemRequest < want {
		t.Fatalf("memory after OOM = %v MiB, want >= %v MiB", rec.Target.MemRequest/(1<<20), want/(1<<20))
	}
	found := false
	for _, r := range rec.Reasons {
		found = found || strings.Contains(r.Detail, "OOM")
	}
	if !found {
		t.Errorf("reasons %v do not mention the OOM", rec.Reasons)
	}
	// The bump is remembered for the whole window, not just one decision.
	rec = e.Recommend(s, t0.Add(5*24*time.Hour))
	if rec.Target.MemRequest < want {
		t.Fatalf("OOM bump forgotten after 4 days: %v MiB", rec.Target.MemRequest/(1<<20))
	}
}

func TestMergeReplicas(t *testing.T) {
	e := mustEngine(t, Default())
	a, b, m := e.NewState(), e.NewState(), e.NewState()
	for i := 0; i < 288; i++ {
		at := time.Duration(i) * 5 * time.Minute
		e.Add(a, sample(at, 0.2, 100<<20))
		e.Add(b, sample(at, 0.8, 300<<20))
	}
	e.Merge(m, a)
	e.Merge(m, b)
	rec := e.Recommend(m, t0.Add(24*time.Hour))
	if rec.Target.CPURequest < 0.8 || rec.Target.MemRequest < 300<<20 {
		t.Fatalf("merged recommendation %+v must cover the busier replica", rec.Target)
	}
	if m.Samples() != 2*288 {
		t.Fatalf("merged samples = %d", m.Samples())
	}
}

func TestDecideGate(t *testing.T) {
	cfg := Default()
	e := mustEngine(t, cfg)
	rec := func(cpu, upper float64, conf float64) Recommendation {
		return Recommendation{HasCPU: true, Confidence: conf,
			Target: workload.Resources{CPURequest: cpu}, Upper: workload.Resources{CPURequest: upper}}
	}
	day := 24 * time.Hour
	tests := []struct {
		name     string
		cur      float64
		rec      Recommendation
		lastDown time.Duration // before now; 0 = never
		want     float64
		step     string
	}{
		{"unset applies", 0, rec(1, 1.2, 0), 0, 1, "apply"},
		{"raise now", 1, rec(1.25, 1.3, 0.1), 0, 1.25, "apply"},
		{"small cpu raise waits", 1, rec(1.15, 1.3, 1), 0, 1, "hold"},
		{"small raise held", 1, rec(1.05, 1.1, 1), 0, 1, "hold"},
		{"small cut held", 1, rec(0.95, 1.0, 1), 0, 1, "hold"},
		{"cut after delay", 1, rec(0.5, 0.9, 1), 2 * day, 0.5, "apply"},
		{"cut deferred", 1, rec(0.8, 0.95, 1), day / 2, 1, "hold"},
		{"far above upper cuts now", 2, rec(0.8, 1.0, 1), day / 2, 0.8, "apply"},
		{"above upper but young history", 2, rec(0.8, 1.0, 0.5), day / 2, 2, "hold"},
	}
	now := t0.Add(30 * day)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := e.NewState()
			if tc.lastDown > 0 {
				s.lastDownCPU = now.Add(-tc.lastDown).Unix()
			}
			next, why := e.Decide(s, tc.rec, workload.Resources{CPURequest: tc.cur}, now)
			if next.CPURequest != tc.want || why[0].Step != tc.step {
				t.Fatalf("got %v (%s: %s), want %v (%s)", next.CPURequest, why[0].Step, why[0].Detail, tc.want, tc.step)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := Default()
	bad.CPU.Percentile = 1.5
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "cpu.percentile") {
		t.Fatalf("err = %v, want it to name cpu.percentile", err)
	}
	bad = Default()
	bad.Memory.Windows = 0
	if _, err := New(bad); err == nil || !strings.Contains(err.Error(), "memory.windows") {
		t.Fatalf("err = %v, want it to name memory.windows", err)
	}
}

func TestDecideMemoryAndPiggyback(t *testing.T) {
	e := mustEngine(t, Default())
	now := t0.Add(30 * 24 * time.Hour)
	gib := float64(workload.GiB)
	tests := []struct {
		name     string
		cur, rec workload.Resources
		cpu, mem bool
		want     workload.Resources
	}{
		{"memory raises on a small step", workload.Resources{MemRequest: gib, MemLimit: gib},
			workload.Resources{MemRequest: 1.07 * gib, MemLimit: 1.07 * gib}, false, true,
			workload.Resources{MemRequest: 1.07 * gib, MemLimit: 1.07 * gib}},
		{"memory step under the absolute minimum", workload.Resources{MemRequest: 64 << 20, MemLimit: 64 << 20},
			workload.Resources{MemRequest: 68 << 20, MemLimit: 68 << 20}, false, true,
			workload.Resources{MemRequest: 64 << 20, MemLimit: 64 << 20}},
		{"cpu joins a memory rollout", workload.Resources{CPURequest: 1, MemRequest: gib, MemLimit: gib},
			workload.Resources{CPURequest: 0.95, MemRequest: 1.5 * gib, MemLimit: 1.5 * gib}, true, true,
			workload.Resources{CPURequest: 0.95, MemRequest: 1.5 * gib, MemLimit: 1.5 * gib}},
		{"cpu too close to join", workload.Resources{CPURequest: 1, MemRequest: gib, MemLimit: gib},
			workload.Resources{CPURequest: 0.99, MemRequest: 1.5 * gib, MemLimit: 1.5 * gib}, true, true,
			workload.Resources{CPURequest: 1, MemRequest: 1.5 * gib, MemLimit: 1.5 * gib}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := Recommendation{HasCPU: tc.cpu, HasMemory: tc.mem, Confidence: 1, Target: tc.rec, Upper: tc.rec}
			got, _ := e.Decide(e.NewState(), rec, tc.cur, now)
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestOOMHoldExpires(t *testing.T) {
	cfg := Default()
	cfg.Memory.OOMHold = 24 * time.Hour
	e := mustEngine(t, cfg)
	s := e.NewState()
	at := time.Duration(0)
	for ; at < 24*time.Hour; at += 5 * time.Minute {
		e.Add(s, sample(at, 0.1, 200<<20))
	}
	e.RecordOOM(s, t0.Add(at), 250<<20, 260<<20)
	held := e.Recommend(s, t0.Add(at)).Target.MemRequest
	for end := at + 25*time.Hour; at < end; at += 5 * time.Minute {
		e.Add(s, sample(at, 0.1, 200<<20))
	}
	after := e.Recommend(s, t0.Add(at)).Target.MemRequest
	if held < 360<<20 || after > 240<<20 {
		t.Fatalf("memory held %v MiB after the OOM and %v MiB a day later; want >= 360 then back near 200*1.15",
			held/(1<<20), after/(1<<20))
	}
}

// A container pinned at its core count (on/off batch work) gets no margin
// above what it has ever used.
func TestCPUCapAtObservedPeak(t *testing.T) {
	e := mustEngine(t, Default())
	s := e.NewState()
	for i := 0; i < 3*288; i++ {
		cpu := 0.05
		if i%288 < 120 { // 10 hours a day at the VM's 4 cores
			cpu = 4
		}
		e.Add(s, sample(time.Duration(i)*5*time.Minute, cpu, 1<<30))
	}
	rec := e.Recommend(s, t0.Add(72*time.Hour))
	if got := rec.Target.CPURequest; got < 4*0.95 || got > 4*1.06 {
		t.Fatalf("cpu = %v, want the observed peak 4 (within one bucket), not p90 + 15%% = 4.6", got)
	}
	found := false
	for _, r := range rec.Reasons {
		found = found || r.Step == "clamp"
	}
	if !found {
		t.Errorf("reasons %v do not record the cap", rec.Reasons)
	}
}

func TestThrottlingRaisesCPU(t *testing.T) {
	e := mustEngine(t, Default())
	calm, hot := e.NewState(), e.NewState()
	for i := 0; i < 288; i++ {
		x := sample(time.Duration(i)*5*time.Minute, 0.5+0.1*float64(i%3), 1<<30)
		x.ThrottledFraction = 0
		e.Add(calm, x)
		x.ThrottledFraction = 0.3 // a CPU limit throttles 30% of periods
		e.Add(hot, x)
	}
	now := t0.Add(24 * time.Hour)
	c, h := e.Recommend(calm, now).Target.CPURequest, e.Recommend(hot, now)
	if h.Target.CPURequest < c*(1+Default().CPU.ThrottleBump)*0.99 {
		t.Fatalf("throttled container got %v cores, calm one %v: want the throttle bump", h.Target.CPURequest, c)
	}
	found := false
	for _, r := range h.Reasons {
		found = found || r.Step == "throttle-bump"
	}
	if !found {
		t.Errorf("reasons %v do not record the throttling", h.Reasons)
	}
}

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24 * time.Hour: "24h", 7 * 24 * time.Hour: "7d", 60 * time.Hour: "60h", 90 * time.Minute: "90m",
		30 * time.Second: "30s", 1500 * time.Millisecond: "1.5s",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestEvidence(t *testing.T) {
	e, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewState()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 48*12; i++ {
		x := workload.Sample{Time: start.Add(time.Duration(i+1) * 5 * time.Minute), Interval: 5 * time.Minute,
			CPU: float64(i%10+1) / 10, Memory: float64(100+i%60) * (1 << 20), ThrottledFraction: math.NaN()}
		if i == 400 {
			x.OOMKilled, x.Provisioned.MemLimit = true, 150<<20
		}
		e.Add(s, x)
	}
	ev := e.Evidence(s)
	if ev.Samples != 576 || ev.History != 48*time.Hour {
		t.Errorf("samples %d history %s, want 576 and 48h", ev.Samples, ev.History)
	}
	if len(ev.CPU) != len(EvidenceQuantiles) {
		t.Fatalf("cpu quantiles %v", ev.CPU)
	}
	// Usage is uniform on 0.1..1.0: the median is about 0.5, the max 1.0.
	if ev.CPU[0] < 0.45 || ev.CPU[0] > 0.6 || ev.CPU[4] < 0.99 || ev.CPU[4] > 1.06 {
		t.Errorf("cpu p50 %.3f max %.3f", ev.CPU[0], ev.CPU[4])
	}
	for i := 1; i < len(ev.CPU); i++ {
		if ev.CPU[i] < ev.CPU[i-1] {
			t.Errorf("quantiles not increasing: %v", ev.CPU)
		}
	}
	if ev.MemoryMax != 159<<20 || ev.MemoryRecent != 159<<20 || ev.MemoryWindows != 49 { // 00:05 to 48:00 touches 49 hourly windows
		t.Errorf("memory max %.0f recent %.0f windows %d", ev.MemoryMax, ev.MemoryRecent, ev.MemoryWindows)
	}
	if ev.OOMKills != 1 || ev.LastOOM.IsZero() || ev.OOMFloor < 150<<20 {
		t.Errorf("oom %d at %s floor %.0f", ev.OOMKills, ev.LastOOM, ev.OOMFloor)
	}
	if empty := e.Evidence(e.NewState()); empty.CPU != nil || empty.MemoryMax != 0 || !empty.LastOOM.IsZero() {
		t.Errorf("empty state evidence %+v", empty)
	}
}
