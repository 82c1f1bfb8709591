package report

import (
	"fmt"
	"io"
	"strings"

	"tailor.dev/tailor/internal/plan"
	"tailor.dev/tailor/internal/recommend"
)

// WriteExplain prints the evidence behind the rows of one workload: the
// history seen, CPU usage percentiles, memory peaks, OOM kills and
// throttling, every step of the engine with the value after it, the HPA
// treatment, clamps and risk flags.
func WriteExplain(w io.Writer, rows []plan.Row) error {
	var b strings.Builder
	for i, r := range rows {
		if i > 0 {
			b.WriteString("\n")
		}
		explainRow(&b, r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func explainRow(b *strings.Builder, r plan.Row) {
	kind := r.Kind
	if kind == "" {
		kind = "workload"
	}
	fmt.Fprintf(b, "%s %s/%s, container %s", kind, r.Namespace, r.Workload, containerName(r))
	fmt.Fprintf(b, " — %d replicas\n", r.Replicas)
	ev := r.Evidence
	if r.HasRisk(plan.RiskNoMetrics) {
		b.WriteString("  history      none: no usage series for this workload in the window; requests and limits left as they are\n")
	} else {
		fmt.Fprintf(b, "  history      %d samples over %s (confidence %.0f%%)\n", ev.Samples, Hours(r.History), r.Confidence*100)
	}
	if len(ev.CPU) > 0 {
		var qs []string
		for i, q := range recommend.EvidenceQuantiles {
			name := fmt.Sprintf("p%g", q*100)
			if q == 1 {
				name = "max"
			}
			qs = append(qs, name+" "+Cores(ev.CPU[i]))
		}
		fmt.Fprintf(b, "  cpu usage    %s (per pod, decayed)\n", strings.Join(qs, ", "))
	}
	fmt.Fprintf(b, "  throttled    %.1f%% of CFS periods (decayed)\n", ev.Throttled*100)
	if ev.MemoryWindows > 0 {
		fmt.Fprintf(b, "  memory peaks newest hour %s, recent %s, max %s over %d hours with data\n",
			Bytes(ev.MemoryNewest), Bytes(ev.MemoryRecent), Bytes(ev.MemoryMax), ev.MemoryWindows)
	}
	switch {
	case ev.OOMKills > 0 && ev.OOMFloor > 0:
		fmt.Fprintf(b, "  oom kills    %d, last %s; memory held at ≥ %s\n", ev.OOMKills, ev.LastOOM.Format("2006-01-02 15:04Z"), Bytes(ev.OOMFloor))
	case ev.OOMKills > 0:
		fmt.Fprintf(b, "  oom kills    %d, last %s (no longer holding memory up)\n", ev.OOMKills, ev.LastOOM.Format("2006-01-02 15:04Z"))
	default:
		b.WriteString("  oom kills    none\n")
	}
	for _, x := range r.Reasons {
		v := Cores(x.Value)
		if x.Resource == "memory" {
			v = Bytes(x.Value)
		}
		fmt.Fprintf(b, "  %-6s %-13s %-8s %s\n", x.Resource, x.Step, v, x.Detail)
	}
	if a := r.HPA; a != nil {
		fmt.Fprintf(b, "  hpa          %s scales on %s: %s request kept; %s\n", a.Name, a.Resource, a.Resource, a.Detail)
	}
	fmt.Fprintf(b, "  cpu request  %s    cpu limit  %s\n", arrow(r.Current.CPURequest, r.Recommended.CPURequest, Cores),
		arrow(r.Current.CPULimit, r.Recommended.CPULimit, Cores))
	fmt.Fprintf(b, "  mem request  %s    mem limit  %s\n", arrow(r.Current.MemRequest, r.Recommended.MemRequest, Bytes),
		arrow(r.Current.MemLimit, r.Recommended.MemLimit, Bytes))
	fmt.Fprintf(b, "  cost         %+.2f $/month over %d replicas\n", r.MonthlyDelta, r.Replicas)
	fmt.Fprintf(b, "  risks        %s\n", risks(r.Risks))
}
