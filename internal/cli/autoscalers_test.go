package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/autoscale"
	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/shareddata"
	"tailor.dev/tailor/internal/trace"
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

// demandReport is the JSON of bench autoscalers --demand, with the
// policies kept raw to compare them byte for byte.
type demandReport struct {
	Dataset  string `json:"dataset"`
	Format   string `json:"format"`
	Services int    `json:"services"`
	Mapping  struct {
		WindowSeconds float64  `json:"window_seconds"`
		Scale         float64  `json:"scale"`
		RequestCores  float64  `json:"request_cores"`
		CPUPerRequest *float64 `json:"cpu_per_request"`
	} `json:"mapping"`
	Policies json.RawMessage `json:"policies"`
	Bar      json.RawMessage `json:"bar"`
}

func decodeDemandReport(t *testing.T, r result) demandReport {
	t.Helper()
	if r.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	var rep demandReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, r.stdout)
	}
	return rep
}

// The rps path end to end on a real Google job: a gzip demand file of
// time,service,rps with rps = the job's cores / 2^-8 core-s, replayed with
// --cpu-per-request 2^-8 and --request-cores the job's own request, scores
// every policy exactly as --data does on the trace.
func TestBenchAutoscalersDemandMatchesTrace(t *testing.T) {
	data := filepath.Join(shareddata.Dir(t, "google-2019-tasks"), "job382")
	r, ds, err := trace.Open(data, "")
	if err != nil {
		t.Fatal(err)
	}
	services, err := autoscale.Services(r, autoscale.DatasetMapping(ds.Name))
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	const cpr = 1.0 / 256
	var csv bytes.Buffer
	zw := gzip.NewWriter(&csv)
	fmt.Fprintln(zw, "time,service,rps")
	for _, svc := range services {
		for _, seg := range svc.Demand.Segments {
			fmt.Fprintf(zw, "%d,%s,%s\n", svc.Start.Add(seg.To).Unix(), svc.Name, strconv.FormatFloat(seg.Value/cpr, 'g', -1, 64))
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, t.TempDir(), "job382-rps.csv.gz", csv.String())
	request := strconv.FormatFloat(services[0].Request, 'g', -1, 64)

	want := decodeDemandReport(t, run("bench", "autoscalers", "--data", data, "-o", "json"))
	got := decodeDemandReport(t, run("bench", "autoscalers", "--demand", file, "--cpu-per-request", "0.00390625",
		"--request-cores", request, "-o", "json"))
	if got.Dataset != "job382-rps.csv.gz" || got.Format != "demand" || got.Services != 1 || got.Mapping.WindowSeconds != 300 ||
		got.Mapping.Scale != 1 || got.Mapping.CPUPerRequest == nil || *got.Mapping.CPUPerRequest != cpr ||
		got.Mapping.RequestCores != services[0].Request {
		t.Errorf("dataset %q, format %q, %d services, mapping %+v", got.Dataset, got.Format, got.Services, got.Mapping)
	}
	if want.Mapping.CPUPerRequest != nil {
		t.Errorf("--data reports a cpu_per_request: %v", *want.Mapping.CPUPerRequest)
	}
	if !bytes.Equal(got.Policies, want.Policies) || !bytes.Equal(got.Bar, want.Bar) || len(want.Policies) < 100 {
		t.Errorf("--demand scores differ from --data:\n%s\n%s\nwant\n%s\n%s", got.Policies, got.Bar, want.Policies, want.Bar)
	}
}

// demandFile writes a 2-day demand file of two services, 5-minute rows:
// web gives its own cpu_per_request and request_cores, api neither.
func demandFile(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("time,service,rps,cpu_per_request,request_cores\n")
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 2 * 288 {
		ts := start.Add(time.Duration(i+1) * 5 * time.Minute).Format(time.RFC3339)
		phase := float64(i%288) / 288
		fmt.Fprintf(&b, "%s,web,%.1f,0.002,0.25\n", ts, 400+300*math.Sin(2*math.Pi*phase))
		fmt.Fprintf(&b, "%s,api,%.1f,,\n", ts, 100+50*phase)
	}
	return writeFile(t, t.TempDir(), "rps.csv", b.String())
}

// The file's cpu_per_request wins over --cpu-per-request: web scores the
// same at any flag value, api (no column) follows the flag.
func TestBenchAutoscalersDemandColumnWins(t *testing.T) {
	file := demandFile(t)
	type perService struct {
		Name               string  `json:"name"`
		DemandCoreHours    float64 `json:"demand_core_hours"`
		RequestedCoreHours float64 `json:"requested_core_hours"`
	}
	demand := map[string][]perService{}
	for _, cpr := range []string{"0.004", "0.008"} {
		rep := decodeDemandReport(t, run("bench", "autoscalers", "--demand", file, "--cpu-per-request", cpr, "--request-cores", "0.5", "-o", "json"))
		var policies []struct {
			PerService []perService `json:"per_service"`
		}
		if err := json.Unmarshal(rep.Policies, &policies); err != nil {
			t.Fatal(err)
		}
		if rep.Services != 2 || len(policies) != 6 || len(policies[0].PerService) != 2 {
			t.Fatalf("%d services, %d policies", rep.Services, len(policies))
		}
		demand[cpr] = policies[0].PerService
	}
	a, b := demand["0.004"], demand["0.008"]
	if a[0].Name != "web" || a[0] != b[0] {
		t.Errorf("web changed with --cpu-per-request: %+v, %+v", a[0], b[0])
	}
	// api: 1 scored day of 100..150 rps (mean about 125) × 0.004 core-s.
	if a[1].Name != "api" || !(a[1].DemandCoreHours > 24*0.4 && a[1].DemandCoreHours < 24*0.6) ||
		math.Abs(b[1].DemandCoreHours-2*a[1].DemandCoreHours) > 1e-9*b[1].DemandCoreHours {
		t.Errorf("api demand %v core-h at 0.004, %v at 0.008; want about 12 and twice that", a[1].DemandCoreHours, b[1].DemandCoreHours)
	}
}

func TestBenchAutoscalersDemandTable(t *testing.T) {
	r := run("bench", "autoscalers", "--demand", demandFile(t), "--cpu-per-request", "0.004", "--request-cores", "0.5")
	if r.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	for _, w := range []string{"demand file rps.csv: 2 services; demand = rps × CPU per request (the file's cpu_per_request, else 0.004 core-s) per 300s window; starting request per pod: the file's request_cores, else 0.5 cores",
		"POLICY", "hpa-50", "tortoise", "tailor", "tailor vs tortoise"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("table has no %q:\n%s", w, r.stdout)
		}
	}
}

func TestBenchAutoscalersDemandErrors(t *testing.T) {
	good, trace, dir := demandFile(t), syntheticTrace(t), t.TempDir()
	noColumns := writeFile(t, dir, "bare.csv", "time,service,rps\n300,a,1\n600,a,2\n")
	negative := writeFile(t, dir, "negative.csv", "time,service,rps\n300,a,1\n600,a,-2\n")
	bench := func(args ...string) []string { return append([]string{"bench", "autoscalers"}, args...) }
	for _, tc := range []failCase{
		{"data and demand", bench("--data", trace, "--demand", good), ExitUsage, "--data " + trace + " and --demand " + good + ": give one"},
		{"neither", bench("-o", "json"), ExitUsage, "--data (a trace) or --demand (a demand file) is required"},
		{"cost without demand", bench("--data", trace, "--cpu-per-request", "0.004"), ExitUsage, "need --demand"},
		{"request without demand", bench("--data", trace, "--request-cores", "1"), ExitUsage, "need --demand"},
		{"window without demand", bench("--data", trace, "--demand-window", "5m"), ExitUsage, "need --demand"},
		{"format with demand", bench("--demand", good, "--format", "tailor"), ExitUsage, "--format is the trace format of --data"},
		{"unknown output", bench("--demand", good, "-o", "yaml"), ExitUsage, `"yaml"`},
		{"negative cost", bench("--demand", good, "--cpu-per-request", "-1"), ExitUsage, "--cpu-per-request -1: want a non-negative number"},
		{"NaN request", bench("--demand", good, "--request-cores", "NaN"), ExitUsage, "--request-cores NaN"},
		{"window off the sync", bench("--demand", good, "--demand-window", "20s"), ExitUsage, "--demand-window 20s: want a positive multiple of the 15s HPA sync period"},
		{"no such file", bench("--demand", filepath.Join(dir, "none.csv")), ExitError, "none.csv: no such file"},
		{"folder", bench("--demand", dir), ExitError, "is a folder"},
		{"no cost", bench("--demand", noColumns, "--request-cores", "1"), ExitError, `bare.csv: service "a" (first row at line 2): no cpu_per_request: its rows give none and there is no default; give --cpu-per-request`},
		{"no request", bench("--demand", good, "--cpu-per-request", "0.004"), ExitError, `rps.csv: service "api" (first row at line 3): no request_cores (the starting CPU request per pod): its rows give none and there is no default; give --request-cores`},
		{"no cost for api", bench("--demand", good, "--request-cores", "1"), ExitError, `service "api" (first row at line 3): no cpu_per_request`},
		{"bad row", bench("--demand", negative, "--cpu-per-request", "1", "--request-cores", "1"), ExitError, `negative.csv:3: column rps: "-2" is negative`},
		{"window does not fit the rows", bench("--demand", noColumns, "--cpu-per-request", "1", "--request-cores", "1", "--demand-window", "2m"), ExitError,
			`bare.csv:3: service "a": 1970-01-01T00:10:00Z is 5m0s after its previous row (line 2), not a whole number of 2m0s windows (the window given)`},
		{"rows off the sync", bench("--demand", writeFile(t, dir, "10s.csv", "time,service,rps\n10,a,1\n20,a,2\n"), "--cpu-per-request", "1", "--request-cores", "1"),
			ExitError, "10s.csv: the rows are 10s apart, not a multiple of the 15s HPA sync period"},
		{"no table next to the file", bench("--demand", good, "--cpu-per-request", "1", "--request-cores", "1", "--node-type", "m5.xlarge"), ExitError,
			"next to --demand " + good + "; give --instance-types"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tc.code, tc.msg)
			}
		})
	}
}
