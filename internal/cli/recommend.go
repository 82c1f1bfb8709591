package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/plan"
	"tailor.dev/tailor/internal/recommend"
	"tailor.dev/tailor/internal/report"
	"tailor.dev/tailor/internal/trace"
)

type recommendOptions struct {
	in      traceInput
	live    liveInput
	output  string
	out     string
	prices  string // OpenCost pricing JSON; "" = OpenCost's default on-demand rates
	spot    bool
	explain string // "[namespace/]workload": print the evidence of one workload instead of the report
	// nodeTypes and instanceTypes price the plan as nodes (first-fit
	// decreasing) before and after.
	nodeTypes     []string
	instanceTypes string
}

// recommendOutputs are the -o values of recommend.
var recommendOutputs = []string{"table", "json", "yaml", "csv"}

func newRecommendCmd(stdout, stderr io.Writer) *cobra.Command {
	var o recommendOptions
	cmd := &cobra.Command{
		Use:   "recommend",
		Short: "Recommend CPU/memory requests and limits per container from usage history",
		Long: "Recommend reads usage history from a trace file, or from Prometheus for the workloads of a cluster\n" +
			"(or, with --prometheus-only or when the cluster cannot be reached, of kube-state-metrics series),\n" +
			"and prints current vs recommended requests and limits, the monthly cost change and risk flags.\n" +
			"It never writes to the cluster. Exit status: 0 report complete, 1 failure, 2 bad flags,\n" +
			"3 report written but incomplete (see the warnings: forbidden lists, unreachable Prometheus).",
		Example: "  tailor recommend --demo\n" +
			"  tailor recommend --trace usage.csv.gz -o json --out recs.json\n" +
			"  tailor recommend --prometheus-url http://prometheus:9090 -n shop -o yaml\n" +
			"  tailor recommend --prometheus-url http://thanos:9090 --prometheus-only --explain shop/web",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRecommend(cmd.Context(), o, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.in.demo, "demo", false, "use the embedded demo trace (Google cluster-data 2019 subset)")
	f.StringVar(&o.in.path, "trace", "", "trace file or folder (see docs/formats/trace.md)")
	f.StringVar(&o.in.format, "format", "", "trace format: "+strings.Join(trace.Formats, ", ")+" (default: detect)")
	o.live.register(f)
	f.StringVarP(&o.output, "output", "o", "table", "output format: "+strings.Join(recommendOutputs, ", "))
	f.StringVar(&o.out, "out", "", "write the output to this file (atomically) instead of stdout")
	f.StringVar(&o.prices, "prices", "", "OpenCost pricing JSON (fields CPU, RAM, spotCPU, spotRAM; default: OpenCost's on-demand rates)")
	f.BoolVar(&o.spot, "spot", false, "price with the spot rates of --prices (or OpenCost's default spot rates)")
	f.StringSliceVar(&o.nodeTypes, "node-type", nil, "also pack the workloads' pods onto nodes of these instance types (e.g. m5.xlarge) before and after, and price them")
	f.StringVar(&o.instanceTypes, "instance-types", "", "instance-type table (default: aws-ec2-instance-types/aws_ec2_instance_types.csv in $TAILOR_SHARED_DATA or ../shared/data)")
	f.StringVar(&o.explain, "explain", "", "show the evidence behind the recommendation of one workload ([namespace/]name) as text")
	return cmd
}

func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}

// errIncomplete marks a report that was written but misses parts (exit 3).
var errIncomplete = errors.New("the report is incomplete")

func (o recommendOptions) check() error {
	if !contains(recommendOutputs, o.output) {
		return usagef("--output %q: want one of %s", o.output, strings.Join(recommendOutputs, ", "))
	}
	if o.instanceTypes != "" && len(o.nodeTypes) == 0 {
		return usagef("--instance-types needs --node-type")
	}
	if o.explain != "" && o.output != "table" {
		return usagef("--explain prints text: drop --output %s", o.output)
	}
	if o.live.set() {
		if o.in.demo || o.in.path != "" {
			return usagef("--demo/--trace read a trace file; --prometheus-url and the cluster flags read a cluster: use one or the other")
		}
		return o.live.check()
	}
	if !o.in.demo && o.in.path == "" {
		return usagef("give --demo, --trace FILE|DIR, or --prometheus-url URL (with the cluster of --kubeconfig/--context, or --prometheus-only)")
	}
	return o.in.check()
}

func runRecommend(ctx context.Context, o recommendOptions, stdout, stderr io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	out, err := openOutput("--out", o.out, stdout)
	if err != nil {
		return err
	}
	defer out.abort()
	p, h, err := buildPlan(ctx, o, stderr)
	if err != nil {
		return err
	}
	if err := render(out, o, p, h); err != nil {
		return err
	}
	if err := out.commit(); err != nil {
		return err
	}
	if len(p.Warnings) > 0 {
		return fmt.Errorf("%w: %d warnings: %s", errIncomplete, len(p.Warnings), strings.Join(p.Warnings, "; "))
	}
	return nil
}

// buildPlan computes the plan the options select.
func buildPlan(ctx context.Context, o recommendOptions, stderr io.Writer) (plan.Plan, report.PlanHeader, error) {
	prices, err := loadPrices(o.prices, o.spot)
	if err != nil {
		return plan.Plan{}, report.PlanHeader{}, err
	}
	b, err := plan.NewBuilder(recommend.Default())
	if err != nil {
		return plan.Plan{}, report.PlanHeader{}, err
	}
	opts := plan.Options{Prices: prices}
	var pool *cost.NodePool
	if len(o.nodeTypes) > 0 {
		if pool, err = o.nodePool(); err != nil {
			return plan.Plan{}, report.PlanHeader{}, err
		}
	}
	var p plan.Plan
	var h report.PlanHeader
	if o.live.set() {
		p, h, err = o.live.plan(ctx, b, opts, stderr)
	} else {
		p, h, err = tracePlan(o.in, b, opts)
	}
	if err != nil || pool == nil {
		return p, h, err
	}
	est, err := plan.Nodes(p, *pool)
	if err != nil {
		return p, h, fmt.Errorf("--node-type: %w", err)
	}
	p.Nodes = &est
	return p, h, nil
}

func (o recommendOptions) nodePool() (*cost.NodePool, error) {
	path := o.instanceTypes
	if path == "" {
		var err error
		if path, err = sharedInstanceTypes(); err != nil {
			return nil, err
		}
	}
	return loadNodePool(path, o.nodeTypes, cost.Request{}, 0)
}

// tracePlan recommends for every container of the selected trace.
func tracePlan(in traceInput, b *plan.Builder, opts plan.Options) (plan.Plan, report.PlanHeader, error) {
	r, ds, attribution, err := in.open()
	if err != nil {
		return plan.Plan{}, report.PlanHeader{}, err
	}
	defer r.Close()
	if _, err := b.AddAll(r); err != nil {
		return plan.Plan{}, report.PlanHeader{}, err
	}
	if b.Containers() == 0 {
		return plan.Plan{}, report.PlanHeader{}, errors.New("recommend: the trace has no samples")
	}
	h := report.PlanHeader{Source: ds.Name, Format: ds.Format, Attribution: attribution}
	return b.FromSamples(opts), h, nil
}

func render(w io.Writer, o recommendOptions, p plan.Plan, h report.PlanHeader) error {
	if o.explain != "" {
		rows, err := explainRows(p, o.explain)
		if err != nil {
			return err
		}
		return report.WriteExplain(w, rows)
	}
	switch o.output {
	case "json":
		return writeJSON(w, report.NewPlanDoc(p, h))
	case "yaml":
		y, err := yaml.Marshal(report.NewPlanDoc(p, h))
		if err != nil {
			return err
		}
		_, err = w.Write(y)
		return err
	case "csv":
		return report.WritePlanCSV(w, p)
	}
	return report.WritePlanTable(w, p, h)
}

// explainRows selects the rows of "[namespace/]name"; a bare name must be
// unique across namespaces.
func explainRows(p plan.Plan, sel string) ([]plan.Row, error) {
	ns, name, qualified := strings.Cut(sel, "/")
	if !qualified {
		ns, name = "", sel
	}
	var rows []plan.Row
	namespaces := map[string]bool{}
	for _, r := range p.Rows {
		if r.Workload == name && (ns == "" || r.Namespace == ns) {
			rows = append(rows, r)
			namespaces[r.Namespace] = true
		}
	}
	switch {
	case len(rows) == 0:
		return nil, fmt.Errorf("--explain %s: no such workload in the report (%d workloads; names are [namespace/]name)", sel, countWorkloads(p))
	case len(namespaces) > 1:
		return nil, usagef("--explain %s: the name is in %d namespaces: give namespace/%s", sel, len(namespaces), name)
	}
	return rows, nil
}

func countWorkloads(p plan.Plan) int {
	seen := map[string]bool{}
	for _, r := range p.Rows {
		seen[r.Namespace+"/"+r.Workload] = true
	}
	return len(seen)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
