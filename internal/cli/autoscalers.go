package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"tailor.dev/tailor/internal/autoscale"
	"tailor.dev/tailor/internal/trace"
)

type benchAutoscalersOptions struct {
	datasetFlags
	overloadPrice, podMemory float64
}

func newBenchAutoscalersCmd(stdout io.Writer) *cobra.Command {
	o := benchAutoscalersOptions{overloadPrice: autoscale.DefaultTailor().OverloadPrice}
	cmd := &cobra.Command{
		Use:   "autoscalers",
		Short: "Replay HPA policies (static targets, tortoise, tailor) on each service's demand and score them",
		Long: "Turns the trace into services (one per workload: a Google job, an Azure VM; total CPU demand per\n" +
			"5-minute window) and replays the Kubernetes HPA model on each: hpa-50..hpa-80 (static targets),\n" +
			"tortoise (Tortoise's target tuner and replica slots) and tailor (Tailor's tuner). 15 s syncs, pods\n" +
			"Ready 60 s after creation, 1-day warm-up; scores in docs/autoscalers.md.",
		Example: "  tailor bench autoscalers --data ../shared/data/google-2019-tasks\n" +
			"  tailor bench autoscalers --data ../shared/data/azure-v1-vm-cpu -o json --out azure.json",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchAutoscalers(cmd.Context(), o, stdout)
		},
	}
	f := cmd.Flags()
	o.register(f)
	f.Float64Var(&o.overloadPrice, "overload-price", o.overloadPrice,
		"tailor: requested core-hours one minute of overload is worth avoiding (the cost/overload trade-off)")
	f.Float64Var(&o.podMemory, "pod-memory", 0, "GiB of memory per pod to add to the cost (0: CPU only)")
	return cmd
}

// autoscalersReport is the JSON shape documented in docs/autoscalers.md.
type autoscalersReport struct {
	Dataset  string            `json:"dataset"`
	Format   string            `json:"format"`
	Services int               `json:"services"`
	Mapping  mappingJSON       `json:"mapping"`
	Policies []autoscalerScore `json:"policies"`
	Bar      *barJSON          `json:"bar,omitempty"`
}

type mappingJSON struct {
	WindowSeconds float64 `json:"window_seconds"`
	Scale         float64 `json:"scale"`
	RequestCores  float64 `json:"request_cores"` // 0: each service's own request from the trace
	PodMemoryGiB  float64 `json:"pod_memory_gib"`
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
	if !(o.overloadPrice >= 0) || math.IsInf(o.overloadPrice, 0) {
		return usagef("--overload-price %v: want a non-negative number", o.overloadPrice)
	}
	if !(o.podMemory >= 0) || math.IsInf(o.podMemory, 0) {
		return usagef("--pod-memory %v: want a non-negative number of GiB", o.podMemory)
	}
	out, err := openOutput("--out", o.out, stdout)
	if err != nil {
		return err
	}
	defer out.abort()
	rep, err := replayAutoscalers(o)
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
	return out.commit()
}

func replayAutoscalers(o benchAutoscalersOptions) (autoscalersReport, error) {
	r, ds, err := trace.Open(o.data, o.format)
	if err != nil {
		return autoscalersReport{}, err
	}
	defer r.Close()
	m := autoscale.DatasetMapping(ds.Name)
	services, err := autoscale.Services(r, m)
	if err != nil {
		return autoscalersReport{}, err
	}
	tailor := autoscale.DefaultTailor()
	tailor.OverloadPrice = o.overloadPrice
	policies := append(autoscale.StaticTargets(), autoscale.DefaultTortoise(), tailor)
	cfg := autoscale.DefaultConfig()
	cfg.Workers, cfg.PodMemoryGiB = runtime.GOMAXPROCS(0), o.podMemory
	res, err := autoscale.Replay(services, policies, cfg)
	if err != nil {
		return autoscalersReport{}, err
	}
	rep := autoscalersReport{
		Dataset: ds.Name, Format: ds.Format, Services: res.Services,
		Mapping: mappingJSON{WindowSeconds: m.Window.Seconds(), Scale: m.Scale, RequestCores: m.Request, PodMemoryGiB: o.podMemory},
	}
	var statics []string
	for _, p := range policies[:len(policies)-2] {
		statics = append(statics, p.Name())
	}
	for _, p := range res.Policies {
		row := autoscalerRow(p.Name, p.Total)
		for _, s := range p.PerService {
			row.PerService = append(row.PerService, autoscalerRow(s.Service, s.Score))
		}
		rep.Policies = append(rep.Policies, row)
	}
	if c, ok := autoscale.Compare(res, tailor.Name(), statics, autoscale.DefaultTortoise().Name()); ok {
		rep.Bar = &barJSON{
			Static: c.Static, StaticSaving: c.StaticSaving, StaticMet: c.Static != "" && c.StaticSaving >= barSaving,
			Reference: c.Reference, ReferenceOverloadOK: c.ReferenceOverloadOK, ReferenceSaving: c.ReferenceSaving,
			ReferenceMet: c.ReferenceOverloadOK && c.ReferenceSaving > 0,
		}
	}
	return rep, nil
}

func autoscalerRow(name string, s autoscale.Score) autoscalerScore {
	return autoscalerScore{
		Name: name, ReplicaHours: s.ReplicaHours, RequestedCoreHours: s.RequestedCoreHours, CostUSD: s.CostUSD,
		OverloadMinutes: s.OverloadMinutes, ScaleEvents: s.ScaleEvents, DemandCoreHours: s.DemandCoreHours,
		UnservedCoreHours: s.UnservedCoreHours, MeanUtilization: s.MeanUtilization(), SettingChanges: s.SettingChanges,
	}
}

func renderAutoscalersTable(w io.Writer, rep autoscalersReport) error {
	req := "each service's own request from the trace"
	if rep.Mapping.RequestCores > 0 {
		req = fmt.Sprintf("%g cores", rep.Mapping.RequestCores)
	}
	cost := "CPU only"
	if rep.Mapping.PodMemoryGiB > 0 {
		cost = fmt.Sprintf("CPU + %g GiB per pod", rep.Mapping.PodMemoryGiB)
	}
	fmt.Fprintf(w, "dataset %s (%s): %d services; demand = %g × CPU per %gs window; starting request per pod: %s; cost: %s\n\n",
		rep.Dataset, rep.Format, rep.Services, rep.Mapping.Scale, rep.Mapping.WindowSeconds, req, cost)
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

func metWord(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}
