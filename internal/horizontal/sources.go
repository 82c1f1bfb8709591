package horizontal

import (
	"errors"
	"fmt"
)

// What the metrics clients of pkg/controller/podautoscaler/metrics return,
// computed from an Observation.

var errNoPods = errors.New("no pods returned by selector while calculating replica count")

// resourceSamples returns each pod's usage of resource, summed over its
// containers or taken from one container (getPodMetrics, getContainerMetrics).
func resourceSamples(pods []Pod, resource ResourceName, container string) (map[string]sample, error) {
	out := map[string]sample{}
	seen := 0
	for _, p := range pods {
		if p.Metrics == nil {
			continue
		}
		seen++
		v, ok, err := podUsage(p, resource, container)
		if err != nil {
			return nil, err
		}
		if ok {
			out[p.Name] = sample{value: v, timestamp: p.Metrics.Timestamp, window: p.Metrics.Window}
		}
	}
	if seen == 0 {
		return nil, fmt.Errorf("unable to get metrics for resource %s: no metrics returned from resource metrics API", resource)
	}
	return out, nil
}

func podUsage(p Pod, resource ResourceName, container string) (Milli, bool, error) {
	if container != "" {
		for _, c := range p.Metrics.Containers {
			if c.Name == container {
				v, ok := c.Usage[resource]
				return v, ok, nil
			}
		}
		return 0, false, fmt.Errorf("failed to get container metrics: container %s not present in metrics for pod %s", container, p.Name)
	}
	if len(p.Metrics.Containers) == 0 {
		return 0, false, nil
	}
	var sum Milli
	for _, c := range p.Metrics.Containers {
		v, ok := c.Usage[resource]
		if !ok {
			return 0, false, nil
		}
		sum += v
	}
	return sum, true, nil
}

// customSamples returns each pod's value of a Pods metric.
func customSamples(pods []Pod, metric string) (map[string]sample, error) {
	out := map[string]sample{}
	for _, p := range pods {
		if v, ok := p.Custom[metric]; ok {
			out[p.Name] = sample{value: v}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("unable to get metric %s: no metrics returned from custom metrics API", metric)
	}
	return out, nil
}

// podRequests returns each pod's request of resource: the named container's,
// or the sum over containers and sidecars (calculateRequests).
func podRequests(pods []Pod, resource ResourceName, container string) (map[string]Milli, error) {
	out := make(map[string]Milli, len(pods))
	for _, p := range pods {
		r, err := podRequest(p, resource, container)
		if err != nil {
			return nil, err
		}
		out[p.Name] = r
	}
	return out, nil
}

func podRequest(p Pod, resource ResourceName, container string) (Milli, error) {
	var sum Milli
	for _, c := range p.Containers {
		if container != "" && c.Name != container {
			continue
		}
		r, ok := c.Requests[resource]
		if !ok {
			return 0, fmt.Errorf("missing request for %s in container %s of Pod %s", resource, c.Name, p.Name)
		}
		if container != "" {
			return r, nil
		}
		sum += r
	}
	if container != "" {
		return 0, fmt.Errorf("container %s not found in Pod %s", container, p.Name)
	}
	return sum, nil
}
