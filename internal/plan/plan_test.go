package plan

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/recommend"
	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// feed adds hours of 5-minute samples of constant usage for pods of one
// workload container.
func feed(b *Builder, ns, wl, container string, pods int, hours int, cpu, mem float64, cur workload.Resources) {
	for p := 0; p < pods; p++ {
		ref := workload.ContainerRef{Namespace: ns, Kind: "Deployment", Workload: wl, Pod: wl + "-" + string(rune('a'+p)), Container: container}
		for i := 1; i <= hours*12; i++ {
			b.Add(workload.Sample{Ref: ref, Time: t0.Add(time.Duration(i) * 5 * time.Minute), Interval: 5 * time.Minute,
				CPU: cpu, Memory: mem, Provisioned: cur, ThrottledFraction: math.NaN()})
		}
	}
}

func newBuilder(t *testing.T) *Builder {
	t.Helper()
	b, err := NewBuilder(recommend.Default())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPlanJoinsInventory(t *testing.T) {
	b := newBuilder(t)
	big := workload.Resources{CPURequest: 2, CPULimit: 4, MemRequest: 4 << 30, MemLimit: 4 << 30}
	feed(b, "shop", "web", "app", 3, 48, 0.5, 1<<30, big)
	feed(b, "shop", "web", "proxy", 3, 48, 0.05, 64<<20, big)
	feed(b, "shop", "api", "app", 2, 48, 0.2, 256<<20, big)
	feed(b, "gone", "old", "app", 1, 48, 0.2, 256<<20, big) // not in the inventory
	feed(b, "shop", "tiny", "app", 1, 48, 0.001, 1<<20, big)
	inv := workload.Inventory{Mode: workload.ModeCluster, Warnings: []string{"forbidden: list cronjobs"},
		Workloads: []workload.Workload{
			{Kind: "Deployment", Namespace: "shop", Name: "web", Replicas: 3,
				Containers: []workload.Container{{Name: "proxy", Role: workload.RoleSidecar, Current: big}, {Name: "app", Role: workload.RoleMain, Current: big}},
				HPA: &workload.HPA{Name: "web", MinReplicas: 2, MaxReplicas: 10, Metrics: []workload.HPAMetric{
					{Type: workload.MetricContainerResource, Resource: "cpu", Container: "app", TargetType: workload.TargetUtilization, TargetValue: 20}}}},
			{Kind: "Deployment", Namespace: "shop", Name: "api", Replicas: 2,
				Containers: []workload.Container{{Name: "app", Role: workload.RoleMain, Current: workload.Resources{CPURequest: 1, MemRequest: 1 << 30}}}},
			{Kind: "StatefulSet", Namespace: "shop", Name: "db", Replicas: 1,
				Containers: []workload.Container{{Name: "pg", Role: workload.RoleMain, Current: big}}},
			{Kind: "Deployment", Namespace: "shop", Name: "tiny", Replicas: 1,
				Containers: []workload.Container{{Name: "app", Role: workload.RoleMain, Current: big}}},
		},
		Clamps: workload.Clamps{LimitRanges: map[string]workload.LimitRange{"shop": {Min: workload.Amount{CPU: 0.1, Memory: 32 << 20}}},
			LargestNode: workload.Amount{CPU: 8, Memory: 32 << 30}},
	}
	p := b.Plan(inv, Options{Prices: cost.OpenCostOnDemand})
	keys := []string{}
	for _, r := range p.Rows {
		keys = append(keys, r.Key())
	}
	if got := strings.Join(keys, " "); got != "shop/api/app shop/tiny/app shop/web/proxy shop/web/app shop/db/pg" {
		t.Fatalf("rows %s", got)
	}
	if p.Mode != "cluster" || len(p.Warnings) != 2 || !strings.Contains(p.Warnings[1], "1 containers have usage history") {
		t.Errorf("mode %s warnings %q", p.Mode, p.Warnings)
	}
	rows := map[string]Row{}
	for _, r := range p.Rows {
		rows[r.Key()] = r
	}
	api := rows["shop/api/app"]
	// Constant 0.2 cores: p90 plus 15% and rounded; constant 256 MiB: +15%, no limit added.
	if api.Recommended.CPURequest < 0.2 || api.Recommended.CPURequest > 0.26 || api.Recommended.MemLimit != 0 ||
		api.Recommended.MemRequest != 295<<20 || api.Replicas != 2 || len(api.Risks) != 0 {
		t.Errorf("api: %+v risks %v", api.Recommended, api.Risks)
	}
	if api.MonthlyDelta >= 0 {
		t.Errorf("api delta %.2f, want savings", api.MonthlyDelta)
	}
	db := rows["shop/db/pg"]
	if !db.HasRisk(RiskNoMetrics) || db.Recommended != (workload.Resources{}) || db.MonthlyDelta != 0 || !strings.Contains(Summary(db), "no usage history") {
		t.Errorf("db: %+v %v", db.Recommended, db.Risks)
	}
	web := rows["shop/web/app"]
	// HPA on app's CPU at 20%: the CPU request is kept; usage (0.5 cores, capped at its p99.5) is ~26% of 2 cores.
	if web.HPA == nil || web.Recommended.CPURequest != 0 || web.Recommended.CPULimit != 0 || !web.HasRisk(RiskHPA) {
		t.Fatalf("web app: %+v hpa %+v", web.Recommended, web.HPA)
	}
	if web.HPA.CurrentTarget != 20 || web.HPA.UpperUsage < 25 || web.HPA.UpperUsage > 30 || web.HPA.Target != 25 {
		t.Errorf("web hpa %+v", web.HPA)
	}
	if web.Recommended.MemRequest == 0 || web.Recommended.MemLimit != web.Recommended.MemRequest {
		t.Errorf("web memory is not HPA-driven and must be right-sized: %+v", web.Recommended)
	}
	proxy := rows["shop/web/proxy"]
	if proxy.HPA != nil || proxy.Role != workload.RoleSidecar || proxy.Recommended.CPURequest == 0 {
		t.Errorf("proxy (a ContainerResource metric of app does not drive it): %+v hpa %+v", proxy.Recommended, proxy.HPA)
	}
	// The sidecar has a CPU limit 2x its request: kept in proportion.
	if math.Abs(proxy.Recommended.CPULimit-2*proxy.Recommended.CPURequest) > 0.0011 {
		t.Errorf("proxy cpu limit %.3f for request %.3f", proxy.Recommended.CPULimit, proxy.Recommended.CPURequest)
	}
	tiny := rows["shop/tiny/app"]
	if !tiny.HasRisk(RiskClamped) || tiny.Recommended.CPURequest != 0.1 || tiny.Recommended.MemRequest != 32<<20 {
		t.Errorf("tiny: %+v risks %v reasons %v", tiny.Recommended, tiny.Risks, tiny.Reasons)
	}
	sum := 0.0
	for _, r := range p.Rows {
		sum += r.MonthlyDelta
	}
	if math.Abs(sum-p.MonthlyDelta) > 1e-9 {
		t.Errorf("total %.4f != sum of rows %.4f", p.MonthlyDelta, sum)
	}
}

func TestResourceMetricDrivesEveryRunningContainer(t *testing.T) {
	b := newBuilder(t)
	cur := workload.Resources{CPURequest: 1, MemRequest: 1 << 30, MemLimit: 1 << 30}
	feed(b, "ns", "w", "app", 1, 30, 0.5, 512<<20, cur)
	feed(b, "ns", "w", "init", 1, 30, 0.5, 512<<20, cur)
	inv := workload.Inventory{Mode: "prometheus", Workloads: []workload.Workload{{Kind: "Deployment", Namespace: "ns", Name: "w", Replicas: 1,
		Containers: []workload.Container{{Name: "init", Role: workload.RoleInit, Current: cur}, {Name: "app", Role: workload.RoleMain, Current: cur}},
		HPA:        &workload.HPA{Name: "w", Metrics: []workload.HPAMetric{{Type: workload.MetricResource, Resource: "memory", TargetType: workload.TargetUtilization, TargetValue: 80}}}}}}
	p := b.Plan(inv, Options{Prices: cost.OpenCostOnDemand})
	for _, r := range p.Rows {
		hpa := r.HPA != nil
		if want := r.Container == "app"; hpa != want {
			t.Errorf("%s: hpa-managed %v, want %v", r.Container, hpa, want)
		}
		if hpa && (r.HPA.Resource != "memory" || r.Recommended.MemRequest != 0 || r.Recommended.CPURequest == 0) {
			t.Errorf("%s: %+v %+v", r.Container, r.Recommended, r.HPA)
		}
	}
}

func TestFromSamplesAndRisks(t *testing.T) {
	b := newBuilder(t)
	cur := workload.Resources{CPURequest: 1, MemRequest: 1 << 30, MemLimit: 1 << 30}
	feed(b, "ns", "short", "c", 2, 5, 0.3, 100<<20, cur)
	ref := workload.ContainerRef{Namespace: "ns", Workload: "oom", Pod: "p", Container: "c"}
	for i := 1; i <= 48*12; i++ {
		s := workload.Sample{Ref: ref, Time: t0.Add(time.Duration(i) * 5 * time.Minute), Interval: 5 * time.Minute,
			CPU: 0.5, Memory: 900 << 20, Provisioned: cur, ThrottledFraction: 0.5}
		s.OOMKilled = i == 100
		b.Add(s)
	}
	p := b.FromSamples(Options{Prices: cost.OpenCostOnDemand})
	if p.Mode != "trace" || len(p.Rows) != 2 {
		t.Fatalf("%+v", p)
	}
	oom, short := p.Rows[0], p.Rows[1]
	if !oom.HasRisk(RiskOOM) || !oom.HasRisk(RiskThrottled) || oom.HasRisk(RiskShort) || oom.Evidence.OOMKills != 1 {
		t.Errorf("oom risks %v", oom.Risks)
	}
	if !short.HasRisk(RiskShort) || short.Replicas != 2 {
		t.Errorf("short: risks %v replicas %d", short.Risks, short.Replicas)
	}
}

// failing is a source whose namespace "bad" fails after yielding samples.
type failing struct{ samples []workload.Sample }

func (f failing) Containers(context.Context, source.Window) ([]workload.ContainerRef, error) {
	return nil, nil
}

func (f failing) Samples(_ context.Context, q source.Query) (trace.Reader, error) {
	var mine []workload.Sample
	for _, s := range f.samples {
		if s.Ref.Namespace == q.Namespace {
			mine = append(mine, s)
		}
	}
	if q.Namespace == "bad" {
		return &brokenReader{SliceReader: source.NewSliceReader(mine)}, nil
	}
	return source.NewSliceReader(mine), nil
}

type brokenReader struct{ *source.SliceReader }

func (r *brokenReader) Next() (workload.Sample, error) {
	s, err := r.SliceReader.Next()
	if err != nil {
		return s, errors.New("connection reset")
	}
	return s, nil
}

func TestScanDropsAFailedNamespace(t *testing.T) {
	var samples []workload.Sample
	for _, ns := range []string{"good", "bad"} {
		for i := 1; i <= 10; i++ {
			samples = append(samples, workload.Sample{Ref: workload.ContainerRef{Namespace: ns, Workload: "w", Pod: "p", Container: "c"},
				Time: t0.Add(time.Duration(i) * 5 * time.Minute), Interval: 5 * time.Minute, CPU: 1, Memory: 1 << 30})
		}
	}
	b := newBuilder(t)
	var calls []int
	warnings, err := b.Scan(context.Background(), failing{samples}, []string{"good", "bad"}, source.Query{},
		func(done, total, containers int) { calls = append(calls, done*100+total*10+containers) })
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "namespace bad") || !strings.Contains(warnings[0], "connection reset") {
		t.Errorf("warnings %q", warnings)
	}
	if b.Containers() != 1 {
		t.Errorf("containers %d, want only the good namespace's", b.Containers())
	}
	if len(calls) != 2 || calls[0] != 121 || calls[1] != 221 {
		t.Errorf("progress calls %v", calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := newBuilder(t).Scan(ctx, failing{samples}, []string{"good"}, source.Query{}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled scan: %v", err)
	}
}

type unreachableSource struct{ calls *int }

func (u unreachableSource) Containers(context.Context, source.Window) ([]workload.ContainerRef, error) {
	return nil, nil
}

func (u unreachableSource) Samples(context.Context, source.Query) (trace.Reader, error) {
	*u.calls++
	return nil, fmt.Errorf("prometheus at http://x unreachable: %w: connection refused", source.ErrUnreachable)
}

func TestScanStopsAtAnUnreachableSource(t *testing.T) {
	calls := 0
	warnings, err := newBuilder(t).Scan(context.Background(), unreachableSource{&calls}, []string{"a", "b", "c"}, source.Query{}, nil)
	if err != nil || calls != 1 || len(warnings) != 1 || !strings.Contains(warnings[0], "3 of 3 namespaces") {
		t.Errorf("err %v, %d calls, warnings %q", err, calls, warnings)
	}
}

func TestMonthlyDelta(t *testing.T) {
	prices := cost.Prices{CPUCoreHour: 0.04, MemGiBHour: 0.005}
	r := Row{Replicas: 2, Current: workload.Resources{CPURequest: 1, MemRequest: 2 * workload.GiB},
		Recommended: workload.Resources{CPURequest: 0.5, MemRequest: 3 * workload.GiB}}
	// 2 replicas x (-0.5 core x 0.04 + 1 GiB x 0.005) x 730.5 h = -21.915.
	if got, want := monthlyDelta(prices, r), 2*(-0.5*0.04+1*0.005)*730.5; math.Abs(got-want) > 1e-9 {
		t.Errorf("delta %v, want %v", got, want)
	}
	// No current memory request: only the CPU change counts; nothing recommended: 0.
	r = Row{Replicas: 1, Current: workload.Resources{CPURequest: 1}, Recommended: workload.Resources{CPURequest: 1, MemRequest: workload.GiB}}
	if got := monthlyDelta(prices, r); got != 0 {
		t.Errorf("delta %v, want 0", got)
	}
	r = Row{Replicas: 3, Current: workload.Resources{CPURequest: 1}}
	if got := monthlyDelta(prices, r); got != 0 {
		t.Errorf("left as is: delta %v, want 0", got)
	}
}
