package vpa

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"k8s.io/autoscaler/vertical-pod-autoscaler/pkg/recommender/model"

	"tailor.dev/tailor/internal/workload"
)

// benchSamples returns n one-minute samples of one container with a diurnal
// pattern and Gaussian noise from a seeded generator: CPU around 0.25 core
// (±0.15 daily swing, σ 0.03), memory around 512 MiB (±64 MiB, σ 8 MiB).
// Reusable by side-by-side benchmarks of other engines.
func benchSamples(n int, seed int64) []workload.Sample {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	ref := workload.ContainerRef{Namespace: "bench", Kind: "Deployment", Workload: "web", Pod: "web-0", Container: "app"}
	out := make([]workload.Sample, n)
	for i := range out {
		phase := 2 * math.Pi * float64(i) / (24 * 60)
		out[i] = workload.Sample{
			Ref:               ref,
			Time:              t0.Add(time.Duration(i+1) * time.Minute),
			Interval:          time.Minute,
			CPU:               math.Max(0.001, 0.25+0.15*math.Sin(phase)+0.03*rng.NormFloat64()),
			Memory:            math.Max(mib, 512*mib+64*mib*math.Sin(phase)+8*mib*rng.NormFloat64()),
			ThrottledFraction: math.NaN(),
		}
	}
	return out
}

// feed adds one sample (CPU then memory) to an upstream ContainerState, as
// container.Observe does, with the sample shifted by shift in time.
func feed(cs *model.ContainerState, s workload.Sample, shift time.Duration) {
	start := s.Time.Add(shift - s.Interval)
	cs.AddSample(&model.ContainerUsageSample{MeasureStart: start, Usage: model.CPUAmountFromCores(s.CPU), Resource: model.ResourceCPU})
	cs.AddSample(&model.ContainerUsageSample{MeasureStart: start, Usage: model.MemoryAmountFromBytes(s.Memory), Resource: model.ResourceMemory})
}

// BenchmarkVPAIngest measures the upstream model's ingest cost: one op adds
// one sample (a CPU and a memory ContainerUsageSample) to one ContainerState.
// A day of samples is generated once and replayed day after day.
func BenchmarkVPAIngest(b *testing.B) {
	aggregations()
	day := benchSamples(24*60, 1)
	cs := model.NewContainerState(model.Resources{}, model.NewAggregateContainerState())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		shift := time.Duration(i/len(day)) * 24 * time.Hour
		feed(cs, day[i%len(day)], shift)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/sample")
}

// StateBytes returns the live heap bytes per tracked container of the
// upstream model: n AggregateContainerStates, each with its ContainerState,
// each fed one day of one-minute samples.
func StateBytes(n int) float64 {
	aggregations()
	day := benchSamples(24*60, 1)
	states := make([]*model.ContainerState, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range states {
		states[i] = model.NewContainerState(model.Resources{}, model.NewAggregateContainerState())
		for _, s := range day {
			feed(states[i], s, 0)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(states)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

func TestVPAStateBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("feeds 2,000 containers a day of samples each")
	}
	got := StateBytes(2000)
	// Two 176-bucket float64 histograms are 2,816 B; the rest is struct
	// overhead. Anything far outside this range means the measurement broke.
	if got < 2816 || got > 64<<10 {
		t.Fatalf("StateBytes = %.0f B/container, want between 2816 and 65536", got)
	}
	t.Logf("upstream VPA state: %.0f B/container", got)
}

// BenchmarkVPAStateBytes reports StateBytes(2000) as B/container.
func BenchmarkVPAStateBytes(b *testing.B) {
	var bytes float64
	for i := 0; i < b.N; i++ {
		bytes = StateBytes(2000)
	}
	b.ReportMetric(bytes, "B/container")
}
