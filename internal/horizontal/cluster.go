package horizontal

import (
	"fmt"
	"sort"
	"time"
)

// ContainerTemplate is one container of the simulated pods.
type ContainerTemplate struct {
	Name     string
	Requests map[ResourceName]Milli
	CPUShare float64 // this container's share of its pod's CPU use
	Memory   Milli   // memory working set while running
	Sidecar  bool
}

// PodTemplate describes the simulated pods and their start-up.
type PodTemplate struct {
	Containers   []ContainerTemplate
	PendingDelay time.Duration // creation until Running (status.startTime)
	StartupDelay time.Duration // Running until Ready
	StartupCPU   Milli         // CPU a Running, not yet Ready pod uses
	CPULimit     Milli         // caps each pod's CPU use; 0 means no limit
}

// ClusterConfig configures a simulated cluster.
type ClusterConfig struct {
	Pod PodTemplate
	// MetricWindow is the window metrics-server reports with each sample.
	MetricWindow time.Duration
	// InitialAge is how long before the start the initial pods were created.
	InitialAge time.Duration
}

// DefaultClusterConfig has one container "app" requesting 1 CPU, pods Ready
// 30 s after creation, a 15 s metric window and initial pods an hour old.
func DefaultClusterConfig() ClusterConfig {
	return ClusterConfig{
		Pod: PodTemplate{
			Containers:   []ContainerTemplate{{Name: "app", Requests: map[ResourceName]Milli{CPU: 1000}, CPUShare: 1}},
			StartupDelay: 30 * time.Second,
		},
		MetricWindow: 15 * time.Second,
		InitialAge:   time.Hour,
	}
}

// Load is the demand on the service at one instant.
type Load struct {
	CPU float64 // cores demanded in total, split evenly across Ready pods
	// PodMetrics are service totals of Pods metrics (e.g. requests per
	// second), split evenly across Ready pods; other Running pods report 0.
	PodMetrics map[string]float64
	Objects    map[string]float64
	External   map[string]float64
	// MissingPods is how many of the newest pods have no samples at all.
	MissingPods int
}

// Cluster is a deployment whose pods start, become Ready after a delay and
// share the load; deleted pods vanish at once.
type Cluster struct {
	cfg  ClusterConfig
	pods []simPod
	seq  int
}

type simPod struct {
	name    string
	created time.Time
}

// NewCluster starts a cluster with initial pods created cfg.InitialAge before start.
func NewCluster(cfg ClusterConfig, start time.Time, initial int32) (*Cluster, error) {
	if len(cfg.Pod.Containers) == 0 {
		return nil, fmt.Errorf("cluster: the pod template has no containers")
	}
	if initial < 0 {
		return nil, fmt.Errorf("cluster: initial replicas must be >= 0 (got %d)", initial)
	}
	c := &Cluster{cfg: cfg}
	c.add(start.Add(-cfg.InitialAge), initial)
	return c, nil
}

// Replicas is the number of pods (spec and status replicas alike).
func (c *Cluster) Replicas() int32 { return int32(len(c.pods)) }

// Scale creates or deletes pods at now. Deletion follows the ReplicaSet's
// ranking: pods not yet Running first, then not Ready, then the newest.
func (c *Cluster) Scale(now time.Time, replicas int32) {
	n := int32(len(c.pods))
	if replicas >= n {
		c.add(now, replicas-n)
		return
	}
	sort.SliceStable(c.pods, func(i, j int) bool {
		ri, rj := c.rank(c.pods[i], now), c.rank(c.pods[j], now)
		if ri != rj {
			return ri < rj
		}
		return c.pods[i].created.After(c.pods[j].created)
	})
	c.pods = c.pods[n-replicas:]
	sort.SliceStable(c.pods, func(i, j int) bool { return c.pods[i].created.Before(c.pods[j].created) })
}

func (c *Cluster) add(at time.Time, n int32) {
	for range n {
		c.seq++
		c.pods = append(c.pods, simPod{name: fmt.Sprintf("pod-%d", c.seq), created: at})
	}
}

// rank orders pods for deletion: 0 Pending, 1 Running but not Ready, 2 Ready.
func (c *Cluster) rank(p simPod, now time.Time) int {
	switch {
	case now.Before(c.started(p)):
		return 0
	case now.Before(c.readyAt(p)):
		return 1
	}
	return 2
}

func (c *Cluster) started(p simPod) time.Time { return p.created.Add(c.cfg.Pod.PendingDelay) }
func (c *Cluster) readyAt(p simPod) time.Time { return c.started(p).Add(c.cfg.Pod.StartupDelay) }

// ReadyPods counts the pods Ready at now.
func (c *Cluster) ReadyPods(now time.Time) int {
	n := 0
	for _, p := range c.pods {
		if c.rank(p, now) == 2 {
			n++
		}
	}
	return n
}

// Observe returns what the HPA controller would read at now under load.
func (c *Cluster) Observe(now time.Time, load Load) Observation {
	ready := c.ReadyPods(now)
	obs := Observation{SpecReplicas: c.Replicas(), StatusReplicas: c.Replicas()}
	for i, p := range c.pods {
		missing := i >= len(c.pods)-load.MissingPods
		obs.Pods = append(obs.Pods, c.pod(p, now, load, ready, missing))
	}
	obs.Objects = map[string]Milli{}
	for name, v := range load.Objects {
		obs.Objects[name] = MilliFromFloat(v)
	}
	obs.External = map[string][]Milli{}
	for name, v := range load.External {
		obs.External[name] = []Milli{MilliFromFloat(v)}
	}
	return obs
}

func (c *Cluster) pod(p simPod, now time.Time, load Load, ready int, missing bool) Pod {
	out := Pod{Name: p.name, Phase: PodPending}
	for _, t := range c.cfg.Pod.Containers {
		out.Containers = append(out.Containers, Container{Name: t.Name, Requests: t.Requests, Sidecar: t.Sidecar})
	}
	rank := c.rank(p, now)
	if rank == 0 {
		return out
	}
	out.Phase, out.StartTime = PodRunning, c.started(p)
	out.Ready = &ReadyCondition{Status: false, LastTransition: c.started(p)}
	if rank == 2 {
		out.Ready = &ReadyCondition{Status: true, LastTransition: c.readyAt(p)}
	}
	if !missing {
		out.Metrics = c.usage(now, c.podCPU(p, now, load, rank, ready))
		out.Custom = podShares(load.PodMetrics, rank == 2, ready)
	}
	return out
}

// podCPU is the CPU sample of one pod: the start-up CPU while not Ready, its
// share of the demand once Ready. A sample averages the metric window before
// now, so a pod Ready for less than one window reports a blend of both.
// Both are capped at the limit.
func (c *Cluster) podCPU(p simPod, now time.Time, load Load, rank, ready int) float64 {
	startup := c.cfg.Pod.StartupCPU.Float()
	if limit := c.cfg.Pod.CPULimit; limit > 0 {
		startup = min(startup, limit.Float())
	}
	if rank != 2 {
		return startup
	}
	share := load.CPU / float64(ready)
	if limit := c.cfg.Pod.CPULimit; limit > 0 {
		share = min(share, limit.Float())
	}
	since, w := now.Sub(c.readyAt(p)), c.cfg.MetricWindow
	if since >= w || w <= 0 {
		return share
	}
	f := float64(since) / float64(w)
	return f*share + (1-f)*startup
}

func (c *Cluster) usage(now time.Time, cpu float64) *PodMetrics {
	m := &PodMetrics{Timestamp: now, Window: c.cfg.MetricWindow}
	for _, t := range c.cfg.Pod.Containers {
		use := map[ResourceName]Milli{CPU: MilliFromFloat(cpu * t.CPUShare), Memory: t.Memory}
		m.Containers = append(m.Containers, ContainerUsage{Name: t.Name, Usage: use})
	}
	return m
}

func podShares(totals map[string]float64, ready bool, n int) map[string]Milli {
	out := map[string]Milli{}
	for name, total := range totals {
		out[name] = 0
		if ready {
			out[name] = MilliFromFloat(total / float64(n))
		}
	}
	return out
}
