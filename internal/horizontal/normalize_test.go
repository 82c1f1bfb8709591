package horizontal

import (
	"testing"
	"time"
)

func sec(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

func behaviorController(up, down *ScalingRules) *Controller {
	spec := Spec{MaxReplicas: 100, Behavior: &Behavior{ScaleUp: up, ScaleDown: down}}
	return &Controller{spec: spec.WithDefaults(), cfg: DefaultConfig()}
}

func TestStabilizeLegacy(t *testing.T) {
	c := &Controller{spec: Spec{MaxReplicas: 100}.WithDefaults(), cfg: DefaultConfig()}
	c.recs = []recommendation{{10, sec(0)}}
	// At 299 s the 10 from 0 s is inside the 300 s window: max(10, 4) = 10.
	if got := c.stabilizeLegacy(sec(299), 4); got != 10 {
		t.Errorf("inside window: got %d, want 10", got)
	}
	// At exactly 300 s the cutoff equals the timestamp; Before is false, so it
	// still counts: max(10, 4, 4) = 10.
	if got := c.stabilizeLegacy(sec(300), 4); got != 10 {
		t.Errorf("at window edge: got %d, want 10", got)
	}
	// At 301 s it has expired: max(4, 4, 3) = 4.
	if got := c.stabilizeLegacy(sec(301), 3); got != 4 {
		t.Errorf("after window: got %d, want 4", got)
	}
	if len(c.recs) != 3 {
		t.Errorf("expired slot should be reused: %d recommendations", len(c.recs))
	}
}

func TestLimitLegacy(t *testing.T) {
	tests := []struct {
		current, desired, min, max, want int32
		reason                           string
	}{
		{2, 10, 1, 20, 4, "ScaleUpLimit"},      // max(2*2, 4) = 4
		{5, 30, 1, 20, 10, "ScaleUpLimit"},     // max(2*5, 4) = 10 < 20
		{15, 40, 1, 20, 20, "TooManyReplicas"}, // max(30, 4) = 30 > 20
		{5, 1, 3, 20, 3, "TooFewReplicas"},     // below min
		{5, 4, 1, 20, 4, "DesiredWithinRange"}, // no scale-down limit
		{0, 3, 0, 20, 3, "DesiredWithinRange"}, // from zero: max(0, 4) = 4
	}
	for _, tt := range tests {
		got, reason := limitLegacy(tt.current, tt.desired, tt.min, tt.max)
		if got != tt.want || reason != tt.reason {
			t.Errorf("limitLegacy(%d, %d, %d, %d) = %d %s, want %d %s", tt.current, tt.desired, tt.min, tt.max, got, reason, tt.want, tt.reason)
		}
	}
}

func TestStabilizeWithBehavior(t *testing.T) {
	rules := func(window int32) *ScalingRules { return &ScalingRules{StabilizationWindowSeconds: Ptr(window)} }
	tests := []struct {
		name     string
		up, down int32
		recs     []recommendation
		current  int32
		proposal int32
		want     int32
	}{
		// Down window 60 s holds the highest: recs 8 (at -30 s), proposal 3 -> min(current 8, max 8) = 8.
		{"scale-down held by window", 0, 60, []recommendation{{8, sec(-30)}}, 8, 3, 8},
		// Rec exactly 60 s old is outside (After is strict): max = 3 -> 3.
		{"window edge excluded", 0, 60, []recommendation{{8, sec(-60)}}, 8, 3, 3},
		// Up window 60 s keeps the lowest: recs 4, proposal 10, current 4 -> max(4, min 4) = 4.
		{"scale-up held by window", 60, 0, []recommendation{{4, sec(-30)}}, 4, 10, 4},
		// Up window with rising recs: min(6, 10) = 6 -> clamp(current 4 .. ) = 6.
		{"scale-up to window minimum", 60, 0, []recommendation{{6, sec(-30)}}, 4, 10, 6},
		// Never above current because of old high recs when scaling down: current 5, recs 9 -> min(5, 9) = 5.
		{"no scale-up from stale recommendation", 0, 300, []recommendation{{9, sec(-30)}}, 5, 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := behaviorController(rules(tt.up), rules(tt.down))
			c.recs = append([]recommendation(nil), tt.recs...)
			if got, _ := c.stabilizeWithBehavior(t0, tt.current, tt.proposal); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestScalingPolicies(t *testing.T) {
	pods := func(v, p int32) ScalingPolicy {
		return ScalingPolicy{Type: PodsScalingPolicy, Value: v, PeriodSeconds: p}
	}
	pct := func(v, p int32) ScalingPolicy {
		return ScalingPolicy{Type: PercentScalingPolicy, Value: v, PeriodSeconds: p}
	}
	sel := func(s ScalingPolicySelect, ps ...ScalingPolicy) *ScalingRules {
		return &ScalingRules{SelectPolicy: Ptr(s), Policies: ps}
	}
	tests := []struct {
		name    string
		up      *ScalingRules
		down    *ScalingRules
		ups     []scaleEvent
		downs   []scaleEvent
		current int32
		desired int32
		want    int32
	}{
		// Max of {10+4, ceil(10*2)} = 20.
		{"up max", sel(MaxChangePolicySelect, pods(4, 60), pct(100, 60)), nil, nil, nil, 10, 50, 20},
		// Min of {14, 20} = 14.
		{"up min", sel(MinChangePolicySelect, pods(4, 60), pct(100, 60)), nil, nil, nil, 10, 50, 14},
		{"up disabled", sel(DisabledPolicySelect, pods(4, 60)), nil, nil, nil, 10, 50, 10},
		// Percent rounds up: ceil(3 * 1.1) = ceil(3.3) = 4.
		{"up percent ceil", sel(MaxChangePolicySelect, pct(10, 60)), nil, nil, nil, 3, 50, 4},
		// 3 added 20 s ago within 60 s: start 10-3 = 7, limit 7+4 = 11.
		{"up period history", sel(MaxChangePolicySelect, pods(4, 60)), nil, []scaleEvent{{change: 3, at: sec(-20)}}, nil, 10, 50, 11},
		// Event 60 s ago is outside (After strict): start 10, limit 14.
		{"up period edge", sel(MaxChangePolicySelect, pods(4, 60)), nil, []scaleEvent{{change: 3, at: sec(-60)}}, nil, 10, 50, 14},
		// Removed pods count back: start 10+2 = 12, limit 16.
		{"up after removals", sel(MaxChangePolicySelect, pods(4, 60)), nil, nil, []scaleEvent{{change: 2, at: sec(-10)}}, 10, 50, 16},
		// Down max change = min of {10-4, int(10*0.5)} = 5.
		{"down max", nil, sel(MaxChangePolicySelect, pods(4, 60), pct(50, 60)), nil, nil, 10, 1, 5},
		// Down min change = max of {6, 5} = 6.
		{"down min", nil, sel(MinChangePolicySelect, pods(4, 60), pct(50, 60)), nil, nil, 10, 1, 6},
		{"down disabled", nil, sel(DisabledPolicySelect, pods(4, 60)), nil, nil, 10, 1, 10},
		// Percent truncates: int(7 * 0.9) = int(6.3) = 6, so one pod goes.
		{"down percent truncation", nil, sel(MaxChangePolicySelect, pct(10, 60)), nil, nil, 7, 1, 6},
		// 80 with {4 pods, 10%}/60s Max: min(76, int(80*0.9)=72) = 72 (doc example).
		{"doc example", nil, sel(MaxChangePolicySelect, pods(4, 60), pct(10, 60)), nil, nil, 80, 1, 72},
		// Already used: 4 removed 30 s ago, start 6+4 = 10, limit 10-4 = 6 = current: no change.
		{"down budget used", nil, sel(MaxChangePolicySelect, pods(4, 60)), nil, []scaleEvent{{change: 4, at: sec(-30)}}, 6, 1, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := behaviorController(tt.up, tt.down)
			c.upEvents, c.downEvents = tt.ups, tt.downs
			if got, _ := c.limitWithBehavior(t0, tt.current, tt.desired, 1, 100); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestBehaviorBounds(t *testing.T) {
	c := behaviorController(nil, nil)
	// Default up policies allow 20, maxReplicas 12 binds: TooManyReplicas.
	if got, reason := c.limitWithBehavior(t0, 10, 30, 1, 12); got != 12 || reason != "TooManyReplicas" {
		t.Errorf("got %d %s, want 12 TooManyReplicas", got, reason)
	}
	// Default down policy allows 0 (100%); minReplicas 3 binds.
	if got, reason := c.limitWithBehavior(t0, 10, 1, 3, 12); got != 3 || reason != "TooFewReplicas" {
		t.Errorf("got %d %s, want 3 TooFewReplicas", got, reason)
	}
}

func TestScaleEventSlotsReused(t *testing.T) {
	c := behaviorController(&ScalingRules{Policies: []ScalingPolicy{{Type: PodsScalingPolicy, Value: 1, PeriodSeconds: 60}}}, nil)
	c.storeScaleEvent(sec(0), 1, 2)
	c.storeScaleEvent(sec(30), 2, 3)
	c.storeScaleEvent(sec(61), 3, 4) // the 0 s event is older than 60 s: reused
	if len(c.upEvents) != 2 {
		t.Errorf("up events = %d, want 2", len(c.upEvents))
	}
	if got := changeInPeriod(sec(61), 60, c.upEvents); got != 2 {
		t.Errorf("change in period = %d, want 2", got)
	}
}

func TestTolerances(t *testing.T) {
	c := behaviorController(&ScalingRules{Tolerance: Ptr(0.05)}, nil)
	if got := c.tolerances(); got != (tolerances{down: 0.1, up: 0.05}) {
		t.Errorf("got %+v", got)
	}
	legacy := &Controller{spec: Spec{MaxReplicas: 3}.WithDefaults(), cfg: Config{Tolerance: 0.2}}
	if got := legacy.tolerances(); got != (tolerances{0.2, 0.2}) {
		t.Errorf("legacy got %+v", got)
	}
}
