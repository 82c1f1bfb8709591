package autoscale

import (
	"fmt"
	"math"
	"reflect"

	"tailor.dev/tailor/internal/horizontal"
)

// Setting is what a policy controls for one service: the pods' CPU request
// and the HPA (one CPU Utilization metric).
type Setting struct {
	Request     float64 // CPU request per pod, cores
	MinReplicas int32
	MaxReplicas int32
	Target      int32 // CPU utilization target, percent of the request
	// Behavior is spec.behavior; nil is an HPA without one (the
	// controller's legacy normalization: 5 min downscale window, scale-up
	// cap max(2×, 4) per sync).
	Behavior *horizontal.Behavior
}

// Spec is the HPA spec of the setting.
func (s Setting) Spec() horizontal.Spec {
	return horizontal.Spec{
		MinReplicas: horizontal.Ptr(s.MinReplicas),
		MaxReplicas: s.MaxReplicas,
		Metrics:     []horizontal.MetricSpec{horizontal.ResourceUtilization(horizontal.CPU, s.Target)},
		Behavior:    s.Behavior,
	}
}

// Validate rejects a request that is not a positive number and any HPA spec
// the API server would reject.
func (s Setting) Validate() error {
	if math.IsNaN(s.Request) || math.IsInf(s.Request, 0) || horizontal.MilliFromFloat(s.Request) <= 0 {
		return fmt.Errorf("CPU request %v must be at least 1m", s.Request)
	}
	if err := s.Spec().Validate(horizontal.ValidateOptions{}); err != nil {
		return fmt.Errorf("hpa spec: %w", err)
	}
	return nil
}

// Equal reports whether two settings are the same.
func (s Setting) Equal(o Setting) bool {
	return s.Request == o.Request && s.MinReplicas == o.MinReplicas && s.MaxReplicas == o.MaxReplicas &&
		s.Target == o.Target && reflect.DeepEqual(s.Behavior, o.Behavior)
}

func (s Setting) String() string {
	return fmt.Sprintf("request %s, replicas %d..%d, target %d%%", horizontal.MilliFromFloat(s.Request), s.MinReplicas, s.MaxReplicas, s.Target)
}
