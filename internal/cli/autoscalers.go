package cli

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"tailor.dev/tailor/internal/autoscale"
	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/trace"
)

type benchAutoscalersOptions struct {
	datasetFlags
	// A demand file (--demand) instead of a trace (--data).
	demand                      string
	cpuPerRequest, requestCores float64
	demandWindow                time.Duration
	overloadPrice, podMemory    float64
	plot                        string
	// Node packing (off without node types).
	nodeTypes           []string
	instanceTypes       string
	daemonCPU, daemonMB float64
	daemonPods          int
	nodeWindow          time.Duration
}

func newBenchAutoscalersCmd(stdout io.Writer) *cobra.Command {
	o := benchAutoscalersOptions{overloadPrice: autoscale.DefaultTailor().OverloadPrice, nodeWindow: time.Hour}
	cmd := &cobra.Command{
		Use:   "autoscalers",
		Short: "Replay HPA policies (static targets, tortoise, tailor) on each service's demand and score them",
		Long: "Turns the trace into services (one per workload: a Google job, an Azure VM; total CPU demand per\n" +
			"5-minute window) and replays the Kubernetes HPA model on each: hpa-50..hpa-80 (static targets),\n" +
			"tortoise (Tortoise's target tuner and replica slots) and tailor (Tailor's tuner). 15 s syncs, pods\n" +
			"Ready 60 s after creation, 1-day warm-up; scores in docs/autoscalers.md.\n\n" +
			"Instead of a trace, --demand reads requests per second per service and window\n" +
			"(docs/formats/demand.md); the demand in cores is rps × the CPU cost per request.",
		Example: "  tailor bench autoscalers --data ../shared/data/google-2019-tasks\n" +
			"  tailor bench autoscalers --data ../shared/data/azure-v1-vm-cpu -o json --out azure.json\n" +
			"  tailor bench autoscalers --data ../shared/data/google-2019-tasks --node-type m5.xlarge --plot google.svg\n" +
			"  tailor bench autoscalers --demand rps.csv.gz --cpu-per-request 0.004 --request-cores 0.5",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchAutoscalers(cmd.Context(), o, stdout)
		},
	}
	f := cmd.Flags()
	o.register(f)
	f.Lookup("data").Usage = "dataset folder or trace file (this or --demand)"
	f.StringVar(&o.demand, "demand", "", "demand file of requests per second per service (docs/formats/demand.md), instead of --data")
	f.Float64Var(&o.cpuPerRequest, "cpu-per-request", 0, "--demand: CPU cost of one request in core-seconds, for services whose rows\n"+
		"have no cpu_per_request (the file's column wins)")
	f.Float64Var(&o.requestCores, "request-cores", 0, "--demand: starting CPU request per pod in cores, for services whose rows have\n"+
		"no request_cores (the file's column wins)")
	f.DurationVar(&o.demandWindow, "demand-window", 0, "--demand: window length of every row (default: inferred from the rows' spacing)")
	f.Float64Var(&o.overloadPrice, "overload-price", o.overloadPrice,
		"tailor: requested core-hours one minute of overload is worth avoiding (the cost/overload trade-off)")
	f.Float64Var(&o.podMemory, "pod-memory", 0, "GiB of memory per pod to add to the cost and to node packing (0: CPU only)")
	f.StringVar(&o.plot, "plot", "", "also write requested core-hours vs overload minutes of every policy, static targets 40..90\n"+
		"and tailor's overload prices 1..64 (extra replays) to this .svg file")
	f.StringSliceVar(&o.nodeTypes, "node-type", nil, "pack every policy's pods hourly onto nodes of these instance types\n"+
		"(a pool: each new node is the type with the lowest price per pod; the first wins ties)")
	f.StringVar(&o.instanceTypes, "instance-types", "", "instance-type table (default: aws-ec2-instance-types/aws_ec2_instance_types.csv next to --data or --demand)")
	f.Float64Var(&o.daemonCPU, "daemonset-cpu", 0, "cores the DaemonSets request on every node")
	f.Float64Var(&o.daemonMB, "daemonset-memory", 0, "MiB the DaemonSets request on every node")
	f.IntVar(&o.daemonPods, "daemonset-pods", 0, "DaemonSet pods on every node (count against max pods)")
	f.DurationVar(&o.nodeWindow, "node-window", o.nodeWindow, "node packing interval: every service at its largest requested CPU of the interval")
	return cmd
}

// autoscalersReport is the JSON shape documented in docs/autoscalers.md.
type autoscalersReport struct {
	Dataset  string      `json:"dataset"`
	Format   string      `json:"format"`
	Services int         `json:"services"`
	Mapping  mappingJSON `json:"mapping"`
	// OverloadPrice is tailor's --overload-price.
	OverloadPrice float64           `json:"overload_price"`
	Policies      []autoscalerScore `json:"policies"`
	Bar           *barJSON          `json:"bar,omitempty"`
	// NodePool is set with --node-type; every policy then has Nodes.
	NodePool *nodePoolJSON `json:"node_pool,omitempty"`
	// Curve holds the extra replays of --plot (static targets and tailor's
	// overload prices not among Policies).
	Curve []autoscalerScore `json:"curve,omitempty"`
}

type nodePoolJSON struct {
	Types           []string `json:"types"`
	Spot            bool     `json:"spot"`
	DaemonSetCores  float64  `json:"daemonset_cpu_cores"`
	DaemonSetMiB    float64  `json:"daemonset_memory_mib"`
	DaemonSetPods   int      `json:"daemonset_pods"`
	WindowSeconds   float64  `json:"window_seconds"`
	PodMemoryGiB    float64  `json:"pod_memory_gib"`
	InstanceTypeCSV string   `json:"instance_types"`
}

// nodesJSON is one policy's pods packed onto nodes.
type nodesJSON struct {
	PeakNodes            int             `json:"peak_nodes"`
	PeakTypes            []typeCountJSON `json:"peak_types"`
	PeakAt               string          `json:"peak_at"`
	NodeHours            float64         `json:"node_hours"`
	CostUSD              float64         `json:"cost_usd"`
	AllocatableCoreHours float64         `json:"allocatable_core_hours"`
	Windows              int             `json:"windows"`
}

type typeCountJSON struct {
	Type  string `json:"type"`
	Nodes int    `json:"nodes"`
}

type mappingJSON struct {
	WindowSeconds float64 `json:"window_seconds"`
	Scale         float64 `json:"scale"`
	RequestCores  float64 `json:"request_cores"` // 0: each service's own request from the trace (the demand file)
	PodMemoryGiB  float64 `json:"pod_memory_gib"`
	// CPUPerRequest is --cpu-per-request (--demand only; 0 and left out
	// when every service's cost comes from the file).
	CPUPerRequest float64 `json:"cpu_per_request,omitempty"`
}

type autoscalerScore struct {
	Name               string  `json:"name"`
	ReplicaHours       float64 `json:"replica_hours"`
	RequestedCoreHours float64 `json:"requested_core_hours"`
	CostUSD            float64 `json:"cost_usd"`
	OverloadMinutes    float64 `json:"overload_minutes"`
	ScaleEvents        int     `json:"scale_events"`
	DemandCoreHours    float64 `json:"demand_core_hours"`
	UnservedCoreHours  float64 `json:"unserved_core_hours"`
	MeanUtilization    float64 `json:"mean_utilization"`
	SettingChanges     int     `json:"setting_changes"`
	// Nodes is set with --node-type (policies only).
	Nodes *nodesJSON `json:"nodes,omitempty"`
	// PerService holds the same scores per service (policies only).
	PerService []autoscalerScore `json:"per_service,omitempty"`
}

// barJSON is tailor measured against the bar: the cheapest static HPA with
// no more overload minutes, and tortoise.
type barJSON struct {
	Static              string  `json:"static,omitempty"`
	StaticSaving        float64 `json:"static_saving"`
	StaticMet           bool    `json:"static_met"`
	Reference           string  `json:"reference,omitempty"`
	ReferenceOverloadOK bool    `json:"reference_overload_ok"`
	ReferenceSaving     float64 `json:"reference_saving"`
	ReferenceMet        bool    `json:"reference_met"`
}

// barSaving is the saving the bar asks of tailor against the static HPA.
const barSaving = 0.2

func runBenchAutoscalers(_ context.Context, o benchAutoscalersOptions, stdout io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	pool, err := o.nodePool()
	if err != nil {
		return err
	}
	out, err := openOutput("--out", o.out, stdout)
	if err != nil {
		return err
	}
	defer out.abort()
	plotOut, err := openOutput("--plot", o.plot, io.Discard)
	if err != nil {
		return err
	}
	defer plotOut.abort()
	rep, err := replayAutoscalers(o, pool)
	if err != nil {
		return err
	}
	if o.output == "json" {
		err = writeJSON(out, rep)
	} else {
		err = renderAutoscalersTable(out, rep)
	}
	if err != nil {
		return err
	}
	if o.plot != "" {
		if err := writeAutoscalersSVG(plotOut, rep); err != nil {
			return err
		}
	}
	if err := out.commit(); err != nil {
		return err
	}
	return plotOut.commit()
}

// check reports flag misuse as a usage error, before anything is read.
func (o benchAutoscalersOptions) check() error {
	if err := o.checkInput(); err != nil {
		return err
	}
	for _, v := range []struct {
		flag string
		v    float64
	}{{"--overload-price", o.overloadPrice}, {"--pod-memory", o.podMemory}, {"--daemonset-cpu", o.daemonCPU}, {"--daemonset-memory", o.daemonMB},
		{"--cpu-per-request", o.cpuPerRequest}, {"--request-cores", o.requestCores}} {
		if !(v.v >= 0) || math.IsInf(v.v, 0) {
			return usagef("%s %v: want a non-negative number", v.flag, v.v)
		}
	}
	switch {
	case o.daemonPods < 0:
		return usagef("--daemonset-pods %d: want a non-negative number", o.daemonPods)
	case o.nodeWindow < time.Minute || o.nodeWindow%time.Minute != 0:
		return usagef("--node-window %s: want a whole number of minutes", o.nodeWindow)
	case o.plot != "" && !strings.EqualFold(filepath.Ext(o.plot), ".svg"):
		return usagef("--plot %q: want a .svg file name", o.plot)
	case o.plot != "" && o.out != "" && filepath.Clean(o.plot) == filepath.Clean(o.out):
		return usagef("--out and --plot name the same file %q", o.out)
	case len(o.nodeTypes) == 0 && (o.instanceTypes != "" || o.daemonCPU > 0 || o.daemonMB > 0 || o.daemonPods > 0):
		return usagef("--instance-types and --daemonset-* need --node-type")
	}
	return nil
}

// checkInput requires one of --data and --demand, and the --demand flags
// only with --demand.
func (o benchAutoscalersOptions) checkInput() error {
	sync := autoscale.DefaultConfig().HPA.SyncPeriod
	switch {
	case o.demand == "" && o.data == "":
		return usagef("--data (a trace) or --demand (a demand file) is required")
	case o.demand == "" && (o.cpuPerRequest != 0 || o.requestCores != 0 || o.demandWindow != 0):
		return usagef("--cpu-per-request, --request-cores and --demand-window need --demand")
	case o.demand == "":
		return o.datasetFlags.check()
	case o.data != "":
		return usagef("--data %s and --demand %s: give one (a trace or a demand file), not both", o.data, o.demand)
	case o.format != "":
		return usagef("--format is the trace format of --data; --demand reads one format (docs/formats/demand.md)")
	case o.demandWindow < 0 || o.demandWindow%sync != 0:
		return usagef("--demand-window %s: want a positive multiple of the %s HPA sync period", o.demandWindow, sync)
	}
	return checkOutputFormat(o.output)
}

// input is the flag and path of the input: --data or --demand.
func (o benchAutoscalersOptions) input() (flag, path string) {
	if o.demand != "" {
		return "--demand", o.demand
	}
	return "--data", o.data
}

// instanceTypesPath is --instance-types, or the shared table next to the
// dataset folder (or next to the folder of a trace or demand file).
func (o benchAutoscalersOptions) instanceTypesPath() (string, error) {
	if o.instanceTypes != "" {
		return o.instanceTypes, nil
	}
	rel := filepath.Join("aws-ec2-instance-types", "aws_ec2_instance_types.csv")
	flag, in := o.input()
	dir := filepath.Dir(filepath.Clean(in))
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if _, err := os.Stat(filepath.Join(d, rel)); err == nil {
			return filepath.Join(d, rel), nil
		}
	}
	return "", fmt.Errorf("--node-type: no %s next to %s %s; give --instance-types", rel, flag, in)
}

// nodePool reads the instance types of --node-type; nil without it.
func (o benchAutoscalersOptions) nodePool() (*cost.NodePool, error) {
	if len(o.nodeTypes) == 0 {
		return nil, nil
	}
	path, err := o.instanceTypesPath()
	if err != nil {
		return nil, err
	}
	ds := cost.Request{MilliCPU: int64(math.Ceil(o.daemonCPU*1000 - 1e-9)), MemoryBytes: int64(math.Ceil(o.daemonMB * cost.MiB))}
	return loadNodePool(path, o.nodeTypes, ds, o.daemonPods)
}

// curvePrices are tailor's overload prices on the --plot curve.
var curvePrices = []float64{1, 2, 4, 8, 16, 64}

// curveTargets are the static targets of the --plot line.
var curveTargets = []int32{40, 50, 60, 70, 80, 90}

func curveName(price float64) string { return fmt.Sprintf("tailor[overload-price=%g]", price) }

// policies are the benchmark's policies, then (with --plot) the extra
// points of the curves. With a node pool, tailor sizes no pod larger than
// the pool's largest node holds.
func (o benchAutoscalersOptions) policies(pool *cost.NodePool) (main, extra []autoscale.Policy) {
	tailor := tailorFor(o.overloadPrice, pool)
	main = append(autoscale.StaticTargets(), autoscale.DefaultTortoise(), tailor)
	if o.plot == "" {
		return main, nil
	}
	have := map[string]bool{}
	for _, p := range main {
		have[p.Name()] = true
	}
	for _, target := range curveTargets {
		if s := (autoscale.Static{Target: target, MinReplicas: 2, MaxReplicas: 100}); !have[s.Name()] {
			extra = append(extra, s)
		}
	}
	for _, price := range curvePrices {
		if price != o.overloadPrice {
			extra = append(extra, namedPolicy{curveName(price), tailorFor(price, pool)})
		}
	}
	return main, extra
}

// tailorFor is the default tuner at an overload price; with a pool, its
// largest request is what the pool's largest node leaves after the
// DaemonSets (in whole RequestSteps), so every pod it sizes fits a node.
func tailorFor(price float64, pool *cost.NodePool) autoscale.Tailor {
	t := autoscale.DefaultTailor()
	t.OverloadPrice = price
	if pool != nil {
		room := int64(0)
		for _, it := range pool.Types {
			if pool.DaemonSetPods < it.Allocatable.Pods {
				room = max(room, it.Allocatable.MilliCPU-pool.DaemonSet.MilliCPU)
			}
		}
		step := t.RequestStep * 1000
		t.MaxRequest = min(t.MaxRequest, math.Floor(float64(room)/step+1e-9)*step/1000)
	}
	return t
}

// namedPolicy renames a policy (a variant of tailor on the curve).
type namedPolicy struct {
	name string
	autoscale.Policy
}

func (n namedPolicy) Name() string { return n.name }

// traceServices builds the services of the trace --data with the
// dataset's documented mapping; rep has the dataset and mapping fields.
func (o benchAutoscalersOptions) traceServices() (services []autoscale.Service, rep autoscalersReport, err error) {
	r, ds, err := trace.Open(o.data, o.format)
	if err != nil {
		return nil, rep, err
	}
	defer r.Close()
	m := autoscale.DatasetMapping(ds.Name)
	if services, err = autoscale.Services(r, m); err != nil {
		return nil, rep, err
	}
	rep = autoscalersReport{Dataset: ds.Name, Format: ds.Format,
		Mapping: mappingJSON{WindowSeconds: m.Window.Seconds(), Scale: m.Scale, RequestCores: m.Request, PodMemoryGiB: o.podMemory}}
	return services, rep, nil
}

// demandFormat is the report's format of a --demand file.
const demandFormat = "demand"

// demandServices reads the demand file --demand: cores = rps × the CPU
// cost per request (the file's, else --cpu-per-request).
func (o benchAutoscalersOptions) demandServices() ([]autoscale.Service, autoscalersReport, error) {
	var rep autoscalersReport
	f, err := os.Open(o.demand)
	if err != nil {
		return nil, rep, fmt.Errorf("--demand: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, rep, fmt.Errorf("--demand %s: is a folder; want a demand file (docs/formats/demand.md)", o.demand)
	}
	d, err := autoscale.ReadDemand(f, o.demand, autoscale.DemandOptions{
		Window: o.demandWindow, CPUPerRequest: o.cpuPerRequest, Request: o.requestCores})
	switch {
	case errors.Is(err, autoscale.ErrNoCPUPerRequest):
		return nil, rep, fmt.Errorf("%w; give --cpu-per-request", err)
	case errors.Is(err, autoscale.ErrNoRequest):
		return nil, rep, fmt.Errorf("%w; give --request-cores", err)
	case err != nil:
		return nil, rep, err
	}
	if sync := autoscale.DefaultConfig().HPA.SyncPeriod; d.Window%sync != 0 {
		return nil, rep, fmt.Errorf("--demand %s: the rows are %s apart, not a multiple of the %s HPA sync period; every window must start and end on a sync",
			o.demand, d.Window, sync)
	}
	rep = autoscalersReport{Dataset: filepath.Base(o.demand), Format: demandFormat,
		Mapping: mappingJSON{WindowSeconds: d.Window.Seconds(), Scale: 1, RequestCores: o.requestCores,
			PodMemoryGiB: o.podMemory, CPUPerRequest: o.cpuPerRequest}}
	return d.Services, rep, nil
}

func replayAutoscalers(o benchAutoscalersOptions, pool *cost.NodePool) (autoscalersReport, error) {
	services, rep, err := o.traceServices()
	if o.demand != "" {
		services, rep, err = o.demandServices()
	}
	if err != nil {
		return autoscalersReport{}, err
	}
	main, extra := o.policies(pool)
	cfg := autoscale.DefaultConfig()
	cfg.Workers, cfg.PodMemoryGiB, cfg.NodeWindow = runtime.GOMAXPROCS(0), o.podMemory, 0
	if pool != nil {
		cfg.NodeWindow = o.nodeWindow
	}
	res, err := autoscale.Replay(services, append(main, extra...), cfg)
	if err != nil {
		return autoscalersReport{}, err
	}
	rep.Services, rep.OverloadPrice = res.Services, o.overloadPrice
	if pool != nil {
		rep.NodePool = &nodePoolJSON{Spot: pool.Spot, DaemonSetCores: float64(pool.DaemonSet.MilliCPU) / 1000,
			DaemonSetMiB: float64(pool.DaemonSet.MemoryBytes) / cost.MiB, DaemonSetPods: pool.DaemonSetPods,
			WindowSeconds: o.nodeWindow.Seconds(), PodMemoryGiB: o.podMemory}
		rep.NodePool.InstanceTypeCSV, _ = o.instanceTypesPath()
		for _, t := range pool.Types {
			rep.NodePool.Types = append(rep.NodePool.Types, t.Name)
		}
	}
	memBytes := int64(math.Ceil(o.podMemory * (1 << 30)))
	for j, p := range res.Policies {
		row := autoscalerRow(p.Name, p.Total)
		if j >= len(main) {
			rep.Curve = append(rep.Curve, row)
			continue
		}
		for _, s := range p.PerService {
			row.PerService = append(row.PerService, autoscalerRow(s.Service, s.Score))
		}
		if pool != nil {
			ns, err := autoscale.PackNodes(p, *pool, memBytes)
			if err != nil {
				return autoscalersReport{}, err
			}
			row.Nodes = nodesRow(ns)
		}
		rep.Policies = append(rep.Policies, row)
	}
	var statics []string
	for _, p := range main[:len(main)-2] {
		statics = append(statics, p.Name())
	}
	tailor := main[len(main)-1].Name()
	if c, ok := autoscale.Compare(res, tailor, statics, autoscale.DefaultTortoise().Name()); ok {
		rep.Bar = &barJSON{
			Static: c.Static, StaticSaving: c.StaticSaving, StaticMet: c.Static != "" && c.StaticSaving >= barSaving,
			Reference: c.Reference, ReferenceOverloadOK: c.ReferenceOverloadOK, ReferenceSaving: c.ReferenceSaving,
			ReferenceMet: c.ReferenceOverloadOK && c.ReferenceSaving > 0,
		}
	}
	return rep, nil
}

func nodesRow(ns autoscale.NodeScore) *nodesJSON {
	n := &nodesJSON{PeakNodes: ns.PeakNodes, NodeHours: ns.NodeHours, CostUSD: ns.CostUSD,
		AllocatableCoreHours: ns.AllocatableCoreHours, Windows: ns.Windows, PeakTypes: []typeCountJSON{}}
	if !ns.PeakAt.IsZero() {
		n.PeakAt = ns.PeakAt.Format(time.RFC3339)
	}
	for _, t := range ns.PeakTypes {
		n.PeakTypes = append(n.PeakTypes, typeCountJSON{Type: t.Type, Nodes: t.Nodes})
	}
	return n
}

func autoscalerRow(name string, s autoscale.Score) autoscalerScore {
	return autoscalerScore{
		Name: name, ReplicaHours: s.ReplicaHours, RequestedCoreHours: s.RequestedCoreHours, CostUSD: s.CostUSD,
		OverloadMinutes: s.OverloadMinutes, ScaleEvents: s.ScaleEvents, DemandCoreHours: s.DemandCoreHours,
		UnservedCoreHours: s.UnservedCoreHours, MeanUtilization: s.MeanUtilization(), SettingChanges: s.SettingChanges,
	}
}

// autoscalersHeading says where the demand came from and how it is priced.
func autoscalersHeading(rep autoscalersReport) string {
	m := rep.Mapping
	cost := "CPU only"
	if m.PodMemoryGiB > 0 {
		cost = fmt.Sprintf("CPU + %g GiB per pod", m.PodMemoryGiB)
	}
	if rep.Format == demandFormat {
		cpr, req := "the file's cpu_per_request", "the file's request_cores"
		if m.CPUPerRequest > 0 {
			cpr += fmt.Sprintf(", else %g core-s", m.CPUPerRequest)
		}
		if m.RequestCores > 0 {
			req += fmt.Sprintf(", else %g cores", m.RequestCores)
		}
		return fmt.Sprintf("demand file %s: %d services; demand = rps × CPU per request (%s) per %gs window; starting request per pod: %s; cost: %s",
			rep.Dataset, rep.Services, cpr, m.WindowSeconds, req, cost)
	}
	req := "each service's own request from the trace"
	if m.RequestCores > 0 {
		req = fmt.Sprintf("%g cores", m.RequestCores)
	}
	return fmt.Sprintf("dataset %s (%s): %d services; demand = %g × CPU per %gs window; starting request per pod: %s; cost: %s",
		rep.Dataset, rep.Format, rep.Services, m.Scale, m.WindowSeconds, req, cost)
}

func renderAutoscalersTable(w io.Writer, rep autoscalersReport) error {
	fmt.Fprintf(w, "%s\n\n", autoscalersHeading(rep))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "POLICY\tREPLICA-H\tREQUESTED core-h\tCOST USD\tOVERLOAD min\tUNSERVED core-h\tUTIL\tSCALE EVENTS\tCHANGES\t")
	for _, p := range rep.Policies {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.2f\t%.2f\t%.2f\t%.1f%%\t%d\t%d\t\n", p.Name, p.ReplicaHours,
			p.RequestedCoreHours, p.CostUSD, p.OverloadMinutes, p.UnservedCoreHours, p.MeanUtilization*100,
			p.ScaleEvents, p.SettingChanges)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := renderNodesTable(w, rep); err != nil {
		return err
	}
	if err := renderCurveTable(w, rep); err != nil {
		return err
	}
	if b := rep.Bar; b != nil {
		fmt.Fprintln(w)
		if b.Static == "" {
			fmt.Fprintln(w, "tailor vs static HPAs: none has as few overload minutes as tailor")
		} else {
			fmt.Fprintf(w, "tailor vs %s (the cheapest static HPA with no more overload minutes): %.1f%% fewer requested core-hours (bar: %.0f%%): %s\n",
				b.Static, b.StaticSaving*100, barSaving*100, metWord(b.StaticMet))
		}
		if b.Reference != "" {
			fmt.Fprintf(w, "tailor vs %s: overload %s, %.1f%% fewer requested core-hours: %s\n", b.Reference,
				map[bool]string{true: "no higher", false: "higher"}[b.ReferenceOverloadOK], b.ReferenceSaving*100, metWord(b.ReferenceMet))
		}
	}
	return nil
}

// renderNodesTable prints the node packing of every policy (--node-type).
func renderNodesTable(w io.Writer, rep autoscalersReport) error {
	np := rep.NodePool
	if np == nil {
		return nil
	}
	fmt.Fprintf(w, "\nnodes: %s, every %s each service at its largest requested CPU of the interval; DaemonSets %gm CPU, %g MiB, %d pods per node; pod memory %g GiB\n\n",
		strings.Join(np.Types, ", "), time.Duration(np.WindowSeconds*float64(time.Second)), np.DaemonSetCores*1000, np.DaemonSetMiB, np.DaemonSetPods, np.PodMemoryGiB)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "POLICY\tPEAK NODES\tPEAK TYPES\tNODE-H\tNODE USD\tALLOCATABLE core-h\tREQUESTED / ALLOCATABLE\t")
	for _, p := range rep.Policies {
		n := p.Nodes
		if n == nil {
			continue
		}
		var types []string
		for _, t := range n.PeakTypes {
			types = append(types, fmt.Sprintf("%d×%s", t.Nodes, t.Type))
		}
		share := 0.0
		if n.AllocatableCoreHours > 0 {
			share = p.RequestedCoreHours / n.AllocatableCoreHours
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.1f\t%.2f\t%.1f\t%.1f%%\t\n", p.Name, n.PeakNodes, strings.Join(types, " "),
			n.NodeHours, n.CostUSD, n.AllocatableCoreHours, share*100)
	}
	return tw.Flush()
}

// renderCurveTable prints the extra points of the --plot figure.
func renderCurveTable(w io.Writer, rep autoscalersReport) error {
	if len(rep.Curve) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\ntrade-off curve (--plot): the extra replays")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "POLICY\tREQUESTED core-h\tOVERLOAD min\tUNSERVED core-h\t")
	for _, p := range rep.Curve {
		fmt.Fprintf(tw, "%s\t%.1f\t%.2f\t%.2f\t\n", p.Name, p.RequestedCoreHours, p.OverloadMinutes, p.UnservedCoreHours)
	}
	return tw.Flush()
}

func metWord(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}

// Figure of --plot.
const (
	plotWidth  = 18 * vg.Centimeter
	plotHeight = 12 * vg.Centimeter
)

var plotFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// curvePoint is one policy on the figure.
type curvePoint struct {
	key   float64 // static target or overload price: the order along a line
	label string
	row   autoscalerScore
}

// writeAutoscalersSVG draws requested core-hours (x) against overload
// minutes (y, on a log(1+y) scale) of every policy of rep: the static
// targets as a line through hpa-40 … hpa-90 (the benchmark's hpa-50 …
// hpa-80 marked), tortoise as a point, tailor's overload prices as a line
// with the benchmark's tailor circled. The output depends only on rep.
func writeAutoscalersSVG(w io.Writer, rep autoscalersReport) error {
	var statics, tailors []curvePoint
	var tortoise *autoscalerScore
	for _, row := range slices.Concat(rep.Policies, rep.Curve) {
		switch {
		case row.Name == "tortoise":
			tortoise = &row
		case row.Name == "tailor":
			tailors = append(tailors, curvePoint{rep.OverloadPrice, fmt.Sprintf("tailor (%g)", rep.OverloadPrice), row})
		case strings.HasPrefix(row.Name, "tailor[overload-price="):
			v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(row.Name, "tailor[overload-price="), "]"), 64)
			if err != nil {
				return fmt.Errorf("--plot: policy %s: %w", row.Name, err)
			}
			tailors = append(tailors, curvePoint{v, strconv.FormatFloat(v, 'g', -1, 64), row})
		case strings.HasPrefix(row.Name, "hpa-"):
			v, err := strconv.Atoi(strings.TrimPrefix(row.Name, "hpa-"))
			if err != nil {
				return fmt.Errorf("--plot: policy %s: %w", row.Name, err)
			}
			statics = append(statics, curvePoint{float64(v), row.Name, row})
		}
	}
	for _, s := range [][]curvePoint{statics, tailors} {
		slices.SortFunc(s, func(a, b curvePoint) int { return int(math.Copysign(1, a.key-b.key)) })
	}
	p := plot.New()
	p.Title.Text = rep.Dataset + ": requested CPU vs overload (lower left is better)"
	p.X.Label.Text = "requested core-hours"
	p.Y.Label.Text = "overload minutes (log scale)"
	p.Title.TextStyle.Font = font.From(plotFont, 11)
	p.Legend.TextStyle.Font = font.From(plotFont, 8)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(plotFont, 10)
		a.Tick.Label.Font = font.From(plotFont, 8)
	}
	p.Y.Scale, p.Y.Tick.Marker = log1pScale{}, log1pTicks{}
	// Lower left: the corner no policy reaches. Text runs right of the
	// thumbnails, so a wider fallback font does not cover them.
	p.Legend.Top, p.Legend.Left = false, true
	p.Legend.XOffs, p.Legend.YOffs = 2*vg.Millimeter, 2*vg.Millimeter
	p.Legend.ThumbnailWidth, p.Legend.Padding = 8*vg.Millimeter, vg.Millimeter
	p.Add(plotter.NewGrid())
	gray, blue := color.RGBA{R: 120, G: 120, B: 120, A: 255}, color.RGBA{R: 31, G: 119, B: 180, A: 255}
	if err := addCurve(p, statics, "static HPA targets (hpa-<target>)", gray, draw.SquareGlyph{}); err != nil {
		return err
	}
	if err := addCurve(p, tailors, "tailor, by --overload-price", color.Black, draw.CircleGlyph{}); err != nil {
		return err
	}
	for _, t := range tailors {
		if t.row.Name == "tailor" {
			ring, err := plotter.NewScatter(plotter.XYs{{X: t.row.RequestedCoreHours, Y: t.row.OverloadMinutes}})
			if err != nil {
				return fmt.Errorf("--plot: %w", err)
			}
			ring.GlyphStyle = draw.GlyphStyle{Color: color.Black, Shape: draw.RingGlyph{}, Radius: vg.Points(6)}
			p.Add(ring)
		}
	}
	if tortoise != nil {
		if err := addCurve(p, []curvePoint{{0, "tortoise", *tortoise}}, "tortoise", blue, draw.TriangleGlyph{}); err != nil {
			return err
		}
	}
	var rows []autoscalerScore
	for _, pt := range slices.Concat(statics, tailors) {
		rows = append(rows, pt.row)
	}
	if tortoise != nil {
		rows = append(rows, *tortoise)
	}
	setCurveRanges(p, rows)
	c := vgsvg.New(plotWidth, plotHeight)
	p.Draw(draw.New(c))
	if _, err := c.WriteTo(w); err != nil {
		return fmt.Errorf("--plot: write: %w", err)
	}
	return nil
}

// addCurve draws pts as a line (when more than one) with labeled points.
func addCurve(p *plot.Plot, pts []curvePoint, legend string, c color.Color, shape draw.GlyphDrawer) error {
	if len(pts) == 0 {
		return nil
	}
	xys := make(plotter.XYs, len(pts))
	labels := make([]string, len(pts))
	for i, pt := range pts {
		xys[i] = plotter.XY{X: pt.row.RequestedCoreHours, Y: pt.row.OverloadMinutes}
		labels[i] = pt.label
	}
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: c, Shape: shape, Radius: vg.Points(3)}
	if len(pts) > 1 {
		line, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("--plot: %w", err)
		}
		line.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1)}
		p.Add(line)
		p.Legend.Add(legend, line, sc)
	} else {
		p.Legend.Add(legend, sc)
	}
	p.Add(sc)
	lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
	if err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	for i := range lb.TextStyle {
		lb.TextStyle[i].Font = font.From(plotFont, 8)
		lb.TextStyle[i].Color = c
	}
	lb.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(3)}
	p.Add(lb)
	return nil
}

// setCurveRanges leaves room right of and above the points for labels.
func setCurveRanges(p *plot.Plot, rows []autoscalerScore) {
	lo, hi, bottom, top := math.Inf(1), 0.0, math.Inf(1), 0.0
	for _, r := range rows {
		lo, hi = min(lo, r.RequestedCoreHours), max(hi, r.RequestedCoreHours)
		bottom, top = min(bottom, r.OverloadMinutes), max(top, r.OverloadMinutes)
	}
	pad := max(hi-lo, 0.1*hi, 1)
	p.X.Min, p.X.Max = max(0, lo-0.05*pad), hi+0.2*pad
	// The y axis starts at 0, or at the 1-2-5 step below half the least
	// overload when that is 10 minutes or more.
	p.Y.Min = 0
	if bottom >= 10 {
		for _, t := range (log1pTicks{}).Ticks(0, bottom/2) {
			p.Y.Min = t.Value
		}
	}
	// 15% of the axis above the largest, for labels.
	p.Y.Max = max(math.Expm1(math.Log1p(top)+0.15*(math.Log1p(top)-math.Log1p(p.Y.Min))), 2)
}

// log1pScale places y at log(1 + y): overload minutes from 0 to thousands
// stay readable.
type log1pScale struct{}

func (log1pScale) Normalize(lo, hi, x float64) float64 {
	return (math.Log1p(x) - math.Log1p(lo)) / (math.Log1p(hi) - math.Log1p(lo))
}

// log1pTicks labels 0 and the 1-2-5 series up to hi.
type log1pTicks struct{}

func (log1pTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := []plot.Tick{{Value: 0, Label: "0"}}
	for pow := 1.0; pow <= hi; pow *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if v := m * pow; v <= hi {
				ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
			}
		}
	}
	return slices.DeleteFunc(ticks, func(t plot.Tick) bool { return t.Value < lo })
}
