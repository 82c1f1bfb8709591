package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/shareddata"
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

// instanceTypesCSV writes a two-type table in the shared file's format.
func instanceTypesCSV(t *testing.T) string {
	return writeFile(t, t.TempDir(), "types.csv",
		"instance_type,vcpu,memory_mib,arch,alloc_cpu_millicores,alloc_memory_mib,alloc_pods,ondemand_linux_usd_per_hour_us_east_1\n"+
			"n.small,4,4096,amd64,3900,3000,10,0.05\n"+
			"n.large,8,16384,amd64,7900,14000,40,0.2\n"+
			"n.noprice,8,16384,amd64,7900,14000,40,\n")
}

type nodesOut struct {
	NodePool *struct {
		Types          []string `json:"types"`
		DaemonSetCores float64  `json:"daemonset_cpu_cores"`
		DaemonSetMiB   float64  `json:"daemonset_memory_mib"`
		DaemonSetPods  int      `json:"daemonset_pods"`
		WindowSeconds  float64  `json:"window_seconds"`
	} `json:"node_pool"`
	Policies []struct {
		Name               string  `json:"name"`
		RequestedCoreHours float64 `json:"requested_core_hours"`
		OverloadMinutes    float64 `json:"overload_minutes"`
		Nodes              *struct {
			PeakNodes            int     `json:"peak_nodes"`
			PeakAt               string  `json:"peak_at"`
			NodeHours            float64 `json:"node_hours"`
			CostUSD              float64 `json:"cost_usd"`
			AllocatableCoreHours float64 `json:"allocatable_core_hours"`
			Windows              int     `json:"windows"`
			PeakTypes            []struct {
				Type  string `json:"type"`
				Nodes int    `json:"nodes"`
			} `json:"peak_types"`
		} `json:"nodes"`
	} `json:"policies"`
	Curve []struct {
		Name               string  `json:"name"`
		RequestedCoreHours float64 `json:"requested_core_hours"`
	} `json:"curve"`
}

// --node-type packs every policy's pods hourly: the nodes hold at least
// what the pods request, and cost node-hours × the type's price.
func TestBenchAutoscalersNodes(t *testing.T) {
	r := run("bench", "autoscalers", "--data", syntheticTrace(t), "-o", "json", "--node-type", "n.small",
		"--instance-types", instanceTypesCSV(t), "--daemonset-cpu", "0.1", "--daemonset-memory", "200", "--daemonset-pods", "2")
	if r.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	var rep nodesOut
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if np := rep.NodePool; np == nil || strings.Join(np.Types, ",") != "n.small" || np.DaemonSetCores != 0.1 ||
		np.DaemonSetMiB != 200 || np.DaemonSetPods != 2 || np.WindowSeconds != 3600 {
		t.Fatalf("node_pool %+v", rep.NodePool)
	}
	if len(rep.Policies) != 6 || rep.Curve != nil {
		t.Fatalf("%d policies, curve %v", len(rep.Policies), rep.Curve)
	}
	for _, p := range rep.Policies {
		n := p.Nodes
		if n == nil {
			t.Fatalf("%s: no nodes", p.Name)
		}
		// 3 days, 1 of warm-up: 48 scored hours.
		if n.Windows != 48 || n.PeakNodes < 1 || len(n.PeakTypes) != 1 || n.PeakTypes[0].Nodes != n.PeakNodes || n.PeakAt == "" {
			t.Errorf("%s: nodes %+v", p.Name, n)
		}
		if math.Abs(n.CostUSD-0.05*n.NodeHours) > 1e-9 || math.Abs(n.AllocatableCoreHours-3.9*n.NodeHours) > 1e-9 {
			t.Errorf("%s: %v USD, %v allocatable core-h for %v node-h", p.Name, n.CostUSD, n.AllocatableCoreHours, n.NodeHours)
		}
		if n.AllocatableCoreHours < p.RequestedCoreHours || n.NodeHours > 48*float64(n.PeakNodes)+1e-9 {
			t.Errorf("%s: %v allocatable core-h for %v requested; %v node-h at peak %d", p.Name, n.AllocatableCoreHours,
				p.RequestedCoreHours, n.NodeHours, n.PeakNodes)
		}
	}
	table := run("bench", "autoscalers", "--data", syntheticTrace(t), "--node-type", "n.small,n.large", "--instance-types", instanceTypesCSV(t))
	for _, w := range []string{"nodes: n.small, n.large, every 1h0m0s", "PEAK NODES", "NODE USD", "REQUESTED / ALLOCATABLE"} {
		if !strings.Contains(table.stdout, w) {
			t.Errorf("table has no %q:\n%s", w, table.stdout)
		}
	}
}

// On the Google jobs with m5.xlarge from the shared table (found next to
// --data): job113's 2.33-core pods take a 3.92-core node each, so every
// static HPA needs as many nodes at peak as pods.
func TestBenchAutoscalersNodesGoogle(t *testing.T) {
	data := shareddata.Dir(t, "google-2019-tasks")
	shareddata.Dir(t, "aws-ec2-instance-types")
	r := run("bench", "autoscalers", "--data", data, "-o", "json", "--node-type", "m5.xlarge")
	if r.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	var rep nodesOut
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Policies {
		n := p.Nodes
		if math.Abs(n.CostUSD-0.192*n.NodeHours) > 1e-6 || math.Abs(n.AllocatableCoreHours-3.92*n.NodeHours) > 1e-6 ||
			n.AllocatableCoreHours < p.RequestedCoreHours {
			t.Errorf("%s: %+v for %v requested core-h", p.Name, n, p.RequestedCoreHours)
		}
	}
	// A lower static target needs no fewer nodes.
	for i := 1; i < 4; i++ {
		if rep.Policies[i].Nodes.NodeHours > rep.Policies[i-1].Nodes.NodeHours {
			t.Errorf("%s holds more node-hours than %s", rep.Policies[i].Name, rep.Policies[i-1].Name)
		}
	}
}

// --plot adds the static targets 40 and 90 and tailor at five more overload
// prices, and writes the same SVG for the same input.
func TestBenchAutoscalersPlot(t *testing.T) {
	dir := t.TempDir()
	trace := syntheticTrace(t)
	var svgs []string
	for i := range 2 {
		svg := filepath.Join(dir, fmt.Sprintf("p%d.svg", i))
		r := run("bench", "autoscalers", "--data", trace, "-o", "json", "--plot", svg)
		if r.code != ExitOK {
			t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
		}
		var rep nodesOut
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range rep.Curve {
			names = append(names, c.Name)
		}
		want := "hpa-40,hpa-90,tailor[overload-price=1],tailor[overload-price=2],tailor[overload-price=8],tailor[overload-price=16],tailor[overload-price=64]"
		if got := strings.Join(names, ","); got != want || len(rep.Policies) != 6 || rep.Policies[5].Nodes != nil {
			t.Fatalf("curve %s, want %s; %d policies", got, want, len(rep.Policies))
		}
		raw, err := os.ReadFile(svg)
		if err != nil {
			t.Fatal(err)
		}
		svgs = append(svgs, string(raw))
	}
	for _, w := range []string{"<svg", "synthetic.csv: requested CPU vs overload", "tailor (4)", "hpa-40", "hpa-90", "tortoise", ">64<"} {
		if !strings.Contains(svgs[0], w) {
			t.Errorf("svg has no %q", w)
		}
	}
	if svgs[0] != svgs[1] {
		t.Error("two runs wrote different SVGs")
	}
	// The benchmark's price is not replayed twice: at --overload-price 8
	// the curve has 4 instead.
	r := run("bench", "autoscalers", "--data", trace, "-o", "json", "--plot", filepath.Join(dir, "p8.svg"), "--overload-price", "8")
	if r.code != ExitOK || !strings.Contains(r.stdout, `"tailor[overload-price=4]"`) || strings.Contains(r.stdout, `"tailor[overload-price=8]"`) {
		t.Errorf("exit %d, curve at price 8:\n%s", r.code, r.stdout)
	}
}

func TestBenchAutoscalersNodeErrors(t *testing.T) {
	good, types := syntheticTrace(t), instanceTypesCSV(t)
	bench := func(args ...string) []string {
		return append([]string{"bench", "autoscalers", "--data", good}, args...)
	}
	for _, tc := range []failCase{
		{"unknown type", bench("--node-type", "n.huge", "--instance-types", types), ExitUsage, `unknown instance type "n.huge" (the catalog has n.large, n.noprice, n.small)`},
		{"no price", bench("--node-type", "n.noprice", "--instance-types", types), ExitUsage, "instance type n.noprice has no on-demand price"},
		{"daemonset without nodes", bench("--daemonset-cpu", "0.1"), ExitUsage, "need --node-type"},
		{"negative daemonset", bench("--node-type", "n.small", "--daemonset-memory", "-1"), ExitUsage, "--daemonset-memory -1"},
		{"negative daemonset pods", bench("--node-type", "n.small", "--daemonset-pods", "-1"), ExitUsage, "--daemonset-pods -1"},
		{"node window", bench("--node-type", "n.small", "--node-window", "90s"), ExitUsage, "--node-window 1m30s"},
		{"plot not svg", bench("--plot", "x.png"), ExitUsage, `--plot "x.png"`},
		{"plot is out", bench("--plot", "x.svg", "--out", "x.svg"), ExitUsage, "same file"},
		{"no table next to data", bench("--node-type", "m5.xlarge"), ExitError, "give --instance-types"},
		{"table missing", bench("--node-type", "m5.xlarge", "--instance-types", filepath.Join(t.TempDir(), "none.csv")), ExitError, "none.csv"},
		{"daemonsets fill the node", bench("--node-type", "n.small", "--instance-types", types, "--daemonset-cpu", "4"), ExitUsage, "--node-type, --daemonset-*: pack: the DaemonSets (4000m CPU, 0 MiB, 0 pods) leave no room"},
		{"pod larger than the node", bench("--node-type", "n.small", "--instance-types", types, "--daemonset-cpu", "2.5"), ExitError, "pod db (2000m CPU, 0 MiB) is larger than any node"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tc.code, tc.msg)
			}
		})
	}
}

// With a node pool tailor sizes no pod larger than the largest node leaves
// after the DaemonSets, in whole 10m steps.
func TestTailorForPool(t *testing.T) {
	pool := &cost.NodePool{Types: []cost.InstanceType{
		{Name: "a", Allocatable: cost.Allocatable{MilliCPU: 1930, Pods: 10}},
		{Name: "b", Allocatable: cost.Allocatable{MilliCPU: 3920, Pods: 10}},
	}, DaemonSet: cost.Request{MilliCPU: 105}}
	if got := tailorFor(8, pool); math.Abs(got.MaxRequest-3.81) > 1e-12 || got.OverloadPrice != 8 {
		t.Errorf("max request %v, price %v; want 3.81 (3815m in 10m steps), 8", got.MaxRequest, got.OverloadPrice)
	}
	if got := tailorFor(4, nil); got.MaxRequest != 10 {
		t.Errorf("no pool: max request %v, want the default 10", got.MaxRequest)
	}
}
