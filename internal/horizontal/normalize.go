package horizontal

import (
	"math"
	"time"
)

// Normalization of the metric proposal (horizontal.go; reference §1.4).

type recommendation struct {
	replicas int32
	at       time.Time
}

type scaleEvent struct {
	change   int32 // absolute number of pods added or removed
	at       time.Time
	outdated bool
}

// Legacy scale-up cap used when spec.behavior is unset:
// max(scaleUpLimitFactor × current, scaleUpLimitMinimum).
const (
	scaleUpLimitFactor  = 2.0
	scaleUpLimitMinimum = 4.0
)

// stabilizeLegacy keeps the highest recommendation of the downscale window;
// a recommendation exactly at the window's start still counts.
func (c *Controller) stabilizeLegacy(now time.Time, proposal int32) int32 {
	cutoff := now.Add(-c.cfg.DownscaleStabilization)
	best, old := proposal, -1
	for i, r := range c.recs {
		if r.at.Before(cutoff) {
			old = i
		} else if r.replicas > best {
			best = r.replicas
		}
	}
	c.record(old, proposal, now)
	return best
}

// limitLegacy clamps to [minReplicas, min(maxReplicas, max(2×current, 4))]
// (convertDesiredReplicasWithRules).
func limitLegacy(current, desired, minR, maxR int32) (int32, string) {
	upLimit := int32(math.Max(scaleUpLimitFactor*float64(current), scaleUpLimitMinimum))
	maxAllowed, reason := maxR, "TooManyReplicas"
	if maxR > upLimit {
		maxAllowed, reason = upLimit, "ScaleUpLimit"
	}
	switch {
	case desired < minR:
		return minR, "TooFewReplicas"
	case desired > maxAllowed:
		return maxAllowed, reason
	}
	return desired, "DesiredWithinRange"
}

// stabilizeWithBehavior bounds the recommendation by the lowest one of the
// scale-up window and the highest one of the scale-down window, starting from
// the current count; a recommendation exactly at a window's start is outside.
func (c *Controller) stabilizeWithBehavior(now time.Time, current, proposal int32) (int32, string) {
	upCutoff := now.Add(-seconds(*c.spec.Behavior.ScaleUp.StabilizationWindowSeconds))
	downCutoff := now.Add(-seconds(c.downWindowSeconds()))
	upRec, downRec, old := proposal, proposal, -1
	for i, r := range c.recs {
		if r.at.After(upCutoff) {
			upRec = min(upRec, r.replicas)
		}
		if r.at.After(downCutoff) {
			downRec = max(downRec, r.replicas)
		}
		if r.at.Before(upCutoff) && r.at.Before(downCutoff) {
			old = i
		}
	}
	rec := min(max(current, upRec), downRec)
	c.record(old, proposal, now)
	if proposal >= current {
		return rec, "ScaleUpStabilized"
	}
	return rec, "ScaleDownStabilized"
}

// downWindowSeconds applies the controller flag when the behavior leaves the
// scale-down window unset (maybeInitScaleDownStabilizationWindow).
func (c *Controller) downWindowSeconds() int32 {
	if w := c.spec.Behavior.ScaleDown.StabilizationWindowSeconds; w != nil {
		return *w
	}
	return int32(c.cfg.DownscaleStabilization.Seconds())
}

// record stores the unstabilized recommendation, reusing an expired slot.
func (c *Controller) record(old int, replicas int32, now time.Time) {
	r := recommendation{replicas: replicas, at: now}
	if old >= 0 {
		c.recs[old] = r
		return
	}
	c.recs = append(c.recs, r)
}

// limitWithBehavior applies the scaling policies and the min/max bounds
// (convertDesiredReplicasWithBehaviorRate).
func (c *Controller) limitWithBehavior(now time.Time, current, desired, minR, maxR int32) (int32, string) {
	b := c.spec.Behavior
	switch {
	case desired > current:
		limit := max(c.scaleUpLimit(now, current, b.ScaleUp), current)
		maxAllowed, reason := maxR, "TooManyReplicas"
		if maxAllowed > limit {
			maxAllowed, reason = limit, "ScaleUpLimit"
		}
		if desired > maxAllowed {
			return maxAllowed, reason
		}
	case desired < current:
		limit := min(c.scaleDownLimit(now, current, b.ScaleDown), current)
		minAllowed, reason := minR, "TooFewReplicas"
		if minAllowed < limit {
			minAllowed, reason = limit, "ScaleDownLimit"
		}
		if desired < minAllowed {
			return minAllowed, reason
		}
	}
	return desired, "DesiredWithinRange"
}

// scaleUpLimit is the highest count the scale-up policies allow now
// (calculateScaleUpLimitWithScalingRules).
func (c *Controller) scaleUpLimit(now time.Time, current int32, r *ScalingRules) int32 {
	sel := selectOf(r)
	if sel == DisabledPolicySelect {
		return current
	}
	result, pick := int32(math.MinInt32), maxInt32
	if sel == MinChangePolicySelect {
		result, pick = math.MaxInt32, minInt32
	}
	for _, p := range r.Policies {
		start := c.periodStart(now, current, p.PeriodSeconds)
		proposed := start + p.Value
		if p.Type == PercentScalingPolicy {
			// Rounded up so that a small percentage still adds a pod.
			proposed = int32(math.Ceil(float64(start) * (1 + float64(p.Value)/100)))
		}
		result = pick(result, proposed)
	}
	return result
}

// scaleDownLimit is the lowest count the scale-down policies allow now
// (calculateScaleDownLimitWithBehaviors).
func (c *Controller) scaleDownLimit(now time.Time, current int32, r *ScalingRules) int32 {
	sel := selectOf(r)
	if sel == DisabledPolicySelect {
		return current
	}
	result, pick := int32(math.MaxInt32), minInt32
	if sel == MinChangePolicySelect {
		result, pick = math.MinInt32, maxInt32
	}
	for _, p := range r.Policies {
		start := c.periodStart(now, current, p.PeriodSeconds)
		proposed := start - p.Value
		if p.Type == PercentScalingPolicy {
			// Truncated, which lets at least ceil(pct × start) pods go.
			proposed = int32(float64(start) * (1 - float64(p.Value)/100))
		}
		result = pick(result, proposed)
	}
	return result
}

// periodStart is the count at the start of a policy period: current minus
// pods added plus pods removed within it.
func (c *Controller) periodStart(now time.Time, current, periodSeconds int32) int32 {
	return current - changeInPeriod(now, periodSeconds, c.upEvents) + changeInPeriod(now, periodSeconds, c.downEvents)
}

// changeInPeriod sums the events strictly newer than now − period
// (getReplicasChangePerPeriod).
func changeInPeriod(now time.Time, periodSeconds int32, events []scaleEvent) int32 {
	cutoff := now.Add(-seconds(periodSeconds))
	var n int32
	for _, e := range events {
		if e.at.After(cutoff) {
			n += e.change
		}
	}
	return n
}

// storeScaleEvent records a rescale when a behavior is set, reusing a slot
// older than the direction's longest policy period.
func (c *Controller) storeScaleEvent(now time.Time, prev, next int32) {
	b := c.spec.Behavior
	if b == nil {
		return
	}
	if next > prev {
		c.upEvents = addEvent(c.upEvents, now, next-prev, longestPeriod(b.ScaleUp))
	} else {
		c.downEvents = addEvent(c.downEvents, now, prev-next, longestPeriod(b.ScaleDown))
	}
}

func addEvent(events []scaleEvent, now time.Time, change, longest int32) []scaleEvent {
	cutoff := now.Add(-seconds(longest))
	old := -1
	for i := range events {
		if events[i].at.Before(cutoff) {
			events[i].outdated = true
		}
		if events[i].outdated {
			old = i
		}
	}
	e := scaleEvent{change: change, at: now}
	if old >= 0 {
		events[old] = e
		return events
	}
	return append(events, e)
}

func longestPeriod(r *ScalingRules) int32 {
	var longest int32
	for _, p := range r.Policies {
		longest = max(longest, p.PeriodSeconds)
	}
	return longest
}

func selectOf(r *ScalingRules) ScalingPolicySelect {
	if r.SelectPolicy == nil {
		return MaxChangePolicySelect
	}
	return *r.SelectPolicy
}

func seconds(s int32) time.Duration { return time.Duration(s) * time.Second }

func maxInt32(a, b int32) int32 { return max(a, b) }
func minInt32(a, b int32) int32 { return min(a, b) }
