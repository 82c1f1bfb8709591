package plan

import (
	"math"
	"sort"
	"strings"
	"time"

	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/recommend"
	"tailor.dev/tailor/internal/workload"
)

// Risk is a flag on a row that a reviewer should look at.
type Risk string

// Risk flags.
const (
	RiskOOM       Risk = "oom-kills"     // OOM kills were seen in the history
	RiskThrottled Risk = "throttled"     // CPU was throttled in more than the engine's threshold of periods
	RiskShort     Risk = "short-history" // less than MinHistory of data: the recommendation is provisional
	RiskHPA       Risk = "hpa-managed"   // an HPA scales on this container's CPU or memory
	RiskClamped   Risk = "clamped"       // a LimitRange or the largest node cut the recommendation
	RiskNoMetrics Risk = "no-metrics"    // the workload is in the inventory but has no usage history
)

// MinHistory is the history below which a row is flagged short-history.
const MinHistory = 24 * time.Hour

// Row is the plan for one container of one workload, over its replicas.
type Row struct {
	Kind, Namespace, Workload, Container string
	Role                                 workload.Role
	Replicas                             int
	Samples                              int
	History                              time.Duration
	Confidence                           float64
	Current                              workload.Resources
	// Recommended are the requests and limits to run with; a zero field
	// means "leave as is" (nothing known, or nothing to change).
	Recommended  workload.Resources
	Lower, Upper workload.Resources
	// HPA is the advice for a resource an HPA scales on (nil otherwise).
	HPA      *HPAAdvice
	Risks    []Risk
	Reasons  []recommend.Reason
	Evidence recommend.Evidence
	// MonthlyDelta is the monthly price of the recommended minus the
	// current requests of all replicas (negative = savings).
	MonthlyDelta float64
}

// Key is "namespace/workload/container".
func (r Row) Key() string { return r.Namespace + "/" + r.Workload + "/" + r.Container }

// HasRisk reports whether r carries the flag.
func (r Row) HasRisk(k Risk) bool {
	for _, x := range r.Risks {
		if x == k {
			return true
		}
	}
	return false
}

// Plan is the whole report.
type Plan struct {
	// Mode says where the inventory came from: "cluster", "prometheus"
	// (kube-state-metrics series) or "trace" (the samples themselves).
	Mode     string
	Rows     []Row
	Warnings []string
	Prices   cost.Prices
	// MonthlyDelta sums the rows' MonthlyDelta.
	MonthlyDelta float64
	// End is the time the recommendations were computed at (the newest sample).
	End time.Time
	// Nodes is the node count and price before and after, when asked for.
	Nodes *NodeEstimate
}

// Options are what a plan is computed with.
type Options struct {
	Prices cost.Prices
}

// FromSamples plans every container the builder saw, with the requests and
// limits recorded in the samples as the current ones: the trace-file mode.
func (b *Builder) FromSamples(o Options) Plan {
	p := Plan{Mode: "trace", Prices: o.Prices, End: b.last}
	groups := b.groups()
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := groups[k]
		row := Row{Kind: g.ref.Kind, Namespace: g.ref.Namespace, Workload: g.ref.Workload, Container: g.ref.Container,
			Role: workload.RoleMain, Replicas: g.pods, Current: g.current}
		b.recommendRow(&row, g)
		p.add(row)
	}
	return p
}

// recommendRow fills the engine's recommendation, evidence and risks.
func (b *Builder) recommendRow(row *Row, g *group) {
	rec := b.engine.Recommend(g.state, g.last)
	ev := b.engine.Evidence(g.state)
	row.Samples, row.History, row.Confidence = ev.Samples, rec.History, rec.Confidence
	row.Evidence, row.Reasons = ev, rec.Reasons
	if rec.HasCPU {
		row.Recommended.CPURequest, row.Lower.CPURequest, row.Upper.CPURequest = rec.Target.CPURequest, rec.Lower.CPURequest, rec.Upper.CPURequest
		row.Recommended.CPULimit = cpuLimit(row.Current, rec.Target)
	}
	if rec.HasMemory {
		row.Recommended.MemRequest, row.Recommended.MemLimit = rec.Target.MemRequest, rec.Target.MemLimit
		row.Lower.MemRequest, row.Upper.MemRequest = rec.Lower.MemRequest, rec.Upper.MemRequest
	}
	if ev.OOMKills > 0 {
		row.Risks = append(row.Risks, RiskOOM)
	}
	if ev.Throttled > b.engine.Config().CPU.ThrottleThreshold {
		row.Risks = append(row.Risks, RiskThrottled)
	}
	if rec.History < MinHistory {
		row.Risks = append(row.Risks, RiskShort)
	}
}

// cpuLimit keeps a CPU limit the container already has, in proportion to
// the new request (what VPA does with controlledValues RequestsAndLimits);
// a container without one gets none unless the engine sets one.
func cpuLimit(cur, target workload.Resources) float64 {
	if target.CPULimit > 0 || cur.CPULimit <= 0 || cur.CPURequest <= 0 {
		return target.CPULimit
	}
	return math.Ceil(target.CPURequest*cur.CPULimit/cur.CPURequest*1000) / 1000
}

// add appends a row after pricing it.
func (p *Plan) add(row Row) {
	row.MonthlyDelta = monthlyDelta(p.Prices, row)
	p.MonthlyDelta += row.MonthlyDelta
	p.Rows = append(p.Rows, row)
}

// monthlyDelta prices the change of requests over all replicas. Only a
// request that is set now and recommended counts: a request the plan leaves
// as is costs nothing more, and a container without a request today has no
// price to compare with.
func monthlyDelta(prices cost.Prices, r Row) float64 {
	n := float64(r.Replicas)
	cores := change(r.Current.CPURequest, r.Recommended.CPURequest)
	gib := change(r.Current.MemRequest, r.Recommended.MemRequest) / workload.GiB
	return prices.Monthly(cores*n, gib*n)
}

func change(cur, rec float64) float64 {
	if cur <= 0 || rec <= 0 {
		return 0
	}
	return rec - cur
}

// Summary joins, per resource, the details of every step, and the HPA
// treatment: the one-line reason of a row.
func Summary(r Row) string {
	var parts []string
	for _, res := range []string{"cpu", "memory"} {
		var d []string
		for _, x := range r.Reasons {
			if x.Resource == res {
				d = append(d, x.Detail)
			}
		}
		if len(d) > 0 {
			parts = append(parts, res+": "+strings.Join(d, ", "))
		}
	}
	if r.HPA != nil {
		parts = append(parts, "hpa "+r.HPA.Name+": "+r.HPA.Detail)
	}
	if r.HasRisk(RiskNoMetrics) {
		parts = append(parts, "no usage history: left as is")
	}
	return strings.Join(parts, "; ")
}
