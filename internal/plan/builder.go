package plan

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"tailor.dev/tailor/internal/recommend"
	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

// Builder ingests samples, one engine state per container of each pod.
// It is not safe for concurrent use.
type Builder struct {
	engine *recommend.Engine
	byKey  map[string]*tracked
	last   time.Time
}

// tracked is the history of one container of one pod.
type tracked struct {
	ref     workload.ContainerRef
	state   *recommend.State
	current workload.Resources
	last    time.Time
}

// NewBuilder returns a Builder running the engine with cfg.
func NewBuilder(cfg recommend.Config) (*Builder, error) {
	e, err := recommend.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	return &Builder{engine: e, byKey: map[string]*tracked{}}, nil
}

// Add ingests one sample. Samples of one container must come in time order.
func (b *Builder) Add(s workload.Sample) {
	t := b.byKey[s.Ref.Key()]
	if t == nil {
		t = &tracked{ref: s.Ref, state: b.engine.NewState()}
		b.byKey[s.Ref.Key()] = t
	}
	b.engine.Add(t.state, s)
	if !s.Provisioned.IsZero() {
		t.current = s.Provisioned
	}
	t.last = s.Time
	if s.Time.After(b.last) {
		b.last = s.Time
	}
}

// AddAll ingests every sample of r and returns how many it read.
func (b *Builder) AddAll(r trace.Reader) (int, error) {
	n := 0
	for {
		s, err := r.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		b.Add(s)
		n++
	}
}

// Containers is the number of pod containers seen.
func (b *Builder) Containers() int { return len(b.byKey) }

// group is the history of one container of a workload over its replicas.
type group struct {
	ref     workload.ContainerRef // of the newest replica
	pods    int
	state   *recommend.State
	current workload.Resources // of the newest replica
	last    time.Time
}

// groups merges replicas per workload container (namespace/workload/container).
func (b *Builder) groups() map[string]*group {
	reps := map[string][]*tracked{}
	for _, t := range b.byKey {
		k := t.ref.WorkloadKey()
		reps[k] = append(reps[k], t)
	}
	out := make(map[string]*group, len(reps))
	for k, ts := range reps {
		sort.Slice(ts, func(i, j int) bool { return ts[i].ref.Pod < ts[j].ref.Pod })
		g := &group{ref: ts[0].ref, pods: len(ts), state: b.engine.NewState(), current: ts[0].current, last: ts[0].last}
		for _, t := range ts {
			b.engine.Merge(g.state, t.state)
			if t.last.After(g.last) {
				g.ref, g.current, g.last = t.ref, t.current, t.last
			}
		}
		out[k] = g
	}
	return out
}
