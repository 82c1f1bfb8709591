package horizontal

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	util := func(p int32) MetricSpec { return ResourceUtilization(CPU, p) }
	rules := func(r ScalingRules) *Behavior { return &Behavior{ScaleUp: &r} }
	pol := func(typ ScalingPolicyType, v, p int32) []ScalingPolicy { return []ScalingPolicy{{typ, v, p}} }
	tests := []struct {
		name string
		spec Spec
		opts ValidateOptions
		want string // "" for valid
	}{
		{"minimal", Spec{MaxReplicas: 1}, ValidateOptions{}, ""},
		{"min zero without gate", Spec{MinReplicas: Ptr(int32(0)), MaxReplicas: 3}, ValidateOptions{}, "spec.minReplicas: must be greater than or equal to 1 (got 0)"},
		{"min zero needs object or external", Spec{MinReplicas: Ptr(int32(0)), MaxReplicas: 3}, ValidateOptions{ScaleToZero: true}, "spec.metrics: must specify at least one Object or External metric"},
		{"max below min", Spec{MinReplicas: Ptr(int32(4)), MaxReplicas: 3}, ValidateOptions{}, "spec.maxReplicas: must be greater than or equal to minReplicas (got 3 < 4)"},
		{"max zero", Spec{MaxReplicas: 0}, ValidateOptions{}, "spec.maxReplicas: must be greater than 0"},
		{"utilization zero", Spec{MaxReplicas: 3, Metrics: []MetricSpec{util(0)}}, ValidateOptions{}, "spec.metrics[0].resource.target.averageUtilization: must be greater than 0 (got 0)"},
		{"missing target type", Spec{MaxReplicas: 3, Metrics: []MetricSpec{{Type: ResourceMetricSourceType, Resource: &ResourceMetricSource{Name: CPU, Target: MetricTarget{AverageUtilization: Ptr(int32(50))}}}}}, ValidateOptions{}, "spec.metrics[0].resource.target.type: must specify a metric target type"},
		{"missing source", Spec{MaxReplicas: 3, Metrics: []MetricSpec{{Type: PodsMetricSourceType}}}, ValidateOptions{}, "spec.metrics[0].pods: must populate information for the given metric source"},
		{"two sources", Spec{MaxReplicas: 3, Metrics: []MetricSpec{{Type: ResourceMetricSourceType, Resource: util(50).Resource, Pods: &PodsMetricSource{}}}}, ValidateOptions{}, "spec.metrics[0].pods: must populate the given metric source only"},
		{"unknown type", Spec{MaxReplicas: 3, Metrics: []MetricSpec{{Type: "Bogus"}}}, ValidateOptions{}, `spec.metrics[0].type: unsupported value "Bogus"`},
		{"pods needs average value", Spec{MaxReplicas: 3, Metrics: []MetricSpec{{Type: PodsMetricSourceType, Pods: &PodsMetricSource{Metric: "rps", Target: MetricTarget{Type: ValueMetricType, Value: Ptr(Milli(1))}}}}}, ValidateOptions{}, "spec.metrics[0].pods.target.averageValue: must specify a positive target averageValue"},
		{"external both targets", Spec{MaxReplicas: 3, Metrics: []MetricSpec{{Type: ExternalMetricSourceType, External: &ExternalMetricSource{Metric: "q", Target: MetricTarget{Type: ValueMetricType, Value: Ptr(Milli(1)), AverageValue: Ptr(Milli(1))}}}}}, ValidateOptions{}, "spec.metrics[1]"},
		{"container required", Spec{MaxReplicas: 3, Metrics: []MetricSpec{{Type: ContainerResourceMetricSourceType, ContainerResource: &ContainerResourceMetricSource{Name: CPU, Target: util(50).Resource.Target}}}}, ValidateOptions{}, "spec.metrics[0].containerResource.container: must specify a container"},
		{"negative average value", Spec{MaxReplicas: 3, Metrics: []MetricSpec{{Type: ObjectMetricSourceType, Object: &ObjectMetricSource{Metric: "q", Target: MetricTarget{Type: AverageValueMetricType, AverageValue: Ptr(Milli(-5))}}}}}, ValidateOptions{}, "spec.metrics[0].object.target.averageValue: must be positive (got -5m)"},
		{"period zero", Spec{MaxReplicas: 3, Behavior: rules(ScalingRules{Policies: pol(PodsScalingPolicy, 4, 0)})}, ValidateOptions{}, "spec.behavior.scaleUp.policies[0].periodSeconds: must be in 1..1800 (got 0)"},
		{"period too long", Spec{MaxReplicas: 3, Behavior: rules(ScalingRules{Policies: pol(PodsScalingPolicy, 4, 1801)})}, ValidateOptions{}, "spec.behavior.scaleUp.policies[0].periodSeconds: must be in 1..1800 (got 1801)"},
		{"policy value", Spec{MaxReplicas: 3, Behavior: rules(ScalingRules{Policies: pol(PercentScalingPolicy, 0, 15)})}, ValidateOptions{}, "spec.behavior.scaleUp.policies[0].value: must be greater than zero (got 0)"},
		{"policy type", Spec{MaxReplicas: 3, Behavior: rules(ScalingRules{Policies: pol("Cores", 1, 15)})}, ValidateOptions{}, `spec.behavior.scaleUp.policies[0].type: unsupported value "Cores"`},
		{"empty policies", Spec{MaxReplicas: 3, Behavior: rules(ScalingRules{Policies: []ScalingPolicy{}})}, ValidateOptions{}, "spec.behavior.scaleUp.policies: must specify at least one Policy"},
		{"window too long", Spec{MaxReplicas: 3, Behavior: &Behavior{ScaleDown: &ScalingRules{StabilizationWindowSeconds: Ptr(int32(3601))}}}, ValidateOptions{}, "spec.behavior.scaleDown.stabilizationWindowSeconds: must be in 0..3600 (got 3601)"},
		{"window negative", Spec{MaxReplicas: 3, Behavior: rules(ScalingRules{StabilizationWindowSeconds: Ptr(int32(-1))})}, ValidateOptions{}, "spec.behavior.scaleUp.stabilizationWindowSeconds: must be in 0..3600 (got -1)"},
		{"select policy", Spec{MaxReplicas: 3, Behavior: rules(ScalingRules{SelectPolicy: Ptr(ScalingPolicySelect("Average"))})}, ValidateOptions{}, `spec.behavior.scaleUp.selectPolicy: unsupported value "Average"`},
		{"negative tolerance", Spec{MaxReplicas: 3, Behavior: rules(ScalingRules{Tolerance: Ptr(-0.1)})}, ValidateOptions{}, "spec.behavior.scaleUp.tolerance: must be greater than or equal to 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "external both targets" {
				tt.spec.Metrics = append([]MetricSpec{ResourceUtilization(CPU, 50)}, tt.spec.Metrics...)
			}
			err := tt.spec.Validate(tt.opts)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var fes FieldErrors
			if !errors.As(err, &fes) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestParseQuantity(t *testing.T) {
	tests := map[string]Milli{
		"500m": 500, "2": 2000, "0.25": 250, "1.5": 1500, "256Mi": 256 << 20 * 1000,
		"1G": 1e12, "10k": 10_000_000, "0.0001": 1, "-1": -1000, "1Ki": 1024000,
	}
	for in, want := range tests {
		got, err := ParseQuantity(in)
		if err != nil || got != want {
			t.Errorf("ParseQuantity(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "m", "abc", "1e3", "1/2", "5x"} {
		if _, err := ParseQuantity(bad); err == nil {
			t.Errorf("ParseQuantity(%q) accepted", bad)
		}
	}
	if MilliFromFloat(0.1) != 100 || MilliFromFloat(1.0/3) != 334 || Milli(1500).String() != "1500m" || Milli(2000).String() != "2" {
		t.Error("MilliFromFloat or String")
	}
}
