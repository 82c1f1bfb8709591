package crosscheck

import (
	"errors"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"tailor.dev/tailor/internal/horizontal"
)

var start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// kubePod is a running kwok-like pod that became Ready (or not) at readyAt.
func kubePod(name string, readyAt time.Time, ready bool) corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "a", Labels: map[string]string{"app": "a"}},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status, LastTransitionTime: metav1.NewTime(readyAt)}},
		},
	}
}

// TestSamplesMirrorTheModelCluster serves the pods of a model cluster and
// checks every sample equals what horizontal.Cluster reports for the pod.
func TestSamplesMirrorTheModelCluster(t *testing.T) {
	for _, tc := range []struct {
		name    string
		startup time.Duration
		ready   bool // the new pods are Ready at 12s
	}{
		{"new pods within one window of Ready", 0, true},
		{"new pods not Ready yet", 10 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := parse(t, header+"hpa maxReplicas=10 cpu=50%\npods initial=2 startup=0s window=6s startupCPU=100m\nload 0s..20s 5\n")
			s.Cluster.Pod.StartupDelay = tc.startup
			model, err := horizontal.NewCluster(s.Cluster, start, 2)
			if err != nil {
				t.Fatal(err)
			}
			model.Scale(start.Add(8*time.Second), 4)
			now := start.Add(12 * time.Second)
			obs := model.Observe(now, horizontal.Load{CPU: 5})
			pods := []corev1.Pod{
				kubePod("pod-1", start.Add(-time.Hour), true), kubePod("pod-2", start.Add(-time.Hour), true),
				kubePod("pod-3", start.Add(8*time.Second), tc.ready), kubePod("pod-4", start.Add(8*time.Second), tc.ready),
			}
			items, st := Samples(s, 5, now, pods)
			if st.Ready != model.ReadyPods(now) || st.Running != 4 || len(items) != 4 {
				t.Fatalf("ready %d running %d items %d; model ready %d", st.Ready, st.Running, len(items), model.ReadyPods(now))
			}
			for i, p := range obs.Pods {
				got := items[i].Containers[0].Usage[corev1.ResourceCPU]
				want := p.Metrics.Containers[0].Usage[horizontal.CPU]
				if got.MilliValue() != int64(want) || items[i].Window.Duration != p.Metrics.Window || !items[i].Timestamp.Time.Equal(now) {
					t.Errorf("%s: cpu %dm window %s at %s; model %dm window %s", items[i].Name, got.MilliValue(),
						items[i].Window.Duration, items[i].Timestamp.Time, want, p.Metrics.Window)
				}
			}
		})
	}
}

func TestSamplesSkipPendingAndDeletingPods(t *testing.T) {
	s := parse(t, header+"hpa maxReplicas=10 cpu=50%\npods initial=2 startup=0s window=6s\nload 0s..20s 3\n")
	deleting := kubePod("deleting", start, true)
	deleting.DeletionTimestamp = &metav1.Time{Time: start}
	pending := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "pending"}, Status: corev1.PodStatus{Phase: corev1.PodPending}}
	items, st := Samples(s, 3, start.Add(time.Minute), []corev1.Pod{kubePod("ready", start, true), deleting, pending})
	if len(items) != 1 || items[0].Name != "ready" || st.Ready != 1 || st.Running != 1 {
		t.Fatalf("items %v, sync %+v: want only the ready pod", items, st)
	}
	if cpu := items[0].Containers[0].Usage[corev1.ResourceCPU]; cpu.MilliValue() != 3000 {
		t.Errorf("the only Ready pod carries %s, want the whole load 3", cpu.String())
	}
}

// TestProviderNumbersSyncs checks the k-th request of a namespace gets the
// load at k sync periods, and the last value past the end.
func TestProviderNumbersSyncs(t *testing.T) {
	s := parse(t, header+"hpa maxReplicas=10 cpu=50%\npods initial=2 startup=0s window=6s\nload 0s..6s 1\nload 6s..8s 4\n")
	pods := []runtime.Object{}
	for i := range 2 {
		p := kubePod(fmt.Sprintf("pod-%d", i), start.Add(-time.Hour), true)
		pods = append(pods, &p)
	}
	client := fake.NewClientset(pods...)
	p := NewProvider(client)
	clock := start
	p.now = func() time.Time { clock = clock.Add(4 * time.Second); return clock }
	p.Add("a", s)
	sel := labels.SelectorFromSet(labels.Set{"app": "a"})
	var cpus []int64
	for range 4 {
		items, err := p.PodMetrics(t.Context(), "a", sel)
		if err != nil || len(items) != 2 {
			t.Fatalf("items %v, err %v", items, err)
		}
		cpu := items[0].Containers[0].Usage[corev1.ResourceCPU]
		cpus = append(cpus, cpu.MilliValue())
	}
	// Syncs at 0s, 4s, 8s (the end) and 12s (past it).
	if fmt.Sprint(cpus) != "[500 500 2000 2000]" {
		t.Errorf("per-pod CPU by sync %v, want [500 500 2000 2000]", cpus)
	}
	syncs := p.Syncs("a")
	if len(syncs) != 4 || syncs[3].Index != 3 || syncs[2].Load != 4 || syncs[3].Ready != 2 || !syncs[1].At.Equal(start.Add(8*time.Second)) {
		t.Errorf("syncs %+v", syncs)
	}
	if items, err := p.PodMetrics(t.Context(), "other", sel); items != nil || err != nil || p.Syncs("other") != nil {
		t.Errorf("namespace without a scenario: %v, %v", items, err)
	}
	client.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("apiserver down")
	})
	if _, err := p.PodMetrics(t.Context(), "a", sel); err == nil {
		t.Error("list failure not reported")
	}
	if syncs := p.Syncs("a"); len(syncs) != 5 || syncs[4].Err == nil {
		t.Errorf("failed sync not recorded: %+v", syncs)
	}
}
