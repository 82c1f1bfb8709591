package krr

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"tailor.dev/tailor/internal/workload"
)

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

const mib = 1 << 20

// series returns one-minute samples ending at t0+1min, t0+2min, ... with
// cpu(i) and mem(i).
func series(n int, cpu, mem func(i int) float64) []workload.Sample {
	out := make([]workload.Sample, n)
	for i := range out {
		out[i] = workload.Sample{Time: t0.Add(time.Duration(i+1) * time.Minute), Interval: time.Minute, CPU: cpu(i), Memory: mem(i)}
	}
	return out
}

func constant(v float64) func(int) float64 { return func(int) float64 { return v } }

func fed(samples []workload.Sample) *container {
	c := New(Default()).NewContainer(workload.ContainerRef{}, workload.Resources{}, t0).(*container)
	for _, s := range samples {
		c.Observe(s)
	}
	return c
}

func TestQuantile(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(100 - i) // 100..1, unsorted
	}
	tests := []struct {
		name string
		xs   []float64
		phi  float64
		want float64
	}{
		// rank 0.95·99 = 94.05: x[94] + 0.05·(x[95] − x[94]) = 95 + 0.05.
		{"1..100 p95", hundred, 0.95, 95.05},
		{"single", []float64{7}, 0.95, 7},
		// rank 0.95: 1 + 0.95·(3 − 1).
		{"two", []float64{3, 1}, 0.95, 2.9},
		{"p100 is max", []float64{4, 9, 2}, 1, 9},
		{"p0 is min", []float64{4, 9, 2}, 0, 2},
	}
	for _, tt := range tests {
		if got := quantile(tt.xs, tt.phi); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: quantile = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestQuantileMatchesSort checks selection against the sorted definition on
// random inputs with many duplicates.
func TestQuantileMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n < 300; n += 7 {
		for _, phi := range []float64{0, 0.5, 0.9, 0.95, 0.99, 1} {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = float64(rng.IntN(20))
			}
			sorted := slices.Sorted(slices.Values(xs))
			rank := phi * float64(n-1)
			lo := int(math.Floor(rank))
			want := sorted[lo] + (rank-float64(lo))*(sorted[min(lo+1, n-1)]-sorted[lo])
			if got := quantile(xs, phi); got != want {
				t.Fatalf("n=%d φ=%v: quantile = %v, want %v", n, phi, got, want)
			}
		}
	}
}

func TestRecommend(t *testing.T) {
	// 200 samples (3 h 20 min): CPU 0.01, 0.02, ..., 1.00 twice. Sorted,
	// index k holds (k/2 + 1)/100; rank 0.95·199 = 189.05 → 0.95 + 0.05·0.01
	// = 0.9505 core → rounded up to 951 m. Memory peaks at 1000 MiB + 1 B:
	// ×1.15 = 1150 MiB + 1.15 B → rounded up to 1151 MiB.
	cpu := func(i int) float64 { return float64(i%100+1) / 100 }
	mem := func(i int) float64 {
		if i == 150 {
			return 1000*mib + 1
		}
		return 500 * mib
	}
	tests := []struct {
		name    string
		samples []workload.Sample
		at      time.Time
		want    workload.Resources
		ok      defined
	}{
		{"p95 and max+15%", series(200, cpu, mem), t0.Add(200 * time.Minute),
			workload.Resources{CPURequest: 0.951, MemRequest: 1151 * mib, MemLimit: 1151 * mib}, defined{true, true}},
		{"floors 10m and 100MiB", series(200, constant(0.001), constant(10*mib)), t0.Add(200 * time.Minute),
			workload.Resources{CPURequest: 0.01, MemRequest: 100 * mib, MemLimit: 100 * mib}, defined{true, true}},
		{"under 3h of history", series(179, constant(1), constant(mib)), t0.Add(179 * time.Minute),
			workload.Resources{}, defined{}},
		{"cpu-only trace", series(200, constant(0.5), constant(math.NaN())), t0.Add(200 * time.Minute),
			workload.Resources{CPURequest: 0.5}, defined{cpu: true}},
		// 3 h of memory but CPU only in the last 2 h: 120 min / 75 s = 96
		// points < 100, so CPU has no recommendation.
		{"too few cpu points", series(180, func(i int) float64 {
			if i < 60 {
				return math.NaN()
			}
			return 1
		}, constant(200*mib)), t0.Add(180 * time.Minute),
			workload.Resources{MemRequest: 230 * mib, MemLimit: 230 * mib}, defined{mem: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := fed(tt.samples).recommend(tt.at)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("recommend = %+v %+v, want %+v %+v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestHistoryWindowIs14Days(t *testing.T) {
	// Day 1 at 2 GiB, then 14 days at 1 GiB (CPU 0.5 throughout).
	mem := func(i int) float64 {
		if i < 24*60 {
			return 2 << 30
		}
		return 1 << 30
	}
	tests := []struct {
		at   time.Time
		want float64
	}{
		// The last 2 GiB sample ends at t0+24h: still inside (now−14d, now].
		{t0.Add(14*24*time.Hour + 23*time.Hour), math.Ceil(2*1.15*1024) * mib},
		{t0.Add(15 * 24 * time.Hour), math.Ceil(1.15*1024) * mib},
	}
	for _, tt := range tests {
		got, _ := fed(series(int(tt.at.Sub(t0)/time.Minute), constant(0.5), mem)).recommend(tt.at)
		if got.MemRequest != tt.want {
			t.Errorf("at %v: memory = %v MiB, want %v MiB", tt.at.Sub(t0), got.MemRequest/mib, tt.want/mib)
		}
	}
	c := fed(series(15*24*60, constant(0.5), mem))
	if c.win.size != 14*24*60 {
		t.Errorf("window holds %d samples, want 14 days = %d", c.win.size, 14*24*60)
	}
	if got, _ := c.recommend(t0.Add(15 * 24 * time.Hour)); got.CPURequest != 0.5 {
		t.Errorf("cpu = %v, want 0.5", got.CPURequest)
	}
}

func TestDecide(t *testing.T) {
	// Recommendation: CPU 0.5 core, memory ceil(1000·1.15) = 1150 MiB.
	samples := series(4*60, constant(0.5), constant(1000*mib))
	now := t0.Add(4 * time.Hour)
	rec := workload.Resources{CPURequest: 0.5, MemRequest: 1150 * mib, MemLimit: 1150 * mib}
	res := func(cpu, mem float64) workload.Resources {
		return workload.Resources{CPURequest: cpu, MemRequest: mem, MemLimit: mem}
	}
	tests := []struct {
		name    string
		applied workload.Resources
		oom     bool
		want    workload.Resources
	}{
		{"both within 10%", res(0.54, 1100*mib), false, res(0.54, 1100*mib)},
		{"cpu 12% above", res(0.56, 1150*mib), false, rec},
		// |0.5 − 0.55| / 0.55 = 9.1% < 10%.
		{"cpu 10% above is 9% relative", res(0.55, 1150*mib), false, res(0.55, 1150*mib)},
		{"memory 20% above", res(0.5, 1380*mib), false, rec},
		{"unset requests", workload.Resources{}, false, rec},
		{"OOM, recommendation raises memory by 4.5%", res(0.5, 1100*mib), true, rec},
		{"OOM, recommendation lowers memory by 4%", res(0.5, 1200*mib), true, res(0.5, 1200*mib)},
		{"cpu limit is dropped on change", workload.Resources{CPURequest: 2, CPULimit: 4, MemRequest: 1150 * mib, MemLimit: 1150 * mib}, false, rec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fed(samples)
			if tt.oom {
				c.OOM(now, tt.applied, 1000*mib)
			}
			if got := c.Decide(now, tt.applied); got != tt.want {
				t.Fatalf("Decide = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecideCPUOnlyKeepsMemory(t *testing.T) {
	c := fed(series(4*60, constant(0.5), constant(math.NaN())))
	applied := workload.Resources{CPURequest: 2, MemRequest: 3 << 30, MemLimit: 3 << 30}
	want := workload.Resources{CPURequest: 0.5, MemRequest: 3 << 30, MemLimit: 3 << 30}
	if got := c.Decide(t0.Add(4*time.Hour), applied); got != want {
		t.Fatalf("Decide = %+v, want %+v", got, want)
	}
}

func TestWindowRing(t *testing.T) {
	var w window
	for i := 0; i < 200; i++ {
		w.push(point{end: t0.Add(time.Duration(i) * time.Minute).UnixNano()})
		w.dropUntil(t0.Add(time.Duration(i-50) * time.Minute))
	}
	first, last := time.Unix(0, w.at(0).end), time.Unix(0, w.at(w.size-1).end)
	if w.size != 50 || !first.Equal(t0.Add(150*time.Minute)) || !last.Equal(t0.Add(199*time.Minute)) {
		t.Fatalf("window holds %d points from %v to %v", w.size, first.Sub(t0), last.Sub(t0))
	}
}

func TestName(t *testing.T) {
	if n := New(Default()).Name(); n != "krr" {
		t.Errorf("Name = %q", n)
	}
}
