package plan

import (
	"math"

	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/workload"
)

// NodeEstimate is the cluster cost of a plan: the workloads' pods packed
// (first-fit decreasing, cost.Pack) onto nodes of a pool with their
// current requests and with the recommended ones.
type NodeEstimate struct {
	Pool          []string // instance types
	Before, After cost.Packing
}

// Nodes packs every workload's replicas with the current and with the
// recommended requests. A pod's request is what the scheduler counts: the
// sum over its main and sidecar containers, or the largest init
// container's if that is larger; a request the plan leaves as is counts at
// its current value.
func Nodes(p Plan, pool cost.NodePool) (NodeEstimate, error) {
	type pod struct {
		replicas                    int
		before, after, initB, initA cost.Request
	}
	pods := map[string]*pod{}
	var order []string
	for _, r := range p.Rows {
		k := r.Namespace + "/" + r.Kind + "/" + r.Workload
		x := pods[k]
		if x == nil {
			x = &pod{replicas: r.Replicas}
			pods[k] = x
			order = append(order, k)
		}
		cur, rec := request(r.Current), request(effective(r.Current, r.Recommended))
		if r.Role == workload.RoleInit {
			x.initB, x.initA = maxRequest(x.initB, cur), maxRequest(x.initA, rec)
			continue
		}
		x.before, x.after = add(x.before, cur), add(x.after, rec)
	}
	var before, after []cost.PodGroup
	for _, k := range order {
		x := pods[k]
		before = append(before, cost.PodGroup{Name: k, Request: maxRequest(x.before, x.initB), Count: x.replicas})
		after = append(after, cost.PodGroup{Name: k, Request: maxRequest(x.after, x.initA), Count: x.replicas})
	}
	est := NodeEstimate{}
	for _, t := range pool.Types {
		est.Pool = append(est.Pool, t.Name)
	}
	var err error
	if est.Before, err = cost.Pack(pool, before); err != nil {
		return est, err
	}
	est.After, err = cost.Pack(pool, after)
	return est, err
}

// effective is the request in force after the plan: recommended where set.
func effective(cur, rec workload.Resources) workload.Resources {
	if rec.CPURequest > 0 {
		cur.CPURequest = rec.CPURequest
	}
	if rec.MemRequest > 0 {
		cur.MemRequest = rec.MemRequest
	}
	return cur
}

func request(r workload.Resources) cost.Request {
	return cost.Request{MilliCPU: int64(math.Ceil(r.CPURequest*1000 - 1e-9)), MemoryBytes: int64(math.Ceil(r.MemRequest))}
}

func add(a, b cost.Request) cost.Request {
	return cost.Request{MilliCPU: a.MilliCPU + b.MilliCPU, MemoryBytes: a.MemoryBytes + b.MemoryBytes}
}

func maxRequest(a, b cost.Request) cost.Request {
	return cost.Request{MilliCPU: max(a.MilliCPU, b.MilliCPU), MemoryBytes: max(a.MemoryBytes, b.MemoryBytes)}
}
