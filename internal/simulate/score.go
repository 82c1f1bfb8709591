package simulate

import "tailor.dev/tailor/internal/cost"

// Score is the replay score of one policy on one or more containers. Hours
// are summed over scored intervals (after the warm-up).
type Score struct {
	Samples int // scored sample intervals

	CPURequestCoreHours   float64
	CPUUsageCoreHours     float64
	CPUSlackCoreHours     float64 // sum max(0, request - usage) dt
	CPUShortfallCoreHours float64 // sum max(0, usage - request) dt
	CPUThrottledCoreHours float64 // sum max(0, usage - limit) dt where a limit is set

	MemRequestGiBHours float64
	MemUsageGiBHours   float64
	MemSlackGiBHours   float64 // sum max(0, request - usage) dt
	OOMKills           int     // intervals with usage > memory limit

	Changes int // times the applied (request, limit) changed
	CostUSD float64
}

// Add accumulates o into s.
func (s *Score) Add(o Score) {
	s.Samples += o.Samples
	s.CPURequestCoreHours += o.CPURequestCoreHours
	s.CPUUsageCoreHours += o.CPUUsageCoreHours
	s.CPUSlackCoreHours += o.CPUSlackCoreHours
	s.CPUShortfallCoreHours += o.CPUShortfallCoreHours
	s.CPUThrottledCoreHours += o.CPUThrottledCoreHours
	s.MemRequestGiBHours += o.MemRequestGiBHours
	s.MemUsageGiBHours += o.MemUsageGiBHours
	s.MemSlackGiBHours += o.MemSlackGiBHours
	s.OOMKills += o.OOMKills
	s.Changes += o.Changes
	s.CostUSD += o.CostUSD
}

// RelativeCPUSlack is total CPU slack / total CPU request (0 when nothing was requested).
func (s Score) RelativeCPUSlack() float64 { return ratio(s.CPUSlackCoreHours, s.CPURequestCoreHours) }

// RelativeMemSlack is total memory slack / total memory request.
func (s Score) RelativeMemSlack() float64 { return ratio(s.MemSlackGiBHours, s.MemRequestGiBHours) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func (s *Score) price(p cost.Prices) {
	s.CostUSD = p.Cost(s.CPURequestCoreHours, s.MemRequestGiBHours)
}
