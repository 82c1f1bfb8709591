package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"tailor.dev/tailor/internal/plan"
	"tailor.dev/tailor/internal/workload"
)

// PlanHeader says where a plan came from, for the summary line.
type PlanHeader struct {
	Source      string // e.g. "google-2019-tasks (demo subset)", "cluster https://10.0.0.1, history from http://prometheus:9090"
	Format      string // trace format, for trace files
	Attribution string // data attribution line, if any
}

// WritePlanTable renders one line per container and a summary: current →
// recommended requests and limits, the monthly cost change, history and
// risk flags.
func WritePlanTable(w io.Writer, p plan.Plan, h PlanHeader) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKLOAD\tCONTAINER\tPODS\tCPU REQ\tCPU LIMIT\tMEM REQ\tMEM LIMIT\tHPA TARGET\t$/MONTH\tHISTORY\tRISK\tREASON")
	for _, r := range p.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%+.2f\t%s\t%s\t%s\n",
			workloadName(r), containerName(r), r.Replicas,
			arrow(r.Current.CPURequest, r.Recommended.CPURequest, Cores),
			arrow(r.Current.CPULimit, r.Recommended.CPULimit, Cores),
			arrow(r.Current.MemRequest, r.Recommended.MemRequest, Bytes),
			arrow(r.Current.MemLimit, r.Recommended.MemLimit, Bytes),
			hpaTarget(r.HPA), r.MonthlyDelta, Hours(r.History), risks(r.Risks), plan.Summary(r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeSummary(w, p, h)
}

func writeSummary(w io.Writer, p plan.Plan, h PlanHeader) error {
	verb := "saves"
	if p.MonthlyDelta > 0 {
		verb = "costs"
	}
	_, err := fmt.Fprintf(w, "\n%d containers from %s (%s mode). Applying every recommendation %s $%.2f/month "+
		"(requests of the replicas, at $%g/core-h and $%g/GiB-h).\n", len(p.Rows), h.Source, p.Mode, verb,
		math.Abs(p.MonthlyDelta), p.Prices.CPUCoreHour, p.Prices.MemGiBHour)
	if err != nil {
		return err
	}
	if n := p.Nodes; n != nil {
		fmt.Fprintf(w, "Nodes (%s, first-fit decreasing over the requests of all replicas): %d → %d, $%.2f → $%.2f/month.\n",
			strings.Join(n.Pool, ","), len(n.Before.Nodes), len(n.After.Nodes), n.Before.MonthlyUSD(), n.After.MonthlyUSD())
	}
	for _, x := range p.Warnings {
		if _, err := fmt.Fprintln(w, "warning: "+x); err != nil {
			return err
		}
	}
	if h.Attribution != "" {
		_, err = fmt.Fprintln(w, h.Attribution)
	}
	return err
}

func workloadName(r plan.Row) string { return r.Namespace + "/" + r.Workload }

func containerName(r plan.Row) string {
	if r.Role == "" || r.Role == workload.RoleMain {
		return r.Container
	}
	return r.Container + " (" + string(r.Role) + ")"
}

// arrow prints "cur→rec", "cur" when nothing is recommended or nothing
// changes, "-" when neither is set.
func arrow(cur, rec float64, f func(float64) string) string {
	switch {
	case rec == 0 && cur == 0:
		return "-"
	case rec == 0 || f(rec) == f(cur):
		return f(cur)
	}
	return f(cur) + "→" + f(rec)
}

func hpaTarget(a *plan.HPAAdvice) string {
	if a == nil {
		return "-"
	}
	if a.CurrentTarget == 0 {
		return a.Resource
	}
	if a.Target == a.CurrentTarget {
		return fmt.Sprintf("%s %d%%", a.Resource, a.CurrentTarget)
	}
	return fmt.Sprintf("%s %d→%d%%", a.Resource, a.CurrentTarget, a.Target)
}

func risks(rs []plan.Risk) string {
	if len(rs) == 0 {
		return "-"
	}
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// Cores prints a CPU quantity in millicores ("250m"), "-" for 0.
func Cores(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%dm", int64(v*1000+0.5))
}

// Bytes prints a memory quantity in Mi, or Gi with two decimals from 1 Gi.
func Bytes(v float64) string {
	switch {
	case v == 0:
		return "-"
	case v >= 1<<30:
		return fmt.Sprintf("%.2fGi", v/(1<<30))
	}
	return fmt.Sprintf("%dMi", int64(v/(1<<20)+0.5))
}

// Hours prints a duration as hours, or days with one decimal from 48 h.
func Hours(d time.Duration) string {
	h := d.Hours()
	if h >= 48 {
		return fmt.Sprintf("%.1fd", h/24)
	}
	return fmt.Sprintf("%.0fh", h)
}
