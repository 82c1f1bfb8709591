package horizontal

import (
	"fmt"
	"math"
	"time"
)

// The per-metric replica arithmetic of replica_calculator.go (reference §1.2).

// tolerances is the no-change band: (1-down) <= ratio <= (1+up).
type tolerances struct{ down, up float64 }

func (t tolerances) within(ratio float64) bool {
	return 1-t.down <= ratio && ratio <= 1+t.up
}

// calc is one sync's view for the replica calculator.
type calc struct {
	now time.Time
	cfg Config
	tol tolerances
	obs Observation
}

// proposal is one metric's result.
type proposal struct {
	replicas int32
	ratio    float64 // usage ratio before missing/unready adjustments
	current  Milli   // average value per pod, or the metric's total value
	util     int32   // utilization percent, Utilization targets only
}

// resourceUtilization is GetResourceReplicas: a Utilization target.
func (c calc) resourceUtilization(resource ResourceName, container string, target int32) (proposal, error) {
	samples, err := resourceSamples(c.obs.Pods, resource, container)
	if err != nil {
		return proposal{}, err
	}
	if len(c.obs.Pods) == 0 {
		return proposal{}, errNoPods
	}
	g := groupPods(c.obs.Pods, samples, resource, c.now, c.cfg)
	drop(samples, g.ignored, g.unready)
	if len(samples) == 0 {
		return proposal{}, fmt.Errorf("did not receive metrics for targeted pods (pods might be unready)")
	}
	requests, err := podRequests(c.obs.Pods, resource, container)
	if err != nil {
		return proposal{}, err
	}
	ratio, util, raw, err := utilizationRatio(samples, requests, target)
	if err != nil {
		return proposal{}, err
	}
	p := proposal{ratio: ratio, util: util, current: raw}
	fallback := func(name string) Milli { return requests[name] * Milli(max(100, target)) / 100 }
	p.replicas = c.adjusted(ratio, g, samples, fallback, func(s map[string]sample) float64 {
		r, _, _, _ := utilizationRatio(s, requests, target)
		return r
	})
	return p, nil
}

// plain is calcPlainMetricReplicas: AverageValue targets of Resource,
// ContainerResource and Pods metrics; the ratio is the plain average ÷ target.
func (c calc) plain(samples map[string]sample, resource ResourceName, target Milli) (proposal, error) {
	if len(c.obs.Pods) == 0 {
		return proposal{}, errNoPods
	}
	g := groupPods(c.obs.Pods, samples, resource, c.now, c.cfg)
	drop(samples, g.ignored, g.unready)
	if len(samples) == 0 {
		return proposal{}, fmt.Errorf("did not receive metrics for targeted pods (pods might be unready)")
	}
	ratio, avg := averageRatio(samples, target)
	p := proposal{ratio: ratio, current: avg}
	// On a scale-down, missing pods are assumed to sit exactly at the target.
	fallback := func(string) Milli { return target }
	p.replicas = c.adjusted(ratio, g, samples, fallback, func(s map[string]sample) float64 {
		r, _ := averageRatio(s, target)
		return r
	})
	return p, nil
}

// adjusted finishes both pod-based computations: the fast path when no pod
// is missing or unready on a scale-up, otherwise the conservative recompute
// (missing pods at the fallback on scale-down and at 0 on scale-up, unready
// pods at 0 on scale-up) that cancels when the direction flips.
func (c calc) adjusted(ratio float64, g podGroups, samples map[string]sample, fallback func(string) Milli, recompute func(map[string]sample) float64) int32 {
	current := c.obs.SpecReplicas
	scaleUpWithUnready := len(g.unready) > 0 && ratio > 1
	if !scaleUpWithUnready && len(g.missing) == 0 {
		if c.tol.within(ratio) {
			return current
		}
		return ceil32(ratio * float64(g.ready))
	}
	for name := range g.missing {
		switch {
		case ratio < 1:
			samples[name] = sample{value: fallback(name)}
		case ratio > 1:
			samples[name] = sample{}
		}
	}
	if scaleUpWithUnready {
		for name := range g.unready {
			samples[name] = sample{}
		}
	}
	newRatio := recompute(samples)
	if c.tol.within(newRatio) || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1) {
		return current
	}
	n := ceil32(newRatio * float64(len(samples)))
	if (newRatio < 1 && n > current) || (newRatio > 1 && n < current) {
		return current
	}
	return n
}

// utilizationRatio is GetResourceUtilizationRatio: integer percent of the
// summed requests of the pods that have samples, divided by the target.
func utilizationRatio(samples map[string]sample, requests map[string]Milli, target int32) (float64, int32, Milli, error) {
	var usage, request Milli
	n := 0
	for name, s := range samples {
		r, ok := requests[name]
		if !ok {
			continue
		}
		usage += s.value
		request += r
		n++
	}
	if request == 0 {
		return 0, 0, 0, fmt.Errorf("no metrics returned matched known pods")
	}
	util := int32(usage * 100 / request)
	return float64(util) / float64(target), util, usage / Milli(n), nil
}

// averageRatio is GetMetricUsageRatio: the integer average per pod ÷ target.
func averageRatio(samples map[string]sample, target Milli) (float64, Milli) {
	var sum Milli
	for _, s := range samples {
		sum += s.value
	}
	avg := sum / Milli(len(samples))
	return float64(avg) / float64(target), avg
}

// objectValue is GetObjectMetricReplicas and GetExternalMetricReplicas: a
// Value target over the total.
func (c calc) objectValue(total, target Milli) (proposal, error) {
	ratio := float64(total) / float64(target)
	p := proposal{ratio: ratio, current: total}
	current := c.obs.SpecReplicas
	switch {
	case current == 0:
		// Scale from (or to) zero: the ratio alone decides.
		p.replicas = ceil32(ratio)
	case c.tol.within(ratio):
		p.replicas = current
	case len(c.obs.Pods) == 0:
		return proposal{}, fmt.Errorf("unable to calculate ready pods: %w", errNoPods)
	default:
		p.replicas = ceil32(ratio * float64(readyRunning(c.obs.Pods)))
	}
	return p, nil
}

// perPod is GetObjectPerPodMetricReplicas and GetExternalPerPodMetricReplicas:
// an AverageValue target over the total; the tolerance compares against the
// status replicas and the proposal is ceil(total ÷ target).
func (c calc) perPod(total, target Milli) proposal {
	status := c.obs.StatusReplicas
	ratio := float64(total) / (float64(target) * float64(status))
	p := proposal{ratio: ratio, replicas: status}
	if !c.tol.within(ratio) {
		p.replicas = ceil32(float64(total) / float64(target))
	}
	if status > 0 {
		p.current = Milli(math.Ceil(float64(total) / float64(status)))
	}
	return p
}

func drop(samples map[string]sample, sets ...map[string]bool) {
	for _, set := range sets {
		for name := range set {
			delete(samples, name)
		}
	}
}

// ceil32 rounds up and caps at MaxInt32 like the controller's overflow guards.
func ceil32(x float64) int32 {
	c := math.Ceil(x)
	if c >= math.MaxInt32 {
		return math.MaxInt32
	}
	if math.IsNaN(c) {
		return 0
	}
	return int32(c)
}
