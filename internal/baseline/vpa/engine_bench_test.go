package vpa

import (
	"runtime"
	"testing"
	"time"

	"tailor.dev/tailor/internal/recommend"
)

// Side by side with BenchmarkVPAIngest / StateBytes: the same samples fed to
// Tailor's engine. Run both with `make bench-engine`.

func tailorEngine(tb testing.TB) *recommend.Engine {
	e, err := recommend.New(recommend.Default())
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// BenchmarkTailorIngest: one op adds one sample (CPU and memory) to one
// recommend.State, like BenchmarkVPAIngest does for VPA's ContainerState.
func BenchmarkTailorIngest(b *testing.B) {
	e := tailorEngine(b)
	day := benchSamples(24*60, 1)
	s := e.NewState()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x := day[i%len(day)]
		x.Time = x.Time.Add(time.Duration(i/len(day)) * 24 * time.Hour)
		e.Add(s, x)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/sample")
}

// TailorStateBytes is StateBytes for Tailor's engine.
func TailorStateBytes(n int) float64 {
	e, err := recommend.New(recommend.Default())
	if err != nil {
		panic(err)
	}
	day := benchSamples(24*60, 1)
	states := make([]*recommend.State, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range states {
		states[i] = e.NewState()
		for _, s := range day {
			e.Add(states[i], s)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(states)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// BenchmarkTailorStateBytes reports TailorStateBytes(2000) as B/container.
func BenchmarkTailorStateBytes(b *testing.B) {
	var bytes float64
	for i := 0; i < b.N; i++ {
		bytes = TailorStateBytes(2000)
	}
	b.ReportMetric(bytes, "B/container")
}

// Memory per tracked container is a size, not a timing: Tailor's state must
// not be larger than VPA's for the same history.
func TestTailorStateNoLargerThanVPA(t *testing.T) {
	if testing.Short() {
		t.Skip("feeds 2,000 containers a day of samples each, twice")
	}
	ours, theirs := TailorStateBytes(2000), StateBytes(2000)
	t.Logf("state per container: tailor %.0f B, vpa %.0f B (ratio %.2f)", ours, theirs, ours/theirs)
	if ours > theirs {
		t.Fatalf("tailor state %.0f B/container > vpa %.0f B/container", ours, theirs)
	}
}
