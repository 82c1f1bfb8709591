package prometheus_test

import (
	"bytes"
	"math"
	"testing"
	"time"

	"tailor.dev/tailor/internal/source/prometheus"
	"tailor.dev/tailor/internal/workload"
)

func TestWriteOpenMetrics(t *testing.T) {
	ref := workload.ContainerRef{Namespace: "shop", Kind: "Deployment", Workload: "web", Pod: "web-a", Container: "app"}
	t0 := time.Unix(1557568800, 0)
	samples := []workload.Sample{
		{Ref: ref, Time: t0.Add(5 * time.Minute), Interval: 5 * time.Minute, CPU: 0.5, Memory: 200, OOMKilled: true, ThrottledFraction: 0.25,
			Provisioned: workload.Resources{CPURequest: 0.25, MemLimit: 300}},
		{Ref: ref, Time: t0, Interval: 5 * time.Minute, CPU: 1, Memory: 100, ThrottledFraction: math.NaN(), Provisioned: workload.Resources{CPURequest: 0.25, MemLimit: 300}},
		{Ref: ref, Time: t0.Add(20 * time.Minute), Interval: 5 * time.Minute, CPU: 2, Memory: math.NaN(), ThrottledFraction: 0}, // after a gap
	}
	var b bytes.Buffer
	if err := prometheus.WriteOpenMetrics(&b, samples); err != nil {
		t.Fatal(err)
	}
	c := `{namespace="shop",pod="web-a",container="app"}`
	want := `# TYPE container_cpu_usage_seconds counter
# HELP container_cpu_usage_seconds Cumulative cpu time consumed in seconds.
container_cpu_usage_seconds_total` + c + ` 0 1557568500
container_cpu_usage_seconds_total` + c + ` 300 1557568800
container_cpu_usage_seconds_total` + c + ` 450 1557569100
container_cpu_usage_seconds_total` + c + ` 450 1557569700
container_cpu_usage_seconds_total` + c + ` 1050 1557570000
# TYPE container_memory_working_set_bytes gauge
# HELP container_memory_working_set_bytes Current working set in bytes.
container_memory_working_set_bytes` + c + ` 100 1557568800
container_memory_working_set_bytes` + c + ` 200 1557569100
# TYPE kube_pod_owner gauge
# HELP kube_pod_owner Information about the Pod's owner.
kube_pod_owner{namespace="shop",owner_is_controller="true",owner_kind="ReplicaSet",owner_name="web-rs",pod="web-a"} 1 1557568800
kube_pod_owner{namespace="shop",owner_is_controller="true",owner_kind="ReplicaSet",owner_name="web-rs",pod="web-a"} 1 1557569100
kube_pod_owner{namespace="shop",owner_is_controller="true",owner_kind="ReplicaSet",owner_name="web-rs",pod="web-a"} 1 1557570000
# TYPE kube_replicaset_owner gauge
# HELP kube_replicaset_owner Information about the ReplicaSet's owner.
kube_replicaset_owner{namespace="shop",owner_is_controller="true",owner_kind="Deployment",owner_name="web",replicaset="web-rs"} 1 1557568800
kube_replicaset_owner{namespace="shop",owner_is_controller="true",owner_kind="Deployment",owner_name="web",replicaset="web-rs"} 1 1557569100
kube_replicaset_owner{namespace="shop",owner_is_controller="true",owner_kind="Deployment",owner_name="web",replicaset="web-rs"} 1 1557570000
# TYPE kube_pod_container_resource_requests gauge
# HELP kube_pod_container_resource_requests The number of requested resource by a container.
kube_pod_container_resource_requests{container="app",namespace="shop",pod="web-a",resource="cpu",unit="core"} 0.25 1557568800
kube_pod_container_resource_requests{container="app",namespace="shop",pod="web-a",resource="cpu",unit="core"} 0.25 1557569100
# TYPE kube_pod_container_resource_limits gauge
# HELP kube_pod_container_resource_limits The number of requested limit resource by a container.
kube_pod_container_resource_limits{container="app",namespace="shop",pod="web-a",resource="memory",unit="byte"} 300 1557568800
kube_pod_container_resource_limits{container="app",namespace="shop",pod="web-a",resource="memory",unit="byte"} 300 1557569100
# TYPE kube_pod_container_status_restarts counter
# HELP kube_pod_container_status_restarts The number of container restarts per container.
kube_pod_container_status_restarts_total` + c + ` 0 1557568500
kube_pod_container_status_restarts_total` + c + ` 0 1557568800
kube_pod_container_status_restarts_total` + c + ` 1 1557569100
kube_pod_container_status_restarts_total` + c + ` 1 1557569700
kube_pod_container_status_restarts_total` + c + ` 1 1557570000
# TYPE kube_pod_container_status_last_terminated_reason gauge
# HELP kube_pod_container_status_last_terminated_reason Describes the last reason the container was in terminated state.
kube_pod_container_status_last_terminated_reason{container="app",namespace="shop",pod="web-a",reason="OOMKilled"} 1 1557569100
kube_pod_container_status_last_terminated_reason{container="app",namespace="shop",pod="web-a",reason="OOMKilled"} 1 1557570000
# TYPE container_cpu_cfs_periods counter
# HELP container_cpu_cfs_periods Number of elapsed enforcement period intervals.
container_cpu_cfs_periods_total` + c + ` 0 1557568800
container_cpu_cfs_periods_total` + c + ` 3000 1557569100
container_cpu_cfs_periods_total` + c + ` 3000 1557569700
container_cpu_cfs_periods_total` + c + ` 6000 1557570000
# TYPE container_cpu_cfs_throttled_periods counter
# HELP container_cpu_cfs_throttled_periods Number of throttled period intervals.
container_cpu_cfs_throttled_periods_total` + c + ` 0 1557568800
container_cpu_cfs_throttled_periods_total` + c + ` 750 1557569100
container_cpu_cfs_throttled_periods_total` + c + ` 750 1557569700
container_cpu_cfs_throttled_periods_total` + c + ` 750 1557570000
# EOF
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
