package plan

import "testing"

func TestTuneTarget(t *testing.T) {
	for _, c := range []struct {
		name           string
		current        int32
		request, usage float64
		target, upper  int32
	}{
		// usage peaks at 80% of the request with a 70% target: 100-(80-70) = 90, +5 at most.
		{"raise in steps", 70, 1, 0.8, 75, 80},
		{"raise within a step", 80, 1, 0.82, 85, 82}, // 100-(82-80) = 98 -> 90, +5 -> 85
		{"current above upper usage is kept", 80, 1, 0.5, 80, 50},
		{"hot pods lower the target", 80, 1, 1.1, 70, 110}, // 100-(110-80) = 70
		{"clamped at 65", 80, 1, 1.6, 65, 160},
		{"low target raised to the floor", 50, 1, 0.4, 55, 40}, // kept 50 -> clamp 65 -> +5 -> 55
		{"no target", 0, 1, 0.8, 0, 0},
		{"no request", 70, 0, 0.8, 70, 0},
	} {
		target, upper, detail := tuneTarget(c.current, c.request, c.usage)
		if target != c.target || upper != c.upper || detail == "" {
			t.Errorf("%s: tuneTarget(%d, %g, %g) = %d, %d (%s); want %d, %d", c.name, c.current, c.request, c.usage,
				target, upper, detail, c.target, c.upper)
		}
	}
}
