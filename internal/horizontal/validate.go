package horizontal

import (
	"fmt"
	"math"
	"strings"
)

// Limits enforced by the API server (pkg/apis/autoscaling/validation).
const (
	MaxPeriodSeconds              int32 = 1800
	MaxStabilizationWindowSeconds int32 = 3600
)

// FieldError is one rejected field, named by its path in the HPA object.
type FieldError struct {
	Path   string
	Detail string
}

func (e FieldError) Error() string { return e.Path + ": " + e.Detail }

// FieldErrors is every rejected field of a spec.
type FieldErrors []FieldError

func (es FieldErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// ValidateOptions are the feature gates that change what the API accepts.
type ValidateOptions struct {
	// ScaleToZero allows minReplicas 0 (alpha gate HPAScaleToZero, off by
	// default); it still needs an Object or External metric.
	ScaleToZero bool
}

// Validate rejects what the Kubernetes API server would reject for this spec
// after defaulting, and returns FieldErrors (nil when the spec is valid).
func (s Spec) Validate(opts ValidateOptions) error {
	d := s.WithDefaults()
	v := &validator{}
	lower := int32(1)
	if opts.ScaleToZero {
		lower = 0
	}
	if *d.MinReplicas < lower {
		v.add("spec.minReplicas", "must be greater than or equal to %d (got %d)", lower, *d.MinReplicas)
	}
	if d.MaxReplicas < 1 {
		v.add("spec.maxReplicas", "must be greater than 0 (got %d)", d.MaxReplicas)
	}
	if d.MaxReplicas < *d.MinReplicas {
		v.add("spec.maxReplicas", "must be greater than or equal to minReplicas (got %d < %d)", d.MaxReplicas, *d.MinReplicas)
	}
	v.metrics(d.Metrics, *d.MinReplicas)
	if d.Behavior != nil {
		v.rules(d.Behavior.ScaleUp, "spec.behavior.scaleUp")
		v.rules(d.Behavior.ScaleDown, "spec.behavior.scaleDown")
	}
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}

type validator struct{ errs FieldErrors }

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Path: path, Detail: fmt.Sprintf(format, args...)})
}

func (v *validator) metrics(ms []MetricSpec, minReplicas int32) {
	zeroOK := false
	for i, m := range ms {
		v.metric(m, fmt.Sprintf("spec.metrics[%d]", i))
		zeroOK = zeroOK || m.Type == ObjectMetricSourceType || m.Type == ExternalMetricSourceType
	}
	if minReplicas == 0 && !zeroOK {
		v.add("spec.metrics", "must specify at least one Object or External metric to support scaling to zero replicas")
	}
}

func (v *validator) metric(m MetricSpec, path string) {
	present := map[string]bool{
		"resource": m.Resource != nil, "containerResource": m.ContainerResource != nil,
		"pods": m.Pods != nil, "object": m.Object != nil, "external": m.External != nil,
	}
	want := ""
	switch m.Type {
	case ResourceMetricSourceType:
		want = "resource"
	case ContainerResourceMetricSourceType:
		want = "containerResource"
	case PodsMetricSourceType:
		want = "pods"
	case ObjectMetricSourceType:
		want = "object"
	case ExternalMetricSourceType:
		want = "external"
	case "":
		v.add(path+".type", "must specify a metric source type")
	default:
		v.add(path+".type", "unsupported value %q: supported values: Resource, ContainerResource, Pods, Object, External", m.Type)
	}
	for _, name := range []string{"resource", "containerResource", "pods", "object", "external"} {
		if present[name] && name != want && want != "" {
			v.add(path+"."+name, "must populate the given metric source only")
		}
	}
	if want != "" && !present[want] {
		v.add(path+"."+want, "must populate information for the given metric source")
		return
	}
	v.source(m, path+"."+want)
}

func (v *validator) source(m MetricSpec, path string) {
	switch m.Type {
	case ResourceMetricSourceType:
		if m.Resource.Name == "" {
			v.add(path+".name", "must specify a resource name")
		}
		v.utilizationOrValue(m.Resource.Target, path+".target")
	case ContainerResourceMetricSourceType:
		if m.ContainerResource.Name == "" {
			v.add(path+".name", "must specify a resource name")
		}
		if m.ContainerResource.Container == "" {
			v.add(path+".container", "must specify a container")
		}
		v.utilizationOrValue(m.ContainerResource.Target, path+".target")
	case PodsMetricSourceType:
		v.name(m.Pods.Metric, path)
		v.target(m.Pods.Target, path+".target")
		if m.Pods.Target.AverageValue == nil {
			v.add(path+".target.averageValue", "must specify a positive target averageValue")
		}
	case ObjectMetricSourceType:
		v.name(m.Object.Metric, path)
		v.valueOrAverage(m.Object.Target, path+".target")
	case ExternalMetricSourceType:
		v.name(m.External.Metric, path)
		v.valueOrAverage(m.External.Target, path+".target")
		if m.External.Target.Value != nil && m.External.Target.AverageValue != nil {
			v.add(path+".target.value", "may not set both a target value for metric and a per-pod target")
		}
	}
}

func (v *validator) name(name, path string) {
	if name == "" {
		v.add(path+".metric.name", "must specify a metric name")
	}
}

func (v *validator) utilizationOrValue(t MetricTarget, path string) {
	v.target(t, path)
	if t.AverageUtilization == nil && t.AverageValue == nil {
		v.add(path+".averageUtilization", "must set either a target raw value or a target utilization")
	}
	if t.AverageUtilization != nil && t.AverageValue != nil {
		v.add(path+".averageValue", "may not set both a target raw value and a target utilization")
	}
}

func (v *validator) valueOrAverage(t MetricTarget, path string) {
	v.target(t, path)
	if t.Value == nil && t.AverageValue == nil {
		v.add(path+".averageValue", "must set either a target value or averageValue")
	}
}

func (v *validator) target(t MetricTarget, path string) {
	switch t.Type {
	case UtilizationMetricType, ValueMetricType, AverageValueMetricType:
	case "":
		v.add(path+".type", "must specify a metric target type")
	default:
		v.add(path+".type", "must be either Utilization, Value, or AverageValue (got %q)", t.Type)
	}
	if t.Value != nil && *t.Value <= 0 {
		v.add(path+".value", "must be positive (got %s)", *t.Value)
	}
	if t.AverageValue != nil && *t.AverageValue <= 0 {
		v.add(path+".averageValue", "must be positive (got %s)", *t.AverageValue)
	}
	if t.AverageUtilization != nil && *t.AverageUtilization < 1 {
		v.add(path+".averageUtilization", "must be greater than 0 (got %d)", *t.AverageUtilization)
	}
}

func (v *validator) rules(r *ScalingRules, path string) {
	if w := r.StabilizationWindowSeconds; w != nil && (*w < 0 || *w > MaxStabilizationWindowSeconds) {
		v.add(path+".stabilizationWindowSeconds", "must be in 0..%d (got %d)", MaxStabilizationWindowSeconds, *w)
	}
	if p := r.SelectPolicy; p != nil && *p != MaxChangePolicySelect && *p != MinChangePolicySelect && *p != DisabledPolicySelect {
		v.add(path+".selectPolicy", "unsupported value %q: supported values: Disabled, Max, Min", *p)
	}
	if t := r.Tolerance; t != nil && (*t < 0 || math.IsNaN(*t) || math.IsInf(*t, 0)) {
		v.add(path+".tolerance", "must be greater than or equal to 0 (got %v)", *t)
	}
	if len(r.Policies) == 0 {
		v.add(path+".policies", "must specify at least one Policy")
	}
	for i, p := range r.Policies {
		v.policy(p, fmt.Sprintf("%s.policies[%d]", path, i))
	}
}

func (v *validator) policy(p ScalingPolicy, path string) {
	if p.Type != PodsScalingPolicy && p.Type != PercentScalingPolicy {
		v.add(path+".type", "unsupported value %q: supported values: Percent, Pods", p.Type)
	}
	if p.Value <= 0 {
		v.add(path+".value", "must be greater than zero (got %d)", p.Value)
	}
	if p.PeriodSeconds < 1 || p.PeriodSeconds > MaxPeriodSeconds {
		v.add(path+".periodSeconds", "must be in 1..%d (got %d)", MaxPeriodSeconds, p.PeriodSeconds)
	}
}
