package prometheus

import (
	"testing"

	"github.com/prometheus/common/model"
)

// Pods resolve to the workload the inventory lists: a ReplicaSet's pod to
// its Deployment, a Job's pod to its CronJob, a pod without an owner to
// itself.
func TestOwnersRef(t *testing.T) {
	o := owners{
		pods: map[string][2]string{"ns/web-1": {"ReplicaSet", "web-abc"}, "ns/nightly-1-x": {"Job", "nightly-1"},
			"ns/once-x": {"Job", "once"}, "ns/db-0": {"StatefulSet", "db"}},
		rs:   map[string]string{"ns/web-abc": "web"},
		jobs: map[string]string{"ns/nightly-1": "nightly"},
	}
	for pod, want := range map[string][2]string{"web-1": {"Deployment", "web"}, "nightly-1-x": {"CronJob", "nightly"},
		"once-x": {"Job", "once"}, "db-0": {"StatefulSet", "db"}, "bare": {"Pod", "bare"}} {
		r := o.ref(model.Metric{"namespace": "ns", "pod": model.LabelValue(pod), "container": "c"})
		if r.Kind != want[0] || r.Workload != want[1] {
			t.Errorf("%s: %s %s, want %v", pod, r.Kind, r.Workload, want)
		}
	}
}
