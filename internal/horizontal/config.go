package horizontal

import (
	"fmt"
	"math"
	"time"
)

// Config holds kube-controller-manager's cluster-wide HPA flags
// (pkg/controller/podautoscaler/config/v1alpha1/defaults.go; reference §0).
type Config struct {
	// SyncPeriod is how often the caller should call Step
	// (--horizontal-pod-autoscaler-sync-period).
	SyncPeriod time.Duration
	// Tolerance is the no-change band around ratio 1 for both directions
	// unless the HPA sets its own (--horizontal-pod-autoscaler-tolerance).
	Tolerance float64
	// DownscaleStabilization is the scale-down window of the legacy path and
	// of behaviors without scaleDown.stabilizationWindowSeconds.
	DownscaleStabilization time.Duration
	// CPUInitializationPeriod: CPU samples of pods younger than this count
	// only once the pod is Ready and one metric window has passed since.
	CPUInitializationPeriod time.Duration
	// InitialReadinessDelay: after the initialization period, a NotReady pod
	// is unready for CPU only if it never became Ready within this delay of
	// its start.
	InitialReadinessDelay time.Duration
}

// DefaultConfig returns the upstream defaults: 15 s sync, tolerance 0.1,
// 5 min downscale stabilization, 5 min CPU initialization, 30 s initial
// readiness delay.
func DefaultConfig() Config {
	return Config{
		SyncPeriod:              15 * time.Second,
		Tolerance:               0.1,
		DownscaleStabilization:  5 * time.Minute,
		CPUInitializationPeriod: 5 * time.Minute,
		InitialReadinessDelay:   30 * time.Second,
	}
}

// Validate rejects settings the controller could not run with.
func (c Config) Validate() error {
	switch {
	case c.SyncPeriod <= 0:
		return fmt.Errorf("config: sync period must be positive (got %s)", c.SyncPeriod)
	case c.Tolerance < 0 || math.IsNaN(c.Tolerance) || math.IsInf(c.Tolerance, 0):
		return fmt.Errorf("config: tolerance must be >= 0 (got %v)", c.Tolerance)
	case c.DownscaleStabilization < 0:
		return fmt.Errorf("config: downscale stabilization must be >= 0 (got %s)", c.DownscaleStabilization)
	case c.CPUInitializationPeriod < 0 || c.InitialReadinessDelay < 0:
		return fmt.Errorf("config: CPU initialization period and initial readiness delay must be >= 0")
	}
	return nil
}
