package autoscale

import "tailor.dev/tailor/internal/cost"

// Score is one policy's replay score on one or more services. Every sync
// after the warm-up is scored with the state after the sync held until the
// next one (15 s).
type Score struct {
	Hours float64 // scored service-hours

	ReplicaHours       float64 // Σ pods × dt (all pods, Ready or not)
	RequestedCoreHours float64 // Σ pods × CPU request × dt
	DemandCoreHours    float64 // Σ demand × dt
	// OverloadMinutes is the time the demand exceeded what the Ready pods
	// can serve: demand > Ready × request × saturation.
	OverloadMinutes float64
	// UnservedCoreHours is Σ max(0, demand − Ready × request × saturation) dt.
	UnservedCoreHours float64
	ScaleEvents       int // replica count changes written by the HPA
	SettingChanges    int // times the policy changed its setting
	CostUSD           float64
}

// Add accumulates o into s.
func (s *Score) Add(o Score) {
	s.Hours += o.Hours
	s.ReplicaHours += o.ReplicaHours
	s.RequestedCoreHours += o.RequestedCoreHours
	s.DemandCoreHours += o.DemandCoreHours
	s.OverloadMinutes += o.OverloadMinutes
	s.UnservedCoreHours += o.UnservedCoreHours
	s.ScaleEvents += o.ScaleEvents
	s.SettingChanges += o.SettingChanges
	s.CostUSD += o.CostUSD
}

// MeanUtilization is demand / requested CPU over the scored time (0 when
// nothing was requested); above 1 means the pods ran past their requests.
func (s Score) MeanUtilization() float64 {
	if s.RequestedCoreHours == 0 {
		return 0
	}
	return s.DemandCoreHours / s.RequestedCoreHours
}

// price sets CostUSD: requested core-hours at the CPU price plus, when
// podMemoryGiB > 0, every pod's memory at the memory price.
func (s *Score) price(p cost.Prices, podMemoryGiB float64) {
	s.CostUSD = p.Cost(s.RequestedCoreHours, s.ReplicaHours*podMemoryGiB)
}
