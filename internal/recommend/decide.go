package recommend

import (
	"fmt"
	"math"
	"time"

	"tailor.dev/tailor/internal/workload"
)

// Decide is the stability gate: given a recommendation and the configuration
// currently applied, it returns the configuration to run with and why. It
// raises at once (a container that needs more must get it), lowers only when
// the change is at least MinChange, the current value is above the
// recommendation's upper bound or DownDelay has passed since the last decrease,
// and never changes anything for less than MinChange. It records applied
// decreases in s.
func (e *Engine) Decide(s *State, rec Recommendation, current workload.Resources, now time.Time) (workload.Resources, []Reason) {
	st := e.cfg.Stability
	t := now.Unix()
	type res struct {
		on          bool
		name        string
		cur, target *float64
		upper       float64
		k           knobs
		lastDown    *int64
		v           float64
		why         Reason
	}
	next := current
	rs := []res{
		{on: rec.HasCPU, name: "cpu", cur: &next.CPURequest, target: &rec.Target.CPURequest, upper: rec.Upper.CPURequest, k: knobs{st.MinCPU, st.MinRaiseCPU}, lastDown: &s.lastDownCPU},
		{on: rec.HasMemory, name: "memory", cur: &next.MemRequest, target: &rec.Target.MemRequest, upper: rec.Upper.MemRequest, k: knobs{st.MinMemory, st.MinRaise}, lastDown: &s.lastDownMem},
	}
	rollout := false
	for i := range rs {
		r := &rs[i]
		if r.on {
			r.v, r.why = e.gate(r.name, *r.cur, *r.target, r.upper, r.k, rec.Confidence, t, r.lastDown)
			rollout = rollout || r.v != *r.cur
		}
	}
	var why []Reason
	for i := range rs {
		r := &rs[i]
		if !r.on {
			continue
		}
		if rollout && r.v == *r.cur && piggyback(*r.cur, *r.target, r.k.minAbs, st.Piggyback) {
			r.v = *r.target
			r.why = Reason{Resource: r.name, Step: "apply", Value: r.v, Detail: "joins the rollout of the other resource"}
			if r.v < *r.cur {
				*r.lastDown = t
			}
		}
		*r.cur = r.v
		why = append(why, r.why)
	}
	if next.CPURequest != current.CPURequest {
		next.CPULimit = rec.Target.CPULimit
	}
	if next.MemRequest != current.MemRequest {
		next.MemLimit = rec.Target.MemLimit
	}
	return next, why
}

// piggyback reports whether a held value is worth changing when the
// container is rolled out anyway for the other resource.
func piggyback(cur, target, minAbs, frac float64) bool {
	d := math.Abs(target - cur)
	return frac > 0 && cur > 0 && d >= minAbs && d >= frac*cur
}

// knobs are the per-resource thresholds of the gate.
type knobs struct {
	minAbs   float64 // smallest absolute change
	minRaise float64 // smallest relative increase
}

func (e *Engine) gate(res string, cur, target, upper float64, k knobs, conf float64, now int64, lastDown *int64) (float64, Reason) {
	st := e.cfg.Stability
	keep := func(detail string) (float64, Reason) {
		return cur, Reason{Resource: res, Step: "hold", Value: cur, Detail: detail}
	}
	set := func(detail string) (float64, Reason) {
		return target, Reason{Resource: res, Step: "apply", Value: target, Detail: detail}
	}
	switch {
	case cur <= 0:
		return set("no current value")
	case math.Abs(target-cur) < k.minAbs:
		return keep(fmt.Sprintf("change under the minimum step %g", k.minAbs))
	case target > cur*(1+k.minRaise):
		target *= 1 + st.RaiseHeadroom
		return set(fmt.Sprintf("raise: need %+.0f%%", (target/cur-1)*100))
	case target >= cur*(1-st.MinChange):
		return keep(fmt.Sprintf("within -%.0f%%/+%.0f%% of current", st.MinChange*100, k.minRaise*100))
	case cur > upper*(1+st.MinChange) && conf >= 1:
		*lastDown = now
		return set("lower: current is above the upper bound")
	case now-*lastDown < int64(st.DownDelay/time.Second):
		return keep(fmt.Sprintf("lower deferred: last decrease less than %s ago", human(st.DownDelay)))
	}
	*lastDown = now
	return set(fmt.Sprintf("lower: %.0f%% less", (1-target/cur)*100))
}
