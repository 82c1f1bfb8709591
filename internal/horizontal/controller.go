package horizontal

import (
	"fmt"
	"time"
)

// Controller models the HPA controller's state for one HPA: the history of
// unstabilized recommendations and of scale events. Call Step once per sync
// period with the same spec; it is not safe for concurrent use.
type Controller struct {
	spec       Spec // defaulted
	cfg        Config
	recs       []recommendation
	upEvents   []scaleEvent
	downEvents []scaleEvent
}

// NewController validates spec (as the API server would) and cfg and returns
// a controller with empty history, as after a controller restart.
func NewController(spec Spec, cfg Config, opts ValidateOptions) (*Controller, error) {
	if err := spec.Validate(opts); err != nil {
		return nil, fmt.Errorf("hpa spec: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Controller{spec: spec.WithDefaults(), cfg: cfg}, nil
}

// Spec returns the defaulted spec the controller runs.
func (c *Controller) Spec() Spec { return c.spec }

// Decision is the outcome of one sync, with the reasons the controller would
// put in the HPA's conditions.
type Decision struct {
	Time    time.Time
	Current int32 // scale.spec.replicas before the sync
	Desired int32 // scale.spec.replicas after the sync
	// Proposal is the largest metric proposal, the unstabilized
	// recommendation; -1 when no metric computation ran or all failed.
	Proposal int32
	// Stabilized is the recommendation after the stabilization window, before
	// rate limits and bounds; -1 when no metric computation ran.
	Stabilized int32
	Metrics    []MetricResult
	Reasons    []string // "Condition/Reason", e.g. "ScalingLimited/ScaleUpLimit"
	Err        error    // metric failures, also when scaling went ahead
}

// Rescale reports whether the sync writes a new replica count.
func (d Decision) Rescale() bool { return d.Desired != d.Current }

// Step runs one sync at now on what the controller observes
// (reconcileAutoscaler in horizontal.go).
func (c *Controller) Step(now time.Time, obs Observation) Decision {
	current := obs.SpecReplicas
	if c.recs == nil {
		// recordInitialRecommendation: the first sync seeds the history, so
		// no scale-down happens within the first stabilization window.
		c.recs = []recommendation{{replicas: current, at: now}}
	}
	d := Decision{Time: now, Current: current, Desired: current, Proposal: -1, Stabilized: -1}
	minR, maxR := *c.spec.MinReplicas, c.spec.MaxReplicas
	switch {
	case current == 0 && minR != 0:
		d.Reasons = []string{"ScalingActive/ScalingDisabled"}
		return d
	case current > maxR:
		d.Desired, d.Reasons = maxR, []string{"ScalingLimited/TooManyReplicas"}
	case current < minR:
		d.Desired, d.Reasons = minR, []string{"ScalingLimited/TooFewReplicas"}
	default:
		c.fromMetrics(now, obs, &d)
	}
	if d.Rescale() {
		c.storeScaleEvent(now, current, d.Desired)
	}
	return d
}

func (c *Controller) fromMetrics(now time.Time, obs Observation, d *Decision) {
	k := calc{now: now, cfg: c.cfg, tol: c.tolerances(), obs: obs}
	proposal, results, err := k.computeMetrics(c.spec.Metrics)
	d.Metrics, d.Err = results, err
	if proposal < 0 {
		d.Reasons = []string{"ScalingActive/FailedComputeMetricsReplicas"}
		return
	}
	d.Proposal = proposal
	minR, maxR := *c.spec.MinReplicas, c.spec.MaxReplicas
	var able, limited string
	if c.spec.Behavior == nil {
		d.Stabilized = c.stabilizeLegacy(now, proposal)
		able = "ScaleDownStabilized"
		d.Desired, limited = limitLegacy(d.Current, d.Stabilized, minR, maxR)
	} else {
		d.Stabilized, able = c.stabilizeWithBehavior(now, d.Current, proposal)
		d.Desired, limited = c.limitWithBehavior(now, d.Current, d.Stabilized, minR, maxR)
	}
	if d.Stabilized == proposal {
		able = "ReadyForNewScale"
	}
	d.Reasons = []string{"ScalingActive/ValidMetricFound", "AbleToScale/" + able, "ScalingLimited/" + limited}
}

// tolerances returns the per-direction tolerance: the behavior's field when
// set, the cluster-wide flag otherwise (reference §1.5).
func (c *Controller) tolerances() tolerances {
	t := tolerances{down: c.cfg.Tolerance, up: c.cfg.Tolerance}
	if b := c.spec.Behavior; b != nil {
		if b.ScaleDown.Tolerance != nil {
			t.down = *b.ScaleDown.Tolerance
		}
		if b.ScaleUp.Tolerance != nil {
			t.up = *b.ScaleUp.Tolerance
		}
	}
	return t
}
