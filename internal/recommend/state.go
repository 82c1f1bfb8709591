package recommend

import (
	"math"
	"time"

	"tailor.dev/tailor/internal/workload"
)

// Engine turns a Config into the shared bucket layout and runs the steps.
type Engine struct {
	cfg Config
	cpu bucketing
	win int64 // memory peak window, seconds
}

// New validates cfg and builds an engine.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Engine{
		cfg: cfg,
		cpu: newBucketing(0.001, 1.05, 2000, cfg.CPU.HalfLife),
		win: int64(cfg.Memory.Window / time.Second),
	}, nil
}

// Config returns the engine's configuration.
func (e *Engine) Config() Config { return e.cfg }

// State is the streaming history of one container (or, after Merge, of all
// replicas of one container of a workload). It is about 1 KB.
type State struct {
	cpu   histogram
	mem   peaks
	first int64 // unix seconds of the first sample
	last  int64
	// clock is the observed time: the sum of sample intervals, in seconds.
	// The CPU histogram decays on it, so a container that was not running
	// for a week comes back with its old history intact.
	clock    int64
	samples  int32
	memSeen  bool
	cpuSeen  bool
	throttle float32 // decayed fraction of throttled periods
	oomAt    int64   // last OOM, unix seconds (0 = none)
	oomClock int64   // observed clock at the last OOM
	oomMem   float32 // memory floor implied by the last OOM
	ooms     int32
	// lastDown are the times of the last applied decrease per resource.
	lastDownCPU, lastDownMem int64
}

// NewState returns an empty state sized for the engine's config.
func (e *Engine) NewState() *State {
	return &State{mem: newPeaks(e.cfg.Memory.Windows)}
}

// Add ingests one sample. Samples must come in time order per state.
func (e *Engine) Add(s *State, x workload.Sample) {
	t := x.Time.Unix()
	step := int64(x.Interval / time.Second)
	if s.samples == 0 {
		s.first = t - step
	} else {
		step = min(step, max(0, t-s.last))
	}
	s.clock += step
	s.last = t
	s.samples++
	if x.HasCPU() {
		w := x.Interval.Seconds() / 300
		e.cpuAdd(s, x.CPU, w, s.clock)
	}
	if x.HasMemory() {
		s.memSeen = true
		s.mem.add(t/e.win, x.Memory)
	}
	if !math.IsNaN(x.ThrottledFraction) && x.ThrottledFraction >= 0 {
		s.throttle = 0.9*s.throttle + 0.1*float32(x.ThrottledFraction)
	}
	if x.OOMKilled {
		e.RecordOOM(s, x.Time, x.Provisioned.MemLimit, x.Memory)
	}
}

func (e *Engine) cpuAdd(s *State, v, w float64, t int64) {
	s.cpuSeen = true
	s.cpu.add(e.cpu, v, w, t)
}

// RecordOOM tells the state that the container was OOM-killed at `at` while
// its memory limit was limit and its last seen usage was usage (either may be
// 0 or NaN when unknown). The memory recommendation is raised at once to at
// least max(limit, usage) bumped by OOMBump / OOMMinBump, and stays at least
// that high for OOMHold of observed time.
func (e *Engine) RecordOOM(s *State, at time.Time, limit, usage float64) {
	base := limit
	if !math.IsNaN(usage) && usage > base {
		base = usage
	}
	if base <= 0 || math.IsNaN(base) {
		base = e.cfg.Memory.Min
	}
	bumped := math.Max(base*(1+e.cfg.Memory.OOMBump), base+e.cfg.Memory.OOMMinBump)
	s.ooms++
	s.oomAt = at.Unix()
	s.oomClock = s.clock
	s.oomMem = float32(bumped)
	s.memSeen = true
}

// Merge folds o (another replica of the same container) into s.
func (e *Engine) Merge(s, o *State) {
	if o.samples == 0 {
		return
	}
	if s.samples == 0 || o.first < s.first {
		s.first = o.first
	}
	s.last = max(s.last, o.last)
	s.clock = max(s.clock, o.clock)
	s.samples += o.samples
	s.cpuSeen = s.cpuSeen || o.cpuSeen
	s.memSeen = s.memSeen || o.memSeen
	s.cpu.merge(e.cpu, &o.cpu)
	s.mem.merge(&o.mem)
	s.throttle = max(s.throttle, o.throttle)
	s.ooms += o.ooms
	if o.oomAt > s.oomAt {
		s.oomAt, s.oomMem, s.oomClock = o.oomAt, o.oomMem, o.oomClock
	}
}

// History is how much time the state has seen.
func (s *State) History() time.Duration { return time.Duration(s.last-s.first) * time.Second }

// Samples is the number of samples ingested.
func (s *State) Samples() int { return int(s.samples) }

// OOMs is the number of OOM kills recorded.
func (s *State) OOMs() int { return int(s.ooms) }
