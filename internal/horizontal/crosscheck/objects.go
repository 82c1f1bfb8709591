package crosscheck

import (
	"errors"
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"tailor.dev/tailor/internal/horizontal"
)

// Supported reports why s cannot run against a controller started with the
// flags cfg, or nil. The real side reproduces CPU load in cores on pods that
// are Ready as soon as they run (kwok), through the resource metrics API;
// and it numbers the controller's syncs by its metrics requests, so every
// sync must read the metrics (the initial count within min..max).
func Supported(s *horizontal.Scenario, cfg horizontal.Config) error {
	var errs []error
	if s.Config != cfg {
		errs = append(errs, fmt.Errorf("config %+v differs from the controller's flags %+v", s.Config, cfg))
	}
	if s.LoadKind != "cpu" || len(s.Values) > 0 || len(s.Missing) > 0 {
		errs = append(errs, errors.New("only a CPU load in cores is supported (no rps, value or missing lines)"))
	}
	if s.Options.ScaleToZero {
		errs = append(errs, errors.New("scaleToZero is not supported"))
	}
	for i, m := range s.Spec.Metrics {
		if m.Type != horizontal.ResourceMetricSourceType {
			errs = append(errs, fmt.Errorf("metric %d: only Resource metrics are supported (got %s)", i, m.Type))
		}
	}
	p := s.Cluster.Pod
	if p.PendingDelay != 0 || p.StartupDelay != 0 {
		errs = append(errs, fmt.Errorf("pods must have pending=0s and startup=0s: kwok pods are Ready once scheduled (got %s, %s)", p.PendingDelay, p.StartupDelay))
	}
	for _, c := range p.Containers {
		if c.Sidecar {
			errs = append(errs, fmt.Errorf("container %s: sidecars are not supported", c.Name))
		}
	}
	if s.Cluster.MetricWindow <= 0 {
		errs = append(errs, errors.New("the metric window must be positive"))
	}
	spec := s.Spec.WithDefaults()
	if s.Initial < *spec.MinReplicas || s.Initial > spec.MaxReplicas {
		errs = append(errs, fmt.Errorf("initial replicas %d outside %d..%d: the controller would skip the metrics", s.Initial, *spec.MinReplicas, spec.MaxReplicas))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%s: not supported by the cross-check: %w", s.Name, err)
	}
	return nil
}

// Image is the container image of the scenario pods; kwok never pulls it.
const Image = "registry.invalid/tailor-crosscheck:1"

// Deployment is the scenario's workload: s.Initial replicas of pods labelled
// app=name with the template's containers and requests.
func Deployment(s *horizontal.Scenario, name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	var containers []corev1.Container
	for _, c := range s.Cluster.Pod.Containers {
		req := corev1.ResourceList{}
		for res, m := range c.Requests {
			req[corev1.ResourceName(res)] = *resource.NewMilliQuantity(int64(m), resource.DecimalSI)
		}
		containers = append(containers, corev1.Container{Name: c.Name, Image: Image, Resources: corev1.ResourceRequirements{Requests: req}})
	}
	replicas := s.Initial
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: containers, TerminationGracePeriodSeconds: new(int64)},
			},
		},
	}
}

// HPA is s.Spec as an autoscaling/v2 HorizontalPodAutoscaler scaling the
// Deployment name. Unset fields stay unset, so the API server applies its
// defaults as it does for any HPA.
func HPA(s *horizontal.Scenario, name string) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: name},
			MinReplicas:    s.Spec.MinReplicas,
			MaxReplicas:    s.Spec.MaxReplicas,
		},
	}
	for i, m := range s.Spec.Metrics {
		if m.Type != horizontal.ResourceMetricSourceType || m.Resource == nil {
			return nil, fmt.Errorf("metric %d: only Resource metrics convert (got %s)", i, m.Type)
		}
		hpa.Spec.Metrics = append(hpa.Spec.Metrics, autoscalingv2.MetricSpec{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceName(m.Resource.Name), Target: target(m.Resource.Target),
			},
		})
	}
	if b := s.Spec.Behavior; b != nil {
		hpa.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: rules(b.ScaleUp), ScaleDown: rules(b.ScaleDown)}
	}
	return hpa, nil
}

func target(t horizontal.MetricTarget) autoscalingv2.MetricTarget {
	out := autoscalingv2.MetricTarget{Type: autoscalingv2.MetricTargetType(t.Type), AverageUtilization: t.AverageUtilization}
	if t.AverageValue != nil {
		out.AverageValue = resource.NewMilliQuantity(int64(*t.AverageValue), resource.DecimalSI)
	}
	if t.Value != nil {
		out.Value = resource.NewMilliQuantity(int64(*t.Value), resource.DecimalSI)
	}
	return out
}

func rules(r *horizontal.ScalingRules) *autoscalingv2.HPAScalingRules {
	if r == nil {
		return nil
	}
	out := &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: r.StabilizationWindowSeconds}
	if r.SelectPolicy != nil {
		sel := autoscalingv2.ScalingPolicySelect(*r.SelectPolicy)
		out.SelectPolicy = &sel
	}
	for _, p := range r.Policies {
		out.Policies = append(out.Policies, autoscalingv2.HPAScalingPolicy{
			Type: autoscalingv2.HPAScalingPolicyType(p.Type), Value: p.Value, PeriodSeconds: p.PeriodSeconds,
		})
	}
	if r.Tolerance != nil {
		q := resource.MustParse(strconv.FormatFloat(*r.Tolerance, 'f', -1, 64))
		out.Tolerance = &q
	}
	return out
}
