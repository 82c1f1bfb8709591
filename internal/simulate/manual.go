package simulate

import (
	"time"

	"tailor.dev/tailor/internal/workload"
)

// Manual is the "manual" baseline: the trace's own provisioned values, as they
// change in the trace.
type Manual struct{}

// Name implements Policy.
func (Manual) Name() string { return "manual" }

// FollowsTrace implements Follower.
func (Manual) FollowsTrace() bool { return true }

// NewContainer implements Policy.
func (Manual) NewContainer(workload.ContainerRef, workload.Resources, time.Time) ContainerPolicy {
	return manualContainer{}
}

type manualContainer struct{}

func (manualContainer) Observe(workload.Sample)                                     {}
func (manualContainer) OOM(time.Time, workload.Resources, float64)                  {}
func (manualContainer) Decide(_ time.Time, a workload.Resources) workload.Resources { return a }
