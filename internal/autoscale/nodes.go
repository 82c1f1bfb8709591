package autoscale

import (
	"errors"
	"fmt"
	"time"

	"tailor.dev/tailor/internal/cost"
)

// Footprint is one service's pods over its scored time, per wall-clock
// window of length Window (windows aligned on multiples of Window since the
// Unix epoch): the node capacity a cluster autoscaler must hold for it
// through the window.
type Footprint struct {
	Window time.Duration
	First  int64 // window index of Slots[0]: it starts at First × Window
	Slots  []Slot
}

// Slot is one window of a Footprint: the pods and their CPU request at the
// scored sync with the most requested CPU (pods × request; every pod,
// Ready or starting, holds its request on a node), and how long the
// service was scored in the window.
type Slot struct {
	Pods     int32
	MilliCPU int64 // per pod
	Scored   time.Duration
}

// add records the state that held for dt from at.
func (f *Footprint) add(at time.Time, dt time.Duration, pods int32, milli int64) {
	k := floorDiv(at.UnixNano(), int64(f.Window))
	if len(f.Slots) == 0 {
		f.First = k
	}
	for int64(len(f.Slots)) <= k-f.First {
		f.Slots = append(f.Slots, Slot{})
	}
	s := &f.Slots[k-f.First]
	s.Scored += dt
	if int64(pods)*milli > int64(s.Pods)*s.MilliCPU {
		s.Pods, s.MilliCPU = pods, milli
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// NodeScore is what the pods of one policy cost as nodes.
type NodeScore struct {
	// Windows is the number of node windows packed.
	Windows int
	// PeakNodes is the most nodes any window needed, PeakTypes their types
	// and PeakAt the start of the first window that needed them.
	PeakNodes int
	PeakTypes []cost.TypeCount
	PeakAt    time.Time
	// NodeHours is Σ nodes × the window's scored time, CostUSD Σ nodes'
	// $/hour × the same time.
	NodeHours float64
	CostUSD   float64
	// AllocatableCoreHours is Σ the nodes' allocatable CPU × the window's
	// scored time (how much of it the pods requested: RequestedCoreHours).
	AllocatableCoreHours float64
}

// PackNodes packs, for every node window, the pods of every service of the
// policy (at their Footprint slot, each pod requesting its CPU and
// podMemoryBytes of memory) onto nodes of pool with cost.Pack, and scores
// the nodes. A window counts for the longest time any service was scored
// in it, so nodes are paid only while some service is scored.
func PackNodes(pr PolicyResult, pool cost.NodePool, podMemoryBytes int64) (NodeScore, error) {
	if podMemoryBytes < 0 {
		return NodeScore{}, errors.New("pack nodes: negative pod memory")
	}
	var window time.Duration
	first, last := int64(0), int64(-1)
	for _, s := range pr.PerService {
		f := s.Footprint
		if len(f.Slots) == 0 {
			continue
		}
		if window != 0 && f.Window != window {
			return NodeScore{}, fmt.Errorf("pack nodes: services recorded with node windows %s and %s", window, f.Window)
		}
		end := f.First + int64(len(f.Slots)) - 1
		if window == 0 || f.First < first {
			first = f.First
		}
		window, last = f.Window, max(last, end)
	}
	if window == 0 {
		return NodeScore{}, fmt.Errorf("pack nodes: policy %s recorded no footprint (Config.NodeWindow is 0)", pr.Name)
	}
	byType := map[string]int64{}
	for _, t := range pool.Types {
		byType[t.Name] = t.Allocatable.MilliCPU
	}
	var ns NodeScore
	groups := make([]cost.PodGroup, 0, len(pr.PerService))
	for k := first; k <= last; k++ {
		groups = groups[:0]
		var scored time.Duration
		for _, s := range pr.PerService {
			f := s.Footprint
			if k < f.First || k >= f.First+int64(len(f.Slots)) {
				continue
			}
			sl := f.Slots[k-f.First]
			scored = max(scored, sl.Scored)
			if sl.Pods > 0 {
				groups = append(groups, cost.PodGroup{Name: s.Service, Count: int(sl.Pods),
					Request: cost.Request{MilliCPU: sl.MilliCPU, MemoryBytes: podMemoryBytes}})
			}
		}
		if scored == 0 {
			continue
		}
		at := time.Unix(0, k*int64(window)).UTC()
		p, err := cost.Pack(pool, groups)
		if err != nil {
			return NodeScore{}, fmt.Errorf("pack nodes of %s at %s: %w", pr.Name, at.Format(time.RFC3339), err)
		}
		h := scored.Hours()
		ns.Windows++
		ns.NodeHours += float64(len(p.Nodes)) * h
		ns.CostUSD += p.USDPerHour * h
		for _, n := range p.Nodes {
			ns.AllocatableCoreHours += float64(byType[n.Type]) / 1000 * h
		}
		if len(p.Nodes) > ns.PeakNodes {
			ns.PeakNodes, ns.PeakTypes, ns.PeakAt = len(p.Nodes), p.Types, at
		}
	}
	return ns, nil
}
