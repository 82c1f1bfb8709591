package recommend

import (
	"fmt"
	"math"
)

// Reason records one step that produced or changed a value.
type Reason struct {
	Resource string  // "cpu" or "memory"
	Step     string  // estimate, margin, oom-bump, throttle-bump, floor, clamp, hold, apply
	Value    float64 // value after the step (cores or bytes)
	Detail   string
}

func (r Reason) String() string { return r.Resource + " " + r.Step + ": " + r.Detail }

// value is a number on its way through the steps, with its reasons.
type value struct {
	resource string
	v        float64
	reasons  []Reason
}

// step is one composable piece of a recommendation pipeline.
type step func(value) value

func (x value) note(step string, v float64, detail string) value {
	x.v = v
	x.reasons = append(x.reasons, Reason{Resource: x.resource, Step: step, Value: v, Detail: detail})
	return x
}

func pipeline(x value, steps ...step) value {
	for _, s := range steps {
		x = s(x)
	}
	return x
}

// withMargin adds a safety margin fraction.
func withMargin(m float64) step {
	return func(x value) value {
		if m == 0 {
			return x
		}
		return x.note("margin", x.v*(1+m), fmt.Sprintf("+%.0f%% safety margin", m*100))
	}
}

// withFloor raises the value to at least min (which may come from a config
// minimum or an OOM).
func withFloor(min float64, why string) step {
	return func(x value) value {
		if x.v >= min || min <= 0 {
			return x
		}
		return x.note("floor", min, why)
	}
}

// withClamp caps the value at max (0 = no cap).
func withClamp(max float64, why string) step {
	return func(x value) value {
		if max <= 0 || x.v <= max {
			return x
		}
		return x.note("clamp", max, why)
	}
}

// withBump multiplies the value by (1+f) when cond holds.
func withBump(cond bool, f float64, name, why string) step {
	return func(x value) value {
		if !cond || f == 0 {
			return x
		}
		return x.note(name, x.v*(1+f), why)
	}
}

// roundUp rounds to a multiple of unit (1 millicore, 1 MiB).
func roundUp(unit float64) step {
	return func(x value) value {
		x.v = math.Ceil(x.v/unit-1e-9) * unit
		return x
	}
}
