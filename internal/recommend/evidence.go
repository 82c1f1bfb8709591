package recommend

import (
	"time"
)

// Evidence is what the engine has seen of one container, for people who
// want to check a recommendation (`tailor recommend --explain`). It is read
// from the state; computing it changes nothing.
type Evidence struct {
	Samples int
	History time.Duration
	// CPU holds the decayed usage percentiles in cores, in the order of
	// EvidenceQuantiles; empty without CPU data.
	CPU []float64
	// MemoryNewest is the peak working set of the newest window with data,
	// MemoryRecent the peak over the Recent windows the estimate uses,
	// MemoryMax the largest peak kept, all in bytes; MemoryWindows is how
	// many windows with data are kept.
	MemoryNewest, MemoryRecent, MemoryMax float64
	MemoryWindows                         int
	// Throttled is the decayed fraction of throttled CFS periods (0..1).
	Throttled float64
	// OOMKills counts the OOM kills seen; LastOOM is the newest (zero if
	// none) and OOMFloor the memory request it holds up while fresh.
	OOMKills int
	LastOOM  time.Time
	OOMFloor float64
}

// EvidenceQuantiles are the CPU usage quantiles Evidence reports.
var EvidenceQuantiles = []float64{0.5, 0.9, 0.95, 0.99, 1}

// Evidence summarises the state.
func (e *Engine) Evidence(s *State) Evidence {
	ev := Evidence{
		Samples: s.Samples(), History: s.History(), Throttled: float64(s.throttle),
		OOMKills: int(s.ooms), MemoryWindows: int(s.mem.n),
	}
	if s.cpuSeen && !s.cpu.empty() {
		for _, q := range EvidenceQuantiles {
			ev.CPU = append(ev.CPU, s.cpu.percentile(e.cpu, q))
		}
	}
	if s.memSeen && s.mem.n > 0 {
		ev.MemoryNewest = s.mem.max(1)
		ev.MemoryRecent = s.mem.max(e.cfg.Memory.Recent)
		ev.MemoryMax = s.mem.max(len(s.mem.vals))
	}
	if s.oomAt > 0 {
		ev.LastOOM = time.Unix(s.oomAt, 0).UTC()
		if s.clock-s.oomClock < int64(e.cfg.Memory.OOMHold/time.Second) {
			ev.OOMFloor = float64(s.oomMem)
		}
	}
	return ev
}
