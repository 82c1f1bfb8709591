package plan

import (
	"fmt"

	"tailor.dev/tailor/internal/recommend"
	"tailor.dev/tailor/internal/workload"
)

// Plan plans every container of the inventory's workloads, with the
// inventory's requests and limits as the current ones, the HPA-aware
// treatment of resources an HPA scales on, and the inventory's clamps.
// A workload container without history gets a row flagged no-metrics that
// leaves everything as is. History of containers the inventory does not
// list (deleted workloads, other filters) is left out and counted in a
// warning.
func (b *Builder) Plan(inv workload.Inventory, o Options) Plan {
	p := Plan{Mode: inv.Mode, Prices: o.Prices, End: b.last, Warnings: append([]string(nil), inv.Warnings...)}
	groups := b.groups()
	used := map[string]bool{}
	wls := append([]workload.Workload(nil), inv.Workloads...)
	workload.SortWorkloads(wls)
	for _, wl := range wls {
		for _, c := range wl.Containers {
			key := wl.Namespace + "/" + wl.Name + "/" + c.Name
			row := Row{Kind: wl.Kind, Namespace: wl.Namespace, Workload: wl.Name, Container: c.Name,
				Role: c.Role, Replicas: wl.Replicas, Current: c.Current}
			if g := groups[key]; g != nil {
				used[key] = true
				b.recommendRow(&row, g)
				row.Recommended.MemLimit = memLimit(row)
			} else {
				row.Risks = append(row.Risks, RiskNoMetrics)
			}
			hpaAware(&row, wl.HPA, c)
			clamp(&row, inv.Clamps, wl.Namespace)
			p.add(row)
		}
	}
	if n := len(groups) - len(used); n > 0 {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%d containers have usage history but are not in the inventory "+
			"(deleted, renamed, or filtered out): left out", n))
	}
	return p
}

// memLimit keeps a container without a memory limit without one: a limit
// the user chose not to set is not added behind their back. With a limit,
// the engine's limit (= request in the default configuration) applies.
func memLimit(r Row) float64 {
	if r.Current.MemLimit == 0 {
		return 0
	}
	return r.Recommended.MemLimit
}

// hpaAware replaces the usage-based request of a resource the HPA scales
// on by the current request and a tuned target utilization (HPAAdvice).
func hpaAware(row *Row, h *workload.HPA, c workload.Container) {
	for _, res := range []string{workload.ResourceCPU, workload.ResourceMemory} {
		if !h.Drives(c, res) {
			continue
		}
		usage, current := row.Recommended.CPURequest, row.Current.CPURequest
		if res == workload.ResourceMemory {
			usage, current = row.Recommended.MemRequest, row.Current.MemRequest
		}
		a := &HPAAdvice{Name: h.Name, Resource: res, CurrentTarget: utilizationTarget(h, c, res)}
		a.Target, a.UpperUsage, a.Detail = tuneTarget(a.CurrentTarget, current, usage)
		if row.HasRisk(RiskNoMetrics) {
			a.Target, a.UpperUsage, a.Detail = a.CurrentTarget, 0, "no usage history: target left as is"
		}
		if res == workload.ResourceCPU {
			row.Recommended.CPURequest, row.Recommended.CPULimit = 0, 0
		} else {
			row.Recommended.MemRequest, row.Recommended.MemLimit = 0, 0
		}
		if row.HPA == nil || res == workload.ResourceCPU {
			row.HPA = a
		}
		if !row.HasRisk(RiskHPA) {
			row.Risks = append(row.Risks, RiskHPA)
		}
	}
}

// utilizationTarget is the HPA's Utilization target on the resource for c
// (a ContainerResource metric of c wins over a Resource metric), 0 if none.
func utilizationTarget(h *workload.HPA, c workload.Container, res string) int32 {
	var t int32
	for _, m := range h.Metrics {
		if m.Resource != res || m.TargetType != workload.TargetUtilization {
			continue
		}
		switch {
		case m.Type == workload.MetricContainerResource && m.Container == c.Name:
			return int32(m.TargetValue)
		case m.Type == workload.MetricResource:
			t = int32(m.TargetValue)
		}
	}
	return t
}

// clamp fits the recommendation into the namespace's LimitRange and the
// largest node, recording a reason for every cut.
func clamp(row *Row, c workload.Clamps, ns string) {
	lr := c.LimitRanges[ns]
	cut := func(res, what string, v *float64, lo, hi float64, why string) {
		if *v == 0 {
			return
		}
		nv := *v
		if lo > 0 && nv < lo {
			nv = lo
		}
		if hi > 0 && nv > hi {
			nv = hi
		}
		if nv == *v {
			return
		}
		*v = nv
		row.Reasons = append(row.Reasons, recommend.Reason{Resource: res, Step: "clamp", Value: nv,
			Detail: fmt.Sprintf("%s %s", what, why)})
		if !row.HasRisk(RiskClamped) {
			row.Risks = append(row.Risks, RiskClamped)
		}
	}
	r := &row.Recommended
	lrWhy := "within the LimitRange of namespace " + ns
	node := "at most the largest node's allocatable"
	cut("cpu", "request", &r.CPURequest, lr.Min.CPU, lr.Max.CPU, lrWhy)
	cut("cpu", "request", &r.CPURequest, 0, c.LargestNode.CPU, node)
	cut("memory", "request", &r.MemRequest, lr.Min.Memory, lr.Max.Memory, lrWhy)
	cut("memory", "request", &r.MemRequest, 0, c.LargestNode.Memory, node)
	if r.CPULimit > 0 { // keep the limit in proportion to the clamped request
		r.CPULimit = cpuLimit(row.Current, workload.Resources{CPURequest: r.CPURequest})
	}
	if r.MemLimit > 0 {
		r.MemLimit = max(r.MemLimit, r.MemRequest)
	}
	cut("cpu", "limit", &r.CPULimit, lr.Min.CPU, lr.Max.CPU, lrWhy)
	cut("memory", "limit", &r.MemLimit, lr.Min.Memory, lr.Max.Memory, lrWhy)
}
