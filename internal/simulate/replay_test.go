package simulate

import (
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/recommend"
	"tailor.dev/tailor/internal/workload"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type sliceSource struct {
	s []workload.Sample
	i int
}

func (s *sliceSource) Next() (workload.Sample, error) {
	if s.i >= len(s.s) {
		return workload.Sample{}, io.EOF
	}
	s.i++
	return s.s[s.i-1], nil
}

// series builds n 5-minute samples of one container with usage from f.
func series(pod string, n int, prov workload.Resources, f func(i int) (cpu, mem float64)) []workload.Sample {
	out := make([]workload.Sample, n)
	for i := range out {
		c, m := f(i)
		out[i] = workload.Sample{
			Ref:  workload.ContainerRef{Namespace: "ns", Workload: "w", Pod: pod, Container: "c"},
			Time: t0.Add(time.Duration(i+1) * 5 * time.Minute), Interval: 5 * time.Minute,
			CPU: c, Memory: m, Provisioned: prov, ThrottledFraction: math.NaN(),
		}
	}
	return out
}

// fixed is a policy that applies one configuration at every decision.
type fixed struct {
	name string
	res  workload.Resources
	ooms *int
}

func (f fixed) Name() string { return f.name }
func (f fixed) NewContainer(workload.ContainerRef, workload.Resources, time.Time) ContainerPolicy {
	return f
}
func (f fixed) Observe(workload.Sample) {}
func (f fixed) OOM(time.Time, workload.Resources, float64) {
	if f.ooms != nil {
		*f.ooms++
	}
}
func (f fixed) Decide(time.Time, workload.Resources) workload.Resources { return f.res }

func TestReplayScoresByHand(t *testing.T) {
	prov := workload.Resources{CPURequest: 2, MemRequest: 4 * workload.GiB, MemLimit: 4 * workload.GiB}
	// 2 days of samples: usage 1 core, 1 GiB, except one 5-minute spike to 3 GiB on day 2.
	n := 2 * 288
	src := &sliceSource{s: series("p", n, prov, func(i int) (float64, float64) {
		if i == 300 {
			return 1, 3 * workload.GiB
		}
		return 1, 1 * workload.GiB
	})}
	var ooms int
	pols := []Policy{
		fixed{name: "half", res: workload.Resources{CPURequest: 0.5, MemRequest: 2 * workload.GiB}, ooms: &ooms},
		Manual{},
	}
	res, err := Replay(src, pols, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if res.Containers != 1 || res.Samples != n {
		t.Fatalf("containers %d samples %d", res.Containers, res.Samples)
	}
	// Warm-up is the first 24h: the first 288 five-minute windows are not scored.
	scored := n - 288
	half, manual := res.Policies[0].Total, res.Policies[1].Total
	for _, sc := range []Score{half, manual} {
		if sc.Samples != scored {
			t.Fatalf("scored %d samples, want %d", sc.Samples, scored)
		}
	}
	h := float64(scored) / 12
	check := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("half cpu shortfall", half.CPUShortfallCoreHours, 0.5*h)
	check("half cpu slack", half.CPUSlackCoreHours, 0)
	check("manual cpu slack", manual.CPUSlackCoreHours, 1*h)
	check("manual mem slack", manual.MemSlackGiBHours, 3*h-2.0/12)
	check("half mem slack", half.MemSlackGiBHours, 1*h-1.0/12)
	if half.OOMKills != 1 || manual.OOMKills != 0 || ooms != 1 {
		t.Errorf("oom kills half=%d manual=%d told=%d, want 1, 0, 1", half.OOMKills, manual.OOMKills, ooms)
	}
	if half.Changes != 1 || manual.Changes != 0 {
		t.Errorf("changes half=%d manual=%d, want 1 and 0", half.Changes, manual.Changes)
	}
	check("cost", manual.CostUSD, 2*h*0.031611+4*h*0.004237)
}

// Invariants on every policy: slack - shortfall = request - usage, and every
// policy scores exactly the same samples.
func TestReplayInvariants(t *testing.T) {
	prov := workload.Resources{CPURequest: 1, MemRequest: workload.GiB, MemLimit: workload.GiB}
	var samples []workload.Sample
	for _, pod := range []string{"a", "b"} {
		samples = append(samples, series(pod, 5*288, prov, func(i int) (float64, float64) {
			x := float64(i % 288)
			return 0.2 + 0.6*math.Abs(math.Sin(x/40)), (300 + 200*math.Abs(math.Cos(x/30))) * (1 << 20)
		})...)
	}
	e, err := recommend.New(recommend.Default())
	if err != nil {
		t.Fatal(err)
	}
	res, err := Replay(&sliceSource{s: samples}, []Policy{Tailor{Engine: e}, Manual{}}, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Policies {
		sc := p.Total
		if sc.Samples != res.Policies[0].Total.Samples {
			t.Errorf("%s scored %d samples, first policy %d", p.Name, sc.Samples, res.Policies[0].Total.Samples)
		}
		lhs := sc.CPUSlackCoreHours - sc.CPUShortfallCoreHours
		rhs := sc.CPURequestCoreHours - sc.CPUUsageCoreHours
		if math.Abs(lhs-rhs) > 1e-6 {
			t.Errorf("%s: slack-shortfall %v != request-usage %v", p.Name, lhs, rhs)
		}
		var sum Score
		for _, c := range p.PerContainer {
			sum.Add(c.Score)
		}
		if math.Abs(sum.CostUSD-sc.CostUSD) > 1e-9 || sum.Samples != sc.Samples {
			t.Errorf("%s: per-container scores do not add up to the total", p.Name)
		}
	}
	tl := res.Policies[0].Total
	if tl.CPURequestCoreHours >= res.Policies[1].Total.CPURequestCoreHours {
		t.Errorf("tailor requested %v core-h, manual %v: expected right-sizing to cut it", tl.CPURequestCoreHours, res.Policies[1].Total.CPURequestCoreHours)
	}
}

func TestReplayRejectsBadInput(t *testing.T) {
	prov := workload.Resources{CPURequest: 1}
	back := series("p", 3, prov, func(int) (float64, float64) { return 1, 1 })
	back[2].Time = back[0].Time
	neg := series("p", 2, prov, func(int) (float64, float64) { return -1, 1 })
	tests := []struct {
		name string
		in   []workload.Sample
		want string
	}{
		{"time goes back", back, "is not after"},
		{"negative cpu", neg, "cpu -1 is not a valid value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Replay(&sliceSource{s: tc.in}, []Policy{Manual{}}, DefaultConfig())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "ns/w/p/c") {
				t.Fatalf("err = %v, want one naming the container and %q", err, tc.want)
			}
		})
	}
	if _, err := Replay(&sliceSource{}, nil, DefaultConfig()); err == nil {
		t.Fatal("no policies must be an error")
	}
}

func TestOracle(t *testing.T) {
	prov := workload.Resources{CPURequest: 4, MemRequest: 4 * workload.GiB, MemLimit: 4 * workload.GiB}
	// Day 1 (warm-up) at 1 core, day 2 at 2 cores, day 3 at 1 core; memory 1 GiB with a spike.
	src := &sliceSource{s: series("p", 3*288, prov, func(i int) (float64, float64) {
		c := 1.0
		if i >= 288 && i < 576 {
			c = 2
		}
		m := float64(workload.GiB)
		if i == 600 {
			m *= 2
		}
		return c, m
	})}
	got, err := Oracle(src, 24*time.Hour, []float64{1}, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	sc := got[0].Score
	if sc.CPUSlackCoreHours != 0 || sc.CPUShortfallCoreHours != 0 || sc.OOMKills != 0 {
		t.Fatalf("a clairvoyant q=1 oracle on flat blocks has no slack or shortfall: %+v", sc)
	}
	// Day 3's block holds the 2 GiB spike all day: 1 GiB slack for 24h minus the spike interval.
	if want := 24.0 - 1.0/12; math.Abs(sc.MemSlackGiBHours-want) > 1e-9 {
		t.Fatalf("memory slack %v, want %v", sc.MemSlackGiBHours, want)
	}
	if sc.Changes != 2 {
		t.Fatalf("scored blocks %d, want 2", sc.Changes)
	}
	if _, err := Oracle(&sliceSource{}, 0, []float64{0.9}, DefaultConfig()); err == nil {
		t.Fatal("zero block must be rejected")
	}
}
