package cost

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// Shapes of the shared table (Karpenter allocatable, us-east-1 on-demand).
var (
	m5large   = InstanceType{Name: "m5.large", VCPU: 2, Allocatable: Allocatable{1930, 6903 * MiB, 29}, OnDemandUSDPerHour: 0.096}
	m5xlarge  = InstanceType{Name: "m5.xlarge", VCPU: 4, Allocatable: Allocatable{3920, 14162 * MiB, 58}, OnDemandUSDPerHour: 0.192}
	m52xlarge = InstanceType{Name: "m5.2xlarge", VCPU: 8, Allocatable: Allocatable{7910, 29317 * MiB, 58}, OnDemandUSDPerHour: 0.384}
	c54xlarge = InstanceType{Name: "c5.4xlarge", VCPU: 16, Allocatable: Allocatable{15890, 27381 * MiB, 234}, OnDemandUSDPerHour: 0.68}
)

func gib(g float64) int64 { return int64(g * (1 << 30)) }

// A case worked by hand. m5.xlarge with DaemonSets of 100m, 256 MiB and 2
// pods leaves 3820m, 13906 MiB, 56 pods per node.
//
//	A 3 × 2500m/1Gi: one per node (1320m left)        -> nodes 1, 2, 3
//	B 4 × 1000m/6Gi: one on each of 1..3 (320m left);
//	  the 4th opens node 4 (2820m, 7762 MiB left)
//	C 10 × 100m/100Mi: 3 on each of 1..3, 1 on node 4
//
// 4 nodes × 0.192 = 0.768 USD/h, × 730.5 h = 561.024 USD/month.
func TestPackByHand(t *testing.T) {
	pool := NodePool{Types: []InstanceType{m5xlarge}, DaemonSet: Request{100, 256 * MiB}, DaemonSetPods: 2}
	groups := []PodGroup{
		{"C", Request{100, 100 * MiB}, 10},
		{"B", Request{1000, gib(6)}, 4},
		{"A", Request{2500, gib(1)}, 3},
	}
	p, err := Pack(pool, groups)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]Placement{
		{{2, 1}, {1, 1}, {0, 3}},
		{{2, 1}, {1, 1}, {0, 3}},
		{{2, 1}, {1, 1}, {0, 3}},
		{{1, 1}, {0, 1}},
	}
	if len(p.Nodes) != len(want) {
		t.Fatalf("%d nodes, want 4: %+v", len(p.Nodes), p.Nodes)
	}
	for i, nd := range p.Nodes {
		if !equalPlacements(nd.Placed, want[i]) {
			t.Errorf("node %d holds %v, want %v", i+1, nd.Placed, want[i])
		}
	}
	if u := p.Nodes[0].Used; u != (Request{100 + 2500 + 1000 + 300, 256*MiB + gib(1) + gib(6) + 300*MiB}) || p.Nodes[0].Pods != 7 {
		t.Errorf("node 1 uses %v with %d pods", u, p.Nodes[0].Pods)
	}
	if len(p.Types) != 1 || p.Types[0].Type != "m5.xlarge" || p.Types[0].Nodes != 4 || math.Abs(p.Types[0].USDPerHour-0.768) > 1e-12 {
		t.Errorf("types %+v", p.Types)
	}
	if math.Abs(p.USDPerHour-0.768) > 1e-12 || math.Abs(p.MonthlyUSD()-561.024) > 1e-9 {
		t.Errorf("%v USD/h, %v USD/month; want 0.768, 561.024", p.USDPerHour, p.MonthlyUSD())
	}
}

func equalPlacements(a, b []Placement) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A pool of several types: each new node is the type with the lowest price
// per pod it takes.
func TestPackPool(t *testing.T) {
	pool := NodePool{Types: []InstanceType{m5large, m5xlarge, m52xlarge, c54xlarge}}
	tests := []struct {
		name   string
		groups []PodGroup
		want   []TypeCount
	}{
		// m5.large holds 1 (0.096/pod), m5.xlarge 2 (0.096), m5.2xlarge 5
		// (0.0768), c5.4xlarge 5 of the 5 (0.136).
		{"five 1.5-core pods: one m5.2xlarge", []PodGroup{{"a", Request{1500, gib(1)}, 5}}, []TypeCount{{"m5.2xlarge", 1, 0.384}}},
		// One pod: m5.large at 0.096 beats every larger type.
		{"one pod: m5.large", []PodGroup{{"a", Request{1500, gib(1)}, 1}}, []TypeCount{{"m5.large", 1, 0.096}}},
		// 6 pods: m5.2xlarge takes 5 (0.0768 per pod); the 6th is alone:
		// m5.large.
		{"six pods", []PodGroup{{"a", Request{1500, gib(1)}, 6}}, []TypeCount{{"m5.large", 1, 0.096}, {"m5.2xlarge", 1, 0.384}}},
		// Memory-bound pods: 7 GiB fits on neither m5.large (6903 MiB) nor
		// twice on m5.xlarge; m5.2xlarge holds 4 (0.096/pod), m5.xlarge 1
		// (0.192), c5.4xlarge 3 (0.227): 2 × m5.2xlarge.
		{"memory-bound", []PodGroup{{"a", Request{100, gib(7)}, 8}}, []TypeCount{{"m5.2xlarge", 2, 0.768}}},
		// Price ties go to the first type of the pool: 2 pods of 1.9 cores
		// cost 0.096 each on m5.large and on m5.xlarge.
		{"tie", []PodGroup{{"a", Request{1900, gib(1)}, 2}}, []TypeCount{{"m5.large", 2, 0.192}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Pack(pool, tc.groups)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Types) != len(tc.want) {
				t.Fatalf("types %+v, want %+v", p.Types, tc.want)
			}
			for i, w := range tc.want {
				if g := p.Types[i]; g.Type != w.Type || g.Nodes != w.Nodes || math.Abs(g.USDPerHour-w.USDPerHour) > 1e-12 {
					t.Errorf("types %+v, want %+v", p.Types, tc.want)
				}
			}
		})
	}
}

func TestPackSpotAndEmpty(t *testing.T) {
	spot := m5xlarge
	spot.SpotUSDPerHour = 0.08
	p, err := Pack(NodePool{Types: []InstanceType{spot}, Spot: true}, []PodGroup{{"a", Request{1000, 0}, 8}})
	if err != nil || len(p.Nodes) != 3 || math.Abs(p.USDPerHour-0.24) > 1e-12 {
		t.Errorf("spot: %+v, %v; want 3 nodes at 0.08", p, err)
	}
	p, err = Pack(NodePool{Types: []InstanceType{m5xlarge}}, []PodGroup{{"none", Request{1000, 0}, 0}})
	if err != nil || len(p.Nodes) != 0 || p.USDPerHour != 0 {
		t.Errorf("no pods: %+v, %v", p, err)
	}
	// Zero requests: only max pods bounds a node (58 per m5.xlarge).
	p, err = Pack(NodePool{Types: []InstanceType{m5xlarge}}, []PodGroup{{"besteffort", Request{}, 117}})
	if err != nil || len(p.Nodes) != 3 || p.Nodes[2].Pods != 1 {
		t.Errorf("best-effort pods: %d nodes, %v", len(p.Nodes), err)
	}
}

func TestPackErrors(t *testing.T) {
	noPrice := m5xlarge
	noPrice.OnDemandUSDPerHour = 0
	one := []PodGroup{{"web", Request{1000, gib(1)}, 1}}
	for _, tc := range []struct {
		name   string
		pool   NodePool
		groups []PodGroup
		want   string
	}{
		{"no types", NodePool{}, one, "no instance type"},
		{"no price", NodePool{Types: []InstanceType{noPrice}}, one, "m5.xlarge has no on-demand price"},
		{"no spot price", NodePool{Types: []InstanceType{m5xlarge}, Spot: true}, one, "m5.xlarge has no spot price"},
		{"daemonset too large", NodePool{Types: []InstanceType{m5large}, DaemonSet: Request{2000, 0}}, one, "DaemonSets (2000m CPU, 0 MiB, 0 pods) leave no room"},
		{"daemonset pods", NodePool{Types: []InstanceType{m5large}, DaemonSetPods: 29}, one, "leave no room"},
		{"negative daemonset", NodePool{Types: []InstanceType{m5large}, DaemonSetPods: -1}, one, "negative DaemonSet"},
		{"pod too large", NodePool{Types: []InstanceType{m5large, m5xlarge}, DaemonSet: Request{100, 0}},
			[]PodGroup{{"big", Request{4000, gib(1)}, 1}},
			"pod big (4000m CPU, 1024 MiB) is larger than any node of the pool after DaemonSets (m5.large: 1830m CPU, 6903 MiB; m5.xlarge: 3820m CPU, 14162 MiB)"},
		{"pod memory too large", NodePool{Types: []InstanceType{m5xlarge}}, []PodGroup{{"fat", Request{100, gib(20)}, 2}}, "pod fat"},
		{"negative count", NodePool{Types: []InstanceType{m5xlarge}}, []PodGroup{{"neg", Request{100, 0}, -1}}, `pod group "neg": negative`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Pack(tc.pool, tc.groups)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			// Validate finds the pool's faults before any pod is placed.
			if verr := tc.pool.Validate(); (verr == nil) != strings.HasPrefix(tc.name, "pod") && tc.name != "negative count" {
				t.Errorf("Validate() = %v", verr)
			}
		})
	}
}

// Properties on random inputs: every pod is placed exactly once, no node
// exceeds its type's allocatable or max pods, and placing a group at a time
// gives the same nodes as placing pod by pod.
func TestPackProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	all := []InstanceType{m5large, m5xlarge, m52xlarge, c54xlarge}
	for trial := range 300 {
		pool := NodePool{Types: pick(rng, all)}
		if rng.IntN(2) == 0 {
			pool.DaemonSet, pool.DaemonSetPods = Request{int64(rng.IntN(300)), int64(rng.IntN(512)) * MiB}, rng.IntN(4)
		}
		var groups []PodGroup
		for g := range 1 + rng.IntN(12) {
			groups = append(groups, PodGroup{Name: string(rune('a' + g)),
				Request: Request{int64(rng.IntN(4) * (1 + rng.IntN(400))), int64(rng.IntN(3)*(1+rng.IntN(3000))) * MiB},
				Count:   rng.IntN(40)})
		}
		p, err := Pack(pool, groups)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		placed := make([]int, len(groups))
		for i, nd := range p.Nodes {
			var used Request
			pods := pool.DaemonSetPods
			used = pool.DaemonSet
			for _, pl := range nd.Placed {
				placed[pl.Group] += pl.Count
				used.MilliCPU += int64(pl.Count) * groups[pl.Group].Request.MilliCPU
				used.MemoryBytes += int64(pl.Count) * groups[pl.Group].Request.MemoryBytes
				pods += pl.Count
			}
			a := typeNamed(all, nd.Type).Allocatable
			if used != nd.Used || pods != nd.Pods || used.MilliCPU > a.MilliCPU || used.MemoryBytes > a.MemoryBytes || pods > a.Pods {
				t.Fatalf("trial %d node %d (%s): uses %v, %d pods (says %v, %d); allocatable %+v", trial, i, nd.Type, used, pods, nd.Used, nd.Pods, a)
			}
		}
		for g := range groups {
			if placed[g] != groups[g].Count {
				t.Fatalf("trial %d: group %s placed %d times, has %d pods", trial, groups[g].Name, placed[g], groups[g].Count)
			}
		}
		if want := packOneByOne(pool, groups); !sameNodes(p.Nodes, want) {
			t.Fatalf("trial %d: group at a time %v, pod by pod %v", trial, summary(p.Nodes), summary(want))
		}
	}
}

func pick(rng *rand.Rand, all []InstanceType) []InstanceType {
	var out []InstanceType
	for _, t := range all {
		if rng.IntN(2) == 0 {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		out = append(out, all[rng.IntN(len(all))])
	}
	return out
}

func typeNamed(all []InstanceType, name string) InstanceType {
	for _, t := range all {
		if t.Name == name {
			return t
		}
	}
	return InstanceType{}
}

// packOneByOne is the plain first-fit decreasing Pack documents: one pod at
// a time, each on the first node with room, a new node of the type with the
// lowest price per pod of its group it would take.
func packOneByOne(pool NodePool, groups []PodGroup) []Node {
	type pod struct{ group int }
	var pods []pod
	for g, gr := range groups {
		for range gr.Count {
			pods = append(pods, pod{g})
		}
	}
	sort.SliceStable(pods, func(i, j int) bool {
		a, b := groups[pods[i].group].Request, groups[pods[j].group].Request
		if a.MilliCPU != b.MilliCPU {
			return a.MilliCPU > b.MilliCPU
		}
		return a.MemoryBytes > b.MemoryBytes
	})
	var nodes []Node
	var kinds []InstanceType
	left := make([]int, len(groups))
	for g := range groups {
		left[g] = groups[g].Count
	}
	for _, pd := range pods {
		r := groups[pd.group].Request
		at := -1
		for i := range nodes {
			if fits(kinds[i], nodes[i].Used, nodes[i].Pods, r) > 0 {
				at = i
				break
			}
		}
		if at < 0 {
			best, bestPer := -1, 0.0
			for ti, t := range pool.Types {
				price, _ := t.Price(pool.Spot)
				a := t.Allocatable
				if pool.DaemonSet.MilliCPU > a.MilliCPU || pool.DaemonSet.MemoryBytes > a.MemoryBytes || pool.DaemonSetPods >= a.Pods {
					continue
				}
				k := min(fits(t, pool.DaemonSet, pool.DaemonSetPods, r), left[pd.group])
				if k > 0 && (best < 0 || price/float64(k) < bestPer) {
					best, bestPer = ti, price/float64(k)
				}
			}
			price, _ := pool.Types[best].Price(pool.Spot)
			nodes = append(nodes, Node{Type: pool.Types[best].Name, Used: pool.DaemonSet, Pods: pool.DaemonSetPods, USDPerHour: price})
			kinds = append(kinds, pool.Types[best])
			at = len(nodes) - 1
		}
		nd := &nodes[at]
		nd.Used.MilliCPU += r.MilliCPU
		nd.Used.MemoryBytes += r.MemoryBytes
		nd.Pods++
		if n := len(nd.Placed); n > 0 && nd.Placed[n-1].Group == pd.group {
			nd.Placed[n-1].Count++
		} else {
			nd.Placed = append(nd.Placed, Placement{pd.group, 1})
		}
		left[pd.group]--
	}
	return nodes
}

func sameNodes(a, b []Node) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].Used != b[i].Used || a[i].Pods != b[i].Pods || !equalPlacements(a[i].Placed, b[i].Placed) {
			return false
		}
	}
	return true
}

func summary(nodes []Node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Type)
	}
	return out
}
