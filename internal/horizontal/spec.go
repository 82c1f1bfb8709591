package horizontal

// The types below mirror k8s.io/api/autoscaling/v2 closely enough that a
// reader of the Kubernetes API reference recognises every field; metric
// identifiers are reduced to a name (label selectors do not matter to the
// arithmetic).

// ResourceName names a container resource ("cpu", "memory").
type ResourceName string

// Resource names with special meaning to the controller.
const (
	CPU    ResourceName = "cpu"
	Memory ResourceName = "memory"
)

// MetricSourceType is the kind of a metric source.
type MetricSourceType string

// Metric source types of autoscaling/v2.
const (
	ResourceMetricSourceType          MetricSourceType = "Resource"
	ContainerResourceMetricSourceType MetricSourceType = "ContainerResource"
	PodsMetricSourceType              MetricSourceType = "Pods"
	ObjectMetricSourceType            MetricSourceType = "Object"
	ExternalMetricSourceType          MetricSourceType = "External"
)

// MetricTargetType says which target field is meant.
type MetricTargetType string

// Metric target types of autoscaling/v2.
const (
	UtilizationMetricType  MetricTargetType = "Utilization"
	ValueMetricType        MetricTargetType = "Value"
	AverageValueMetricType MetricTargetType = "AverageValue"
)

// MetricTarget is the target value of one metric.
type MetricTarget struct {
	Type               MetricTargetType
	AverageUtilization *int32 // percent of the request, Resource and ContainerResource only
	Value              *Milli // total value, Object and External only
	AverageValue       *Milli // value per pod
}

// ResourceMetricSource scales on a resource summed over each pod's containers.
type ResourceMetricSource struct {
	Name   ResourceName
	Target MetricTarget
}

// ContainerResourceMetricSource scales on one container's resource.
type ContainerResourceMetricSource struct {
	Name      ResourceName
	Container string
	Target    MetricTarget
}

// PodsMetricSource scales on a per-pod custom metric (AverageValue only).
type PodsMetricSource struct {
	Metric string
	Target MetricTarget
}

// ObjectMetricSource scales on a metric describing one Kubernetes object.
type ObjectMetricSource struct {
	DescribedObject string // informational, e.g. "Ingress/main"
	Metric          string
	Target          MetricTarget
}

// ExternalMetricSource scales on a metric from outside the cluster; all
// series returned for it are summed.
type ExternalMetricSource struct {
	Metric string
	Target MetricTarget
}

// MetricSpec is one entry of spec.metrics: Type plus the matching source.
type MetricSpec struct {
	Type              MetricSourceType
	Resource          *ResourceMetricSource
	ContainerResource *ContainerResourceMetricSource
	Pods              *PodsMetricSource
	Object            *ObjectMetricSource
	External          *ExternalMetricSource
}

// ScalingPolicyType is the unit of a scaling policy.
type ScalingPolicyType string

// Scaling policy types.
const (
	PodsScalingPolicy    ScalingPolicyType = "Pods"
	PercentScalingPolicy ScalingPolicyType = "Percent"
)

// ScalingPolicySelect chooses among the policies of one direction.
type ScalingPolicySelect string

// Policy selections.
const (
	MaxChangePolicySelect ScalingPolicySelect = "Max"
	MinChangePolicySelect ScalingPolicySelect = "Min"
	DisabledPolicySelect  ScalingPolicySelect = "Disabled"
)

// ScalingPolicy allows a change of Value pods (or percent) per PeriodSeconds.
type ScalingPolicy struct {
	Type          ScalingPolicyType
	Value         int32
	PeriodSeconds int32
}

// ScalingRules configure one direction of scaling.
type ScalingRules struct {
	StabilizationWindowSeconds *int32
	SelectPolicy               *ScalingPolicySelect
	Policies                   []ScalingPolicy
	// Tolerance overrides the cluster-wide tolerance for this direction
	// (HPAConfigurableTolerance, beta and on by default since v1.35).
	Tolerance *float64
}

// Behavior is spec.behavior. A nil *Behavior selects the controller's legacy
// normalization, not the defaulted rules (reference §1.4).
type Behavior struct {
	ScaleUp   *ScalingRules
	ScaleDown *ScalingRules
}

// Spec is the part of an HPA spec the controller reads.
type Spec struct {
	MinReplicas *int32 // nil defaults to 1
	MaxReplicas int32
	Metrics     []MetricSpec // empty defaults to CPU utilization 80%
	Behavior    *Behavior
}

// Ptr returns a pointer to v, for the optional fields of a Spec.
func Ptr[T any](v T) *T { return &v }

// Defaults applied by the API server (pkg/apis/autoscaling/v2/defaults.go).
const (
	DefaultMinReplicas    int32 = 1
	DefaultCPUUtilization int32 = 80
)

// DefaultScaleUpRules returns the scale-up rules the API server fills in when
// spec.behavior is set without them: no stabilization, at most 4 pods or 100%
// per 15 s, whichever allows more.
func DefaultScaleUpRules() ScalingRules {
	return ScalingRules{
		StabilizationWindowSeconds: Ptr(int32(0)),
		SelectPolicy:               Ptr(MaxChangePolicySelect),
		Policies: []ScalingPolicy{
			{Type: PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
			{Type: PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

// DefaultScaleDownRules returns the scale-down rules the API server fills in:
// 100% per 15 s. The stabilization window stays unset so the controller's
// --horizontal-pod-autoscaler-downscale-stabilization (5 min) applies.
func DefaultScaleDownRules() ScalingRules {
	return ScalingRules{
		SelectPolicy: Ptr(MaxChangePolicySelect),
		Policies:     []ScalingPolicy{{Type: PercentScalingPolicy, Value: 100, PeriodSeconds: 15}},
	}
}

// WithDefaults returns a deep copy of s with the API server's defaults applied.
func (s Spec) WithDefaults() Spec {
	out := s
	if out.MinReplicas == nil {
		out.MinReplicas = Ptr(DefaultMinReplicas)
	} else {
		out.MinReplicas = Ptr(*s.MinReplicas)
	}
	out.Metrics = append([]MetricSpec(nil), s.Metrics...)
	if len(out.Metrics) == 0 {
		out.Metrics = []MetricSpec{ResourceUtilization(CPU, DefaultCPUUtilization)}
	}
	if s.Behavior != nil {
		out.Behavior = &Behavior{
			ScaleUp:   mergeRules(s.Behavior.ScaleUp, DefaultScaleUpRules()),
			ScaleDown: mergeRules(s.Behavior.ScaleDown, DefaultScaleDownRules()),
		}
	}
	return out
}

// mergeRules copies the set fields of from over the defaults, like
// copyHPAScalingRules upstream.
func mergeRules(from *ScalingRules, to ScalingRules) *ScalingRules {
	if from == nil {
		return &to
	}
	if from.SelectPolicy != nil {
		to.SelectPolicy = Ptr(*from.SelectPolicy)
	}
	if from.StabilizationWindowSeconds != nil {
		to.StabilizationWindowSeconds = Ptr(*from.StabilizationWindowSeconds)
	}
	if from.Policies != nil {
		to.Policies = append([]ScalingPolicy{}, from.Policies...)
	}
	if from.Tolerance != nil {
		to.Tolerance = Ptr(*from.Tolerance)
	}
	return &to
}

// ResourceUtilization is a Resource metric with a Utilization target (percent).
func ResourceUtilization(name ResourceName, percent int32) MetricSpec {
	return MetricSpec{Type: ResourceMetricSourceType, Resource: &ResourceMetricSource{
		Name: name, Target: MetricTarget{Type: UtilizationMetricType, AverageUtilization: Ptr(percent)},
	}}
}
