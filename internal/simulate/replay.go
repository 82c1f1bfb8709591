package simulate

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/workload"
)

// Source streams samples; trace.Reader satisfies it. Samples of one container
// must arrive in strictly increasing time order.
type Source interface {
	Next() (workload.Sample, error)
}

// Follower is implemented by policies that replay the trace's own provisioned
// values (the "manual" baseline): their configuration follows every sample.
type Follower interface {
	FollowsTrace() bool
}

// Config controls a replay.
type Config struct {
	WarmUp   time.Duration // learning period per container, not scored (default 24h)
	Evaluate time.Duration // how often policies decide (default 1h)
	Prices   cost.Prices   // default OpenCost on-demand
}

// DefaultConfig is the benchmark contract: 1 day warm-up, hourly decisions,
// OpenCost on-demand prices.
func DefaultConfig() Config {
	return Config{WarmUp: 24 * time.Hour, Evaluate: time.Hour, Prices: cost.OpenCostOnDemand}
}

// ContainerScore is one policy's score on one container.
type ContainerScore struct {
	Key   string
	Score Score
}

// PolicyResult is one policy's total and per-container scores.
type PolicyResult struct {
	Name         string
	Total        Score
	PerContainer []ContainerScore // in the order containers first appeared
}

// Result of a replay. Policies are in the order they were given.
type Result struct {
	Containers int
	Samples    int // samples read (warm-up included)
	Policies   []PolicyResult
}

// Replay runs every policy over the same samples and scores them.
func Replay(src Source, policies []Policy, cfg Config) (Result, error) {
	if len(policies) == 0 {
		return Result{}, errors.New("replay: no policies")
	}
	if cfg.Evaluate <= 0 || cfg.WarmUp < 0 {
		return Result{}, fmt.Errorf("replay: evaluate period %v and warm-up %v must be positive", cfg.Evaluate, cfg.WarmUp)
	}
	r := &replay{cfg: cfg, policies: policies, byKey: map[string]*container{}}
	for {
		s, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Result{}, fmt.Errorf("replay: %w", err)
		}
		if err := r.step(s); err != nil {
			return Result{}, err
		}
	}
	return r.result(), nil
}

type replay struct {
	cfg      Config
	policies []Policy
	byKey    map[string]*container
	order    []*container
	samples  int
}

type container struct {
	key      string
	start    time.Time
	last     time.Time
	nextEval time.Time
	states   []*policyState
}

type policyState struct {
	p       ContainerPolicy
	follow  bool
	applied workload.Resources
	score   Score
	oom     bool // an OOM happened in the previous interval: decide now
}

func (r *replay) step(s workload.Sample) error {
	if err := validSample(s); err != nil {
		return err
	}
	c := r.byKey[s.Ref.Key()]
	if c == nil {
		c = r.newContainer(s)
	} else if !s.Time.After(c.last) {
		return fmt.Errorf("replay: container %s: sample at %s is not after %s", c.key, s.Time.Format(time.RFC3339), c.last.Format(time.RFC3339))
	}
	c.last = s.Time
	r.samples++
	scored := s.Time.Sub(c.start) >= r.cfg.WarmUp
	evaluate := scored && !s.Time.Before(c.nextEval)
	if evaluate {
		for !c.nextEval.After(s.Time) {
			c.nextEval = c.nextEval.Add(r.cfg.Evaluate)
		}
	}
	for _, ps := range c.states {
		r.stepPolicy(ps, s, scored, evaluate)
	}
	return nil
}

func (r *replay) newContainer(s workload.Sample) *container {
	c := &container{key: s.Ref.Key(), start: s.Time, last: s.Time.Add(-time.Nanosecond)}
	c.nextEval = s.Time.Add(r.cfg.WarmUp)
	initial := primaryMode(s.Provisioned, s.Provisioned)
	for _, p := range r.policies {
		f, ok := p.(Follower)
		ps := &policyState{
			p:       p.NewContainer(s.Ref, initial, s.Time),
			follow:  ok && f.FollowsTrace(),
			applied: initial,
		}
		c.states = append(c.states, ps)
	}
	r.byKey[c.key] = c
	r.order = append(r.order, c)
	return c
}

func (r *replay) stepPolicy(ps *policyState, s workload.Sample, scored, evaluate bool) {
	switch {
	case ps.follow || !scored:
		r.apply(ps, primaryMode(s.Provisioned, ps.applied), scored)
	case evaluate || ps.oom:
		r.apply(ps, primaryMode(ps.p.Decide(s.Time, ps.applied), ps.applied), true)
	}
	ps.oom = false
	oom := s.HasMemory() && ps.applied.MemLimit > 0 && s.Memory > ps.applied.MemLimit
	if scored {
		ps.score.add(s, ps.applied, oom)
	}
	ps.p.Observe(s)
	if oom {
		ps.p.OOM(s.Time, ps.applied, s.Memory)
		ps.oom = true
	}
}

func (r *replay) apply(ps *policyState, next workload.Resources, count bool) {
	if next != ps.applied && count {
		ps.score.Changes++
	}
	ps.applied = next
}

// primaryMode enforces the scoring mode: memory limit = memory request, no
// CPU limit. Memory fields that are unset in next keep their previous value
// (CPU-only policies on CPU-only traces).
func primaryMode(next, prev workload.Resources) workload.Resources {
	out := workload.Resources{CPURequest: next.CPURequest, MemRequest: next.MemRequest}
	if out.MemRequest == 0 {
		out.MemRequest = prev.MemRequest
	}
	out.MemLimit = out.MemRequest
	return out
}

func (sc *Score) add(s workload.Sample, applied workload.Resources, oom bool) {
	dt := s.Interval.Hours()
	sc.Samples++
	if s.HasCPU() {
		r := applied.CPURequest
		sc.CPURequestCoreHours += r * dt
		sc.CPUUsageCoreHours += s.CPU * dt
		sc.CPUSlackCoreHours += math.Max(0, r-s.CPU) * dt
		sc.CPUShortfallCoreHours += math.Max(0, s.CPU-r) * dt
		if applied.CPULimit > 0 {
			sc.CPUThrottledCoreHours += math.Max(0, s.CPU-applied.CPULimit) * dt
		}
	}
	if s.HasMemory() {
		r := applied.MemRequest / workload.GiB
		u := s.Memory / workload.GiB
		sc.MemRequestGiBHours += r * dt
		sc.MemUsageGiBHours += u * dt
		sc.MemSlackGiBHours += math.Max(0, r-u) * dt
		if oom {
			sc.OOMKills++
		}
	}
}

func validSample(s workload.Sample) error {
	bad := func(what string, v float64) error {
		return fmt.Errorf("replay: container %s at %s: %s %v is not a valid value", s.Ref.Key(), s.Time.Format(time.RFC3339), what, v)
	}
	switch {
	case s.Interval <= 0:
		return fmt.Errorf("replay: container %s at %s: interval %v must be positive", s.Ref.Key(), s.Time.Format(time.RFC3339), s.Interval)
	case s.HasCPU() && (s.CPU < 0 || math.IsInf(s.CPU, 0)):
		return bad("cpu", s.CPU)
	case s.HasMemory() && (s.Memory < 0 || math.IsInf(s.Memory, 0)):
		return bad("memory", s.Memory)
	}
	return nil
}

func (r *replay) result() Result {
	res := Result{Containers: len(r.order), Samples: r.samples}
	for i, p := range r.policies {
		pr := PolicyResult{Name: p.Name()}
		for _, c := range r.order {
			sc := c.states[i].score
			sc.price(r.cfg.Prices)
			pr.Total.Add(sc)
			pr.PerContainer = append(pr.PerContainer, ContainerScore{Key: c.key, Score: sc})
		}
		res.Policies = append(res.Policies, pr)
	}
	return res
}
