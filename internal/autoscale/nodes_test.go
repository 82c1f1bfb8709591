package autoscale_test

import (
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/autoscale"
	"tailor.dev/tailor/internal/cost"
)

// The footprint of the "step up" case of TestScoreArithmetic with 1-minute
// node windows: 3 pods through the first minute; 6, then 7 pods in the
// second, whose largest is 7.
func TestFootprint(t *testing.T) {
	cfg := testConfig()
	cfg.NodeWindow = time.Minute
	res, err := autoscale.Replay([]autoscale.Service{service(t, "s", time.Minute, 1, 1.5, 3.5)},
		[]autoscale.Policy{autoscale.Static{Target: 50, MinReplicas: 2, MaxReplicas: 10}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Policies[0].PerService[0].Footprint
	want := []autoscale.Slot{{Pods: 3, MilliCPU: 1000, Scored: time.Minute}, {Pods: 7, MilliCPU: 1000, Scored: time.Minute}}
	if f.Window != time.Minute || f.First != t0.Unix()/60 || len(f.Slots) != 2 || f.Slots[0] != want[0] || f.Slots[1] != want[1] {
		t.Fatalf("footprint %+v, want first window %d, slots %+v", f, t0.Unix()/60, want)
	}
	// Warm-up syncs leave no footprint; no node window records none.
	cfg.WarmUp = time.Minute
	res, _ = autoscale.Replay([]autoscale.Service{service(t, "s", time.Minute, 1, 1.5, 3.5)},
		[]autoscale.Policy{autoscale.Static{Target: 50, MinReplicas: 2, MaxReplicas: 10}}, cfg)
	if f := res.Policies[0].PerService[0].Footprint; f.First != t0.Unix()/60+1 || len(f.Slots) != 1 || f.Slots[0] != want[1] {
		t.Errorf("footprint after a 1-minute warm-up %+v", f)
	}
	cfg.NodeWindow = 0
	res, _ = autoscale.Replay([]autoscale.Service{service(t, "s", time.Minute, 1, 1.5, 3.5)},
		[]autoscale.Policy{autoscale.Static{Target: 50, MinReplicas: 2, MaxReplicas: 10}}, cfg)
	if f := res.Policies[0].PerService[0].Footprint; len(f.Slots) != 0 {
		t.Errorf("footprint without node windows %+v", f)
	}
}

var node4 = cost.InstanceType{Name: "n4", Allocatable: cost.Allocatable{MilliCPU: 4000, MemoryBytes: 16 << 30, Pods: 10}, OnDemandUSDPerHour: 0.2}

// Two services over three hourly windows, worked by hand on 4-core nodes:
//
//	window 0: a 3 × 1500m (scored 1 h)               -> 2 nodes (2 + 1 pods)
//	window 1: a 3 × 1500m, b 4 × 1000m (b 30 min)    -> 1500,1500,1000 | 1500,1000,1000 | 1000: 3 nodes
//	window 2: b 2 × 1000m (scored 15 min)            -> 1 node
//
// node-hours 2 + 3 + 0.25 = 5.25; cost × 0.2 = 1.05 USD; peak 3 at window 1.
func TestPackNodes(t *testing.T) {
	const k0 = 480000 // an hour index
	pr := autoscale.PolicyResult{Name: "p", PerService: []autoscale.ServiceScore{
		{Service: "a", Footprint: autoscale.Footprint{Window: time.Hour, First: k0, Slots: []autoscale.Slot{
			{Pods: 3, MilliCPU: 1500, Scored: time.Hour}, {Pods: 3, MilliCPU: 1500, Scored: time.Hour}}}},
		{Service: "b", Footprint: autoscale.Footprint{Window: time.Hour, First: k0 + 1, Slots: []autoscale.Slot{
			{Pods: 4, MilliCPU: 1000, Scored: 30 * time.Minute}, {Pods: 2, MilliCPU: 1000, Scored: 15 * time.Minute}}}},
	}}
	ns, err := autoscale.PackNodes(pr, cost.NodePool{Types: []cost.InstanceType{node4}}, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if ns.Windows != 3 || ns.PeakNodes != 3 || !ns.PeakAt.Equal(time.Unix((k0+1)*3600, 0)) ||
		len(ns.PeakTypes) != 1 || ns.PeakTypes[0].Type != "n4" || ns.PeakTypes[0].Nodes != 3 {
		t.Errorf("windows %d, peak %d %+v at %s", ns.Windows, ns.PeakNodes, ns.PeakTypes, ns.PeakAt)
	}
	if !near(ns.NodeHours, 5.25) || !near(ns.CostUSD, 1.05) || !near(ns.AllocatableCoreHours, 21) {
		t.Errorf("node-hours %v, cost %v, allocatable core-h %v; want 5.25, 1.05, 21", ns.NodeHours, ns.CostUSD, ns.AllocatableCoreHours)
	}
}

func TestPackNodesErrors(t *testing.T) {
	pool := cost.NodePool{Types: []cost.InstanceType{node4}}
	slot := []autoscale.Slot{{Pods: 1, MilliCPU: 1000, Scored: time.Hour}}
	for _, tc := range []struct {
		name string
		pr   autoscale.PolicyResult
		mem  int64
		want string
	}{
		{"no footprint", autoscale.PolicyResult{Name: "p", PerService: []autoscale.ServiceScore{{Service: "a"}}}, 0, "policy p recorded no footprint"},
		{"two windows", autoscale.PolicyResult{Name: "p", PerService: []autoscale.ServiceScore{
			{Service: "a", Footprint: autoscale.Footprint{Window: time.Hour, Slots: slot}},
			{Service: "b", Footprint: autoscale.Footprint{Window: time.Minute, Slots: slot}}}}, 0, "node windows 1h0m0s and 1m0s"},
		{"pod too large", autoscale.PolicyResult{Name: "p", PerService: []autoscale.ServiceScore{
			{Service: "big", Footprint: autoscale.Footprint{Window: time.Hour, First: 1, Slots: []autoscale.Slot{{Pods: 1, MilliCPU: 5000, Scored: time.Hour}}}}}},
			0, "pack nodes of p at 1970-01-01T01:00:00Z: pack: pod big (5000m CPU"},
		{"negative memory", autoscale.PolicyResult{Name: "p"}, -1, "negative pod memory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := autoscale.PackNodes(tc.pr, pool, tc.mem)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// On a real replay the nodes hold at least what the pods requested: each
// window packs every service at its largest request of the window.
func TestPackNodesHoldRequests(t *testing.T) {
	services := []autoscale.Service{synthetic(t, "a", 1, 0.5), synthetic(t, "b", 2, 2)}
	cfg := autoscale.DefaultConfig()
	cfg.WarmUp, cfg.Workers = 12*time.Hour, 2
	res, err := autoscale.Replay(services, append(autoscale.StaticTargets(), autoscale.DefaultTailor()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Policies {
		ns, err := autoscale.PackNodes(p, cost.NodePool{Types: []cost.InstanceType{node4}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if ns.AllocatableCoreHours < p.Total.RequestedCoreHours || ns.PeakNodes == 0 || !near(ns.CostUSD, ns.NodeHours*0.2) {
			t.Errorf("%s: %.1f allocatable core-h for %.1f requested, peak %d nodes, %v USD for %v node-h",
				p.Name, ns.AllocatableCoreHours, p.Total.RequestedCoreHours, ns.PeakNodes, ns.CostUSD, ns.NodeHours)
		}
		if want := 36; ns.Windows != want {
			t.Errorf("%s: %d node windows, want the %d scored hours", p.Name, ns.Windows, want)
		}
	}
}
