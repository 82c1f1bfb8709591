package recommend

import (
	"fmt"
	"math"
	"time"

	"tailor.dev/tailor/internal/workload"
)

// Recommendation is the engine's output for one container.
type Recommendation struct {
	Target     workload.Resources // requests and limits to run with
	Lower      workload.Resources // requests below which the container is short
	Upper      workload.Resources // requests above which it is wasteful
	HasCPU     bool
	HasMemory  bool
	Confidence float64 // 0..1, grows with history length
	History    time.Duration
	Reasons    []Reason
}

const (
	milliCore = 0.001
	mebibyte  = 1 << 20
)

// Recommend computes requests and limits from the state at time now.
func (e *Engine) Recommend(s *State, now time.Time) Recommendation {
	r := Recommendation{HasCPU: s.cpuSeen && !s.cpu.empty(), HasMemory: s.memSeen, History: s.History()}
	r.Confidence = math.Min(1, r.History.Hours()/e.cfg.Stability.Confidence.Hours())
	if r.HasCPU {
		target := e.cpuValue(s, e.cfg.CPU.Percentile)
		r.Target.CPURequest = target.v
		r.Reasons = append(r.Reasons, target.reasons...)
		r.Lower.CPURequest = e.cpuValue(s, e.cfg.CPU.Lower).v
		r.Upper.CPURequest = math.Max(target.v, e.cpuValue(s, e.cfg.CPU.Upper).v)
		if e.cfg.CPU.LimitRatio > 0 {
			r.Target.CPULimit = target.v * e.cfg.CPU.LimitRatio
		}
	}
	if r.HasMemory {
		w := now.Unix() / e.win
		target := e.memValue(s, w)
		r.Target.MemRequest = target.v
		r.Target.MemLimit = target.v * (1 + e.cfg.Memory.LimitMargin)
		r.Reasons = append(r.Reasons, target.reasons...)
		// Below the newest window's peak the container is short right now.
		r.Lower.MemRequest = s.mem.max(1)
		r.Upper.MemRequest = target.v * (1 + e.cfg.Memory.Margin)
	}
	return r
}

func (e *Engine) cpuValue(s *State, p float64) value {
	c := e.cfg.CPU
	x := value{resource: "cpu"}
	x = x.note("estimate", s.cpu.percentile(e.cpu, p),
		fmt.Sprintf("p%g of usage, %s half-life", p*100, human(c.HalfLife)))
	capAt := 0.0
	if c.Cap > 0 {
		capAt = math.Max(x.v, s.cpu.percentile(e.cpu, c.Cap))
	}
	return pipeline(x,
		withMargin(c.Margin),
		withClamp(capAt, fmt.Sprintf("capped at p%g of usage: more was never used", c.Cap*100)),
		withBump(float64(s.throttle) > c.ThrottleThreshold, c.ThrottleBump, "throttle-bump",
			fmt.Sprintf("throttled %.0f%% of periods", s.throttle*100)),
		withFloor(c.Min, "minimum CPU request"),
		withClamp(c.Max, "maximum CPU request"),
		roundUp(milliCore))
}

func (e *Engine) memValue(s *State, w int64) value {
	m := e.cfg.Memory
	x := value{resource: "memory"}
	oomFresh := s.oomAt > 0 && s.clock-s.oomClock < int64(m.OOMHold/time.Second)
	recent := m.Recent
	if oomFresh && m.RecentAfterOOM > recent {
		recent = m.RecentAfterOOM
	}
	x = x.note("estimate", s.mem.max(recent),
		fmt.Sprintf("peak working set over the last %s with data", human(time.Duration(recent)*m.Window)))
	oomFloor := 0.0
	if oomFresh {
		oomFloor = float64(s.oomMem)
	}
	return pipeline(x,
		withFloor(s.mem.quantile(m.Percentile), fmt.Sprintf("p%g of hourly peaks over %s", m.Percentile*100,
			human(time.Duration(s.mem.n)*m.Window))),
		withMargin(m.Margin),
		withFloor(oomFloor, fmt.Sprintf("OOM kill: raised by max(%.0f%%, %d MiB) for %s", m.OOMBump*100,
			int(m.OOMMinBump/mebibyte), human(m.OOMHold))),
		withFloor(m.Min, "minimum memory request"),
		withClamp(m.Max, "maximum memory request"),
		roundUp(mebibyte))
}

// human prints a duration the way people write it: 24h, 7d, 90m, 30s.
func human(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
