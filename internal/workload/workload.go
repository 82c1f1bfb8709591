package workload

import (
	"math"
	"time"
)

// GiB is one gibibyte in bytes.
const GiB = 1 << 30

// ContainerRef names one container of one pod of one workload.
type ContainerRef struct {
	Namespace string
	Kind      string // Deployment, StatefulSet, VM, Job, ... (free text for traces)
	Workload  string
	Pod       string
	Container string
}

// Key is a stable, unique string for the container ("ns/workload/pod/container").
func (r ContainerRef) Key() string {
	return r.Namespace + "/" + r.Workload + "/" + r.Pod + "/" + r.Container
}

// WorkloadKey identifies the container across the replicas of its workload
// ("ns/workload/container"); recommendations are aggregated on this key.
func (r ContainerRef) WorkloadKey() string {
	return r.Namespace + "/" + r.Workload + "/" + r.Container
}

// Resources are a container's requests and limits. CPU is in cores, memory in
// bytes. Zero means "not set".
type Resources struct {
	CPURequest float64
	CPULimit   float64
	MemRequest float64
	MemLimit   float64
}

// IsZero reports whether no field is set.
func (r Resources) IsZero() bool { return r == Resources{} }

// Sample is what a container used during one interval ending at Time.
//
// CPU is the mean usage over the interval in cores, Memory the peak working
// set over the interval in bytes. Either may be NaN when the source does not
// measure it (CPU-only traces have Memory = NaN).
type Sample struct {
	Ref      ContainerRef
	Time     time.Time
	Interval time.Duration // length of the window the sample summarises

	CPU    float64
	Memory float64

	// Provisioned are the requests/limits in force during the interval as
	// recorded by the source; zero fields are unknown.
	Provisioned Resources

	// OOMKilled marks an OOM kill recorded by the source during the interval.
	OOMKilled bool
	// ThrottledFraction is the fraction of CFS periods throttled in the
	// interval (0..1), NaN when unknown.
	ThrottledFraction float64
}

// HasCPU reports whether the sample carries a CPU measurement.
func (s Sample) HasCPU() bool { return !math.IsNaN(s.CPU) }

// HasMemory reports whether the sample carries a memory measurement.
func (s Sample) HasMemory() bool { return !math.IsNaN(s.Memory) }
