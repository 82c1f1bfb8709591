package autoscale_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/autoscale"
	"tailor.dev/tailor/internal/horizontal"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// service builds a service whose demand holds each value for step.
func service(t *testing.T, name string, step time.Duration, request float64, demand ...float64) autoscale.Service {
	t.Helper()
	tl, err := horizontal.SampledTimeline(name, step, demand)
	if err != nil {
		t.Fatal(err)
	}
	return autoscale.Service{Name: name, Start: t0, Demand: tl, Request: request}
}

// testConfig scores from the start and makes pods Ready 30 s after creation.
func testConfig() autoscale.Config {
	cfg := autoscale.DefaultConfig()
	cfg.WarmUp, cfg.StartupDelay = 0, 30*time.Second
	return cfg
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// checkScore compares every field, with a tolerance on the floats.
func checkScore(t *testing.T, got, want autoscale.Score) {
	t.Helper()
	floats := []struct {
		name      string
		got, want float64
	}{
		{"Hours", got.Hours, want.Hours}, {"ReplicaHours", got.ReplicaHours, want.ReplicaHours},
		{"RequestedCoreHours", got.RequestedCoreHours, want.RequestedCoreHours},
		{"DemandCoreHours", got.DemandCoreHours, want.DemandCoreHours},
		{"OverloadMinutes", got.OverloadMinutes, want.OverloadMinutes},
		{"UnservedCoreHours", got.UnservedCoreHours, want.UnservedCoreHours}, {"CostUSD", got.CostUSD, want.CostUSD},
	}
	for _, f := range floats {
		if !near(f.got, f.want) {
			t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
		}
	}
	if got.ScaleEvents != want.ScaleEvents || got.SettingChanges != want.SettingChanges {
		t.Errorf("scale events %d, setting changes %d; want %d, %d", got.ScaleEvents, got.SettingChanges, want.ScaleEvents, want.SettingChanges)
	}
}

const sync = 15.0 / 3600 // one sync period in hours

// The scoring arithmetic on hand-computed timelines (request 1 core,
// target 50%, minReplicas 2, pods Ready 30 s after creation). Every case
// runs with and without the fast path.
func TestScoreArithmetic(t *testing.T) {
	static := autoscale.Static{Target: 50, MinReplicas: 2, MaxReplicas: 10}
	cases := []struct {
		name   string
		demand []float64
		cfg    func(*autoscale.Config)
		want   autoscale.Score
	}{{
		// 1.5 cores at 50% of 1-core pods: 3 pods from the start (the
		// initial count is where the HPA settles), utilization 50%, no
		// change. 8 syncs of 15 s.
		name:   "steady",
		demand: []float64{1.5, 1.5},
		want: autoscale.Score{Hours: 8 * sync, ReplicaHours: 24 * sync, RequestedCoreHours: 24 * sync,
			DemandCoreHours: 12 * sync, CostUSD: 24 * sync * 0.031611},
	}, {
		// At 60 s the demand jumps to 3.5: utilization int(350/3) = 116%,
		// ratio 2.32, ceil(2.32 × 3) = 7 capped at max(2 × 3, 4) = 6 (no
		// behavior). At 75 s the 3 new pods are not Ready and count as 0:
		// int(3500 × 100 / 6000) = 58%, ratio 1.16, ceil(1.16 × 6) = 7.
		// At 90 s the first 3 new pods are Ready: 6 cores serve 3.5.
		// Overload at 60 s and 75 s: 2 syncs short of 0.5 core each.
		// Pods: 3 for 4 syncs, 6 for 1, 7 for 3 = 39 pod-syncs.
		name:   "step up",
		demand: []float64{1.5, 3.5},
		want: autoscale.Score{Hours: 8 * sync, ReplicaHours: 39 * sync, RequestedCoreHours: 39 * sync,
			DemandCoreHours: 20 * sync, OverloadMinutes: 0.5, UnservedCoreHours: 2 * 0.5 * sync,
			ScaleEvents: 2, CostUSD: 39 * sync * 0.031611},
	}, {
		// The same with the first minute as warm-up: only the second
		// window is scored, both scale events included.
		name:   "warm-up",
		demand: []float64{1.5, 3.5},
		cfg:    func(c *autoscale.Config) { c.WarmUp = time.Minute },
		want: autoscale.Score{Hours: 4 * sync, ReplicaHours: 27 * sync, RequestedCoreHours: 27 * sync,
			DemandCoreHours: 14 * sync, OverloadMinutes: 0.5, UnservedCoreHours: 2 * 0.5 * sync,
			ScaleEvents: 2, CostUSD: 27 * sync * 0.031611},
	}, {
		// Saturation 0.5: a pod serves half its request. 3 pods serve
		// 1.5 cores at 1.5 demand: not overloaded (demand must exceed).
		// Memory at 1 GiB per pod joins the cost.
		name:   "saturation and memory",
		demand: []float64{1.5},
		cfg:    func(c *autoscale.Config) { c.Saturation, c.PodMemoryGiB = 0.5, 1 },
		want: autoscale.Score{Hours: 4 * sync, ReplicaHours: 12 * sync, RequestedCoreHours: 12 * sync,
			DemandCoreHours: 6 * sync, CostUSD: 12 * sync * (0.031611 + 0.004237)},
	}, {
		// Saturation 0.4: 3 pods serve 1.2 cores; 0.3 short at every sync.
		name:   "saturation overload",
		demand: []float64{1.5},
		cfg:    func(c *autoscale.Config) { c.Saturation = 0.4 },
		want: autoscale.Score{Hours: 4 * sync, ReplicaHours: 12 * sync, RequestedCoreHours: 12 * sync,
			DemandCoreHours: 6 * sync, OverloadMinutes: 1, UnservedCoreHours: 4 * 0.3 * sync, CostUSD: 12 * sync * 0.031611},
	}}
	for _, tc := range cases {
		for _, every := range []bool{false, true} {
			cfg := testConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			cfg.EverySync = every
			res, err := autoscale.Replay([]autoscale.Service{service(t, "s", time.Minute, 1, tc.demand...)},
				[]autoscale.Policy{static}, cfg)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			t.Run(tc.name, func(t *testing.T) { checkScore(t, res.Policies[0].Total, tc.want) })
		}
	}
}

func TestMeanUtilization(t *testing.T) {
	if u := (autoscale.Score{DemandCoreHours: 1, RequestedCoreHours: 4}).MeanUtilization(); u != 0.25 {
		t.Errorf("utilization %v, want 0.25", u)
	}
	if u := (autoscale.Score{}).MeanUtilization(); u != 0 {
		t.Errorf("utilization of nothing %v, want 0", u)
	}
}

// Totals are the sums over services, in the order given.
func TestReplayTotals(t *testing.T) {
	a := service(t, "a", 5*time.Minute, 0.5, 1, 2, 4, 2, 1, 0.5)
	b := service(t, "b", 5*time.Minute, 1, 3, 3, 6, 1, 1, 1)
	cfg := testConfig()
	cfg.Workers = 2
	res, err := autoscale.Replay([]autoscale.Service{a, b}, append(autoscale.StaticTargets(), autoscale.DefaultTailor()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Services != 2 || len(res.Policies) != 5 {
		t.Fatalf("%d services, %d policies", res.Services, len(res.Policies))
	}
	for _, p := range res.Policies {
		var sum autoscale.Score
		for i, s := range p.PerService {
			if want := []string{"a", "b"}[i]; s.Service != want {
				t.Errorf("%s: service %d is %q, want %q", p.Name, i, s.Service, want)
			}
			sum.Add(s.Score)
		}
		checkScore(t, p.Total, sum)
		if !near(p.Total.DemandCoreHours, res.Policies[0].Total.DemandCoreHours) {
			t.Errorf("%s replayed another demand", p.Name)
		}
	}
}

func TestReplayErrors(t *testing.T) {
	good := service(t, "web", time.Minute, 1, 1, 2)
	misaligned := service(t, "odd", 20*time.Second, 1, 1, 2)
	negative := good
	negative.Demand = horizontal.Timeline{Name: "web", Segments: []horizontal.Segment{{From: 0, To: time.Minute, Value: -1}}}
	gap := good
	gap.Demand = horizontal.Timeline{Name: "web", Segments: []horizontal.Segment{
		{From: 0, To: time.Minute, Value: 1}, {From: 2 * time.Minute, To: 3 * time.Minute, Value: 1}}}
	noRequest := good
	noRequest.Request = 0
	static := []autoscale.Policy{autoscale.Static{Target: 50, MinReplicas: 2, MaxReplicas: 10}}
	cases := []struct {
		name     string
		services []autoscale.Service
		policies []autoscale.Policy
		cfg      func(*autoscale.Config)
		want     string
	}{
		{"no services", nil, static, nil, "at least one service"},
		{"duplicate service", []autoscale.Service{good, good}, static, nil, `two services are named "web"`},
		{"duplicate policy", []autoscale.Service{good}, append(static, static...), nil, `two policies are named "hpa-50"`},
		{"misaligned", []autoscale.Service{misaligned}, static, nil, "service odd: demand window 0s..20s"},
		{"negative", []autoscale.Service{negative}, static, nil, "web 0s..1m0s: value -1 is negative"},
		{"gap", []autoscale.Service{gap}, static, nil, "web 2m0s..3m0s: gap from 1m0s to 2m0s"},
		{"no request", []autoscale.Service{noRequest}, static, nil, "service web: CPU request 0"},
		{"bad hpa", []autoscale.Service{good}, []autoscale.Policy{autoscale.Static{Target: 50, MinReplicas: 3, MaxReplicas: 2}},
			nil, "policy hpa-50, service web: hpa spec: spec.maxReplicas"},
		{"bad tuner", []autoscale.Service{good}, []autoscale.Policy{badTuner{}}, nil,
			"policy bad, service web: setting for the window from 2024-01-01T00:01:00Z: CPU request 0"},
		{"bad config", []autoscale.Service{good}, static, func(c *autoscale.Config) { c.Saturation = 0 }, "saturation 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			_, err := autoscale.Replay(tc.services, tc.policies, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// badTuner asks for a zero CPU request after the first window.
type badTuner struct{}

func (badTuner) Name() string { return "bad" }
func (badTuner) NewTuner(s autoscale.ServiceInfo) (autoscale.Tuner, error) {
	return &badTunerState{set: autoscale.Setting{Request: s.Request, MinReplicas: 1, MaxReplicas: 5, Target: 50}}, nil
}

type badTunerState struct{ set autoscale.Setting }

func (b *badTunerState) Initial() autoscale.Setting { return b.set }
func (b *badTunerState) Next(autoscale.Window) autoscale.Setting {
	b.set.Request = 0
	return b.set
}
