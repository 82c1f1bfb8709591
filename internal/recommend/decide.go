package recommend

import (
	"fmt"
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
	next := current
	var why []Reason
	t := now.Unix()
	if rec.HasCPU {
		v, r := e.gate("cpu", current.CPURequest, rec.Target.CPURequest, rec.Upper.CPURequest, rec.Confidence, t, &s.lastDownCPU)
		next.CPURequest = v
		if v != current.CPURequest {
			next.CPULimit = rec.Target.CPULimit
		}
		why = append(why, r)
	}
	if rec.HasMemory {
		v, r := e.gate("memory", current.MemRequest, rec.Target.MemRequest, rec.Upper.MemRequest, rec.Confidence, t, &s.lastDownMem)
		next.MemRequest = v
		if v != current.MemRequest {
			next.MemLimit = rec.Target.MemLimit
		}
		why = append(why, r)
	}
	return next, why
}

func (e *Engine) gate(res string, cur, target, upper, conf float64, now int64, lastDown *int64) (float64, Reason) {
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
	case target > cur*(1+st.MinRaise):
		return set(fmt.Sprintf("raise: need %+.0f%%", (target/cur-1)*100))
	case target >= cur*(1-st.MinChange):
		return keep(fmt.Sprintf("within -%.0f%%/+%.0f%% of current", st.MinChange*100, st.MinRaise*100))
	case cur > upper*(1+st.MinChange) && conf >= 1:
		*lastDown = now
		return set("lower: current is above the upper bound")
	case now-*lastDown < int64(st.DownDelay/time.Second):
		return keep(fmt.Sprintf("lower deferred: last decrease less than %v ago", st.DownDelay))
	}
	*lastDown = now
	return set(fmt.Sprintf("lower: %.0f%% less", (1-target/cur)*100))
}
