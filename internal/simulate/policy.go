package simulate

import (
	"time"

	"tailor.dev/tailor/internal/workload"
)

// Policy creates per-container decision state. One Policy value is shared by
// every container of a replay; it must not keep per-container state itself.
type Policy interface {
	Name() string
	// NewContainer starts tracking one container. initial is the
	// configuration in force when the trace starts (the trace's own
	// provisioned values, primary mode applied).
	NewContainer(ref workload.ContainerRef, initial workload.Resources, start time.Time) ContainerPolicy
}

// ContainerPolicy is the per-container state of one policy.
//
// The replay calls Observe for every sample (warm-up included) in time order,
// OOM right after an interval in which memory usage exceeded the applied
// memory limit, and Decide once per evaluation period after the warm-up and
// once right after every OOM. Decide returns the configuration to run with
// from now on; returning applied unchanged means "no change". The replay
// enforces the scoring mode (memory limit = memory request, no CPU limit) on
// whatever Decide returns.
type ContainerPolicy interface {
	Observe(s workload.Sample)
	OOM(at time.Time, applied workload.Resources, memoryUsage float64)
	Decide(now time.Time, applied workload.Resources) workload.Resources
}
