package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"tailor.dev/tailor/internal/shareddata"
	"testing"
)

// autoscalersJSON is the documented shape of bench autoscalers -o json.
type autoscalersJSON struct {
	Dataset  string `json:"dataset"`
	Services int    `json:"services"`
	Policies []struct {
		Name               string   `json:"name"`
		ReplicaHours       *float64 `json:"replica_hours"`
		RequestedCoreHours *float64 `json:"requested_core_hours"`
		CostUSD            *float64 `json:"cost_usd"`
		OverloadMinutes    *float64 `json:"overload_minutes"`
		ScaleEvents        *int     `json:"scale_events"`
		DemandCoreHours    float64  `json:"demand_core_hours"`
		UnservedCoreHours  float64  `json:"unserved_core_hours"`
		MeanUtilization    float64  `json:"mean_utilization"`
		PerService         []struct {
			Name               string  `json:"name"`
			RequestedCoreHours float64 `json:"requested_core_hours"`
			OverloadMinutes    float64 `json:"overload_minutes"`
		} `json:"per_service"`
	} `json:"policies"`
	Bar *struct {
		Static       string  `json:"static"`
		StaticSaving float64 `json:"static_saving"`
		Reference    string  `json:"reference"`
	} `json:"bar"`
}

// The benchmark on the real Google trace: the documented shape, every
// policy on the same demand, and the invariants of the scores.
func TestBenchAutoscalersGoogle(t *testing.T) {
	data := shareddata.Dir(t, "google-2019-tasks")
	out := filepath.Join(t.TempDir(), "autoscalers.json")
	r := run("bench", "autoscalers", "--data", data, "-o", "json", "--out", out)
	if r.code != ExitOK || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep autoscalersJSON
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("not JSON of the documented shape: %v\n%s", err, raw)
	}
	if rep.Dataset != "google-2019-tasks" || rep.Services != 2 {
		t.Errorf("dataset %q with %d services, want google-2019-tasks with 2 (job113, job382)", rep.Dataset, rep.Services)
	}
	var names []string
	for _, p := range rep.Policies {
		names = append(names, p.Name)
		if p.ReplicaHours == nil || p.RequestedCoreHours == nil || p.CostUSD == nil || p.OverloadMinutes == nil || p.ScaleEvents == nil {
			t.Fatalf("%s: a documented field is missing:\n%s", p.Name, raw)
		}
		for field, v := range map[string]float64{"replica_hours": *p.ReplicaHours, "requested_core_hours": *p.RequestedCoreHours,
			"cost_usd": *p.CostUSD, "overload_minutes": *p.OverloadMinutes, "scale_events": float64(*p.ScaleEvents),
			"unserved_core_hours": p.UnservedCoreHours} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Errorf("%s: %s = %v, want finite and >= 0", p.Name, field, v)
			}
		}
		// CPU-only cost at OpenCost's on-demand price.
		if want := *p.RequestedCoreHours * 0.031611; math.Abs(*p.CostUSD-want) > 1e-6*want {
			t.Errorf("%s: cost %v, want requested core-hours × 0.031611 = %v", p.Name, *p.CostUSD, want)
		}
		// Scored every 15 s sync.
		if q := *p.OverloadMinutes * 4; math.Abs(q-math.Round(q)) > 1e-9 {
			t.Errorf("%s: overload %v min is not a whole number of 15 s syncs", p.Name, *p.OverloadMinutes)
		}
		if *p.ReplicaHours == 0 || *p.RequestedCoreHours == 0 {
			t.Errorf("%s: nothing requested", p.Name)
		}
		if math.Abs(p.DemandCoreHours-rep.Policies[0].DemandCoreHours) > 1e-9*p.DemandCoreHours {
			t.Errorf("%s replayed %v core-h of demand, %s %v", p.Name, p.DemandCoreHours, rep.Policies[0].Name, rep.Policies[0].DemandCoreHours)
		}
		sum := [2]float64{}
		for _, s := range p.PerService {
			sum[0] += s.RequestedCoreHours
			sum[1] += s.OverloadMinutes
		}
		if len(p.PerService) != 2 || p.PerService[0].Name != "job-113812204462" ||
			math.Abs(sum[0]-*p.RequestedCoreHours) > 1e-6 || math.Abs(sum[1]-*p.OverloadMinutes) > 1e-6 {
			t.Errorf("%s: per-service scores do not add up to the total", p.Name)
		}
		if want := p.DemandCoreHours / *p.RequestedCoreHours; math.Abs(p.MeanUtilization-want) > 1e-9 {
			t.Errorf("%s: mean utilization %v, want demand / requested = %v", p.Name, p.MeanUtilization, want)
		}
	}
	if got := strings.Join(names, ","); got != "hpa-50,hpa-60,hpa-70,hpa-80,tortoise,tailor" {
		t.Errorf("policies %s", got)
	}
	// A lower static target holds more pods.
	for i := 1; i < 4; i++ {
		if *rep.Policies[i].RequestedCoreHours > *rep.Policies[i-1].RequestedCoreHours {
			t.Errorf("%s requests more than %s", rep.Policies[i].Name, rep.Policies[i-1].Name)
		}
	}
	if rep.Bar == nil || rep.Bar.Reference != "tortoise" {
		t.Errorf("no comparison of tailor with tortoise: %+v", rep.Bar)
	}
}

func TestBenchAutoscalersTable(t *testing.T) {
	r := run("bench", "autoscalers", "--data", syntheticTrace(t))
	if r.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	for _, w := range []string{"synthetic.csv", "2 services", "POLICY", "REQUESTED core-h", "OVERLOAD min", "hpa-50", "tortoise", "tailor", "tailor vs tortoise"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("table has no %q:\n%s", w, r.stdout)
		}
	}
}

func TestBenchAutoscalersErrors(t *testing.T) {
	good := syntheticTrace(t)
	bench := func(args ...string) []string { return append([]string{"bench", "autoscalers"}, args...) }
	for _, tc := range []failCase{
		{"data missing", bench(), ExitUsage, "--data"},
		{"positional argument", bench("--data", good, "extra"), ExitUsage, `"extra"`},
		{"unknown output", bench("--data", good, "-o", "yaml"), ExitUsage, `"yaml"`},
		{"unknown format", bench("--data", good, "--format", "xyz"), ExitUsage, `--format "xyz"`},
		{"negative price", bench("--data", good, "--overload-price", "-1"), ExitUsage, "--overload-price -1"},
		{"negative memory", bench("--data", good, "--pod-memory", "-0.5"), ExitUsage, "--pod-memory -0.5"},
		{"no such data", bench("--data", filepath.Join(t.TempDir(), "none")), ExitError, "none"},
		{"out folder", bench("--data", good, "--out", t.TempDir()), ExitError, "is a folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tc.code, tc.msg)
			}
		})
	}
}

// A synthetic trace (two 3-day containers) runs end to end: each workload
// is one service with its own provisioned request.
func TestBenchAutoscalersSynthetic(t *testing.T) {
	r := run("bench", "autoscalers", "--data", syntheticTrace(t), "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	var rep autoscalersJSON
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Services != 2 || len(rep.Policies) != 6 {
		t.Errorf("%d services, %d policies:\n%s", rep.Services, len(rep.Policies), r.stdout)
	}
}
