package autoscale

import (
	"fmt"
	"math"
	"time"

	"tailor.dev/tailor/internal/horizontal"
)

// Service is one horizontally scaled service.
type Service struct {
	Name string
	// Start is the wall-clock time of offset 0 of Demand; seasonal tuners
	// read the hour of day from it.
	Start time.Time
	// Demand is the total CPU the service's traffic needs, in cores, as a
	// piecewise-constant timeline; each segment is one observation window.
	Demand horizontal.Timeline
	// Request is the CPU request per pod the service starts with, in cores.
	Request float64
}

// Validate rejects a service the replay cannot run: no name, no demand, a
// demand timeline with gaps, overlaps or negative values, or a request that
// is not a positive number.
func (s Service) Validate() error {
	if s.Name == "" {
		return fmt.Errorf("service: no name")
	}
	if len(s.Demand.Segments) == 0 {
		return fmt.Errorf("service %s: no demand", s.Name)
	}
	if math.IsNaN(s.Request) || math.IsInf(s.Request, 0) || s.Request <= 0 {
		return fmt.Errorf("service %s: CPU request %v must be a positive number of cores", s.Name, s.Request)
	}
	// Re-append every segment so a hand-built timeline gets the same checks
	// as one built with Timeline.Append.
	check := horizontal.Timeline{Name: s.Name}
	for _, seg := range s.Demand.Segments {
		if err := check.Append(seg); err != nil {
			return fmt.Errorf("service demand: %w", err)
		}
	}
	return nil
}

// Window is what a tuner learns about one demand window once it has ended.
type Window struct {
	Start, End time.Time
	// Demand is the window's total CPU demand in cores (what the pods used;
	// there is no CPU limit).
	Demand float64
	// PodCPU is the mean CPU use of one Ready pod over the window's syncs,
	// the sample a per-pod recommender such as VPA would see.
	PodCPU float64
	// Replicas and Ready are the pod counts after the window's last sync;
	// MaxReplicas is the highest count during the window.
	Replicas, MaxReplicas int32
	Ready                 int
	// Setting is what was in force during the window.
	Setting Setting
}
