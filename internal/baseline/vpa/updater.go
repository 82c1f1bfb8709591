package vpa

import (
	"math"
	"time"

	"tailor.dev/tailor/internal/workload"
)

// priority mirrors the upstream defaultPriorityProcessor.GetUpdatePriority
// (pkg/updater/priority/priority_processor.go) for one container.
type priority struct {
	outsideRange bool    // some request is outside [LowerBound, UpperBound] or unset
	resourceDiff float64 // Σ_resources |request − target| / request
}

// ShouldUpdate is the upstream UpdatePriorityCalculator.AddPod admission rule
// (pkg/updater/priority/update_priority_calculator.go, reference §1.6): a pod
// is updated if a request is outside the recommended range, or it had a
// quick OOM, or it is at least PodLifetimeUpdateThreshold old and its
// ResourceDiff is at least MinChangePriority; after a quick OOM only if the
// resources would actually change.
func (u Updater) ShouldUpdate(rec Recommendation, applied workload.Resources, podAge time.Duration, quickOOM bool) bool {
	p := priorityOf(rec, applied)
	if !p.outsideRange && !quickOOM {
		if podAge < u.PodLifetimeUpdateThreshold {
			return false
		}
		if p.resourceDiff < u.MinChangePriority {
			return false
		}
	}
	return !quickOOM || p.resourceDiff != 0
}

// priorityOf compares the applied requests with the recommendation for every
// resource the recommendation covers. Upstream compares quantities in milli
// units and divides by max(request, 1 milli-unit); so do we.
func priorityOf(rec Recommendation, applied workload.Resources) priority {
	var p priority
	add := func(request, target, lower, upper float64) {
		if request <= 0 {
			// Upstream treats a container without a request as outside
			// the range (and as scaling up).
			p.outsideRange = true
		} else if request < lower || request > upper {
			p.outsideRange = true
		}
		req := math.Max(request*1000, 1)
		p.resourceDiff += math.Abs(req-target*1000) / req
	}
	add(applied.CPURequest, rec.Target.CPURequest, rec.LowerBound.CPURequest, rec.UpperBound.CPURequest)
	if rec.Memory {
		add(applied.MemRequest, rec.Target.MemRequest, rec.LowerBound.MemRequest, rec.UpperBound.MemRequest)
	}
	return p
}
