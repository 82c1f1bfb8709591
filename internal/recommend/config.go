package recommend

import (
	"fmt"
	"time"
)

// Config holds every knob of the engine. Default() is the tuned setting.
type Config struct {
	CPU       CPUConfig
	Memory    MemoryConfig
	Stability StabilityConfig
}

// CPUConfig drives the CPU request.
type CPUConfig struct {
	HalfLife   time.Duration // decay of the usage histogram
	Percentile float64       // target percentile of usage (0..1)
	Lower      float64       // percentile for the lower bound
	Upper      float64       // percentile for the upper bound
	Margin     float64       // safety margin fraction added to the percentile
	// Cap is the percentile of usage that the request never exceeds after
	// the margin (0 = off): a container that has never used more than its
	// p99.5 (a VM or process pinned at its core count) gains nothing from
	// a margin above it.
	Cap float64
	Min float64 // floor in cores
	Max float64 // cap in cores (0 = none)
	// LimitRatio sets a CPU limit = request * LimitRatio; 0 leaves the limit unset.
	LimitRatio float64
	// ThrottleBump raises the request by this fraction when more than
	// ThrottleThreshold of CFS periods were throttled recently.
	ThrottleBump      float64
	ThrottleThreshold float64
}

// MemoryConfig drives the memory request and limit.
type MemoryConfig struct {
	Window  time.Duration // length of one peak window
	Windows int           // windows with data kept (history = Window*Windows)
	// Recent is how many of the newest windows the peak is taken over.
	Recent int
	// Percentile of all kept windows' peaks that the request also covers
	// (0 = off): a container with recurring bursts keeps room for them
	// after the last burst has left the Recent windows.
	Percentile float64
	// OOMHold is how long an OOM kill keeps memory at or above the bumped
	// value (observed time).
	OOMHold time.Duration
	// RecentAfterOOM replaces Recent while an OOM kill is fresh (within
	// OOMHold): a container that has shown bursts beyond its recent peak is
	// sized from its longer history until it has gone OOMHold without one.
	RecentAfterOOM int
	Margin         float64 // safety margin fraction over the peak
	Min            float64 // floor in bytes
	Max            float64 // cap in bytes (0 = none)
	OOMBump        float64 // after an OOM: at least usage*(1+OOMBump) ...
	OOMMinBump     float64 // ... and at least usage+OOMMinBump bytes
	// LimitMargin sets memory limit = request*(1+LimitMargin); the replay's
	// primary mode overrides it with limit = request.
	LimitMargin float64
}

// StabilityConfig decides when a new recommendation is worth applying.
type StabilityConfig struct {
	// MinChange is the smallest relative decrease applied (hysteresis).
	MinChange float64
	// MinRaise is the smallest relative increase applied. It is smaller
	// than MinChange so that a container whose usage climbs towards its
	// request gets more before it runs out, not after.
	MinRaise float64
	// MinRaiseCPU is the same for CPU, where running short means
	// contention, not an OOM kill, so it can wait for a larger step.
	MinRaiseCPU float64
	// RaiseHeadroom is added on top of a raised value so that a climbing
	// usage needs fewer successive raises.
	RaiseHeadroom float64
	// MinCPU and MinMemory are the smallest absolute changes applied (cores,
	// bytes): moving a 5m request to 6m is not worth a rollout.
	MinCPU    float64
	MinMemory float64
	// Piggyback is the smallest relative change of one resource that is
	// applied along with a change of the other (0 = never): the rollout
	// happens anyway, and a later one is saved.
	Piggyback float64
	// DownDelay is the least time between two decreases of one resource.
	DownDelay time.Duration
	// Confidence is the history length at which the recommendation is
	// fully trusted; before it, decreases are damped.
	Confidence time.Duration
}

// Default returns the tuned default configuration.
func Default() Config {
	return Config{
		CPU: CPUConfig{
			HalfLife: 24 * time.Hour, Percentile: 0.9, Lower: 0.5, Upper: 0.98,
			Margin: 0.15, Cap: 0.995, Min: 0.005, ThrottleBump: 0.2, ThrottleThreshold: 0.05,
		},
		Memory: MemoryConfig{
			Window: time.Hour, Windows: 96, Recent: 18, RecentAfterOOM: 96, Percentile: 0, OOMHold: 7 * 24 * time.Hour,
			Margin: 0.15, Min: 16 << 20,
			OOMBump: 0.2, OOMMinBump: 100 << 20,
		},
		Stability: StabilityConfig{MinChange: 0.10, MinRaise: 0.05, MinRaiseCPU: 0.20, MinCPU: 0.005, MinMemory: 8 << 20, Piggyback: 0.03, DownDelay: 60 * time.Hour, Confidence: 7 * 24 * time.Hour},
	}
}

// Validate names the first field that is out of range.
func (c Config) Validate() error {
	checks := []struct {
		ok   bool
		name string
		v    any
	}{
		{c.CPU.HalfLife > 0, "cpu.halfLife", c.CPU.HalfLife},
		{c.CPU.Percentile > 0 && c.CPU.Percentile <= 1, "cpu.percentile", c.CPU.Percentile},
		{c.CPU.Lower > 0 && c.CPU.Lower <= c.CPU.Percentile, "cpu.lower", c.CPU.Lower},
		{c.CPU.Upper >= c.CPU.Percentile && c.CPU.Upper <= 1, "cpu.upper", c.CPU.Upper},
		{c.CPU.Margin >= 0, "cpu.margin", c.CPU.Margin},
		{c.CPU.Cap == 0 || (c.CPU.Cap >= c.CPU.Percentile && c.CPU.Cap <= 1), "cpu.cap", c.CPU.Cap},
		{c.CPU.Min >= 0, "cpu.min", c.CPU.Min},
		{c.CPU.Max == 0 || c.CPU.Max >= c.CPU.Min, "cpu.max", c.CPU.Max},
		{c.CPU.LimitRatio == 0 || c.CPU.LimitRatio >= 1, "cpu.limitRatio", c.CPU.LimitRatio},
		{c.Memory.Window > 0, "memory.window", c.Memory.Window},
		{c.Memory.Windows > 0, "memory.windows", c.Memory.Windows},
		{c.Memory.Recent > 0 && c.Memory.Recent <= c.Memory.Windows, "memory.recent", c.Memory.Recent},
		{c.Memory.RecentAfterOOM >= 0 && c.Memory.RecentAfterOOM <= c.Memory.Windows, "memory.recentAfterOOM", c.Memory.RecentAfterOOM},
		{c.Memory.Percentile >= 0 && c.Memory.Percentile <= 1, "memory.percentile", c.Memory.Percentile},
		{c.Memory.OOMHold >= 0, "memory.oomHold", c.Memory.OOMHold},
		{c.Memory.Margin >= 0, "memory.margin", c.Memory.Margin},
		{c.Memory.Min >= 0, "memory.min", c.Memory.Min},
		{c.Memory.Max == 0 || c.Memory.Max >= c.Memory.Min, "memory.max", c.Memory.Max},
		{c.Memory.OOMBump >= 0, "memory.oomBump", c.Memory.OOMBump},
		{c.Stability.MinChange >= 0, "stability.minChange", c.Stability.MinChange},
		{c.Stability.MinRaise >= 0, "stability.minRaise", c.Stability.MinRaise},
		{c.Stability.MinRaiseCPU >= 0, "stability.minRaiseCPU", c.Stability.MinRaiseCPU},
		{c.Stability.RaiseHeadroom >= 0, "stability.raiseHeadroom", c.Stability.RaiseHeadroom},
		{c.Stability.Piggyback >= 0, "stability.piggyback", c.Stability.Piggyback},
		{c.Stability.MinCPU >= 0, "stability.minCPU", c.Stability.MinCPU},
		{c.Stability.MinMemory >= 0, "stability.minMemory", c.Stability.MinMemory},
		{c.Stability.DownDelay >= 0, "stability.downDelay", c.Stability.DownDelay},
	}
	for _, k := range checks {
		if !k.ok {
			return fmt.Errorf("recommend config: %s: %v is out of range", k.name, k.v)
		}
	}
	return nil
}
