package autoscale

import (
	"fmt"
	"math"
	"time"

	"tailor.dev/tailor/internal/baseline/vpa"
	"tailor.dev/tailor/internal/horizontal"
	"tailor.dev/tailor/internal/simulate"
	"tailor.dev/tailor/internal/workload"
)

// Tortoise is mercari/tortoise's horizontal tuning of a CPU-Horizontal
// container (/work/shared/reference/recommenders.md §3.2; upstream
// pkg/recommender/recommender.go, pkg/hpa/service.go), on pods that keep the
// service's starting request:
//
//   - it creates the HPA with target 70%, minReplicas 3, maxReplicas 100 and
//     its behavior (scale-up 100% per 60 s, scale-down 2% per 90 s) and
//     gathers data for Gathering (GatheringDataPeriodType "daily");
//   - MaxRecommendation follows the VPA recommendation of the container
//     (the real VPA recommender, package baseline/vpa, fed one per-pod CPU
//     sample per window): kept while VPA target < MaxRecommendation < VPA
//     upper bound, otherwise reset to the VPA target;
//   - the target: upperUsage = ceil(MaxRecommendation / request × 100); if
//     the current target is above upperUsage it is kept, else the new
//     target is 100 − (upperUsage − current), clamped to [MinTarget,
//     MaxTarget]; it is applied at most once per TargetUpdateInterval and
//     rises by at most MaxIncrease points at a time (falls at once);
//   - min/max replicas come from 24 one-hour slots (type "daily"): at every
//     reconcile the slot of the hour takes max(ceil(replicas × factor),
//     floor) if that is not below its value; a slot not updated for
//     SlotStale decays to its value × SlotDecay (never below the new
//     proposal). minReplicas = min(slot, MaximumMinReplicas), maxReplicas =
//     min(slot, MaximumMaxReplicas); floors MinimumMinReplicas for min and
//     MinimumMinReplicas × MaxFactor / MinFactor for max.
type Tortoise struct {
	InitialTarget, MinTarget, MaxTarget, MaxIncrease int32
	TargetUpdateInterval, Gathering                  time.Duration
	MinReplicasFactor, MaxReplicasFactor             float64
	MinimumMinReplicas, MaximumMinReplicas           int32
	MaximumMaxReplicas                               int32
	SlotStale                                        time.Duration
	SlotDecay                                        float64
}

// DefaultTortoise has Tortoise's defaults (reference §3.2): target 70 at
// creation, [65, 90], +5 per 24 h; factors 0.5 and 2; minReplicas 3..10,
// maxReplicas <= 100; slots decay ×0.95 after 23 h; 1 day of gathering.
func DefaultTortoise() Tortoise {
	return Tortoise{
		InitialTarget: 70, MinTarget: 65, MaxTarget: 90, MaxIncrease: 5,
		TargetUpdateInterval: 24 * time.Hour, Gathering: 24 * time.Hour,
		MinReplicasFactor: 0.5, MaxReplicasFactor: 2,
		MinimumMinReplicas: 3, MaximumMinReplicas: 10, MaximumMaxReplicas: 100,
		SlotStale: 23 * time.Hour, SlotDecay: 0.95,
	}
}

// TortoiseBehavior is Tortoise's HPA behavior (pkg/hpa/service.go
// globalRecommendedHPABehavior): scale-up 100% per 60 s, scale-down 2% per
// 90 s, stabilization windows left to the defaults (0 s up, the 5 min
// controller flag down).
func TortoiseBehavior() *horizontal.Behavior {
	return &horizontal.Behavior{
		ScaleUp:   &horizontal.ScalingRules{Policies: []horizontal.ScalingPolicy{{Type: horizontal.PercentScalingPolicy, Value: 100, PeriodSeconds: 60}}},
		ScaleDown: &horizontal.ScalingRules{Policies: []horizontal.ScalingPolicy{{Type: horizontal.PercentScalingPolicy, Value: 2, PeriodSeconds: 90}}},
	}
}

// Name implements Policy.
func (Tortoise) Name() string { return "tortoise" }

// vpaContainer is the per-container VPA model of package baseline/vpa.
type vpaContainer interface {
	simulate.ContainerPolicy
	Recommendation() (vpa.Recommendation, bool)
}

// NewTuner implements Policy.
func (p Tortoise) NewTuner(svc ServiceInfo) (Tuner, error) {
	ref := workload.ContainerRef{Namespace: "autoscale", Kind: "Deployment", Workload: svc.Name, Pod: svc.Name, Container: "app"}
	c, ok := vpa.New(vpa.Default()).NewContainer(ref, workload.Resources{CPURequest: svc.Request}, svc.Start).(vpaContainer)
	if !ok {
		return nil, fmt.Errorf("tortoise: the VPA baseline does not expose its recommendation")
	}
	t := &tortoiseTuner{p: p, start: svc.Start, vpa: c, ref: ref}
	t.set = Setting{Request: svc.Request, MinReplicas: p.MinimumMinReplicas, MaxReplicas: p.MaximumMaxReplicas,
		Target: p.InitialTarget, Behavior: TortoiseBehavior()}
	return t, t.set.Validate()
}

type tortoiseTuner struct {
	p     Tortoise
	start time.Time
	vpa   vpaContainer
	ref   workload.ContainerRef
	set   Setting

	maxRec     float64   // MaxRecommendation, cores; 0 before the first
	lastTarget time.Time // last target update; zero before the first
	minSlots   [24]slot
	maxSlots   [24]slot
}

type slot struct {
	value   int32 // 0: never set
	updated time.Time
}

func (t *tortoiseTuner) Initial() Setting { return t.set }

func (t *tortoiseTuner) Next(w Window) Setting {
	if w.Ready > 0 {
		t.vpa.Observe(workload.Sample{Ref: t.ref, Time: w.End, Interval: w.End.Sub(w.Start), CPU: w.PodCPU,
			Memory: math.NaN(), ThrottledFraction: math.NaN()})
	}
	if rec, ok := t.vpa.Recommendation(); ok {
		t.maxRec = nextMaxRecommendation(t.maxRec, rec.Target.CPURequest, rec.UpperBound.CPURequest)
	}
	if w.End.Sub(t.start) < t.p.Gathering {
		return t.set
	}
	t.updateSlots(w)
	now := w.End
	if t.maxRec > 0 && (t.lastTarget.IsZero() || t.lastTarget.Add(t.p.TargetUpdateInterval).Before(now)) {
		t.set.Target = t.p.applyTarget(t.set.Target, t.p.recommendTarget(t.set.Target, t.maxRec, t.set.Request))
		t.lastTarget = now
	}
	h := now.UTC().Hour()
	t.set.MinReplicas = min(t.minSlots[h].value, t.p.MaximumMinReplicas)
	t.set.MaxReplicas = min(t.maxSlots[h].value, t.p.MaximumMaxReplicas)
	return t.set
}

// nextMaxRecommendation keeps max while the VPA target < max < the upper
// bound and otherwise resets it to the target.
func nextMaxRecommendation(max, target, upper float64) float64 {
	if target < max && max < upper {
		return max
	}
	return target
}

// recommendTarget is updateHPATargetUtilizationRecommendations: the target
// that would put the upper usage at 100%.
func (p Tortoise) recommendTarget(current int32, maxRec, request float64) int32 {
	upper := int32(math.Ceil(maxRec / request * 100))
	if current > upper {
		return current
	}
	return min(max(100-(upper-current), p.MinTarget), p.MaxTarget)
}

// applyTarget raises the target by at most MaxIncrease points at a time.
func (p Tortoise) applyTarget(current, recommended int32) int32 {
	return min(recommended, current+p.MaxIncrease)
}

// updateSlots records the replicas seen during the window in its hour's
// slots and the replicas at its end in the end's hour (a 15 s reconcile
// sees both).
func (t *tortoiseTuner) updateSlots(w Window) {
	minFloor := t.p.MinimumMinReplicas
	maxFloor := int32(float64(t.p.MinimumMinReplicas) * t.p.MaxReplicasFactor / t.p.MinReplicasFactor)
	for _, at := range []struct {
		hour     int
		replicas int32
	}{{w.Start.UTC().Hour(), w.MaxReplicas}, {w.End.UTC().Hour(), w.Replicas}} {
		t.minSlots[at.hour] = t.p.updateSlot(t.minSlots[at.hour], at.replicas, t.p.MinReplicasFactor, minFloor, w.End)
		t.maxSlots[at.hour] = t.p.updateSlot(t.maxSlots[at.hour], at.replicas, t.p.MaxReplicasFactor, maxFloor, w.End)
	}
}

// updateSlot is updateMaxMinReplicasRecommendation with the decay of stale
// slots.
func (p Tortoise) updateSlot(s slot, replicas int32, factor float64, floor int32, now time.Time) slot {
	v := max(int32(math.Ceil(float64(replicas)*factor)), floor)
	switch {
	case s.value == 0 || v >= s.value:
		return slot{value: v, updated: now}
	case now.Sub(s.updated) >= p.SlotStale:
		return slot{value: max(v, int32(float64(s.value)*p.SlotDecay)), updated: now}
	}
	return s
}
