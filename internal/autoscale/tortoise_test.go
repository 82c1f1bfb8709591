package autoscale

import (
	"testing"
	"time"
)

func TestTortoiseRecommendTarget(t *testing.T) {
	p := DefaultTortoise()
	cases := []struct {
		current         int32
		maxRec, request float64
		want            int32
	}{
		{70, 0.95, 1, 75},  // upperUsage 95: 100 - (95 - 70)
		{70, 0.80, 1, 90},  // 100 - (80 - 70) = 90, the maximum
		{70, 0.701, 1, 90}, // upperUsage ceil(70.1) = 71: 99, clamped to 90
		{70, 0.5, 1, 70},   // upperUsage 50 below the target: kept
		{80, 1.3, 1, 65},   // 100 - (130 - 80) = 50, clamped to 65
		{65, 1.2, 2, 65},   // upperUsage 60 below the target: kept
		{75, 1.8, 2, 85},   // upperUsage 90: 100 - 15
	}
	for _, tc := range cases {
		if got := p.recommendTarget(tc.current, tc.maxRec, tc.request); got != tc.want {
			t.Errorf("recommendTarget(%d, %v, %v) = %d, want %d", tc.current, tc.maxRec, tc.request, got, tc.want)
		}
	}
}

func TestTortoiseApplyTarget(t *testing.T) {
	p := DefaultTortoise()
	for _, tc := range []struct{ current, rec, want int32 }{
		{70, 90, 75}, // at most +5 per update
		{70, 72, 72},
		{80, 65, 65}, // decreases at once
	} {
		if got := p.applyTarget(tc.current, tc.rec); got != tc.want {
			t.Errorf("applyTarget(%d, %d) = %d, want %d", tc.current, tc.rec, got, tc.want)
		}
	}
}

func TestTortoiseMaxRecommendation(t *testing.T) {
	for _, tc := range []struct{ max, target, upper, want float64 }{
		{0, 1, 2, 1},     // none yet: the target
		{1.5, 1, 2, 1.5}, // between target and upper bound: kept
		{2.5, 1, 2, 1},   // above the upper bound: reset
		{0.8, 1, 2, 1},   // below the target: follows it
		{1, 1, 2, 1},     // equal to the target: reset to it
	} {
		if got := nextMaxRecommendation(tc.max, tc.target, tc.upper); got != tc.want {
			t.Errorf("nextMaxRecommendation(%v, %v, %v) = %v, want %v", tc.max, tc.target, tc.upper, got, tc.want)
		}
	}
}

func TestTortoiseSlots(t *testing.T) {
	p := DefaultTortoise()
	now := time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		s        slot
		replicas int32
		factor   float64
		floor    int32
		want     slot
	}{
		{"first value", slot{}, 10, 0.5, 3, slot{5, now}},
		{"floor", slot{}, 4, 0.5, 3, slot{3, now}},
		{"higher replaces", slot{5, now.Add(-time.Hour)}, 12, 0.5, 3, slot{6, now}},
		{"equal refreshes", slot{5, now.Add(-time.Hour)}, 10, 0.5, 3, slot{5, now}},
		{"lower and fresh: kept", slot{5, now.Add(-22 * time.Hour)}, 4, 0.5, 3, slot{5, now.Add(-22 * time.Hour)}},
		{"lower and stale: decays", slot{5, now.Add(-23 * time.Hour)}, 4, 0.5, 3, slot{4, now}},
		{"decay not below the proposal", slot{20, now.Add(-30 * time.Hour)}, 38, 0.5, 3, slot{19, now}},
		{"max slot: factor 2, floor 12", slot{}, 3, 2, 12, slot{12, now}},
		{"max slot above floor", slot{}, 9, 2, 12, slot{18, now}},
	}
	for _, tc := range cases {
		if got := p.updateSlot(tc.s, tc.replicas, tc.factor, tc.floor, now); got != tc.want {
			t.Errorf("%s: updateSlot = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// The tuner gathers data for a day with the HPA Tortoise creates, then
// applies the slots and at most +5 points of target per 24 h.
func TestTortoiseTuner(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tu, err := DefaultTortoise().NewTuner(ServiceInfo{Name: "web", Start: start, Request: 1})
	if err != nil {
		t.Fatal(err)
	}
	initial := tu.Initial()
	if initial.Target != 70 || initial.MinReplicas != 3 || initial.MaxReplicas != 100 || initial.Request != 1 {
		t.Fatalf("initial %v, want request 1, 3..100, 70%%", initial)
	}
	step := 5 * time.Minute
	window := func(i int) Window {
		s := start.Add(time.Duration(i) * step)
		// 3 pods at 0.7 core each: VPA's target is about 0.7 × 1.15, so
		// upperUsage <= 85 and the recommendation >= 85: capped at +5.
		return Window{Start: s, End: s.Add(step), Demand: 2.1, PodCPU: 0.7, Replicas: 3, MaxReplicas: 3, Ready: 3}
	}
	var set Setting
	for i := range 287 {
		if set = tu.Next(window(i)); !set.Equal(initial) {
			t.Fatalf("window %d (gathering data): %v, want the initial setting", i, set)
		}
	}
	set = tu.Next(window(287)) // ends at 24h: working
	if set.Target != 75 || set.MinReplicas != 3 || set.MaxReplicas != 12 {
		t.Fatalf("first working window: %v, want target 75 (+5), minReplicas 3 (floor), maxReplicas 12 (floor)", set)
	}
	for i := 288; i < 2*288; i++ {
		if set = tu.Next(window(i)); set.Target != 75 {
			t.Fatalf("window %d: target %d changed within 24 h", i, set.Target)
		}
	}
	if set = tu.Next(window(2 * 288)); set.Target != 80 {
		t.Errorf("after 24 h: target %d, want 80", set.Target)
	}
}
