package horizontal

import (
	"fmt"
)

// MetricResult is one metric's proposal in a sync.
type MetricResult struct {
	Name     string  // e.g. "cpu resource utilization (percentage of request)"
	Replicas int32   // the proposal; meaningless when Err is set
	Ratio    float64 // usage ÷ target before the missing/unready adjustments
	Current  Milli   // average per pod (or total for Value targets)
	// Utilization is the current utilization percent for Utilization targets.
	Utilization int32
	Err         error
}

// computeMetrics is computeReplicasForMetrics in horizontal.go: every metric
// proposes a count and the largest wins. It returns -1 when nothing may
// happen: all metrics failed, or some failed and the rest would scale down.
func (c calc) computeMetrics(metrics []MetricSpec) (int32, []MetricResult, error) {
	results := make([]MetricResult, len(metrics))
	var replicas int32
	invalid := 0
	var firstErr error
	for i, m := range metrics {
		results[i] = c.computeMetric(m)
		if err := results[i].Err; err != nil {
			if invalid == 0 {
				firstErr = err
			}
			invalid++
			continue
		}
		if replicas == 0 || results[i].Replicas > replicas {
			replicas = results[i].Replicas
		}
	}
	if invalid == 0 {
		return replicas, results, nil
	}
	err := fmt.Errorf("invalid metrics (%d invalid out of %d), first error is: %w", invalid, len(metrics), firstErr)
	if invalid >= len(metrics) || replicas < c.obs.SpecReplicas {
		return -1, results, err
	}
	return replicas, results, err
}

func (c calc) computeMetric(m MetricSpec) MetricResult {
	p, name, err := c.metricProposal(m)
	if err != nil {
		return MetricResult{Name: name, Err: fmt.Errorf("%s: %w", name, err)}
	}
	return MetricResult{Name: name, Replicas: p.replicas, Ratio: p.ratio, Current: p.current, Utilization: p.util}
}

func (c calc) metricProposal(m MetricSpec) (proposal, string, error) {
	switch m.Type {
	case ResourceMetricSourceType:
		name := fmt.Sprintf("%s resource", m.Resource.Name)
		return c.resource(m.Resource.Name, "", m.Resource.Target, name)
	case ContainerResourceMetricSourceType:
		s := m.ContainerResource
		name := fmt.Sprintf("%s container resource (%s)", s.Name, s.Container)
		return c.resource(s.Name, s.Container, s.Target, name)
	case PodsMetricSourceType:
		return c.pods(m.Pods)
	case ObjectMetricSourceType:
		return c.object(m.Object)
	case ExternalMetricSourceType:
		return c.external(m.External)
	}
	return proposal{}, string(m.Type), fmt.Errorf("unknown metric source type %q", m.Type)
}

func (c calc) resource(res ResourceName, container string, t MetricTarget, name string) (proposal, string, error) {
	if t.AverageValue != nil {
		samples, err := resourceSamples(c.obs.Pods, res, container)
		if err != nil {
			return proposal{}, name, err
		}
		p, err := c.plain(samples, res, *t.AverageValue)
		return p, name, err
	}
	if t.AverageUtilization == nil {
		return proposal{}, name, fmt.Errorf("neither an average utilization target nor an average value target was set")
	}
	name += " utilization (percentage of request)"
	p, err := c.resourceUtilization(res, container, *t.AverageUtilization)
	return p, name, err
}

func (c calc) pods(s *PodsMetricSource) (proposal, string, error) {
	name := "pods metric " + s.Metric
	if s.Target.AverageValue == nil {
		return proposal{}, name, fmt.Errorf("no averageValue target")
	}
	samples, err := customSamples(c.obs.Pods, s.Metric)
	if err != nil {
		return proposal{}, name, err
	}
	p, err := c.plain(samples, "", *s.Target.AverageValue)
	return p, name, err
}

func (c calc) object(s *ObjectMetricSource) (proposal, string, error) {
	name := "object metric " + s.Metric
	v, ok := c.obs.Objects[s.Metric]
	if !ok {
		return proposal{}, name, fmt.Errorf("unable to get metric %s: no value", s.Metric)
	}
	t := s.Target
	switch {
	case t.Type == ValueMetricType && t.Value != nil:
		p, err := c.objectValue(v, *t.Value)
		return p, name, err
	case t.Type == AverageValueMetricType && t.AverageValue != nil:
		return c.perPod(v, *t.AverageValue), name, nil
	}
	return proposal{}, name, fmt.Errorf("invalid object metric source: neither a value target nor an average value target was set")
}

func (c calc) external(s *ExternalMetricSource) (proposal, string, error) {
	name := "external metric " + s.Metric
	series, ok := c.obs.External[s.Metric]
	if !ok || len(series) == 0 {
		return proposal{}, name, fmt.Errorf("unable to get external metric %s: no metrics returned from external metrics API", s.Metric)
	}
	var total Milli
	for _, v := range series {
		total += v
	}
	t := s.Target
	switch {
	case t.AverageValue != nil:
		return c.perPod(total, *t.AverageValue), name, nil
	case t.Value != nil:
		p, err := c.objectValue(total, *t.Value)
		return p, name, err
	}
	return proposal{}, name, fmt.Errorf("invalid external metric source: neither a value target nor an average value target was set")
}
