package prometheus_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/source/prometheus"
	"tailor.dev/tailor/internal/workload"
)

// The series span one hour, one point a minute; pods replaced during the
// hour (an old ReplicaSet's, an old Job's, a deleted Deployment's) stop
// after 20 minutes.
var (
	t0     = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	tEnd   = t0.Add(time.Hour)
	tGone  = t0.Add(20 * time.Minute)
	hourly = source.Window{Start: t0, End: tEnd}
)

const mi = 1 << 20

// ksm is kube-state-metrics series as OpenMetrics gauges; every series
// gets job and instance labels, as scraped.
type ksm struct {
	order []string
	lines map[string][]string
}

func (k *ksm) add(family string, from, to time.Time, value float64, kv ...string) {
	if k.lines == nil {
		k.lines = map[string][]string{}
	}
	if _, ok := k.lines[family]; !ok {
		k.order = append(k.order, family)
	}
	kv = append(kv, "job", "kube-state-metrics", "instance", "10.0.0.7:8080")
	var l []string
	for i := 0; i < len(kv); i += 2 {
		l = append(l, fmt.Sprintf("%s=%q", kv[i], kv[i+1]))
	}
	for t := from; !t.After(to); t = t.Add(time.Minute) {
		k.lines[family] = append(k.lines[family], fmt.Sprintf("%s{%s} %s %d", family, strings.Join(l, ","),
			strconv.FormatFloat(value, 'g', -1, 64), t.Unix()))
	}
}

func (k *ksm) text() []byte {
	var b strings.Builder
	for _, f := range k.order {
		fmt.Fprintf(&b, "# TYPE %s gauge\n%s\n", f, strings.Join(k.lines[f], "\n"))
	}
	b.WriteString("# EOF\n")
	return []byte(b.String())
}

// ctrDef is a container: role main, init or sidecar, requests and limits
// (cpu cores, memory bytes; 0 = not set).
type ctrDef struct {
	name, role                     string
	reqCPU, reqMem, limCPU, limMem float64
}

// pod writes a pod's owner, creation time, container info and resources.
func (k *ksm) pod(ns, name, ownerKind, ownerName string, created, to time.Time, ctrs ...ctrDef) {
	owner := []string{"owner_kind", ownerKind, "owner_name", ownerName, "owner_is_controller", "true"}
	if ownerKind == "" {
		owner = []string{"owner_kind", "<none>", "owner_name", "<none>", "owner_is_controller", "<none>"}
	}
	k.add(prometheus.MetricPodOwner, t0, to, 1, append([]string{"namespace", ns, "pod", name, "uid", name + "-uid"}, owner...)...)
	k.add(prometheus.MetricPodCreated, t0, to, float64(created.Unix()), "namespace", ns, "pod", name, "uid", name+"-uid")
	for _, c := range ctrs {
		info, req, lim := prometheus.MetricContainerInfo, prometheus.MetricRequests, prometheus.MetricLimits
		extra := []string{"image", "registry.example/" + c.name + ":1"}
		if c.role != "main" {
			info, req, lim = prometheus.MetricInitInfo, prometheus.MetricInitRequests, prometheus.MetricInitLimits
		}
		if c.role == "sidecar" {
			extra = append(extra, "restart_policy", "Always")
		}
		k.add(info, t0, to, 1, append([]string{"namespace", ns, "pod", name, "container", c.name}, extra...)...)
		for _, r := range []struct {
			family, resource, unit string
			v                      float64
		}{{req, "cpu", "core", c.reqCPU}, {req, "memory", "byte", c.reqMem}, {lim, "cpu", "core", c.limCPU}, {lim, "memory", "byte", c.limMem}} {
			if r.v > 0 {
				k.add(r.family, t0, to, r.v, "namespace", ns, "pod", name, "container", c.name, "node", "node-1", "resource", r.resource, "unit", r.unit)
			}
		}
	}
}

func (k *ksm) owner(family, objectLabel, ns, name, kind, owner string, to time.Time) {
	k.add(family, t0, to, 1, "namespace", ns, objectLabel, name, "owner_kind", kind, "owner_name", owner, "owner_is_controller", "true")
}

// scenario is namespace shop (a Deployment through two ReplicaSets, a
// StatefulSet, a CronJob through two Jobs, a bare pod, a Deployment deleted
// after 20 minutes, HPAs, LimitRanges), namespace other (a Deployment
// without labels series) and namespace noksm (cAdvisor series only).
func scenario() []byte {
	var k ksm
	created := func(d time.Duration) time.Time { return t0.Add(d) }
	web := []ctrDef{{"migrate", "init", 0.1, 64 * mi, 0, 0}, {"proxy", "sidecar", 0.05, 32 * mi, 0.2, 64 * mi},
		{"app", "main", 0.5, 256 * mi, 1, 512 * mi}, {"worker", "main", 0.25, 0, 0, 0}}
	k.pod("shop", "web-5d8f-aaaaa", "ReplicaSet", "web-5d8f", created(30*time.Minute), tEnd, web...)
	k.pod("shop", "web-5d8f-bbbbb", "ReplicaSet", "web-5d8f", created(31*time.Minute), tEnd, web...)
	k.pod("shop", "web-4c7a-zzzzz", "ReplicaSet", "web-4c7a", created(-24*time.Hour), tGone, ctrDef{"app", "main", 0.4, 256 * mi, 1, 512 * mi})
	k.owner(prometheus.MetricRSOwner, "replicaset", "shop", "web-5d8f", "Deployment", "web", tEnd)
	k.owner(prometheus.MetricRSOwner, "replicaset", "shop", "web-4c7a", "Deployment", "web", tGone)
	k.add("kube_deployment_spec_replicas", t0, tEnd, 2, "namespace", "shop", "deployment", "web")
	k.add("kube_deployment_labels", t0, tEnd, 1, "namespace", "shop", "deployment", "web", "label_app", "web", "label_tier", "frontend",
		"label_app_kubernetes_io_part_of", "shop")

	db := ctrDef{"postgres", "main", 1, 2048 * mi, 2, 2048 * mi}
	k.pod("shop", "db-0", "StatefulSet", "db", created(-48*time.Hour), tEnd, db)
	k.pod("shop", "db-1", "StatefulSet", "db", created(-47*time.Hour), tEnd, db)
	k.add("kube_statefulset_replicas", t0, tEnd, 2, "namespace", "shop", "statefulset", "db")
	k.add("kube_statefulset_labels", t0, tEnd, 1, "namespace", "shop", "statefulset", "db", "label_app", "db")

	run := ctrDef{"run", "main", 0.2, 128 * mi, 0.2, 128 * mi}
	k.pod("shop", "report-29000000-abcde", "Job", "report-29000000", created(40*time.Minute), tEnd, run)
	k.pod("shop", "report-29000000-fghij", "Job", "report-29000000", created(40*time.Minute), tEnd, run)
	k.pod("shop", "report-28999940-xyzzy", "Job", "report-28999940", created(-20*time.Minute), tGone, ctrDef{"run", "main", 0.1, 64 * mi, 0, 0})
	k.owner(prometheus.MetricJobOwner, "job_name", "shop", "report-29000000", "CronJob", "report", tEnd)
	k.owner(prometheus.MetricJobOwner, "job_name", "shop", "report-28999940", "CronJob", "report", tGone)
	k.add("kube_job_spec_parallelism", t0, tEnd, 2, "namespace", "shop", "job_name", "report-29000000")
	k.add("kube_job_spec_parallelism", t0, tGone, 1, "namespace", "shop", "job_name", "report-28999940")
	k.add("kube_cronjob_labels", t0, tEnd, 1, "namespace", "shop", "cronjob", "report", "label_app", "report")

	k.pod("shop", "debug", "", "", created(-time.Hour), tEnd, ctrDef{"shell", "main", 0.1, 64 * mi, 0.5, 512 * mi})
	k.add("kube_pod_labels", t0, tEnd, 1, "namespace", "shop", "pod", "debug", "label_app", "debug", "uid", "debug-uid")

	k.pod("shop", "gone-1-qqqqq", "ReplicaSet", "gone-1", created(-time.Hour), tGone, ctrDef{"app", "main", 0.3, 0, 0, 0})
	k.owner(prometheus.MetricRSOwner, "replicaset", "shop", "gone-1", "Deployment", "gone", tGone)

	k.pod("other", "web-77-ppppp", "ReplicaSet", "web-77", created(-time.Hour), tEnd, ctrDef{"app", "main", 0.1, 64 * mi, 0, 0})
	k.owner(prometheus.MetricRSOwner, "replicaset", "other", "web-77", "Deployment", "web", tEnd)
	k.add("kube_deployment_spec_replicas", t0, tEnd, 1, "namespace", "other", "deployment", "web")
	k.add(prometheus.MetricMemory, t0, tEnd, 100*mi, "namespace", "noksm", "pod", "lonely", "container", "c")

	hpas(&k)
	clamps(&k)
	return k.text()
}

func hpas(k *ksm) {
	hpa := func(name, kind, target string, minR, maxR float64) {
		k.add(prometheus.MetricHPAInfo, t0, tEnd, 1, "namespace", "shop", "horizontalpodautoscaler", name,
			"scaletargetref_api_version", "apps/v1", "scaletargetref_kind", kind, "scaletargetref_name", target)
		k.add(prometheus.MetricHPAMinReplicas, t0, tEnd, minR, "namespace", "shop", "horizontalpodautoscaler", name)
		k.add(prometheus.MetricHPAMaxReplicas, t0, tEnd, maxR, "namespace", "shop", "horizontalpodautoscaler", name)
	}
	target := func(family, hpa, metric, typ string, v float64, kv ...string) {
		k.add(family, t0, tEnd, v, append([]string{"namespace", "shop", "horizontalpodautoscaler", hpa, "metric_name", metric, "metric_target_type", typ}, kv...)...)
	}
	hpa("web", "Deployment", "web", 2, 5)
	target(prometheus.MetricHPATarget, "web", "cpu", "utilization", 70)
	target(prometheus.MetricHPAContainerTarget, "web", "memory", "average", 300*mi, "container_name", "app")
	hpa("web-extra", "Deployment", "web", 1, 3)
	target(prometheus.MetricHPATarget, "web-extra", "memory", "utilization", 80)
	hpa("db", "StatefulSet", "db", 2, 4)
	target(prometheus.MetricHPAContainerTarget, "db", "cpu", "utilization", 80, "container_name", "postgres")
	target(prometheus.MetricHPATarget, "db", "queries_per_second", "average", 0.25)
	target(prometheus.MetricHPATarget, "db", "queue_depth", "value", 30)
	target(prometheus.MetricHPAObjectTarget, "db", "requests", "value", 1000, "target_name", "ingress-main")
}

func clamps(k *ksm) {
	lr := func(name, typ, resource, constraint string, v float64) {
		k.add(prometheus.MetricLimitRange, t0, tEnd, v, "namespace", "shop", "limitrange", name, "resource", resource, "type", typ, "constraint", constraint)
	}
	for _, c := range []struct {
		constraint string
		cpu, mem   float64
	}{{"min", 0.01, 16 * mi}, {"max", 4, 8192 * mi}, {"default", 0.5, 512 * mi}, {"defaultRequest", 0.1, 128 * mi}, {"maxLimitRequestRatio", 4, 2}} {
		lr("limits", "Container", "cpu", c.constraint, c.cpu)
		lr("limits", "Container", "memory", c.constraint, c.mem)
	}
	lr("more", "Container", "cpu", "max", 2)
	lr("more", "Pod", "memory", "max", 1024*mi) // not a container constraint
	k.add(prometheus.MetricNodeAllocatable, t0, tEnd, 16, "node", "node-1", "resource", "cpu", "unit", "core")
	k.add(prometheus.MetricNodeAllocatable, t0, tEnd, 64*1024*mi, "node", "node-1", "resource", "memory", "unit", "byte")
	k.add(prometheus.MetricNodeAllocatable, t0, tEnd, 8, "node", "node-2", "resource", "cpu", "unit", "core")
	k.add(prometheus.MetricNodeAllocatable, t0, tEnd, 128*1024*mi, "node", "node-2", "resource", "memory", "unit", "byte")
	k.add(prometheus.MetricNodeAllocatable, t0, tEnd, 110, "node", "node-2", "resource", "pods", "unit", "integer")
}

// wantInventory is the inventory of shop and other over the hour (with
// gone) or over its last InventoryLookback (without).
func wantInventory(withGone bool) workload.Inventory {
	r := func(reqCPU, reqMem, limCPU, limMem float64) workload.Resources {
		return workload.Resources{CPURequest: reqCPU, MemRequest: reqMem, CPULimit: limCPU, MemLimit: limMem}
	}
	one := func(name string, rs workload.Resources) []workload.Container {
		return []workload.Container{{Name: name, Role: workload.RoleMain, Current: rs}}
	}
	ws := []workload.Workload{
		{Kind: "Deployment", Namespace: "other", Name: "web", Replicas: 1, Containers: one("app", r(0.1, 64*mi, 0, 0))},
		{Kind: "CronJob", Namespace: "shop", Name: "report", Labels: map[string]string{"app": "report"}, Replicas: 2, Containers: one("run", r(0.2, 128*mi, 0.2, 128*mi))},
		{Kind: "Deployment", Namespace: "shop", Name: "gone", Replicas: 1, Containers: one("app", r(0.3, 0, 0, 0))},
		{Kind: "Deployment", Namespace: "shop", Name: "web", Labels: map[string]string{"app": "web", "tier": "frontend", "app_kubernetes_io_part_of": "shop"}, Replicas: 2,
			HPA: &workload.HPA{Name: "web", MinReplicas: 2, MaxReplicas: 5, Metrics: []workload.HPAMetric{
				{Type: workload.MetricContainerResource, Resource: "memory", Container: "app", TargetType: workload.TargetAverageValue, TargetValue: 300 * mi},
				{Type: workload.MetricResource, Resource: "cpu", TargetType: workload.TargetUtilization, TargetValue: 70},
			}},
			Containers: []workload.Container{
				{Name: "migrate", Role: workload.RoleInit, Current: r(0.1, 64*mi, 0, 0)},
				{Name: "proxy", Role: workload.RoleSidecar, Current: r(0.05, 32*mi, 0.2, 64*mi)},
				{Name: "app", Role: workload.RoleMain, Current: r(0.5, 256*mi, 1, 512*mi)},
				{Name: "worker", Role: workload.RoleMain, Current: r(0.25, 0, 0, 0)},
			}},
		{Kind: "Pod", Namespace: "shop", Name: "debug", Labels: map[string]string{"app": "debug"}, Replicas: 1, Containers: one("shell", r(0.1, 64*mi, 0.5, 512*mi))},
		{Kind: "StatefulSet", Namespace: "shop", Name: "db", Labels: map[string]string{"app": "db"}, Replicas: 2,
			HPA: &workload.HPA{Name: "db", MinReplicas: 2, MaxReplicas: 4, Metrics: []workload.HPAMetric{
				{Type: workload.MetricContainerResource, Resource: "cpu", Container: "postgres", TargetType: workload.TargetUtilization, TargetValue: 80},
				{Type: workload.MetricExternal, Name: "queue_depth", TargetType: workload.TargetValue, TargetValue: 30},
				{Type: workload.MetricObject, Name: "requests", TargetType: workload.TargetValue, TargetValue: 1000},
				{Type: workload.MetricPods, Name: "queries_per_second", TargetType: workload.TargetAverageValue, TargetValue: 0.25},
			}},
			Containers: one("postgres", r(1, 2048*mi, 2, 2048*mi))},
	}
	if !withGone {
		ws = append(ws[:2], ws[3:]...)
	}
	return workload.Inventory{
		Mode:      workload.ModePrometheus,
		Workloads: ws,
		Clamps: workload.Clamps{
			LimitRanges: map[string]workload.LimitRange{"shop": {Min: workload.Amount{CPU: 0.01, Memory: 16 * mi}, Max: workload.Amount{CPU: 2, Memory: 8192 * mi},
				Default: workload.Amount{CPU: 0.5, Memory: 512 * mi}, DefaultRequest: workload.Amount{CPU: 0.1, Memory: 128 * mi}}},
			LargestNode: workload.Amount{CPU: 16, Memory: 128 * 1024 * mi},
		},
		Warnings: []string{"HPAs web and web-extra both target Deployment shop/web; using web"},
	}
}

// TestInventory reads kube-state-metrics series from a real Prometheus.
func TestInventory(t *testing.T) {
	url := startPrometheusOM(t, scenario())
	s, err := prometheus.New(prometheus.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	both := workload.Filter{Namespaces: []string{"shop", "other"}}

	began, queries := time.Now(), s.Queries()
	inv, err := s.Inventory(ctx, hourly, both)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("inventory of %d workloads in %s, %d queries", len(inv.Workloads), time.Since(began).Round(time.Millisecond), s.Queries()-queries)
	checkInventory(t, "the hour", inv, wantInventory(true))
	if n := s.Queries() - queries; n != 20 {
		t.Errorf("%d queries, want 20 (one per metric family, whatever the number of pods)", n)
	}

	inv, err = s.Inventory(ctx, source.Window{End: tEnd}, both)
	if err != nil {
		t.Fatal(err)
	}
	checkInventory(t, "the last 10 minutes", inv, wantInventory(false))

	t.Run("Filters", func(t *testing.T) { testInventoryFilters(t, s) })
	t.Run("MissingMetrics", func(t *testing.T) { testMissingInventory(t, s, url) })
}

func testInventoryFilters(t *testing.T, s *prometheus.Source) {
	tests := []struct {
		name string
		f    workload.Filter
		want []string
	}{
		{"namespace", workload.Filter{Namespaces: []string{"other"}}, []string{"other/Deployment/web"}},
		{"all namespaces", workload.Filter{}, keys(wantInventory(true))},
		{"sanitized label key", workload.Filter{LabelSelector: "app.kubernetes.io/part-of=shop"}, []string{"shop/Deployment/web"}},
		{"set-based selector", workload.Filter{LabelSelector: "app in (db,report)"}, []string{"shop/CronJob/report", "shop/StatefulSet/db"}},
		{"kinds", workload.Filter{Kinds: []string{"cj", "statefulsets"}}, []string{"shop/CronJob/report", "shop/StatefulSet/db"}},
		{"names", workload.Filter{Names: []string{"debug", "web"}}, []string{"other/Deployment/web", "shop/Deployment/web", "shop/Pod/debug"}},
	}
	for _, tc := range tests {
		inv, err := s.Inventory(context.Background(), hourly, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := keys(inv); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v selected %v, want %v", tc.name, tc.f, got, tc.want)
		}
	}
	inv, err := s.Inventory(context.Background(), hourly, workload.Filter{Namespaces: []string{"other"}, LabelSelector: "app=web"})
	if err != nil || len(inv.Workloads) != 0 || len(inv.Warnings) != 1 || !strings.Contains(inv.Warnings[0], "--metric-labels-allowlist") {
		t.Errorf("selector without labels series: %v, %v, warnings %q; want no workload and a warning about --metric-labels-allowlist", err, keys(inv), inv.Warnings)
	}
	if _, err := s.Inventory(context.Background(), hourly, workload.Filter{Kinds: []string{"deploymnt"}}); err == nil {
		t.Error("unknown kind deploymnt accepted")
	}
}

// testMissingInventory asks for a namespace with cAdvisor series but no
// kube-state-metrics series, then for a window before the data.
func testMissingInventory(t *testing.T, s *prometheus.Source, url string) {
	for _, w := range []source.Window{hourly, {End: t0.Add(-time.Hour)}} {
		f := workload.Filter{}
		if w == hourly {
			f.Namespaces = []string{"noksm"}
		}
		queries := s.Queries()
		_, err := s.Inventory(context.Background(), w, f)
		if !errors.Is(err, prometheus.ErrNoMetrics) || !strings.Contains(err.Error(), "no kube_pod_owner series") ||
			!strings.Contains(err.Error(), "is kube-state-metrics scraped?") || !strings.Contains(err.Error(), url) {
			t.Errorf("window %v, filter %+v: error %v; want ErrNoMetrics naming kube_pod_owner, kube-state-metrics and %s", w, f, err, url)
		}
		if n := s.Queries() - queries; n != 1 {
			t.Errorf("%d queries after a missing kube_pod_owner, want 1", n)
		}
	}
}

func checkInventory(t *testing.T, what string, got, want workload.Inventory) {
	t.Helper()
	if !reflect.DeepEqual(keys(got), keys(want)) {
		t.Errorf("%s: workloads %v, want %v", what, keys(got), keys(want))
	}
	for i := range min(len(got.Workloads), len(want.Workloads)) {
		if g, w := got.Workloads[i], want.Workloads[i]; !reflect.DeepEqual(g, w) {
			t.Errorf("%s: workload %s:\n got %s\nwant %s", what, w.Key(), jsonOf(g), jsonOf(w))
		}
	}
	if !reflect.DeepEqual(got.Clamps, want.Clamps) {
		t.Errorf("%s: clamps %s, want %s", what, jsonOf(got.Clamps), jsonOf(want.Clamps))
	}
	if !reflect.DeepEqual(got.Warnings, want.Warnings) || got.Mode != want.Mode {
		t.Errorf("%s: mode %q, warnings %q; want %q, %q", what, got.Mode, got.Warnings, want.Mode, want.Warnings)
	}
}

func keys(inv workload.Inventory) []string {
	out := []string{}
	for _, w := range inv.Workloads {
		out = append(out, w.Key())
	}
	sort.Strings(out)
	return out
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
