package plan

import (
	"testing"

	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/workload"
)

func TestNodes(t *testing.T) {
	node := cost.InstanceType{Name: "n4", VCPU: 4, MemoryMiB: 16384, OnDemandUSDPerHour: 0.2,
		Allocatable: cost.Allocatable{MilliCPU: 4000, MemoryBytes: 16 << 30, Pods: 110}}
	res := func(cpu, memGiB float64) workload.Resources {
		return workload.Resources{CPURequest: cpu, MemRequest: memGiB * workload.GiB}
	}
	p := Plan{Rows: []Row{
		// web: 6 pods of 1 core + a 0.5-core sidecar now; 0.4 + 0.1 after.
		{Kind: "Deployment", Namespace: "a", Workload: "web", Container: "app", Role: workload.RoleMain, Replicas: 6,
			Current: res(1, 1), Recommended: res(0.4, 0.5)},
		{Kind: "Deployment", Namespace: "a", Workload: "web", Container: "proxy", Role: workload.RoleSidecar, Replicas: 6,
			Current: res(0.5, 0.25), Recommended: res(0.1, 0)}, // memory left as is
		// job: an init container of 3 cores dominates the pod before and after.
		{Kind: "Job", Namespace: "a", Workload: "batch", Container: "init", Role: workload.RoleInit, Replicas: 1,
			Current: res(3, 1), Recommended: res(3, 1)},
		{Kind: "Job", Namespace: "a", Workload: "batch", Container: "main", Role: workload.RoleMain, Replicas: 1,
			Current: res(2, 1), Recommended: res(0.5, 1)},
	}}
	est, err := Nodes(p, cost.NodePool{Types: []cost.InstanceType{node}})
	if err != nil {
		t.Fatal(err)
	}
	// Before: web pods 1500m (2 per node: 3 nodes), batch 3000m (its own node): 4 nodes.
	// After: batch 3000m, then web 500m pods: 2 fit beside batch, 4 on a second node: 2 nodes.
	if len(est.Before.Nodes) != 4 || len(est.After.Nodes) != 2 {
		t.Errorf("nodes %d -> %d, want 4 -> 2", len(est.Before.Nodes), len(est.After.Nodes))
	}
	if est.After.MonthlyUSD() != 2*0.2*cost.HoursPerMonth || len(est.Pool) != 1 {
		t.Errorf("after: $%.2f/month, pool %v", est.After.MonthlyUSD(), est.Pool)
	}
	big := Plan{Rows: []Row{{Kind: "Deployment", Namespace: "a", Workload: "huge", Container: "c", Replicas: 1, Current: res(8, 1)}}}
	if _, err := Nodes(big, cost.NodePool{Types: []cost.InstanceType{node}}); err == nil {
		t.Error("a pod larger than any node packed without error")
	}
}
