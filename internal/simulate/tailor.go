package simulate

import (
	"time"

	"tailor.dev/tailor/internal/recommend"
	"tailor.dev/tailor/internal/workload"
)

// Tailor replays Tailor's own recommendation engine with its stability gate.
type Tailor struct {
	Engine *recommend.Engine
	Label  string // policy name; "tailor" when empty
}

// Name implements Policy.
func (p Tailor) Name() string {
	if p.Label == "" {
		return "tailor"
	}
	return p.Label
}

// NewContainer implements Policy.
func (p Tailor) NewContainer(workload.ContainerRef, workload.Resources, time.Time) ContainerPolicy {
	return &tailorContainer{e: p.Engine, s: p.Engine.NewState()}
}

type tailorContainer struct {
	e *recommend.Engine
	s *recommend.State
}

func (c *tailorContainer) Observe(x workload.Sample) { c.e.Add(c.s, x) }

func (c *tailorContainer) OOM(at time.Time, applied workload.Resources, usage float64) {
	c.e.RecordOOM(c.s, at, applied.MemLimit, usage)
}

func (c *tailorContainer) Decide(now time.Time, applied workload.Resources) workload.Resources {
	rec := c.e.Recommend(c.s, now)
	next, _ := c.e.Decide(c.s, rec, applied, now)
	return next
}
