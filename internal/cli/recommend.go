package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"tailor.dev/tailor/internal/recommend"
	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

type recommendOptions struct {
	in     traceInput
	output string
	out    string
	prices string // OpenCost pricing JSON; "" = OpenCost's default on-demand rates
	spot   bool
}

func newRecommendCmd(stdout io.Writer) *cobra.Command {
	var o recommendOptions
	cmd := &cobra.Command{
		Use:   "recommend",
		Short: "Recommend CPU/memory requests and limits per container from usage history",
		Example: "  tailor recommend --demo\n" +
			"  tailor recommend --trace usage.csv.gz -o json --out recs.json",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRecommend(cmd.Context(), o, stdout)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.in.demo, "demo", false, "use the embedded demo trace (Google cluster-data 2019 subset)")
	f.StringVar(&o.in.path, "trace", "", "trace file or folder (see docs/formats/trace.md)")
	f.StringVar(&o.in.format, "format", "", "trace format: "+strings.Join(trace.Formats, ", ")+" (default: detect)")
	f.StringVarP(&o.output, "output", "o", "table", "output format: table or json")
	f.StringVar(&o.out, "out", "", "write the output to this file (atomically) instead of stdout")
	f.StringVar(&o.prices, "prices", "", "OpenCost pricing JSON (fields CPU, RAM, spotCPU, spotRAM; default: OpenCost's on-demand rates)")
	f.BoolVar(&o.spot, "spot", false, "price with the spot rates of --prices (or OpenCost's default spot rates)")
	return cmd
}

func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}

// containerRec is one row of the report: a container of a workload,
// aggregated over its replicas.
type containerRec struct {
	Namespace   string        `json:"namespace"`
	Workload    string        `json:"workload"`
	Container   string        `json:"container"`
	Replicas    int           `json:"replicas"`
	Samples     int           `json:"samples"`
	HistoryH    float64       `json:"history_hours"`
	Confidence  float64       `json:"confidence"`
	OOMKills    int           `json:"oom_kills"`
	Current     resourcesJSON `json:"current"`
	Recommended resourcesJSON `json:"recommended"`
	Lower       resourcesJSON `json:"lower_bound"`
	Upper       resourcesJSON `json:"upper_bound"`
	Reason      string        `json:"reason"`
	Reasons     []reasonJSON  `json:"reasons"`
	// MonthlyDeltaUSD is recommended minus current requests of all replicas
	// for a month at the report's prices (negative = savings).
	MonthlyDeltaUSD float64 `json:"monthly_cost_delta_usd"`
}

type resourcesJSON struct {
	CPURequest *float64 `json:"cpu_request_cores,omitempty"`
	CPULimit   *float64 `json:"cpu_limit_cores,omitempty"`
	MemRequest *float64 `json:"memory_request_bytes,omitempty"`
	MemLimit   *float64 `json:"memory_limit_bytes,omitempty"`
}

type reasonJSON struct {
	Resource string  `json:"resource"`
	Step     string  `json:"step"`
	Value    float64 `json:"value"`
	Detail   string  `json:"detail"`
}

type recommendReport struct {
	Source          string         `json:"source"`
	Format          string         `json:"format"`
	Attribution     string         `json:"attribution,omitempty"`
	Prices          pricesJSON     `json:"prices"`
	MonthlyDeltaUSD float64        `json:"monthly_cost_delta_usd"`
	Recommendations []containerRec `json:"recommendations"`
}

type pricesJSON struct {
	CPUCoreHour float64 `json:"usd_per_core_hour"`
	MemGiBHour  float64 `json:"usd_per_gib_hour"`
}

func runRecommend(_ context.Context, o recommendOptions, stdout io.Writer) error {
	if err := checkOutputFormat(o.output); err != nil {
		return err
	}
	if err := o.in.check(); err != nil {
		return err
	}
	out, err := openOutput("--out", o.out, stdout)
	if err != nil {
		return err
	}
	defer out.abort()
	prices, err := loadPrices(o.prices, o.spot)
	if err != nil {
		return err
	}
	rep, err := recommendTrace(o.in)
	if err != nil {
		return err
	}
	priceReport(&rep, prices)
	if o.output == "json" {
		err = writeJSON(out, rep)
	} else {
		err = renderRecommendTable(out, rep)
	}
	if err != nil {
		return err
	}
	return out.commit()
}

// recommendTrace reads the selected trace and recommends for every container.
func recommendTrace(in traceInput) (recommendReport, error) {
	r, ds, attribution, err := in.open()
	if err != nil {
		return recommendReport{}, err
	}
	defer r.Close()
	e, err := recommend.New(recommend.Default())
	if err != nil {
		return recommendReport{}, err
	}
	recs, err := recommendAll(e, r)
	if err != nil {
		return recommendReport{}, err
	}
	return recommendReport{Source: ds.Name, Format: ds.Format, Attribution: attribution, Recommendations: recs}, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// tracked is the per-container state while reading a trace.
type tracked struct {
	ref     workload.ContainerRef
	state   *recommend.State
	current workload.Resources
	last    time.Time
}

func recommendAll(e *recommend.Engine, r trace.Reader) ([]containerRec, error) {
	byKey := map[string]*tracked{}
	for {
		s, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		t := byKey[s.Ref.Key()]
		if t == nil {
			t = &tracked{ref: s.Ref, state: e.NewState()}
			byKey[s.Ref.Key()] = t
		}
		e.Add(t.state, s)
		if !s.Provisioned.IsZero() {
			t.current = s.Provisioned
		}
		t.last = s.Time
	}
	if len(byKey) == 0 {
		return nil, errors.New("recommend: the trace has no samples")
	}
	return aggregate(e, byKey), nil
}

// aggregate merges the replicas of each workload container and recommends.
func aggregate(e *recommend.Engine, byKey map[string]*tracked) []containerRec {
	groups := map[string][]*tracked{}
	for _, t := range byKey {
		k := t.ref.WorkloadKey()
		groups[k] = append(groups[k], t)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]containerRec, 0, len(keys))
	for _, k := range keys {
		out = append(out, recommendGroup(e, groups[k]))
	}
	return out
}

func recommendGroup(e *recommend.Engine, reps []*tracked) containerRec {
	sort.Slice(reps, func(i, j int) bool { return reps[i].ref.Pod < reps[j].ref.Pod })
	merged := e.NewState()
	latest := reps[0]
	for _, t := range reps {
		e.Merge(merged, t.state)
		if t.last.After(latest.last) {
			latest = t
		}
	}
	rec := e.Recommend(merged, latest.last)
	target := rec.Target
	cr := containerRec{
		Namespace: latest.ref.Namespace, Workload: latest.ref.Workload, Container: latest.ref.Container,
		Replicas: len(reps), Samples: merged.Samples(), HistoryH: rec.History.Hours(),
		Confidence: rec.Confidence, OOMKills: merged.OOMs(),
		Current:     toJSON(latest.current, true, true),
		Recommended: toJSON(target, rec.HasCPU, rec.HasMemory),
		Lower:       toJSON(rec.Lower, rec.HasCPU, rec.HasMemory),
		Upper:       toJSON(rec.Upper, rec.HasCPU, rec.HasMemory),
		Reason:      mainReason(rec),
	}
	for _, r := range rec.Reasons {
		cr.Reasons = append(cr.Reasons, reasonJSON{r.Resource, r.Step, r.Value, r.Detail})
	}
	return cr
}

func toJSON(r workload.Resources, cpu, mem bool) resourcesJSON {
	var out resourcesJSON
	set := func(v float64) *float64 {
		if v == 0 {
			return nil
		}
		return &v
	}
	if cpu {
		out.CPURequest, out.CPULimit = set(r.CPURequest), set(r.CPULimit)
	}
	if mem {
		out.MemRequest, out.MemLimit = set(r.MemRequest), set(r.MemLimit)
	}
	return out
}

// mainReason joins, per resource, the details of every step.
func mainReason(rec recommend.Recommendation) string {
	var parts []string
	for _, res := range []string{"cpu", "memory"} {
		var d []string
		for _, r := range rec.Reasons {
			if r.Resource == res {
				d = append(d, r.Detail)
			}
		}
		if len(d) > 0 {
			parts = append(parts, res+": "+strings.Join(d, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

func renderRecommendTable(w io.Writer, rep recommendReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "WORKLOAD\tCONTAINER\tREPLICAS\tCPU REQ\t→\tMEM REQ\t→\tMEM LIMIT\t→\t$/MONTH\tHISTORY\tREASON\n")
	for _, c := range rep.Recommendations {
		fmt.Fprintf(tw, "%s/%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%+.2f\t%s\t%s\n",
			c.Namespace, c.Workload, c.Container, c.Replicas,
			fmtCores(c.Current.CPURequest), fmtCores(c.Recommended.CPURequest),
			fmtBytes(c.Current.MemRequest), fmtBytes(c.Recommended.MemRequest),
			fmtBytes(c.Current.MemLimit), fmtBytes(c.Recommended.MemLimit),
			c.MonthlyDeltaUSD, fmtHours(c.HistoryH), c.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	verb := "saves"
	if rep.MonthlyDeltaUSD > 0 {
		verb = "costs"
	}
	fmt.Fprintf(w, "\n%d containers from %s (%s). Applying every recommendation %s $%.2f/month "+
		"(requests of the replicas seen, at $%g/core-h and $%g/GiB-h).\n", len(rep.Recommendations), rep.Source,
		rep.Format, verb, math.Abs(rep.MonthlyDeltaUSD), rep.Prices.CPUCoreHour, rep.Prices.MemGiBHour)
	if rep.Attribution != "" {
		fmt.Fprintln(w, rep.Attribution)
	}
	return nil
}

func fmtCores(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%dm", int64(*v*1000+0.5))
}

func fmtBytes(v *float64) string {
	if v == nil {
		return "-"
	}
	if *v >= 1<<30 {
		return fmt.Sprintf("%.2fGi", *v/(1<<30))
	}
	return fmt.Sprintf("%dMi", int64(*v/(1<<20)+0.5))
}

func fmtHours(h float64) string {
	if h >= 48 {
		return fmt.Sprintf("%.1fd", h/24)
	}
	return fmt.Sprintf("%.0fh", h)
}
