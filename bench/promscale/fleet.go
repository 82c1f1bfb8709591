package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"tailor.dev/tailor/internal/trace"
)

// params size the synthetic fleet. Every value of the data set follows
// from them (the seed included), so they name the cache directory.
type params struct {
	Workloads  int           // Deployments and StatefulSets
	Namespaces int           // workloads are spread round-robin
	Days       int           // history length
	Step       time.Duration // sample interval
	Seed       uint64
	End        time.Time // time of the last sample
}

// key names the generated data set (the cache directory).
func (p params) key() string {
	return fmt.Sprintf("promscale-v2-w%d-n%d-d%d-s%s-seed%d-%s", p.Workloads, p.Namespaces, p.Days,
		p.Step, p.Seed, p.End.UTC().Format("20060102T1504Z"))
}

// steps is the number of sample intervals in the history.
func (p params) steps() int { return int(time.Duration(p.Days) * 24 * time.Hour / p.Step) }

// start is the beginning of the first interval (the counters' zero point).
func (p params) start() time.Time { return p.End.Add(-time.Duration(p.steps()) * p.Step) }

// at is the time of grid point k (k = 0 is start, k = steps() is End).
func (p params) at(k int) time.Time { return p.start().Add(time.Duration(k) * p.Step) }

// shape is one real per-task usage series of the Google 2019 trace: CPU
// cores and working-set bytes per 5-minute window, gaps removed.
type shape struct {
	name     string
	cpu, mem []float64
}

// loadShapes reads every task of the google-2019-tasks folder in place.
func loadShapes(dir string) ([]shape, error) {
	var out []shape
	for _, job := range []string{"job113", "job382"} {
		r, _, err := trace.Open(filepath.Join(dir, job), "google2019")
		if err != nil {
			return nil, err
		}
		byPod := map[string]*shape{}
		var order []string
		for {
			s, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.Close()
				return nil, err
			}
			sh := byPod[s.Ref.Pod]
			if sh == nil {
				sh = &shape{name: s.Ref.Pod}
				byPod[s.Ref.Pod] = sh
				order = append(order, s.Ref.Pod)
			}
			if s.HasCPU() && s.HasMemory() {
				sh.cpu = append(sh.cpu, s.CPU)
				sh.mem = append(sh.mem, s.Memory)
			}
		}
		r.Close()
		sort.Strings(order)
		for _, pod := range order {
			out = append(out, *byPod[pod])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no task series under %s", dir)
	}
	return out, nil
}

// container is one container of one pod, with everything its series need.
type container struct {
	name     string
	pod      *pod
	image    string
	shape    *shape
	offset   int     // index into the shape at grid point 1
	cpuScale float64 // multiplies the shape's CPU
	memScale float64 // multiplies the shape's working set
	// Requests and limits; the CPU request changes to cpuReq2 at grid point
	// resizeAt when resizeAt > 0 (an in-place resize).
	cpuReq, cpuReq2, cpuLim, memReq, memLim float64
	resizeAt                                int
}

type pod struct {
	name, uid, node string
	wl              *wl
	created         time.Time
	containers      []*container
}

type wl struct {
	ns, kind, name, rs string // rs: the ReplicaSet of a Deployment
	replicas           int
	hpa                bool
	pods               []*pod
}

// fleet is the whole synthetic cluster.
type fleet struct {
	p          params
	namespaces []string
	workloads  []*wl
	nodes      []string
	containers []*container
}

// Replicas x containers per pod, cycled in a shuffled block of ten so that
// the fleet has exactly 5 pod containers per workload on average.
var podPatterns = [10][2]int{{1, 1}, {2, 1}, {3, 1}, {2, 2}, {5, 1}, {3, 2}, {1, 3}, {4, 2}, {2, 4}, {5, 2}}

var (
	teams     = []string{"payments", "checkout", "search", "catalog", "identity", "ads", "media", "ledger", "growth", "infra"}
	services  = []string{"api", "worker", "gateway", "indexer", "cache", "scheduler", "frontend", "consumer", "exporter", "db"}
	sidecars  = []string{"envoy", "log-shipper", "metrics-agent"}
	nodeCount = 150
)

// newFleet lays out namespaces, workloads, pods and containers, and draws
// each container's shape, scale, requests and limits from the seed.
func newFleet(p params, shapes []shape) *fleet {
	rng := rand.New(rand.NewPCG(p.Seed, 0x7a11))
	f := &fleet{p: p}
	for i := range p.Namespaces {
		f.namespaces = append(f.namespaces, fmt.Sprintf("%s-%02d", teams[i%len(teams)], i/len(teams)))
	}
	for i := range nodeCount {
		f.nodes = append(f.nodes, fmt.Sprintf("node-%03d", i))
	}
	var perm []int
	for i := range p.Workloads {
		if i%len(podPatterns) == 0 {
			perm = rng.Perm(len(podPatterns))
		}
		pat := podPatterns[perm[i%len(podPatterns)]]
		w := &wl{ns: f.namespaces[i%p.Namespaces], kind: "Deployment", replicas: pat[0]}
		w.name = fmt.Sprintf("%s-%s-%d", services[(i/p.Namespaces)%len(services)], teams[rng.IntN(len(teams))], i/p.Namespaces)
		if rng.Float64() < 0.25 {
			w.kind = "StatefulSet"
		} else {
			w.rs = w.name + "-" + hash(rng, 10)
			w.hpa = w.replicas >= 2 && rng.Float64() < 0.15
		}
		f.workloads = append(f.workloads, w)
		names := append([]string{"app"}, sidecars[:pat[1]-1]...)
		for r := range w.replicas {
			pd := &pod{wl: w, uid: uuid(rng), node: f.nodes[rng.IntN(len(f.nodes))],
				created: p.start().Add(-time.Duration(1+rng.IntN(30*24)) * time.Hour)}
			if w.kind == "StatefulSet" {
				pd.name = fmt.Sprintf("%s-%d", w.name, r)
			} else {
				pd.name = w.rs + "-" + hash(rng, 5)
			}
			w.pods = append(w.pods, pd)
			for ci, name := range names {
				c := f.newContainer(rng, shapes, pd, name, ci)
				pd.containers = append(pd.containers, c)
				f.containers = append(f.containers, c)
			}
		}
	}
	return f
}

// newContainer draws one container: a real task shape at a random offset,
// scaled; requests from its own usage times an over-provisioning factor.
func (f *fleet) newContainer(rng *rand.Rand, shapes []shape, pd *pod, name string, index int) *container {
	c := &container{name: name, pod: pd, shape: &shapes[rng.IntN(len(shapes))]}
	c.image = fmt.Sprintf("registry.example.com/%s/%s:1.%d.%d", pd.wl.ns, name, rng.IntN(20), rng.IntN(10))
	c.offset = rng.IntN(len(c.shape.cpu))
	c.cpuScale = math.Exp(rng.NormFloat64() * 0.8)
	c.memScale = math.Exp(rng.NormFloat64() * 0.7)
	if index > 0 { // sidecars are smaller
		c.cpuScale *= 0.2
		c.memScale *= 0.25
	}
	n := f.p.steps()
	cpus, mems := make([]float64, n), make([]float64, n)
	for k := 1; k <= n; k++ {
		cpus[k-1], mems[k-1] = c.rawCPU(k), c.rawMem(k)
	}
	slices.Sort(cpus)
	slices.Sort(mems)
	p95 := cpus[int(0.95*float64(n-1))]
	c.cpuReq = roundUp(p95*(0.7+2.3*rng.Float64()), 0.01)
	c.memReq = roundUp(mems[n-1]*(1.05+0.95*rng.Float64()), mib)
	switch x := rng.Float64(); {
	case x < 0.02:
		// Sized just under its fourth-highest working set: OOM-killed a
		// few times in the history.
		c.memReq = mems[n-4]
		c.memLim = c.memReq
	case x < 0.6:
		c.memLim = c.memReq
	case x < 0.9:
		c.memLim = 2 * c.memReq
	}
	if rng.Float64() < 0.3 {
		c.cpuLim = c.cpuReq * float64(1+rng.IntN(2))
	}
	if rng.Float64() < 0.05 {
		c.resizeAt = 1 + rng.IntN(n)
		c.cpuReq2 = roundUp(c.cpuReq*(0.5+rng.Float64()), 0.01)
	}
	return c
}

// rawCPU and rawMem are the scaled shape at grid point k >= 1.
func (c *container) rawCPU(k int) float64 {
	return c.shape.cpu[(c.offset+k-1)%len(c.shape.cpu)] * c.cpuScale
}

func (c *container) rawMem(k int) float64 {
	return math.Round(c.shape.mem[(c.offset+k-1)%len(c.shape.mem)] * c.memScale)
}

// usage is the container's interval ending at grid point k >= 1: CPU capped
// at the CPU limit, the fraction of CFS periods throttled, the working set
// capped at the memory limit and whether the container was OOM-killed.
func (c *container) usage(k int) (cpu, throttled, mem float64, oom bool) {
	cpu, mem = c.rawCPU(k), c.rawMem(k)
	if c.cpuLim > 0 {
		// Throttling starts when the mean reaches half the limit (bursts
		// within the window hit it) and saturates at the limit.
		throttled = math.Min(1, math.Max(0, 2*cpu/c.cpuLim-1))
		cpu = math.Min(cpu, c.cpuLim)
	}
	if c.memLim > 0 && mem > c.memLim {
		mem, oom = c.memLim, true
	}
	return cpu, throttled, mem, oom
}

// cpuRequest is the CPU request in force at grid point k.
func (c *container) cpuRequest(k int) float64 {
	if c.resizeAt > 0 && k >= c.resizeAt {
		return c.cpuReq2
	}
	return c.cpuReq
}

func roundUp(v, unit float64) float64 { return math.Max(1, math.Ceil(v/unit)) * unit }

const hashChars = "bcdfghjklmnpqrstvwxz2456789"

func hash(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hashChars[rng.IntN(len(hashChars))]
	}
	return string(b)
}

func uuid(rng *rand.Rand) string {
	a, b := rng.Uint64(), rng.Uint64()
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

const mib = 1 << 20
