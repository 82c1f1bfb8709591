package horizontal

import (
	"strings"
	"testing"
	"time"
)

// Each case's want is derived from replica_calculator.go by hand; the
// comment shows the arithmetic.
func TestResourceUtilization(t *testing.T) {
	tests := []struct {
		name    string
		current int32
		pods    []Pod
		tol     tolerances
		target  int32
		want    int32
		wantErr string
	}{
		{
			// util = int(1100*100/2000) = 55; ratio 55/50 = 1.1 <= 1.1: keep 2.
			name: "within tolerance", current: 2, target: 50,
			pods: []Pod{cpuPod("a", 1000, 550), cpuPod("b", 1000, 550)},
			want: 2,
		},
		{
			// util = int(1120*100/2000) = 56; ratio 1.12 > 1.1: ceil(1.12*2) = 3.
			name: "just outside tolerance", current: 2, target: 50,
			pods: []Pod{cpuPod("a", 1000, 560), cpuPod("b", 1000, 560)},
			want: 3,
		},
		{
			// util = int(200*100/600) = int(33.3) = 33; ratio 33/30 = 1.1: keep 2
			// (without the truncation 33.3/30 = 1.11 would scale to 3).
			name: "integer truncation of utilization", current: 2, target: 30,
			pods: []Pod{cpuPod("a", 300, 100), cpuPod("b", 300, 100)},
			want: 2,
		},
		{
			// Asymmetric band: util 56, ratio 1.12 <= 1+0.15: keep 2.
			name: "per-HPA scale-up tolerance", current: 2, target: 50, tol: tolerances{0.1, 0.15},
			pods: []Pod{cpuPod("a", 1000, 560), cpuPod("b", 1000, 560)},
			want: 2,
		},
		{
			// util int(2000*100/5000) = 40, ratio 0.8 < 1-0.1: ceil(0.8*5) = 4.
			name: "scale down by ready count", current: 5, target: 50,
			pods: []Pod{cpuPod("a", 1000, 400), cpuPod("b", 1000, 400), cpuPod("c", 1000, 400), cpuPod("d", 1000, 400), cpuPod("e", 1000, 400)},
			want: 4,
		},
		{
			// Missing pod on scale-down counts at request*max(100,50)/100 = 1000:
			// ratio int(200*100/2000)=10 -> 0.2; recomputed int((200+1000)*100/3000)=40 -> 0.8;
			// ceil(0.8*3) = 3 = current: keep 3.
			name: "missing pod at 100% on scale-down", current: 3, target: 50,
			pods: []Pod{cpuPod("a", 1000, 100), cpuPod("b", 1000, 100), cpuPod("c", 1000, 0, noMetrics)},
			want: 3,
		},
		{
			// Missing pod fallback with target above 100: request*150/100 = 1500.
			// ratio int(1000*100/2000)=50 -> 50/150=0.333; recomputed int(2500*100/3000)=83 -> 0.553;
			// ceil(0.553*3) = ceil(1.66) = 2.
			name: "missing pod at target when target exceeds 100%", current: 3, target: 150,
			pods: []Pod{cpuPod("a", 1000, 500), cpuPod("b", 1000, 500), cpuPod("c", 1000, 0, noMetrics)},
			want: 2,
		},
		{
			// Missing pod at 0% on scale-up: ratio int(3000*100/2000)=150 -> 3;
			// recomputed int(3000*100/3000)=100 -> 2; ceil(2*3) = 6.
			name: "missing pod at 0% on scale-up", current: 3, target: 50,
			pods: []Pod{cpuPod("a", 1000, 1500), cpuPod("b", 1000, 1500), cpuPod("c", 1000, 0, noMetrics)},
			want: 6,
		},
		{
			// ratio int(1200*100/2000)=60 -> 1.2; with the missing pod at 0:
			// int(1200*100/3000)=40 -> 0.8: the direction flipped, keep 3.
			name: "missing pod flips direction", current: 3, target: 50,
			pods: []Pod{cpuPod("a", 1000, 600), cpuPod("b", 1000, 600), cpuPod("c", 1000, 0, noMetrics)},
			want: 3,
		},
		{
			// Pending pod is unready; on scale-up it counts as 0: ratio
			// int(2000*100/1000)=200 -> 4; recomputed int(2000*100/2000)=100 -> 2; ceil(2*2) = 4.
			name: "pending pod at 0% on scale-up", current: 2, target: 50,
			pods: []Pod{cpuPod("a", 1000, 2000), cpuPod("b", 1000, 0, pending)},
			want: 4,
		},
		{
			// Unequal requests show the 0% fill: ratio int(260*100/100) = 260 -> 5.2;
			// the Pending pod (request 300m) at 0: int(260*100/400) = 65 -> 1.3,
			// ceil(1.3*2) = 3 (dropping it would give ceil(5.2*1) = 6).
			name: "unready pod at 0% with unequal requests", current: 2, target: 50,
			pods: []Pod{cpuPod("a", 100, 260), cpuPod("b", 300, 0, pending)},
			want: 3,
		},
		{
			// Unready pods are simply dropped on scale-down: ratio int(200*100/1000)=20 -> 0.4;
			// ceil(0.4*1 ready) = 1.
			name: "unready pod ignored on scale-down", current: 2, target: 50,
			pods: []Pod{cpuPod("a", 1000, 200), cpuPod("b", 1000, 0, pending)},
			want: 1,
		},
		{
			// Pod started 1m ago, not Ready: unready for CPU within the 5m
			// initialization; its 900m start-up spike is dropped. Ratio
			// int(600*100/1000)=60 -> 1.2, recomputed with it at 0:
			// int(600*100/2000)=30 -> 0.6: direction flipped, keep 2.
			name: "cpu initialization ignores starting pod", current: 2, target: 50,
			pods: []Pod{cpuPod("a", 1000, 600), cpuPod("b", 1000, 900, startedAgo(time.Minute, false, 0))},
			want: 2,
		},
		{
			// Ready 10 s ago (started 1m ago): the sample (at t0) is younger than
			// transition+window (t0-10s+15s), so still unready: same as above.
			name: "cpu initialization needs one metric window after ready", current: 2, target: 50,
			pods: []Pod{cpuPod("a", 1000, 600), cpuPod("b", 1000, 900, startedAgo(time.Minute, true, 50*time.Second))},
			want: 2,
		},
		{
			// Ready 20 s ago: counted. util int(1500*100/2000)=75 -> 1.5; ceil(1.5*2) = 3.
			name: "cpu initialization counts pod after window", current: 2, target: 50,
			pods: []Pod{cpuPod("a", 1000, 600), cpuPod("b", 1000, 900, startedAgo(time.Minute, true, 40*time.Second))},
			want: 3,
		},
		{
			// Started 10m ago, NotReady since 9m ago (was Ready once, transition
			// long after start+30s): counts as ready. util 75 -> ceil(1.5*2) = 3.
			name: "past initialization a once-ready pod counts", current: 2, target: 50,
			pods: []Pod{cpuPod("a", 1000, 600), cpuPod("b", 1000, 900, startedAgo(10*time.Minute, false, time.Minute))},
			want: 3,
		},
		{
			// Started 10m ago, NotReady with last transition 10 s after start:
			// never Ready within the initial readiness delay (30 s): unready.
			// ratio 1.2, recomputed 0.6: flipped, keep 2.
			name: "past initialization a never-ready pod is unready", current: 2, target: 50,
			pods: []Pod{cpuPod("a", 1000, 600), cpuPod("b", 1000, 900, startedAgo(10*time.Minute, false, 10*time.Second))},
			want: 2,
		},
		{
			// Deleting pod is ignored entirely: util int(1000*100/1000)=100 -> 2; ceil(2*1) = 2.
			name: "deleting pod ignored", current: 2, target: 50,
			pods: []Pod{cpuPod("a", 1000, 1000), cpuPod("b", 1000, 5000, deleting)},
			want: 2,
		},
		{
			name: "no samples", current: 1, target: 50,
			pods:    []Pod{cpuPod("a", 1000, 0, noMetrics)},
			wantErr: "no metrics returned from resource metrics API",
		},
		{
			name: "only unready samples", current: 1, target: 50,
			pods:    []Pod{cpuPod("a", 1000, 500, startedAgo(time.Minute, false, 0))},
			wantErr: "did not receive metrics for targeted pods",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCalc(tt.current, tt.pods...)
			if tt.tol != (tolerances{}) {
				c.tol = tt.tol
			}
			p, err := c.resourceUtilization(CPU, "", tt.target)
			checkProposal(t, p, err, tt.want, tt.wantErr)
		})
	}
}

func checkProposal(t *testing.T, p proposal, err error, want int32, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if p.replicas != want {
		t.Errorf("replicas = %d, want %d (ratio %.4f)", p.replicas, want, p.ratio)
	}
}

func TestContainerResource(t *testing.T) {
	two := func(name string, app, side Milli) Pod {
		p := cpuPod(name, 0, 0)
		p.Containers = []Container{
			{Name: "app", Requests: map[ResourceName]Milli{CPU: 500}},
			{Name: "sidecar", Requests: map[ResourceName]Milli{CPU: 500}},
		}
		p.Metrics.Containers = []ContainerUsage{
			{Name: "app", Usage: map[ResourceName]Milli{CPU: app}},
			{Name: "sidecar", Usage: map[ResourceName]Milli{CPU: side}},
		}
		return p
	}
	pods := []Pod{two("a", 450, 50), two("b", 450, 50)}
	// Whole pod: int(1000*100/2000) = 50 -> ratio 1: keep 2.
	p, err := newCalc(2, pods...).resourceUtilization(CPU, "", 50)
	checkProposal(t, p, err, 2, "")
	// Container app: int(900*100/1000) = 90 -> 1.8; ceil(1.8*2) = 4.
	p, err = newCalc(2, pods...).resourceUtilization(CPU, "app", 50)
	checkProposal(t, p, err, 4, "")
	_, err = newCalc(2, pods...).resourceUtilization(CPU, "nosuch", 50)
	checkProposal(t, p, err, 0, "container nosuch not present in metrics")
}

func TestSidecarRequestsCount(t *testing.T) {
	p := cpuPod("a", 500, 1000)
	p.Containers = append(p.Containers, Container{Name: "proxy", Sidecar: true, Requests: map[ResourceName]Milli{CPU: 500}})
	// Requests 500+500 = 1000; util int(1000*100/1000)=100 -> 2; ceil(2*1) = 2.
	got, err := newCalc(1, p).resourceUtilization(CPU, "", 50)
	checkProposal(t, got, err, 2, "")
}

func TestMissingRequest(t *testing.T) {
	p := cpuPod("a", 500, 1000)
	delete(p.Containers[0].Requests, CPU)
	_, err := newCalc(1, p).resourceUtilization(CPU, "", 50)
	checkProposal(t, proposal{}, err, 0, "missing request for cpu in container app of Pod a")
}

func TestPlainAverageValue(t *testing.T) {
	tests := []struct {
		name string
		pods []Pod
		want int32
	}{
		// avg (30+30)/2 = 30 rps, target 10: ratio 3; ceil(3*2) = 6.
		{"pods metric", []Pod{cpuPod("a", 1, 0, withCustom("rps", 30000)), cpuPod("b", 1, 0, withCustom("rps", 30000))}, 6},
		// Missing pod on scale-down sits at the target (10): ratio 2/10 = 0.2,
		// recomputed (2+2+10)/3 = 4.666 (integer milli 4666) -> 0.4666; ceil(1.4) = 2.
		{"missing at target on scale-down", []Pod{cpuPod("a", 1, 0, withCustom("rps", 2000)), cpuPod("b", 1, 0, withCustom("rps", 2000)), cpuPod("c", 1, 0)}, 2},
		// NotReady pod without CPU rules still counts for a Pods metric:
		// avg (30+0)/2 = 15 -> 1.5; ceil(1.5*2) = 3.
		{"readiness ignored for pods metrics", []Pod{cpuPod("a", 1, 0, withCustom("rps", 30000)), cpuPod("b", 1, 0, withCustom("rps", 0), startedAgo(time.Minute, false, 0))}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCalc(int32(len(tt.pods)), tt.pods...)
			samples, err := customSamples(tt.pods, "rps")
			if err != nil {
				t.Fatal(err)
			}
			p, err := c.plain(samples, "", 10000)
			checkProposal(t, p, err, tt.want, "")
		})
	}
}

func TestObjectAndExternal(t *testing.T) {
	pods := []Pod{cpuPod("a", 1, 0), cpuPod("b", 1, 0), cpuPod("c", 1, 0, pending)}
	tests := []struct {
		name    string
		current int32
		status  int32
		total   Milli
		target  Milli
		perPod  bool
		want    int32
	}{
		// Value: ratio 300/100 = 3; ceil(3 * 2 Running+Ready pods) = 6.
		{"value uses ready pods", 3, 3, 300000, 100000, false, 6},
		// Value within tolerance: 105/100 = 1.05: keep current 3.
		{"value within tolerance", 3, 3, 105000, 100000, false, 3},
		// Value from zero: ceil(250/100) = 3, no tolerance.
		{"value from zero", 0, 0, 250000, 100000, false, 3},
		// AverageValue: tolerance on 300/(30*3) = 3.33 -> ceil(300/30) = 10.
		{"average value", 3, 3, 300000, 30000, true, 10},
		// AverageValue within tolerance of status replicas: 95/(30*3)=1.055: keep status 3.
		{"average value within tolerance", 3, 3, 95000, 30000, true, 3},
		// AverageValue uses status replicas for the band: 95/(30*4)=0.79 -> ceil(95/30) = 4.
		{"average value status replicas", 3, 4, 95000, 30000, true, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCalc(tt.current, pods...)
			c.obs.StatusReplicas = tt.status
			var p proposal
			var err error
			if tt.perPod {
				p = c.perPod(tt.total, tt.target)
			} else {
				p, err = c.objectValue(tt.total, tt.target)
			}
			checkProposal(t, p, err, tt.want, "")
		})
	}
}

func TestComputeMetrics(t *testing.T) {
	pods := []Pod{cpuPod("a", 1000, 900, withCustom("rps", 10000)), cpuPod("b", 1000, 900, withCustom("rps", 10000))}
	cpu := ResourceUtilization(CPU, 50)
	rps := MetricSpec{Type: PodsMetricSourceType, Pods: &PodsMetricSource{Metric: "rps", Target: MetricTarget{Type: AverageValueMetricType, AverageValue: Ptr(Milli(2000))}}}
	broken := MetricSpec{Type: ExternalMetricSourceType, External: &ExternalMetricSource{Metric: "gone", Target: MetricTarget{Type: ValueMetricType, Value: Ptr(Milli(1000))}}}
	tests := []struct {
		name    string
		metrics []MetricSpec
		current int32
		want    int32
		wantErr bool
	}{
		// cpu: int(1800*100/2000)=90 -> 1.8, ceil(3.6) = 4; rps: 10/2 = 5, ceil(10) = 10: max 10.
		{"highest proposal wins", []MetricSpec{cpu, rps}, 2, 10, false},
		// A failing metric does not block a scale-up of the others: 4 > 2.
		{"failure with scale-up proceeds", []MetricSpec{cpu, broken}, 2, 4, true},
		// With current 6 the cpu proposal int(1800*100/2000)=90 -> ceil(1.8*2) = 4 < 6: blocked.
		{"failure blocks scale-down", []MetricSpec{cpu, broken}, 6, -1, true},
		{"all metrics failing", []MetricSpec{broken}, 2, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := newCalc(tt.current, pods...).computeMetrics(tt.metrics)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("got %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
