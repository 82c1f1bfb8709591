package horizontal

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestTimeline(t *testing.T) {
	tl := Timeline{Name: "load"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tl.Append(Segment{0, time.Minute, 1}))
	must(tl.Append(Segment{time.Minute, 2 * time.Minute, 3}))
	for d, want := range map[time.Duration]float64{0: 1, 59 * time.Second: 1, time.Minute: 3, 2 * time.Minute: 3} {
		if got, ok := tl.At(d); !ok || got != want {
			t.Errorf("At(%s) = %v %v, want %v", d, got, ok, want)
		}
	}
	if _, ok := tl.At(3 * time.Minute); ok {
		t.Error("At past the end")
	}
	bad := []struct {
		seg  Segment
		want string
	}{
		{Segment{3 * time.Minute, 4 * time.Minute, 1}, "load 3m0s..4m0s: gap from 2m0s to 3m0s"},
		{Segment{time.Minute, 4 * time.Minute, 1}, "overlaps the previous segment, which ends at 2m0s"},
		{Segment{2 * time.Minute, 3 * time.Minute, -0.5}, "value -0.5 is negative"},
		{Segment{2 * time.Minute, 3 * time.Minute, math.NaN()}, "is not a number"},
		{Segment{2 * time.Minute, 2 * time.Minute, 1}, "range is empty"},
	}
	for _, b := range bad {
		if err := tl.Append(b.seg); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("Append(%v) = %v, want %q", b.seg, err, b.want)
		}
	}
	first := Timeline{Name: "x"}
	if err := first.Append(Segment{time.Second, time.Minute, 1}); err == nil || !strings.Contains(err.Error(), "must start at 0s") {
		t.Errorf("late start: %v", err)
	}
}

func TestSampledTimeline(t *testing.T) {
	tl, err := SampledTimeline("svc-1", time.Minute, []float64{1, 2, 0})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := tl.At(90 * time.Second); v != 2 || tl.End() != 3*time.Minute {
		t.Errorf("At(90s) = %v, End = %s", v, tl.End())
	}
	for _, tt := range []struct {
		values []float64
		want   string
	}{
		{[]float64{1, math.NaN(), 2}, "svc-1: sample 1 (at 1m0s) is missing"},
		{[]float64{1, 2, -3}, "svc-1: sample 2 (at 2m0s) is -3; demand must be finite and non-negative"},
	} {
		if _, err := SampledTimeline("svc-1", time.Minute, tt.values); err == nil || err.Error() != tt.want {
			t.Errorf("got %v, want %q", err, tt.want)
		}
	}
}

func TestCluster(t *testing.T) {
	cfg := DefaultClusterConfig()
	cfg.Pod.StartupCPU = 700
	c, err := NewCluster(cfg, t0, 2)
	if err != nil {
		t.Fatal(err)
	}
	c.Scale(t0, 4)
	obs := c.Observe(t0.Add(15*time.Second), Load{CPU: 3, PodMetrics: map[string]float64{"rps": 10}})
	// 2 old pods are Ready and split 3 cores: 1500m each and 5 rps each; the
	// 2 new ones are Running but not Ready (30 s start-up): 700m, 0 rps.
	want := []struct {
		cpu   Milli
		rps   Milli
		ready bool
	}{{1500, 5000, true}, {1500, 5000, true}, {700, 0, false}, {700, 0, false}}
	for i, w := range want {
		p := obs.Pods[i]
		if got := p.Metrics.Containers[0].Usage[CPU]; got != w.cpu || p.Custom["rps"] != w.rps || p.Ready.Status != w.ready {
			t.Errorf("pod %d: cpu %d rps %d ready %v, want %+v", i, got, p.Custom["rps"], p.Ready.Status, w)
		}
	}
	if n := c.ReadyPods(t0.Add(30 * time.Second)); n != 4 {
		t.Errorf("ready at 30s = %d, want 4", n)
	}
	// Scale-down removes the not-Ready (new) pods first.
	c.Scale(t0.Add(15*time.Second), 2)
	obs = c.Observe(t0.Add(15*time.Second), Load{MissingPods: 1})
	if obs.Pods[0].Name != "pod-1" || obs.Pods[1].Name != "pod-2" || obs.Pods[1].Metrics != nil || obs.Pods[0].Metrics == nil {
		t.Errorf("after scale-down: %+v", obs.Pods)
	}
}

func TestClusterPending(t *testing.T) {
	cfg := DefaultClusterConfig()
	cfg.Pod.PendingDelay = time.Minute
	c, _ := NewCluster(cfg, t0, 0)
	c.Scale(t0, 1)
	p := c.Observe(t0.Add(30*time.Second), Load{}).Pods[0]
	if p.Phase != PodPending || p.Metrics != nil || !p.StartTime.IsZero() {
		t.Errorf("pending pod: %+v", p)
	}
	if _, err := NewCluster(ClusterConfig{}, t0, 1); err == nil {
		t.Error("template without containers accepted")
	}
}

// A CPU sample covers the metric window before it: a pod Ready for less than
// one window reports a blend of its start-up CPU and its share of the load.
func TestClusterSampleWindow(t *testing.T) {
	cfg := DefaultClusterConfig()
	cfg.Pod.StartupCPU = 2000
	c, _ := NewCluster(cfg, t0, 0)
	c.Scale(t0, 1) // Ready at t0+30s
	cpu := func(at time.Duration) Milli {
		return c.Observe(t0.Add(at), Load{CPU: 1}).Pods[0].Metrics.Containers[0].Usage[CPU]
	}
	// Not Ready: 2000m. Ready 0 s: 2000m. Ready 7.5 s of 15 s: (2000+1000)/2.
	// Ready 15 s: its share, 1000m.
	for at, want := range map[time.Duration]Milli{15 * time.Second: 2000, 30 * time.Second: 2000, 37500 * time.Millisecond: 1500, 45 * time.Second: 1000} {
		if got := cpu(at); got != want {
			t.Errorf("at %s: %d, want %d", at, got, want)
		}
	}
}
