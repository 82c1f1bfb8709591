package workload

import (
	"reflect"
	"testing"
)

func TestHPADrives(t *testing.T) {
	app := Container{Name: "app", Role: RoleMain}
	proxy := Container{Name: "proxy", Role: RoleSidecar}
	migrate := Container{Name: "migrate", Role: RoleInit}
	cpuPod := &HPA{Metrics: []HPAMetric{{Type: MetricResource, Resource: ResourceCPU, TargetType: TargetUtilization, TargetValue: 70}}}
	memApp := &HPA{Metrics: []HPAMetric{
		{Type: MetricContainerResource, Resource: ResourceMemory, Container: "app", TargetType: TargetAverageValue, TargetValue: 1 << 28},
		{Type: MetricExternal, Name: "queue_depth", TargetType: TargetValue, TargetValue: 30},
	}}
	tests := []struct {
		name     string
		hpa      *HPA
		c        Container
		resource string
		want     bool
	}{
		{"no HPA", nil, app, ResourceCPU, false},
		{"Resource cpu drives a main container's cpu", cpuPod, app, ResourceCPU, true},
		{"Resource cpu drives a sidecar's cpu", cpuPod, proxy, ResourceCPU, true},
		{"Resource cpu leaves init containers out", cpuPod, migrate, ResourceCPU, false},
		{"Resource cpu does not drive memory", cpuPod, app, ResourceMemory, false},
		{"ContainerResource drives its container", memApp, app, ResourceMemory, true},
		{"ContainerResource leaves other containers out", memApp, proxy, ResourceMemory, false},
		{"ContainerResource memory does not drive cpu", memApp, app, ResourceCPU, false},
		{"an External metric drives no resource", &HPA{Metrics: memApp.Metrics[1:]}, app, ResourceCPU, false},
	}
	for _, tc := range tests {
		if got := tc.hpa.Drives(tc.c, tc.resource); got != tc.want {
			t.Errorf("%s: Drives(%s, %s) = %v, want %v", tc.name, tc.c.Name, tc.resource, got, tc.want)
		}
	}
}

func TestOwnersResolve(t *testing.T) {
	o := Owners{
		ReplicaSets: map[string]Owner{"shop/web-5d8f": {KindDeployment, "web"}, "shop/canary-1": {"Rollout", "canary"}},
		Jobs:        map[string]Owner{"shop/report-290": {KindCronJob, "report"}},
	}
	tests := []struct {
		ns, pod    string
		controller Owner
		want       Owner
	}{
		{"shop", "web-5d8f-abc", Owner{KindReplicaSet, "web-5d8f"}, Owner{KindDeployment, "web"}},
		{"other", "web-5d8f-abc", Owner{KindReplicaSet, "web-5d8f"}, Owner{KindReplicaSet, "web-5d8f"}}, // namespaced
		{"shop", "canary-1-x", Owner{KindReplicaSet, "canary-1"}, Owner{"Rollout", "canary"}},
		{"shop", "bare-rs-x", Owner{KindReplicaSet, "bare-rs"}, Owner{KindReplicaSet, "bare-rs"}},
		{"shop", "report-290-q", Owner{KindJob, "report-290"}, Owner{KindCronJob, "report"}},
		{"shop", "once-z", Owner{KindJob, "once"}, Owner{KindJob, "once"}},
		{"shop", "db-0", Owner{KindStatefulSet, "db"}, Owner{KindStatefulSet, "db"}},
		{"shop", "debug", Owner{}, Owner{KindPod, "debug"}},
		{"kube-system", "etcd-node1", Owner{"Node", "node1"}, Owner{KindPod, "etcd-node1"}},
	}
	for _, tc := range tests {
		if got := o.Resolve(tc.ns, tc.pod, tc.controller); got != tc.want {
			t.Errorf("Resolve(%s, %s, %v) = %v, want %v", tc.ns, tc.pod, tc.controller, got, tc.want)
		}
	}
	if got := (Owners{}).Resolve("shop", "p", Owner{KindReplicaSet, "rs"}); got != (Owner{KindReplicaSet, "rs"}) {
		t.Errorf("empty Owners resolved a ReplicaSet to %v", got)
	}
}

func TestFilter(t *testing.T) {
	for _, s := range []string{"Deployment", "deployments", "DEPLOY", "deploy"} {
		if k, ok := KindOf(s); !ok || k != KindDeployment {
			t.Errorf("KindOf(%q) = %q, %v", s, k, ok)
		}
	}
	for _, s := range []string{"cronjobs", "cj", "CronJob"} {
		if k, _ := KindOf(s); k != KindCronJob {
			t.Errorf("KindOf(%q) = %q, want CronJob", s, k)
		}
	}
	if err := (Filter{Kinds: []string{"sts", "Deploymnt"}}).Validate(); err == nil {
		t.Error("Validate accepted the kind Deploymnt")
	}
	f := Filter{Namespaces: []string{"shop"}, Kinds: []string{"deploy", "pods"}, Names: []string{"web", "debug"}}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		got, want bool
		what      string
	}{
		{f.MatchNamespace("shop"), true, "namespace shop"},
		{f.MatchNamespace("other"), false, "namespace other"},
		{f.MatchKind(KindDeployment), true, "kind Deployment"},
		{f.MatchKind(KindPod), true, "kind Pod"},
		{f.MatchKind(KindStatefulSet), false, "kind StatefulSet"},
		{f.MatchKind("Rollout"), false, "custom kind with Kinds set"},
		{(Filter{}).MatchKind("Rollout"), true, "custom kind with no Kinds"},
		{f.MatchName("web"), true, "name web"},
		{f.MatchName("db"), false, "name db"},
		{(Filter{}).MatchName("db") && (Filter{}).MatchNamespace("x"), true, "empty filter"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestLimitRangeMerge(t *testing.T) {
	a := LimitRange{Min: Amount{0.01, 16 << 20}, Max: Amount{4, 0}, Default: Amount{0.5, 0}}
	b := LimitRange{Min: Amount{0.05, 0}, Max: Amount{2, 8 << 30}, Default: Amount{1, 512 << 20}, DefaultRequest: Amount{0.1, 128 << 20}}
	want := LimitRange{Min: Amount{0.05, 16 << 20}, Max: Amount{2, 8 << 30}, Default: Amount{0.5, 512 << 20}, DefaultRequest: Amount{0.1, 128 << 20}}
	if got := a.Merge(b); got != want {
		t.Errorf("a.Merge(b) = %+v, want %+v", got, want)
	}
	if got := (LimitRange{}).Merge(b); got != b {
		t.Errorf("zero.Merge(b) = %+v, want b", got)
	}
}

func TestSortWorkloadsAndMetrics(t *testing.T) {
	ws := []Workload{{Namespace: "shop", Kind: KindPod, Name: "a"}, {Namespace: "shop", Kind: KindDeployment, Name: "z"}, {Namespace: "other", Kind: KindPod, Name: "b"}}
	SortWorkloads(ws)
	var keys []string
	for _, w := range ws {
		keys = append(keys, w.Key())
	}
	if want := []string{"other/Pod/b", "shop/Deployment/z", "shop/Pod/a"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("sorted keys %v, want %v", keys, want)
	}
	ms := []HPAMetric{
		{Type: MetricResource, Resource: ResourceMemory},
		{Type: MetricContainerResource, Resource: ResourceCPU, Container: "b"},
		{Type: MetricResource, Resource: ResourceCPU},
		{Type: MetricContainerResource, Resource: ResourceCPU, Container: "a"},
	}
	SortMetrics(ms)
	want := []HPAMetric{
		{Type: MetricContainerResource, Resource: ResourceCPU, Container: "a"},
		{Type: MetricContainerResource, Resource: ResourceCPU, Container: "b"},
		{Type: MetricResource, Resource: ResourceCPU},
		{Type: MetricResource, Resource: ResourceMemory},
	}
	if !reflect.DeepEqual(ms, want) {
		t.Errorf("sorted metrics %+v, want %+v", ms, want)
	}
}
