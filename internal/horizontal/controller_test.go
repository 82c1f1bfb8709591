package horizontal

import (
	"strings"
	"testing"
	"time"
)

func mustController(t *testing.T, spec Spec) *Controller {
	t.Helper()
	c, err := NewController(spec, DefaultConfig(), ValidateOptions{ScaleToZero: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func cpuObs(current int32, use Milli) Observation {
	obs := Observation{SpecReplicas: current, StatusReplicas: current}
	for i := range current {
		obs.Pods = append(obs.Pods, cpuPod(string(rune('a'+i)), 1000, use))
	}
	return obs
}

func TestStepGuards(t *testing.T) {
	spec := Spec{MinReplicas: Ptr(int32(2)), MaxReplicas: 5, Metrics: []MetricSpec{ResourceUtilization(CPU, 50)}}
	tests := []struct {
		name   string
		obs    Observation
		want   int32
		reason string
	}{
		{"zero replicas disables scaling", Observation{}, 0, "ScalingActive/ScalingDisabled"},
		{"above max goes to max", cpuObs(7, 0), 5, "ScalingLimited/TooManyReplicas"},
		{"below min goes to min", cpuObs(1, 5000), 2, "ScalingLimited/TooFewReplicas"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustController(t, spec).Step(t0, tt.obs)
			if d.Desired != tt.want || d.Reasons[0] != tt.reason || d.Proposal != -1 {
				t.Errorf("got %d %v (proposal %d), want %d %s", d.Desired, d.Reasons, d.Proposal, tt.want, tt.reason)
			}
		})
	}
}

// The first sync seeds the history with the current count, so the legacy
// path cannot scale down before the 5 min window has passed.
func TestInitialRecommendationBlocksScaleDown(t *testing.T) {
	c := mustController(t, Spec{MaxReplicas: 10, Metrics: []MetricSpec{ResourceUtilization(CPU, 50)}})
	// 4 pods at 100m of 1000m: util 10, ratio 0.2, ceil(0.8) = 1.
	for s := 0; s <= 300; s += 15 {
		d := c.Step(sec(s), cpuObs(4, 100))
		if d.Proposal != 1 || d.Desired != 4 {
			t.Fatalf("at %ds: proposal %d desired %d, want 1 and 4 (held by the seed)", s, d.Proposal, d.Desired)
		}
	}
	// At 315 s the seed (0 s) is older than the window: down to 1.
	if d := c.Step(sec(315), cpuObs(4, 100)); d.Desired != 1 {
		t.Errorf("at 315s desired %d, want 1", d.Desired)
	}
}

func TestStepMetricFailure(t *testing.T) {
	spec := Spec{MaxReplicas: 10, Metrics: []MetricSpec{{Type: ExternalMetricSourceType, External: &ExternalMetricSource{
		Metric: "queue", Target: MetricTarget{Type: AverageValueMetricType, AverageValue: Ptr(Milli(1000))}}}}}
	d := mustController(t, spec).Step(t0, cpuObs(3, 0))
	if d.Rescale() || d.Err == nil || !strings.Contains(d.Err.Error(), "external metric queue") {
		t.Errorf("got desired %d err %v", d.Desired, d.Err)
	}
}

func TestScaleFromZero(t *testing.T) {
	spec := Spec{MinReplicas: Ptr(int32(0)), MaxReplicas: 10, Metrics: []MetricSpec{{Type: ExternalMetricSourceType, External: &ExternalMetricSource{
		Metric: "queue", Target: MetricTarget{Type: ValueMetricType, Value: Ptr(Milli(10000))}}}}}
	c := mustController(t, spec)
	// Value 25 / target 10 = 2.5, current 0: ceil(2.5) = 3, within max(0*2, 4) = 4.
	d := c.Step(t0, Observation{External: map[string][]Milli{"queue": {25000}}})
	if d.Desired != 3 {
		t.Errorf("desired %d, want 3", d.Desired)
	}
}

func TestNewControllerRejects(t *testing.T) {
	_, err := NewController(Spec{MaxReplicas: 0}, DefaultConfig(), ValidateOptions{})
	if err == nil || !strings.Contains(err.Error(), "spec.maxReplicas: must be greater than 0") {
		t.Errorf("got %v", err)
	}
	cfg := DefaultConfig()
	cfg.SyncPeriod = 0
	if _, err := NewController(Spec{MaxReplicas: 1}, cfg, ValidateOptions{}); err == nil {
		t.Error("zero sync period accepted")
	}
	cfg = DefaultConfig()
	cfg.Tolerance = -1
	if _, err := NewController(Spec{MaxReplicas: 1}, cfg, ValidateOptions{}); err == nil {
		t.Error("negative tolerance accepted")
	}
}

func TestDefaultsApplied(t *testing.T) {
	d := Spec{MaxReplicas: 3, Behavior: &Behavior{ScaleUp: &ScalingRules{StabilizationWindowSeconds: Ptr(int32(60))}}}.WithDefaults()
	if *d.MinReplicas != 1 || *d.Metrics[0].Resource.Target.AverageUtilization != 80 {
		t.Errorf("min/metric defaults: %+v", d)
	}
	up, down := d.Behavior.ScaleUp, d.Behavior.ScaleDown
	if *up.StabilizationWindowSeconds != 60 || len(up.Policies) != 2 || *up.SelectPolicy != MaxChangePolicySelect {
		t.Errorf("scaleUp defaults: %+v", up)
	}
	if down.StabilizationWindowSeconds != nil || down.Policies[0] != (ScalingPolicy{PercentScalingPolicy, 100, 15}) {
		t.Errorf("scaleDown defaults: %+v", down)
	}
	c := &Controller{spec: d, cfg: DefaultConfig()}
	if got := c.downWindowSeconds(); got != 300 {
		t.Errorf("scale-down window from the flag = %d, want 300", got)
	}
	if nilSpec := (Spec{MaxReplicas: 3}).WithDefaults(); nilSpec.Behavior != nil {
		t.Error("an unset behavior must stay unset (legacy path)")
	}
}

func TestStepWaitsForTime(t *testing.T) {
	// The controller never reads a clock: the same inputs give the same output.
	spec := Spec{MaxReplicas: 10, Metrics: []MetricSpec{ResourceUtilization(CPU, 50)}}
	a := mustController(t, spec).Step(t0, cpuObs(2, 1000))
	b := mustController(t, spec).Step(t0.Add(time.Hour), cpuObs(2, 1000))
	if a.Desired != b.Desired || a.Desired != 4 {
		t.Errorf("desired %d and %d, want 4", a.Desired, b.Desired)
	}
}
