package horizontal

import (
	"fmt"
	"math"
	"time"
)

// Segment holds Value over [From, To).
type Segment struct {
	From, To time.Duration
	Value    float64
}

// Timeline is a piecewise-constant series of non-negative values that starts
// at 0 and has no gaps, such as a service's total CPU demand.
type Timeline struct {
	Name     string
	Segments []Segment
}

// Append adds the next segment, rejecting negative or non-finite values,
// empty ranges, gaps and overlaps.
func (t *Timeline) Append(s Segment) error {
	switch {
	case math.IsNaN(s.Value) || math.IsInf(s.Value, 0):
		return fmt.Errorf("%s %s: value %v is not a number", t.Name, span(s), s.Value)
	case s.Value < 0:
		return fmt.Errorf("%s %s: value %v is negative", t.Name, span(s), s.Value)
	case s.To <= s.From:
		return fmt.Errorf("%s %s: range is empty", t.Name, span(s))
	}
	end := t.End()
	switch {
	case len(t.Segments) == 0 && s.From != 0:
		return fmt.Errorf("%s %s: the first segment must start at 0s", t.Name, span(s))
	case s.From > end:
		return fmt.Errorf("%s %s: gap from %s to %s", t.Name, span(s), end, s.From)
	case s.From < end:
		return fmt.Errorf("%s %s: overlaps the previous segment, which ends at %s", t.Name, span(s), end)
	}
	t.Segments = append(t.Segments, s)
	return nil
}

// End is where the timeline stops; it covers [0, End].
func (t Timeline) End() time.Duration {
	if len(t.Segments) == 0 {
		return 0
	}
	return t.Segments[len(t.Segments)-1].To
}

// At returns the value at d; the last segment also covers its end.
func (t Timeline) At(d time.Duration) (float64, bool) {
	for _, s := range t.Segments {
		if d >= s.From && d < s.To {
			return s.Value, true
		}
	}
	if n := len(t.Segments); n > 0 && d == t.Segments[n-1].To {
		return t.Segments[n-1].Value, true
	}
	return 0, false
}

// SampledTimeline builds a timeline from samples taken every step starting
// at 0; a NaN sample is a gap and, like a negative one, an error naming it.
func SampledTimeline(name string, step time.Duration, values []float64) (Timeline, error) {
	t := Timeline{Name: name}
	if step <= 0 {
		return t, fmt.Errorf("%s: step must be positive (got %s)", name, step)
	}
	for i, v := range values {
		at := time.Duration(i) * step
		switch {
		case math.IsNaN(v):
			return t, fmt.Errorf("%s: sample %d (at %s) is missing", name, i, at)
		case v < 0 || math.IsInf(v, 0):
			return t, fmt.Errorf("%s: sample %d (at %s) is %v; demand must be finite and non-negative", name, i, at, v)
		}
		t.Segments = append(t.Segments, Segment{From: at, To: at + step, Value: v})
	}
	return t, nil
}

func span(s Segment) string { return fmt.Sprintf("%s..%s", s.From, s.To) }
