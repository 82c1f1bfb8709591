package autoscale

import (
	"testing"
	"time"
)

// whatIf on hand-computed series: request 1 core, target 50% (0.5 core per
// pod), minReplicas 2, 5-minute windows, start-up 1 minute.
func TestTailorWhatIf(t *testing.T) {
	p := DefaultTailor()
	step := 5 * time.Minute
	cases := []struct {
		name         string
		demand       []float64
		maxR         int32
		season       [24]int32
		core, minute float64
	}{
		// 2 pods (1/0.5), 2 (ratio 1), jump to 3: 6 pods, overloaded for
		// the start-up (3 > 2 Ready); 6 (ratio 1); 1: wants 2, but falls
		// only at the window's end: 6 pods for the window.
		// (2+2+6+6+6) pods × 1 core × 5 min = 22/12 core-h.
		{"rise and fall", []float64{1, 1, 3, 3, 1}, 10, [24]int32{}, 22.0 / 12, 1},
		// Within the tolerance (ratio 1.08): no change, and not
		// overloaded (1.08 < 2 cores).
		{"tolerance", []float64{1, 1.08}, 10, [24]int32{}, 4.0 / 12, 0},
		// maxReplicas 4: 5 cores need 10 pods; short for the whole
		// window: 1 min for the start-up, 4 more because 4 pods serve 4.
		{"max replicas", []float64{1, 5}, 4, [24]int32{}, 6.0 / 12, 5},
		// A seasonal floor of 6 pods at hour 0 (all windows here): 6 pods
		// throughout, the jump to 3 is served.
		{"seasonal floor", []float64{1, 3, 1}, 10, [24]int32{6}, 18.0 / 12, 0},
	}
	for _, tc := range cases {
		c := plan{set: Setting{Request: 1, Target: 50, MinReplicas: 2, MaxReplicas: tc.maxR}, season: tc.season}
		core, over := p.whatIf(tc.demand, make([]int, len(tc.demand)), step, c)
		if !near(core, tc.core) || over != tc.minute {
			t.Errorf("%s: %v core-h, %v min; want %v, %v", tc.name, core, over, tc.core, tc.minute)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// history of days × 288 five-minute windows from midnight UTC.
func dailyHistory(days int, demand func(i int) float64) history {
	h := history{step: 5 * time.Minute, end: time.Date(2024, 1, 1+days, 0, 0, 0, 0, time.UTC)}
	for i := range days * 288 {
		h.demand = append(h.demand, demand(i))
	}
	return h
}

func TestTailorChoose(t *testing.T) {
	p := DefaultTailor()
	cur := Setting{Request: 1, MinReplicas: 2, MaxReplicas: 100, Target: 70, Behavior: p.Behavior}

	// A flat 4 cores: no overload at any target, so the highest target.
	flat := p.choose(dailyHistory(2, func(int) float64 { return 4 }), cur)
	if flat.set.Target != 90 {
		t.Errorf("flat demand: %v, want target 90", flat.set)
	}

	// 1 core with a jump to 4 cores every hour: a minute of overload per
	// jump (48 a day at 4 core-h each) is dearer than holding pods for 4
	// cores, so the floor covers the jumps.
	spiky := p.choose(dailyHistory(2, func(i int) float64 {
		if i%12 == 6 {
			return 4
		}
		return 1
	}), cur)
	if capacity := float64(spiky.minAt(0)) * spiky.set.Request; capacity < 4 {
		t.Errorf("hourly jumps to 4 cores: %v gives a floor of %v cores, want >= 4", spiky.set, capacity)
	}

	// A jump at 09:00 on every day only, and overload priced high: a
	// seasonal floor for the hour before (lookahead: the pods are Ready
	// when it comes) and the hour of the jump, none elsewhere. (At the
	// default price, 3 minutes of overload cost less than the floor.)
	p.OverloadPrice = 50
	daily := p.choose(dailyHistory(3, func(i int) float64 {
		if i%288 == 9*12 {
			return 4
		}
		return 1
	}), cur)
	for _, h := range []int{8, 9} {
		if capacity := float64(daily.minAt(h)) * daily.set.Request; capacity < 4 {
			t.Errorf("daily jump at 09:00: hour %d floor %v cores (%v), want >= 4", h, capacity, daily)
		}
	}
	if capacity := float64(daily.minAt(15)) * daily.set.Request; capacity >= 4 {
		t.Errorf("daily jump at 09:00: hour 15 floor %v cores, want none (%v)", capacity, daily)
	}
}

func TestTailorHourlyPeaks(t *testing.T) {
	p := DefaultTailor() // 10 min lookahead: the first 2 windows of the next hour
	h := dailyHistory(2, func(i int) float64 {
		switch i % 288 {
		case 9*12 + 1: // 09:05
			return 5
		case 9*12 + 3: // 09:15, outside 08:xx's lookahead
			return 7
		}
		return float64(i / 288) // day 0: 0, day 1: 1
	})
	peaks := p.hourlyPeaks(h)
	for _, tc := range []struct {
		hour int
		want []float64
	}{{8, []float64{5, 5}}, {9, []float64{7, 7}}, {10, []float64{0, 1}}} {
		got := peaks[tc.hour]
		if len(got) != len(tc.want) || got[0] != tc.want[0] || got[1] != tc.want[1] {
			t.Errorf("hour %d peaks %v, want %v", tc.hour, got, tc.want)
		}
	}
	floor := seasonalFloor(peaks, 0, 0.5, 100)
	if floor[8] != 10 || floor[9] != 14 || floor[10] != 0 {
		t.Errorf("seasonal floor (min across days, 0.5 core per pod) %v", floor)
	}
	if off := seasonalFloor(peaks, -1, 0.5, 100); off != ([24]int32{}) {
		t.Errorf("q < 0 gives %v, want no floor", off)
	}
	if one := seasonalFloor(dailyHistory(1, func(int) float64 { return 3 }).peaks(p), 0, 1, 100); one != ([24]int32{}) {
		t.Errorf("one day gives %v, want no floor", one)
	}
}

func (h history) peaks(p Tailor) [24][]float64 { return p.hourlyPeaks(h) }

// Smaller pods are resized only after the pods that hold the capacity
// at the new size run: first minReplicas rises, a window later the request
// falls.
func TestTailorShrinksSafely(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tu, err := DefaultTailor().NewTuner(ServiceInfo{Name: "web", Start: start, Request: 4})
	if err != nil {
		t.Fatal(err)
	}
	step := 5 * time.Minute
	var set Setting
	i := 0
	next := func() Setting {
		s := start.Add(time.Duration(i) * step)
		i++
		return tu.Next(Window{Start: s, End: s.Add(step), Demand: 6, PodCPU: 3, Replicas: 2, MaxReplicas: 2, Ready: 2})
	}
	for range 287 {
		if set = next(); set.Request != 4 {
			t.Fatalf("request changed before the first retune: %v", set)
		}
	}
	hold := next() // retune at 24 h
	resized := next()
	if hold.Request != 4 || resized.Request >= 4 {
		t.Fatalf("retune: %v then %v, want the request kept, then smaller", hold, resized)
	}
	if need := int32(2 * 4 / resized.Request); hold.MinReplicas < need {
		t.Errorf("before resizing to %v: minReplicas %d, want >= %d (2 pods of 4 cores)", resized.Request, hold.MinReplicas, need)
	}
}
