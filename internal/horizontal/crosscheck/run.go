package crosscheck

import (
	"context"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"tailor.dev/tailor/internal/horizontal"
)

// Result is one scenario run against the real controller, with the model's
// run of the same scenario.
type Result struct {
	Scenario  *horizontal.Scenario
	Namespace string
	Steps     []horizontal.Step // the model's syncs
	Syncs     []Sync            // the controller's syncs (metrics requests)
	Replicas  []Observed        // the Deployment's spec.replicas as watched
	Status    []HPAStatus       // the HPA's status as watched
	Pods      []PodSeen         // pods as watched
	Model     Timeline
	Real      Timeline
}

// HPAStatus is one status of the HPA as the watch delivered it.
type HPAStatus struct {
	At          time.Time
	Desired     int32
	Utilization int32 // current average utilization of the first metric; -1 when unset
}

// PodSeen is when the watch first delivered a pod and when it first
// delivered it Ready (zero if never).
type PodSeen struct {
	Name         string
	Added, Ready time.Time
}

// Run runs s in namespace ns (created here) of a cluster whose HPA
// controller reads its metrics from p, and returns both timelines. The
// Deployment and the HPA are both named after the scenario's namespace.
// It waits for the initial pods to be Ready for one metric window before it
// creates the HPA, and stops once the controller has started the sync after
// the model's last one (so the last sync has finished).
func Run(ctx context.Context, cs kubernetes.Interface, p *Provider, s *horizontal.Scenario, ns string) (*Result, error) {
	steps, err := s.Run()
	if err != nil {
		return nil, err
	}
	hpa, err := HPA(s, ns)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	r := &Result{Scenario: s, Namespace: ns, Steps: steps, Model: ModelTimeline(s.Initial, steps)}
	if err := setUp(ctx, cs, s, ns); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	rec := &recorder{}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	if err := rec.watch(wctx, cs, ns); err != nil {
		return nil, fmt.Errorf("%s: watch: %w", s.Name, err)
	}
	p.Add(ns, s)
	if _, err := cs.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, hpa, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("%s: create HPA: %w", s.Name, err)
	}
	last := len(steps) - 1
	waitErr := waitSyncs(ctx, p, ns, last+2, time.Duration(last+2)*2*s.Config.SyncPeriod+time.Minute)
	// Stop the controller syncing this HPA, then let the watches catch up.
	_ = cs.AutoscalingV2().HorizontalPodAutoscalers(ns).Delete(context.WithoutCancel(ctx), ns, metav1.DeleteOptions{})
	time.Sleep(300 * time.Millisecond)
	stop()
	r.Syncs = p.Syncs(ns)
	r.Replicas, r.Status, r.Pods = rec.results()
	r.Real = RealTimeline(s.Initial, r.Replicas, r.Syncs, last)
	if waitErr != nil {
		return r, fmt.Errorf("%s: %w", s.Name, waitErr)
	}
	return r, nil
}

// setUp creates the namespace and the Deployment and waits until its pods
// have been Ready for one metric window.
func setUp(ctx context.Context, cs kubernetes.Interface, s *horizontal.Scenario, ns string) error {
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace: %w", err)
	}
	// Pods are rejected until the namespace's default service account exists.
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("default service account: %w", err)
	}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, Deployment(s, ns), metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create deployment: %w", err)
	}
	var ready int
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + ns})
		if err != nil {
			return false, nil
		}
		ready = 0
		for i := range pods.Items {
			if _, ok := readySince(&pods.Items[i]); ok {
				ready++
			}
		}
		return ready == int(s.Initial) && len(pods.Items) == int(s.Initial), nil
	})
	if err != nil {
		return fmt.Errorf("%d of %d initial pods Ready: %w", ready, s.Initial, err)
	}
	// The model's initial pods are long past their CPU initialization; the
	// controller counts a young pod's CPU once its sample ends one window
	// after it became Ready (timestamps in whole seconds).
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(s.Cluster.MetricWindow):
	}
	return nil
}

// waitSyncs waits until the controller has made n metrics requests for ns.
func waitSyncs(ctx context.Context, p *Provider, ns string, n int, timeout time.Duration) error {
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		return len(p.Syncs(ns)) >= n, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for %d controller syncs (got %d): %w", n, len(p.Syncs(ns)), err)
	}
	return nil
}

// recorder keeps what the watches deliver, stamped with the local clock.
type recorder struct {
	mu       sync.Mutex
	replicas []Observed
	status   []HPAStatus
	pods     map[string]*PodSeen
	order    []string
}

func (r *recorder) watch(ctx context.Context, cs kubernetes.Interface, ns string) error {
	r.pods = map[string]*PodSeen{}
	name := fields.OneTermEqualSelector("metadata.name", ns).String()
	deploys, err := cs.AppsV1().Deployments(ns).Watch(ctx, metav1.ListOptions{FieldSelector: name})
	if err != nil {
		return err
	}
	hpas, err := cs.AutoscalingV2().HorizontalPodAutoscalers(ns).Watch(ctx, metav1.ListOptions{FieldSelector: name})
	if err != nil {
		deploys.Stop()
		return err
	}
	pods, err := cs.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "app=" + ns})
	if err != nil {
		deploys.Stop()
		hpas.Stop()
		return err
	}
	for _, w := range []watch.Interface{deploys, hpas, pods} {
		go func() {
			defer w.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case ev, ok := <-w.ResultChan():
					if !ok {
						return
					}
					r.record(time.Now(), ev.Object)
				}
			}
		}()
	}
	return nil
}

func (r *recorder) record(at time.Time, obj runtime.Object) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch o := obj.(type) {
	case *autoscalingv2.HorizontalPodAutoscaler:
		util := int32(-1)
		if ms := o.Status.CurrentMetrics; len(ms) > 0 && ms[0].Resource != nil && ms[0].Resource.Current.AverageUtilization != nil {
			util = *ms[0].Resource.Current.AverageUtilization
		}
		st := HPAStatus{At: at, Desired: o.Status.DesiredReplicas, Utilization: util}
		if n := len(r.status); n == 0 || r.status[n-1].Desired != st.Desired || r.status[n-1].Utilization != st.Utilization {
			r.status = append(r.status, st)
		}
	case *corev1.Pod:
		seen := r.pods[o.Name]
		if seen == nil {
			seen = &PodSeen{Name: o.Name, Added: at}
			r.pods[o.Name] = seen
			r.order = append(r.order, o.Name)
		}
		if _, ok := readySince(o); ok && seen.Ready.IsZero() {
			seen.Ready = at
		}
	case *appsv1.Deployment:
		if o.Spec.Replicas == nil {
			return
		}
		if n := len(r.replicas); n == 0 || r.replicas[n-1].Replicas != *o.Spec.Replicas {
			r.replicas = append(r.replicas, Observed{At: at, Replicas: *o.Spec.Replicas})
		}
	}
}

func (r *recorder) results() ([]Observed, []HPAStatus, []PodSeen) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pods := make([]PodSeen, 0, len(r.order))
	for _, n := range r.order {
		pods = append(pods, *r.pods[n])
	}
	return append([]Observed(nil), r.replicas...), append([]HPAStatus(nil), r.status...), pods
}
