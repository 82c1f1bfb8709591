package crosscheck

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	"tailor.dev/tailor/internal/horizontal"
)

// Sync is one PodMetrics request of the HPA controller, which it makes once
// per sync of an HPA with one Resource metric.
type Sync struct {
	Index   int
	At      time.Time
	Load    float64 // total CPU demand served, cores
	Running int     // pods with a sample
	Ready   int     // Ready pods, which share the load
	Err     error   // listing the pods failed; the sync got an error
}

// Provider is the metrics source of the cross-check: a metricsapi.Provider
// serving each registered namespace its scenario's load. The k-th request
// for a namespace (from 0) is the controller's k-th sync and gets the load at
// k × the sync period, the instant the model's k-th sync reads, split across
// the pods that are Ready at the request as horizontal.Cluster splits it.
// Numbering the syncs instead of reading the clock keeps the load steps
// between the same two syncs however the controller's syncs drift.
type Provider struct {
	client kubernetes.Interface
	now    func() time.Time

	mu   sync.Mutex
	runs map[string]*providerRun // by namespace
}

type providerRun struct {
	scenario *horizontal.Scenario
	syncs    []Sync
}

// NewProvider lists pods with client.
func NewProvider(client kubernetes.Interface) *Provider {
	return &Provider{client: client, now: time.Now, runs: map[string]*providerRun{}}
}

// Add serves s to the controller's requests for namespace, from sync 0.
func (p *Provider) Add(namespace string, s *horizontal.Scenario) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.runs[namespace] = &providerRun{scenario: s}
}

// Syncs returns the requests served so far for namespace.
func (p *Provider) Syncs(namespace string) []Sync {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := p.runs[namespace]; r != nil {
		return append([]Sync(nil), r.syncs...)
	}
	return nil
}

// PodMetrics implements metricsapi.Provider. Namespaces without a scenario
// have no samples.
func (p *Provider) PodMetrics(ctx context.Context, namespace string, selector labels.Selector) ([]metricsv1beta1.PodMetrics, error) {
	now := p.now()
	p.mu.Lock()
	r := p.runs[namespace]
	if r == nil {
		p.mu.Unlock()
		return nil, nil
	}
	k := len(r.syncs)
	r.syncs = append(r.syncs, Sync{Index: k, At: now})
	p.mu.Unlock()

	load := loadAt(r.scenario, k)
	pods, err := p.client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
	var items []metricsv1beta1.PodMetrics
	st := Sync{Index: k, At: now, Load: load, Err: err}
	if err == nil {
		items, st = Samples(r.scenario, load, now, pods.Items)
		st.Index = k
	}
	p.mu.Lock()
	r.syncs[k] = st
	p.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	return items, nil
}

// loadAt is the scenario's load at sync k; past the end, the last value.
func loadAt(s *horizontal.Scenario, k int) float64 {
	if v, ok := s.Load.At(time.Duration(k) * s.Config.SyncPeriod); ok {
		return v
	}
	if n := len(s.Load.Segments); n > 0 {
		return s.Load.Segments[n-1].Value
	}
	return 0
}

// Samples is what the metrics API reports at now for pods under a total
// load (cores), following horizontal.Cluster: Pending and deleting pods
// have no sample; Ready pods share the load evenly (capped at the CPU
// limit), blended with the start-up CPU while Ready for less than one
// metric window; other running pods use the start-up CPU. Each container
// gets its share of its pod's CPU and its constant memory working set. The
// samples carry timestamp now and the scenario's metric window.
func Samples(s *horizontal.Scenario, load float64, now time.Time, pods []corev1.Pod) ([]metricsv1beta1.PodMetrics, Sync) {
	st := Sync{At: now, Load: load}
	for i := range pods {
		if _, ok := readySince(&pods[i]); ok {
			st.Ready++
		}
	}
	var out []metricsv1beta1.PodMetrics
	for i := range pods {
		pod := &pods[i]
		if pod.DeletionTimestamp != nil || pod.Status.Phase != corev1.PodRunning {
			continue
		}
		st.Running++
		cpu := podCPU(s, pod, now, load, st.Ready)
		out = append(out, sample(s, pod, now, cpu))
	}
	return out, st
}

// readySince returns when a running, not deleting pod became Ready.
func readySince(pod *corev1.Pod) (time.Time, bool) {
	if pod.DeletionTimestamp != nil || pod.Status.Phase != corev1.PodRunning {
		return time.Time{}, false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.LastTransitionTime.Time, c.Status == corev1.ConditionTrue
		}
	}
	return time.Time{}, false
}

// podCPU mirrors horizontal.Cluster's podCPU (cores).
func podCPU(s *horizontal.Scenario, pod *corev1.Pod, now time.Time, load float64, ready int) float64 {
	t := s.Cluster.Pod
	capped := func(v float64) float64 {
		if t.CPULimit > 0 {
			return min(v, t.CPULimit.Float())
		}
		return v
	}
	startup := capped(t.StartupCPU.Float())
	since, ok := readySince(pod)
	if !ok || ready == 0 {
		return startup
	}
	share := capped(load / float64(ready))
	if d, w := now.Sub(since), s.Cluster.MetricWindow; d < w {
		f := max(0, float64(d)/float64(w))
		return f*share + (1-f)*startup
	}
	return share
}

func sample(s *horizontal.Scenario, pod *corev1.Pod, now time.Time, cpu float64) metricsv1beta1.PodMetrics {
	m := metricsv1beta1.PodMetrics{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, Labels: pod.Labels},
		Timestamp:  metav1.NewTime(now),
		Window:     metav1.Duration{Duration: s.Cluster.MetricWindow},
	}
	for _, c := range s.Cluster.Pod.Containers {
		m.Containers = append(m.Containers, metricsv1beta1.ContainerMetrics{Name: c.Name, Usage: corev1.ResourceList{
			corev1.ResourceCPU:    *resource.NewMilliQuantity(int64(horizontal.MilliFromFloat(cpu*c.CPUShare)), resource.DecimalSI),
			corev1.ResourceMemory: *resource.NewMilliQuantity(int64(c.Memory), resource.BinarySI),
		}})
	}
	return m
}
