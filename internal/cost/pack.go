package cost

import (
	"errors"
	"fmt"
	"sort"
)

// Request is what one pod requests.
type Request struct {
	MilliCPU    int64
	MemoryBytes int64
}

func (r Request) String() string {
	return fmt.Sprintf("%dm CPU, %d MiB", r.MilliCPU, (r.MemoryBytes+MiB-1)/MiB)
}

// PodGroup is Count identical pods (the replicas of one workload).
type PodGroup struct {
	Name    string
	Request Request
	Count   int
}

// NodePool is what new nodes are made of.
type NodePool struct {
	// Types are the instance types a new node may be; the order breaks
	// ties in price (the first wins).
	Types []InstanceType
	// DaemonSet is the sum of the requests of the DaemonSet pods every
	// node runs, and DaemonSetPods their number (they count against the
	// node's max pods).
	DaemonSet     Request
	DaemonSetPods int
	// Spot prices the nodes at spot prices instead of on-demand.
	Spot bool
}

// Placement is Count pods of group Group (an index into Pack's groups).
type Placement struct {
	Group, Count int
}

// Node is one node of a packing.
type Node struct {
	Type string
	// Used is the requests on the node, DaemonSets included; Pods counts
	// the DaemonSet pods too.
	Used       Request
	Pods       int
	USDPerHour float64
	Placed     []Placement
}

// TypeCount is how many nodes of one type a packing uses.
type TypeCount struct {
	Type       string
	Nodes      int
	USDPerHour float64 // all of them
}

// Packing is the result of Pack.
type Packing struct {
	Nodes      []Node
	Types      []TypeCount // types with at least one node, in pool order
	USDPerHour float64
}

// MonthlyUSD is the packing's price for an average month (HoursPerMonth).
func (p Packing) MonthlyUSD() float64 { return p.USDPerHour * HoursPerMonth }

// Pack places every pod on nodes of the pool by first-fit decreasing, the
// estimate cluster-autoscaler and Karpenter make before they add nodes
// (/work/shared/reference/autoscaling.md §3.1, §3.2):
//
//   - pods are taken by CPU request descending, then memory descending
//     (Karpenter's queue order; ties keep the order of groups);
//   - each pod goes on the first node, in the order the nodes were opened,
//     where it fits: the node's requests plus the pod's within its type's
//     allocatable CPU and memory, and its pods (DaemonSet pods included)
//     below the type's max pods;
//   - when none has room, a new node is opened, which starts with the
//     DaemonSet pods. Its type is the cheapest per pod placed: among the
//     pool's types that hold the pod, the one with the lowest price ÷
//     min(pods of its group it holds, pods of the group left), so a pool of
//     sizes does not fall back to its smallest type (ties: pool order).
//
// Identical pods are placed a group at a time, which gives the same nodes
// as placing them one by one. Errors name the input: a pool without types
// or prices, a DaemonSet that fits no type, a pod no type can hold.
func Pack(pool NodePool, groups []PodGroup) (Packing, error) {
	types, prices, err := pool.usable()
	if err != nil {
		return Packing{}, err
	}
	order := make([]int, 0, len(groups))
	for i, g := range groups {
		if g.Count < 0 || g.Request.MilliCPU < 0 || g.Request.MemoryBytes < 0 {
			return Packing{}, fmt.Errorf("pack: pod group %q: negative count or request", g.Name)
		}
		if g.Count > 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		ra, rb := groups[order[a]].Request, groups[order[b]].Request
		if ra.MilliCPU != rb.MilliCPU {
			return ra.MilliCPU > rb.MilliCPU
		}
		return ra.MemoryBytes > rb.MemoryBytes
	})
	p := packer{pool: pool, types: types, prices: prices}
	for _, gi := range order {
		if err := p.place(gi, groups[gi]); err != nil {
			return Packing{}, err
		}
	}
	return p.result(), nil
}

// Validate reports a pool Pack cannot use: no types, a type without a price
// (on demand or spot, as Spot says), DaemonSets that fit no type.
func (pool NodePool) Validate() error {
	_, _, err := pool.usable()
	return err
}

// usable returns the pool's types that hold the DaemonSets, with prices.
func (pool NodePool) usable() ([]InstanceType, []float64, error) {
	if len(pool.Types) == 0 {
		return nil, nil, errors.New("pack: the node pool has no instance type")
	}
	if pool.DaemonSetPods < 0 || pool.DaemonSet.MilliCPU < 0 || pool.DaemonSet.MemoryBytes < 0 {
		return nil, nil, errors.New("pack: negative DaemonSet overhead")
	}
	var types []InstanceType
	var prices []float64
	for _, t := range pool.Types {
		price, ok := t.Price(pool.Spot)
		if !ok {
			kind := "on-demand"
			if pool.Spot {
				kind = "spot"
			}
			return nil, nil, fmt.Errorf("pack: instance type %s has no %s price", t.Name, kind)
		}
		a := t.Allocatable
		if pool.DaemonSet.MilliCPU <= a.MilliCPU && pool.DaemonSet.MemoryBytes <= a.MemoryBytes && pool.DaemonSetPods < a.Pods {
			types, prices = append(types, t), append(prices, price)
		}
	}
	if len(types) == 0 {
		return nil, nil, fmt.Errorf("pack: the DaemonSets (%s, %d pods) leave no room for a pod on any type of the pool", pool.DaemonSet, pool.DaemonSetPods)
	}
	return types, prices, nil
}

type packer struct {
	pool   NodePool
	types  []InstanceType
	prices []float64
	nodes  []Node
	kinds  []int // type index of each node
}

// fits is how many pods of request r fit on a node of type t that holds
// used and pods.
func fits(t InstanceType, used Request, pods int, r Request) int {
	a := t.Allocatable
	n := int64(a.Pods - pods)
	if r.MilliCPU > 0 {
		n = min(n, (a.MilliCPU-used.MilliCPU)/r.MilliCPU)
	}
	if r.MemoryBytes > 0 {
		n = min(n, (a.MemoryBytes-used.MemoryBytes)/r.MemoryBytes)
	}
	return int(max(n, 0))
}

func (p *packer) place(gi int, g PodGroup) error {
	left := g.Count
	for i := range p.nodes {
		if left == 0 {
			return nil
		}
		nd := &p.nodes[i]
		if k := min(fits(p.types[p.kinds[i]], nd.Used, nd.Pods, g.Request), left); k > 0 {
			p.add(i, gi, g.Request, k)
			left -= k
		}
	}
	for left > 0 {
		best, bestK, bestPer := -1, 0, 0.0
		for ti, t := range p.types {
			k := min(fits(t, p.pool.DaemonSet, p.pool.DaemonSetPods, g.Request), left)
			if k == 0 {
				continue
			}
			if per := p.prices[ti] / float64(k); best < 0 || per < bestPer {
				best, bestK, bestPer = ti, k, per
			}
		}
		if best < 0 {
			return fmt.Errorf("pack: pod %s (%s) is larger than any node of the pool after DaemonSets (%s)", g.Name, g.Request, p.largest())
		}
		p.nodes = append(p.nodes, Node{Type: p.types[best].Name, Used: p.pool.DaemonSet, Pods: p.pool.DaemonSetPods, USDPerHour: p.prices[best]})
		p.kinds = append(p.kinds, best)
		p.add(len(p.nodes)-1, gi, g.Request, bestK)
		left -= bestK
	}
	return nil
}

func (p *packer) add(node, gi int, r Request, k int) {
	nd := &p.nodes[node]
	nd.Used.MilliCPU += int64(k) * r.MilliCPU
	nd.Used.MemoryBytes += int64(k) * r.MemoryBytes
	nd.Pods += k
	nd.Placed = append(nd.Placed, Placement{Group: gi, Count: k})
}

// largest describes the room each type leaves after the DaemonSets.
func (p *packer) largest() string {
	s := ""
	for i, t := range p.types {
		if i > 0 {
			s += "; "
		}
		a := t.Allocatable
		s += fmt.Sprintf("%s: %s", t.Name, Request{a.MilliCPU - p.pool.DaemonSet.MilliCPU, a.MemoryBytes - p.pool.DaemonSet.MemoryBytes})
	}
	return s
}

func (p *packer) result() Packing {
	out := Packing{Nodes: p.nodes}
	counts := make([]TypeCount, len(p.types))
	for i, nd := range p.nodes {
		c := &counts[p.kinds[i]]
		c.Type, c.Nodes, c.USDPerHour = nd.Type, c.Nodes+1, c.USDPerHour+nd.USDPerHour
		out.USDPerHour += nd.USDPerHour
	}
	for _, c := range counts {
		if c.Nodes > 0 {
			out.Types = append(out.Types, c)
		}
	}
	return out
}
