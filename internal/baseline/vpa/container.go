package vpa

import (
	"time"

	"k8s.io/autoscaler/vertical-pod-autoscaler/pkg/recommender/logic"
	"k8s.io/autoscaler/vertical-pod-autoscaler/pkg/recommender/model"

	"tailor.dev/tailor/internal/workload"
)

// Recommendation is one VPA recommendation in cores and bytes. Memory fields
// are zero when the container has no memory samples (CPU-only traces).
type Recommendation struct {
	Target, LowerBound, UpperBound workload.Resources
	// Memory reports whether memory is recommended (controlled) at all.
	Memory bool
}

// container is the VPA state of one traced container: the upstream
// aggregate (shared by every pod incarnation of the container) and the
// ContainerState of the pod currently running.
type container struct {
	name        string
	updater     Updater
	recommender logic.PodResourceRecommender

	agg   *model.AggregateContainerState
	state *model.ContainerState

	hasMemory      bool      // a memory sample was seen: memory is controlled
	podStart       time.Time // creation of the current pod (Recreate resets it)
	containerStart time.Time // last (re)start of the container: pod start or OOM restart
	quickOOM       bool      // the last termination was an OOM kill within EvictAfterOOMThreshold
}

// Observe feeds one sample to the upstream ContainerState, CPU first, as the
// upstream cluster feeder does. NaN measurements are skipped.
func (c *container) Observe(s workload.Sample) {
	start := s.Time.Add(-s.Interval)
	if s.HasCPU() {
		c.state.AddSample(&model.ContainerUsageSample{
			MeasureStart: start,
			Usage:        model.CPUAmountFromCores(s.CPU),
			Resource:     model.ResourceCPU,
		})
	}
	if s.HasMemory() {
		c.hasMemory = true
		c.state.AddSample(&model.ContainerUsageSample{
			MeasureStart: start,
			Usage:        model.MemoryAmountFromBytes(s.Memory),
			Resource:     model.ResourceMemory,
		})
	}
}

// OOM records the kill the way the upstream OOM observer reports it: with the
// container's memory request at the time of the kill (the usage that caused
// it is not known to VPA). The kubelet restarts the container in place, so a
// second kill within EvictAfterOOMThreshold of this one is a quick OOM too.
func (c *container) OOM(at time.Time, applied workload.Resources, _ float64) {
	// An error means the OOM is older than the current aggregation
	// interval; upstream logs and drops it, and so do we.
	_ = c.state.RecordOOM(at, model.MemoryAmountFromBytes(applied.MemRequest))
	c.quickOOM = at.Sub(c.containerStart) < c.updater.EvictAfterOOMThreshold
	c.containerStart = at
}

// Decide asks the upstream recommender for a recommendation and applies its
// target when the updater rule allows it. Applying recreates the pod.
func (c *container) Decide(now time.Time, applied workload.Resources) workload.Resources {
	c.state.Request = requestOf(applied)
	rec, ok := c.Recommendation()
	if !ok {
		return applied
	}
	if !c.updater.ShouldUpdate(rec, applied, now.Sub(c.podStart), c.quickOOM) {
		return applied
	}
	next := rec.apply(applied)
	if next == applied {
		return applied
	}
	c.recreate(now, next)
	return next
}

// recreate models the eviction and re-creation of the pod with new requests:
// a new pod gets a new ContainerState on the same aggregate.
func (c *container) recreate(now time.Time, next workload.Resources) {
	c.podStart, c.containerStart, c.quickOOM = now, now, false
	c.state = model.NewContainerState(requestOf(next), c.agg)
}

// Recommendation returns the current upstream recommendation; false before
// the first CPU sample (the upstream confidence is measured on CPU samples).
func (c *container) Recommendation() (Recommendation, bool) {
	if c.agg.TotalSamplesCount == 0 {
		return Recommendation{}, false
	}
	controlled := []model.ResourceName{model.ResourceCPU}
	if c.hasMemory {
		controlled = append(controlled, model.ResourceMemory)
	}
	c.agg.ControlledResources = &controlled
	all := c.recommender.GetRecommendedPodResources(model.ContainerNameToAggregateStateMap{c.name: c.agg})
	r := all[c.name]
	return Recommendation{
		Target:     resourcesOf(r.Target),
		LowerBound: resourcesOf(r.LowerBound),
		UpperBound: resourcesOf(r.UpperBound),
		Memory:     c.hasMemory,
	}, true
}

// apply returns applied with the recommended target requests (memory limit =
// request, the scoring mode); memory is left alone when it is not controlled.
func (r Recommendation) apply(applied workload.Resources) workload.Resources {
	next := applied
	next.CPURequest = r.Target.CPURequest
	if r.Memory {
		next.MemRequest = r.Target.MemRequest
		next.MemLimit = r.Target.MemRequest
	}
	return next
}

// requestOf converts applied requests to the upstream representation.
func requestOf(r workload.Resources) model.Resources {
	return model.Resources{
		model.ResourceCPU:    model.CPUAmountFromCores(r.CPURequest),
		model.ResourceMemory: model.MemoryAmountFromBytes(r.MemRequest),
	}
}

// resourcesOf converts an upstream recommendation to cores and bytes. With
// the default --round-cpu-millicores=1 and --round-memory-bytes=1 the values
// published in the VPA status are exactly these amounts.
func resourcesOf(r model.Resources) workload.Resources {
	out := workload.Resources{}
	if v, ok := r[model.ResourceCPU]; ok {
		out.CPURequest = model.CoresFromCPUAmount(v)
	}
	if v, ok := r[model.ResourceMemory]; ok {
		out.MemRequest = model.BytesFromMemoryAmount(v)
	}
	return out
}
