package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"tailor.dev/tailor/internal/baseline/autopilot"
	"tailor.dev/tailor/internal/baseline/krr"
	"tailor.dev/tailor/internal/baseline/vpa"
	"tailor.dev/tailor/internal/recommend"
	"tailor.dev/tailor/internal/report"
	"tailor.dev/tailor/internal/simulate"
	"tailor.dev/tailor/internal/trace"
)

func newBenchCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Replay benchmarks on real traces",
		Args:  unknownCommand,
		RunE:  showHelp,
	}
	cmd.AddCommand(newBenchRecommendersCmd(stdout), newBenchOracleCmd(stdout))
	cmd.AddCommand(newBenchOptimizersCmd(stdout))
	cmd.AddCommand(newBenchAutoscalersCmd(stdout))
	return cmd
}

type benchRecOptions struct {
	datasetFlags
	plot     string
	policies []string
	set      []string
	sweep    []string
}

func newBenchRecommendersCmd(stdout io.Writer) *cobra.Command {
	var o benchRecOptions
	cmd := &cobra.Command{
		Use:   "recommenders",
		Short: "Replay tailor, vpa, krr, autopilot and manual on the same trace and score them",
		Long: "Replays every policy on the same samples with the scoring contract of docs/benchmarks.md:\n" +
			"1-day warm-up, hourly decisions, memory limit = request, no CPU limit.",
		Example: "  tailor bench recommenders --data ../shared/data/google-2019-tasks -o json\n" +
			"  tailor bench recommenders --data ../shared/data/google-2019-tasks \\\n" +
			"      --sweep cpu.margin=0,0.1,0.2 --out bench.txt --plot tradeoffs.svg",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchRecommenders(cmd.Context(), o, stdout)
		},
	}
	f := cmd.Flags()
	o.register(f)
	f.StringVar(&o.plot, "plot", "", "also write the trade-off curves (CPU slack vs shortfall, memory slack vs OOM kills) to this .svg file")
	f.StringSliceVar(&o.policies, "policies", allPolicies, "policies to replay")
	f.StringArrayVar(&o.set, "set", nil, "change a tailor engine setting, key=value (repeatable; see docs/benchmarks.md)")
	f.StringArrayVar(&o.sweep, "sweep", nil, "add one tailor variant per value, key=v1,v2,... (trade-off curves)")
	return cmd
}

var allPolicies = []string{"tailor", "vpa", "krr", "autopilot", "manual"}

func policyByName(name string, set []string) (simulate.Policy, error) {
	switch name {
	case "tailor":
		return tailorPolicy("tailor", set)
	case "vpa":
		return vpa.New(vpa.Default()), nil
	case "krr":
		return krr.New(krr.Default()), nil
	case "autopilot":
		return autopilot.New(autopilot.Default()), nil
	case "manual":
		return simulate.Manual{}, nil
	}
	return nil, usagef("--policies: unknown policy %q (want %s)", name, strings.Join(allPolicies, ", "))
}

// benchReport is the JSON shape documented in docs/benchmarks.md.
type benchReport struct {
	Dataset    string        `json:"dataset"`
	Format     string        `json:"format"`
	Containers int           `json:"containers"`
	Samples    int           `json:"samples"`
	Policies   []policyScore `json:"policies"`
}

type policyScore struct {
	Name                  string  `json:"name"`
	CPUSlackCoreHours     float64 `json:"cpu_slack_core_hours"`
	CPUShortfallCoreHours float64 `json:"cpu_shortfall_core_hours"`
	CPUThrottledCoreHours float64 `json:"cpu_throttled_core_hours"`
	MemSlackGiBHours      float64 `json:"mem_slack_gib_hours"`
	OOMKills              int     `json:"oom_kills"`
	Changes               int     `json:"changes"`
	CostUSD               float64 `json:"cost_usd"`
	RelativeCPUSlack      float64 `json:"relative_cpu_slack"`
	RelativeMemSlack      float64 `json:"relative_mem_slack"`
	CPURequestCoreHours   float64 `json:"cpu_request_core_hours"`
	MemRequestGiBHours    float64 `json:"mem_request_gib_hours"`
}

func runBenchRecommenders(_ context.Context, o benchRecOptions, stdout io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	policies, err := benchPolicies(o)
	if err != nil {
		return err
	}
	out, err := openOutput("--out", o.out, stdout)
	if err != nil {
		return err
	}
	defer out.abort()
	plot, err := openOutput("--plot", o.plot, io.Discard)
	if err != nil {
		return err
	}
	defer plot.abort()
	rep, err := replay(o.data, o.format, policies)
	if err != nil {
		return err
	}
	if err := renderBench(out, o.output, rep); err != nil {
		return err
	}
	if o.plot != "" {
		if err := report.WriteTradeOffSVG(plot, tradeOff(rep)); err != nil {
			return err
		}
	}
	if err := out.commit(); err != nil {
		return err
	}
	return plot.commit()
}

// check reports flag misuse as a usage error, before anything is read.
func (o benchRecOptions) check() error {
	switch {
	case o.data == "":
		return usagef("--data is required")
	case o.plot != "" && !strings.EqualFold(filepath.Ext(o.plot), ".svg"):
		return usagef("--plot %q: want a .svg file name", o.plot)
	case o.plot != "" && o.out != "" && filepath.Clean(o.plot) == filepath.Clean(o.out):
		return usagef("--out and --plot name the same file %q", o.out)
	case len(o.policies) == 0 && len(o.sweep) == 0:
		return usagef("--policies: give at least one policy")
	}
	return o.datasetFlags.check()
}

// replay runs policies on the trace at path and scores them.
func replay(path, format string, policies []simulate.Policy) (benchReport, error) {
	r, ds, err := trace.Open(path, format)
	if err != nil {
		return benchReport{}, err
	}
	defer r.Close()
	res, err := simulate.Replay(r, policies, simulate.DefaultConfig())
	if err != nil {
		return benchReport{}, err
	}
	return toBenchReport(ds, res), nil
}

func renderBench(w io.Writer, output string, rep benchReport) error {
	if output == "json" {
		return writeJSON(w, rep)
	}
	return renderBenchTable(w, rep)
}

// tradeOff is the input of the --plot figure.
func tradeOff(rep benchReport) report.TradeOff {
	t := report.TradeOff{Title: rep.Dataset}
	for _, p := range rep.Policies {
		t.Scores = append(t.Scores, report.Score{Name: p.Name, CPUSlack: p.CPUSlackCoreHours,
			CPUShortfall: p.CPUShortfallCoreHours, MemSlack: p.MemSlackGiBHours, OOMKills: p.OOMKills})
	}
	return t
}

func toBenchReport(ds trace.Dataset, res simulate.Result) benchReport {
	rep := benchReport{Dataset: ds.Name, Format: ds.Format, Containers: res.Containers, Samples: res.Samples}
	for _, p := range res.Policies {
		rep.Policies = append(rep.Policies, scoreRow(p.Name, p.Total))
	}
	return rep
}

func scoreRow(name string, t simulate.Score) policyScore {
	return policyScore{
		Name: name, CPUSlackCoreHours: t.CPUSlackCoreHours, CPUShortfallCoreHours: t.CPUShortfallCoreHours,
		CPUThrottledCoreHours: t.CPUThrottledCoreHours, MemSlackGiBHours: t.MemSlackGiBHours,
		OOMKills: t.OOMKills, Changes: t.Changes, CostUSD: t.CostUSD,
		RelativeCPUSlack: t.RelativeCPUSlack(), RelativeMemSlack: t.RelativeMemSlack(),
		CPURequestCoreHours: t.CPURequestCoreHours, MemRequestGiBHours: t.MemRequestGiBHours,
	}
}

func renderBenchTable(w io.Writer, rep benchReport) error {
	fmt.Fprintf(w, "dataset %s (%s): %d containers, %d samples\n\n", rep.Dataset, rep.Format, rep.Containers, rep.Samples)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "POLICY\tCPU SLACK core-h\tREL\tCPU SHORT core-h\tMEM SLACK GiB-h\tREL\tOOM KILLS\tCHANGES\tCOST USD\t")
	for _, p := range rep.Policies {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f%%\t%.1f\t%.1f\t%.1f%%\t%d\t%d\t%.2f\t\n", p.Name,
			p.CPUSlackCoreHours, p.RelativeCPUSlack*100, p.CPUShortfallCoreHours,
			p.MemSlackGiBHours, p.RelativeMemSlack*100, p.OOMKills, p.Changes, p.CostUSD)
	}
	return tw.Flush()
}

func tailorPolicy(label string, set []string) (simulate.Policy, error) {
	cfg := recommend.Default()
	if err := cfg.SetAll(set); err != nil {
		return nil, usageError{err}
	}
	e, err := recommend.New(cfg)
	if err != nil {
		return nil, usageError{err}
	}
	return simulate.Tailor{Engine: e, Label: label}, nil
}

// benchPolicies builds the --policies, then one tailor variant per --sweep
// value. --set is checked even when no tailor policy uses it.
func benchPolicies(o benchRecOptions) ([]simulate.Policy, error) {
	if _, err := tailorPolicy("tailor", o.set); err != nil {
		return nil, usagef("--set: %w", err)
	}
	var out []simulate.Policy
	for _, n := range o.policies {
		p, err := policyByName(n, o.set)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	for _, sw := range o.sweep {
		ps, err := sweepPolicies(sw, o.set)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

// sweepPolicies parses one --sweep key=v1,v2,... into tailor variants named
// tailor[key=v], each with the --set assignments and then key=v.
func sweepPolicies(sweep string, set []string) ([]simulate.Policy, error) {
	key, vals, ok := strings.Cut(sweep, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" || strings.TrimSpace(vals) == "" {
		return nil, usagef("--sweep %q: want key=v1,v2,...", sweep)
	}
	var out []simulate.Policy
	seen := map[string]bool{}
	for _, v := range strings.Split(vals, ",") {
		v = strings.TrimSpace(v)
		switch {
		case v == "":
			return nil, usagef("--sweep %q: empty value (want key=v1,v2,...)", sweep)
		case seen[v]:
			return nil, usagef("--sweep %q: value %q given twice", sweep, v)
		}
		seen[v] = true
		set := append(append([]string(nil), set...), key+"="+v)
		p, err := tailorPolicy("tailor["+key+"="+v+"]", set)
		if err != nil {
			return nil, usagef("--sweep %q: %w", sweep, err)
		}
		out = append(out, p)
	}
	return out, nil
}
