package recommend

import (
	"math"
	"math/rand"
	"sort"
	"testing"
	"time"
)

func TestHistogramPercentileMatchesExactQuantile(t *testing.T) {
	b := newBucketing(0.001, 1.05, 2000, 24*time.Hour)
	rng := rand.New(rand.NewSource(1))
	var h histogram
	vals := make([]float64, 5000)
	for i := range vals {
		vals[i] = math.Exp(rng.NormFloat64()*0.5) * 0.3 // lognormal around 0.3 cores
		h.add(b, vals[i], 1, 1000)                      // same time: no decay
	}
	sort.Float64s(vals)
	for _, p := range []float64{0.5, 0.9, 0.95, 0.99} {
		exact := vals[int(p*float64(len(vals)))-1]
		got := h.percentile(b, p)
		if math.Abs(got/exact-1) > 0.03 {
			t.Errorf("p%.0f = %.4f, exact %.4f: error over 3%%", p*100, got, exact)
		}
	}
}

func TestHistogramDecay(t *testing.T) {
	b := newBucketing(0.001, 1.05, 2000, time.Hour)
	var h histogram
	// 1 core one hour before 2 cores: the newer sample weighs twice as much.
	h.add(b, 1, 1, 0)
	h.add(b, 2, 1, 3600)
	// p50 = 1/3 of the weight lies at 1 core, 2/3 at 2 cores.
	if got := h.percentile(b, 0.5); got < 1.9 || got > 2.1 {
		t.Fatalf("p50 = %v, want about 2 (newer sample dominates)", got)
	}
	if got := h.percentile(b, 0.3); got > 1.06 {
		t.Fatalf("p30 = %v, want about 1", got)
	}
}

func TestHistogramRenormalisesWithoutLosingShape(t *testing.T) {
	b := newBucketing(0.001, 1.05, 2000, time.Hour)
	var h histogram
	for i := int64(0); i < 24*200; i++ { // 200 days of hourly samples: exponent far beyond maxExponent
		v := 0.5
		if i%10 == 0 {
			v = 1.0
		}
		h.add(b, v, 1, i*3600)
	}
	if math.IsInf(float64(h.total), 0) || h.total <= 0 {
		t.Fatalf("total weight %v overflowed", h.total)
	}
	if got := h.percentile(b, 0.5); math.Abs(got-0.5) > 0.03 {
		t.Fatalf("p50 = %v, want 0.5", got)
	}
}

func TestHistogramMerge(t *testing.T) {
	b := newBucketing(0.001, 1.05, 2000, 24*time.Hour)
	var a, c histogram
	for i := 0; i < 100; i++ {
		a.add(b, 0.1, 1, 0)
		c.add(b, 1.0, 1, 0)
	}
	a.merge(b, &c)
	if got := a.percentile(b, 0.25); math.Abs(got-0.1) > 0.006 {
		t.Errorf("p25 = %v, want 0.1", got)
	}
	if got := a.percentile(b, 0.75); math.Abs(got-1.0) > 0.05 {
		t.Errorf("p75 = %v, want 1.0", got)
	}
	var empty histogram
	if empty.percentile(b, 0.9) != 0 {
		t.Error("empty histogram percentile must be 0")
	}
}

func TestPeaks(t *testing.T) {
	p := newPeaks(3)
	p.add(10, 5)
	p.add(10, 7)
	p.add(11, 2)
	if got := p.max(1); got != 2 {
		t.Errorf("max of last window = %v, want 2", got)
	}
	if got := p.max(3); got != 7 {
		t.Errorf("max of 3 windows = %v, want 7", got)
	}
	p.add(12, 1)
	p.add(13, 1) // window 10 falls out of the 3-slot ring
	if got := p.max(3); got != 2 {
		t.Errorf("after expiry max = %v, want 2", got)
	}
	p.add(12, 4) // late sample for a window still in range
	if got := p.max(3); got != 4 {
		t.Errorf("late sample max = %v, want 4", got)
	}
	p.add(5, 100) // far too old: ignored
	if got := p.max(3); got != 4 {
		t.Errorf("old sample changed max to %v", got)
	}
	// A gap of 1000 windows (the container was not running) takes one slot:
	// the history before the gap still counts.
	p.add(1013, 3)
	if got := p.max(3); got != 4 {
		t.Errorf("after a gap max = %v, want 4 (history kept)", got)
	}
	q := newPeaks(3)
	q.add(1013, 9)
	p.merge(&q)
	if got := p.max(1); got != 9 {
		t.Errorf("merged max = %v, want 9", got)
	}
	var empty = newPeaks(2)
	empty.merge(&p)
	if got := empty.max(2); got != 9 {
		t.Errorf("merge into empty = %v, want 9", got)
	}
}
