package autoscale

import (
	"math"
	"slices"
	"time"

	"tailor.dev/tailor/internal/horizontal"
)

// Tailor is Tailor's tuner. Once per Retune it replays candidate plans on
// the service's own past demand (the last History of it) with a coarse
// model of the HPA (whatIf) and runs the one with the lowest requested
// core-hours + OverloadPrice × overload minutes. A plan chooses:
//
//   - the CPU request: the current one, or one that puts the median demand
//     on PodsAtMedian[i] pods at the target (finer pods lose less to the
//     rounding of the replica count and to the minReplicas floor), rounded
//     up to RequestStep within [MinRequest, MaxRequest]; a new request must
//     pay for the churn (ResizeGain). It is applied
//     in place (Kubernetes >= 1.33); a smaller one only after the pods that
//     hold the same capacity at the new size have been started;
//   - the CPU utilization target, among Targets;
//   - a static floor of minReplicas that serves a FloorQuantiles[j] of the
//     past demand (absolute headroom for jumps no target absorbs);
//   - a seasonal floor (SeasonQuantiles): per hour of the day, the pods the
//     target needs for that quantile, across the past days, of the demand
//     in that hour and the Lookahead after it, so the pods for a rise that
//     came at the same time on the past days are Ready before it comes;
//     a negative quantile is "none". minReplicas changes at most once an
//     hour; a seasonal plan must pay for the churn too (SeasonGain);
//   - fast scale-up (Behavior): a pod short is short for the whole start-up
//     delay, so the HPA may add as many pods as it wants at once; the
//     scale-down keeps Kubernetes' 5 min stabilization and rate.
//
// It sees a window's demand only once the window has ended.
type Tailor struct {
	Targets                  []int32
	MinReplicas, MaxReplicas int32 // availability floor and cap
	PodsAtMedian             []float64
	MinRequest, MaxRequest   float64 // cores
	RequestStep              float64 // cores
	// A plan with a new request, or with a seasonal floor, counts
	// ResizeGain, SeasonGain more expensive: each must pay for the churn.
	ResizeGain, SeasonGain float64
	FloorQuantiles         []float64
	SeasonQuantiles        []float64 // across days; a negative value is "off"
	Lookahead              time.Duration
	History, Retune        time.Duration
	// OverloadPrice is what avoiding one minute of overload is worth, in
	// requested core-hours.
	OverloadPrice float64
	Behavior      *horizontal.Behavior
	// What whatIf assumes of the cluster: the controller's tolerance, the
	// time a new pod takes to serve, the share of its request a pod serves.
	Tolerance, Saturation float64
	StartUp               time.Duration
}

// DefaultTailor is the tuner of the benchmark (docs/autoscalers.md).
func DefaultTailor() Tailor {
	return Tailor{
		Targets:     []int32{50, 55, 60, 65, 70, 75, 80, 85, 90},
		MinReplicas: 2, MaxReplicas: 100,
		PodsAtMedian: []float64{1, 2, 4, 8},
		MinRequest:   0.05, MaxRequest: 10, RequestStep: 0.01, ResizeGain: 0.05, SeasonGain: 0.05,
		FloorQuantiles:  []float64{0, 0.5, 0.75, 0.9, 0.95, 0.99, 1},
		SeasonQuantiles: []float64{-1, 0, 0.5},
		Lookahead:       10 * time.Minute,
		History:         7 * 24 * time.Hour, Retune: 24 * time.Hour,
		OverloadPrice: 4,
		Behavior:      FastScaleUp(),
		Tolerance:     0.1, Saturation: 1, StartUp: time.Minute,
	}
}

// FastScaleUp lets the HPA add up to 10 times the current pods (at least
// 100 pods) per 15 s and keeps the default scale-down.
func FastScaleUp() *horizontal.Behavior {
	return &horizontal.Behavior{
		ScaleUp: &horizontal.ScalingRules{Policies: []horizontal.ScalingPolicy{
			{Type: horizontal.PercentScalingPolicy, Value: 1000, PeriodSeconds: 15},
			{Type: horizontal.PodsScalingPolicy, Value: 100, PeriodSeconds: 15},
		}},
	}
}

// Name implements Policy.
func (Tailor) Name() string { return "tailor" }

// NewTuner implements Policy.
func (p Tailor) NewTuner(svc ServiceInfo) (Tuner, error) {
	set := Setting{Request: p.roundRequest(svc.Request), MinReplicas: p.MinReplicas, MaxReplicas: p.MaxReplicas,
		Target: 70, Behavior: p.Behavior}
	t := &tailorTuner{p: p, plan: plan{set: set}, set: set, nextTune: svc.Start.Add(p.Retune)}
	return t, set.Validate()
}

// plan is what the tuner runs between two retunes.
type plan struct {
	set    Setting   // MinReplicas is the static floor
	season [24]int32 // per-hour floor by UTC hour; 0 = none
}

func (pl plan) minAt(hour int) int32 { return max(pl.set.MinReplicas, pl.season[hour]) }

// history is the past demand, one value per window, oldest first.
type history struct {
	demand []float64
	step   time.Duration
	end    time.Time // end of the newest window
}

// hour is the UTC hour of day of window i.
func (h history) hour(i int) int {
	return h.end.Add(-time.Duration(len(h.demand)-i) * h.step).UTC().Hour()
}

// day is a day index of window i (consecutive days differ by one).
func (h history) day(i int) int {
	return int(h.end.Add(-time.Duration(len(h.demand)-i)*h.step).Unix() / 86400)
}

type tailorTuner struct {
	p        Tailor
	hist     history
	plan     plan
	set      Setting // in force
	nextTune time.Time
	pending  *plan // a smaller request, applied once the pods to hold it run
}

func (t *tailorTuner) Initial() Setting { return t.set }

func (t *tailorTuner) Next(w Window) Setting {
	t.hist.step, t.hist.end = w.End.Sub(w.Start), w.End
	t.hist.demand = append(t.hist.demand, w.Demand)
	if keep := int(t.p.History / t.hist.step); len(t.hist.demand) > keep {
		t.hist.demand = t.hist.demand[len(t.hist.demand)-keep:]
	}
	switch {
	case t.pending != nil:
		t.plan, t.pending = *t.pending, nil
	case !w.End.Before(t.nextTune):
		t.nextTune = w.End.Add(t.p.Retune)
		next := t.p.choose(t.hist, t.plan.set)
		if next.set.Request < t.plan.set.Request {
			// Shrinking the pods in place shrinks the capacity at once:
			// first run as many pods of the current size as hold the same
			// capacity at the new size, resize them a window later.
			t.pending = &next
			t.set.MinReplicas = min(max(t.set.MinReplicas,
				int32(math.Ceil(float64(w.Replicas)*t.set.Request/next.set.Request))), t.set.MaxReplicas)
			return t.set
		}
		t.plan = next
	}
	t.set = t.plan.set
	t.set.MinReplicas = t.plan.minAt(w.End.UTC().Hour())
	return t.set
}

// choose returns the plan with the lowest predicted cost on the history.
func (p Tailor) choose(h history, cur Setting) plan {
	sorted := slices.Clone(h.demand)
	slices.Sort(sorted)
	med := sortedQuantile(sorted, 0.5)
	hours := make([]int, len(h.demand))
	for i := range hours {
		hours[i] = h.hour(i)
	}
	peaks := p.hourlyPeaks(h)
	best, bestCost := plan{set: cur}, math.Inf(1)
	for _, target := range p.Targets {
		requests := []float64{cur.Request}
		for _, n := range p.PodsAtMedian {
			requests = append(requests, p.roundRequest(med/(n*float64(target)/100)))
		}
		for _, r := range requests {
			for _, sq := range p.SeasonQuantiles {
				season := seasonalFloor(peaks, sq, r*float64(target)/100, p.MaxReplicas)
				for _, fq := range p.FloorQuantiles {
					c := plan{set: cur, season: season}
					c.set.Target, c.set.Request = target, r
					c.set.MinReplicas = max(p.MinReplicas, min(int32(math.Ceil(sortedQuantile(sorted, fq)/r-1e-9)), p.MaxReplicas))
					core, over := p.whatIf(h.demand, hours, h.step, c)
					v := core + p.OverloadPrice*over
					if r != cur.Request {
						v *= 1 + p.ResizeGain
					}
					if season != ([24]int32{}) {
						v *= 1 + p.SeasonGain
					}
					if v < bestCost {
						best, bestCost = c, v
					}
				}
			}
		}
	}
	return best
}

// hourlyPeaks returns, per UTC hour, the highest demand of each past day in
// that hour and the Lookahead after it.
func (p Tailor) hourlyPeaks(h history) [24][]float64 {
	ahead := int(p.Lookahead / h.step)
	type key struct{ day, hour int }
	peak := map[key]float64{}
	var order []key
	for i, d := range h.demand {
		k := key{h.day(i), h.hour(i)}
		if _, ok := peak[k]; !ok {
			order = append(order, k)
		}
		peak[k] = max(peak[k], d)
		// The first windows of an hour also belong to the previous hour's
		// lookahead.
		if j := i - ahead; j >= 0 && h.hour(j) != k.hour {
			prev := key{h.day(j), h.hour(j)}
			peak[prev] = max(peak[prev], d)
		}
	}
	var out [24][]float64
	for _, k := range order {
		out[k.hour] = append(out[k.hour], peak[k])
	}
	return out
}

// seasonalFloor is, per hour, the pods at perPod cores each that serve the
// q-quantile across days of that hour's peaks; none when q < 0 or fewer
// than two days are known.
func seasonalFloor(peaks [24][]float64, q, perPod float64, maxR int32) [24]int32 {
	var out [24]int32
	if q < 0 {
		return out
	}
	for h, days := range peaks {
		if len(days) < 2 {
			continue
		}
		s := slices.Clone(days)
		slices.Sort(s)
		v := s[min(len(s)-1, int(q*float64(len(s))))]
		out[h] = min(int32(math.Ceil(v/perPod-1e-9)), maxR)
	}
	return out
}

func (p Tailor) roundRequest(r float64) float64 {
	r = math.Ceil(r/p.RequestStep-1e-9) * p.RequestStep
	return min(max(r, p.MinRequest), p.MaxRequest)
}

// whatIf replays plan c on past demand with a coarse model of the HPA and
// returns the requested core-hours and overload minutes. A window starts
// with the pods the previous one ended with; the HPA wants
// ceil(demand / (request × target)) pods, at least the window's floor,
// unless the utilization is within the tolerance. A rise starts the new
// pods at once and they serve after StartUp; a fall happens at the window's
// last sync, once the previous window's recommendations have left the 5 min
// stabilization window (Behavior's scale-down window is exclusive). The
// window is overloaded for StartUp when its demand exceeds what the pods it
// started with serve, and for the rest of it when even the new count falls
// short (maxReplicas).
func (p Tailor) whatIf(demand []float64, hours []int, step time.Duration, c plan) (coreHours, overloadMinutes float64) {
	s := c.set
	perPod := s.Request * float64(s.Target) / 100
	n := int32(0)
	h, up := step.Hours(), min(p.StartUp, step)
	for i, d := range demand {
		floor := c.minAt(hours[i])
		w := n
		if ratio := d / (float64(n) * perPod); n == 0 || ratio < 1-p.Tolerance || ratio > 1+p.Tolerance {
			w = min(max(int32(math.Ceil(d/perPod-1e-9)), s.MinReplicas), s.MaxReplicas)
		}
		w = max(w, floor)
		if i == 0 {
			n = w
		}
		if capacity := s.Request * p.Saturation; d > float64(n)*capacity {
			overloadMinutes += up.Minutes()
			if d > float64(w)*capacity {
				overloadMinutes += (step - up).Minutes()
			}
		}
		coreHours += float64(max(w, n)) * s.Request * h
		n = w
	}
	return coreHours, overloadMinutes
}

// sortedQuantile is the q-quantile of sorted values, 0 for q <= 0.
func sortedQuantile(sorted []float64, q float64) float64 {
	if q <= 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}
