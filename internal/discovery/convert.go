package discovery

import (
	"maps"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"tailor.dev/tailor/internal/workload"
)

// containersOf lists a pod spec's init containers (sidecars: those with
// restartPolicy Always), then its main containers, in spec order.
func containersOf(spec *corev1.PodSpec) []workload.Container {
	out := make([]workload.Container, 0, len(spec.InitContainers)+len(spec.Containers))
	for _, c := range spec.InitContainers {
		role := workload.RoleInit
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			role = workload.RoleSidecar
		}
		out = append(out, workload.Container{Name: c.Name, Role: role, Current: resourcesOf(c.Resources)})
	}
	for _, c := range spec.Containers {
		out = append(out, workload.Container{Name: c.Name, Role: workload.RoleMain, Current: resourcesOf(c.Resources)})
	}
	return out
}

func resourcesOf(r corev1.ResourceRequirements) workload.Resources {
	req, lim := amountOf(r.Requests), amountOf(r.Limits)
	return workload.Resources{CPURequest: req.CPU, CPULimit: lim.CPU, MemRequest: req.Memory, MemLimit: lim.Memory}
}

// amountOf reads cpu and memory from a resource list.
func amountOf(l corev1.ResourceList) workload.Amount {
	var a workload.Amount
	if q, ok := l[corev1.ResourceCPU]; ok {
		a.CPU = value(workload.ResourceCPU, q)
	}
	if q, ok := l[corev1.ResourceMemory]; ok {
		a.Memory = value(workload.ResourceMemory, q)
	}
	return a
}

// value converts a quantity as kube-state-metrics does, so that both
// inventories agree: cores (to the millicore) for cpu, bytes for memory,
// and the number itself, to a thousandth, for anything else.
func value(resourceName string, q resource.Quantity) float64 {
	switch {
	case resourceName == workload.ResourceMemory, q.Value() > resource.MaxMilliValue:
		return float64(q.Value())
	}
	return float64(q.MilliValue()) / 1000
}

func limitRangeOf(item corev1.LimitRangeItem) workload.LimitRange {
	return workload.LimitRange{Min: amountOf(item.Min), Max: amountOf(item.Max),
		Default: amountOf(item.Default), DefaultRequest: amountOf(item.DefaultRequest)}
}

// replicas is a defaulted *int32 replica count (nil means 1).
func replicas(n *int32) int {
	if n == nil {
		return 1
	}
	return int(*n)
}

// cloneLabels copies labels; no labels is nil.
func cloneLabels(l map[string]string) map[string]string {
	if len(l) == 0 {
		return nil
	}
	return maps.Clone(l)
}

// hpaOf converts an autoscaling/v2 HPA; its metrics come out sorted.
func hpaOf(h *autoscalingv2.HorizontalPodAutoscaler) *workload.HPA {
	out := &workload.HPA{Name: h.Name, MinReplicas: replicas(h.Spec.MinReplicas), MaxReplicas: int(h.Spec.MaxReplicas)}
	for _, m := range h.Spec.Metrics {
		if x, ok := metricOf(m); ok {
			out.Metrics = append(out.Metrics, x)
		}
	}
	workload.SortMetrics(out.Metrics)
	return out
}

// metricOf converts one metric spec; ok is false for an incomplete one.
func metricOf(m autoscalingv2.MetricSpec) (workload.HPAMetric, bool) {
	x := workload.HPAMetric{Type: workload.MetricType(m.Type)}
	var t autoscalingv2.MetricTarget
	switch {
	case m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil:
		x.Resource, t = string(m.Resource.Name), m.Resource.Target
	case m.Type == autoscalingv2.ContainerResourceMetricSourceType && m.ContainerResource != nil:
		x.Resource, x.Container, t = string(m.ContainerResource.Name), m.ContainerResource.Container, m.ContainerResource.Target
	case m.Type == autoscalingv2.PodsMetricSourceType && m.Pods != nil:
		x.Name, t = m.Pods.Metric.Name, m.Pods.Target
	case m.Type == autoscalingv2.ObjectMetricSourceType && m.Object != nil:
		x.Name, t = m.Object.Metric.Name, m.Object.Target
	case m.Type == autoscalingv2.ExternalMetricSourceType && m.External != nil:
		x.Name, t = m.External.Metric.Name, m.External.Target
	default:
		return x, false
	}
	x.TargetType = workload.TargetType(t.Type)
	switch {
	case t.Type == autoscalingv2.UtilizationMetricType && t.AverageUtilization != nil:
		x.TargetValue = float64(*t.AverageUtilization)
	case t.Type == autoscalingv2.AverageValueMetricType && t.AverageValue != nil:
		x.TargetValue = value(x.Resource, *t.AverageValue)
	case t.Type == autoscalingv2.ValueMetricType && t.Value != nil:
		x.TargetValue = value(x.Resource, *t.Value)
	}
	return x, true
}
