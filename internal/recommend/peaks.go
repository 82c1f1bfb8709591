package recommend

import (
	"math"
	"slices"
)

// peaks keeps the peak value of each fixed time window for the last
// len(vals) windows that had data, in a ring. Windows are aligned to multiples
// of the window length since the Unix epoch, so replicas' peaks line up when
// merged. A gap in the data (the container was not running) does not expire
// history: only windows with samples take a slot, so a task that restarts
// after a week away is sized from what it used before, not from nothing.
type peaks struct {
	cur  int64 // index (time / window) of the newest window
	pos  int32 // ring position of the newest window
	n    int32 // windows seen so far, capped at len(vals)
	vals []float32
}

func newPeaks(windows int) peaks { return peaks{vals: make([]float32, windows)} }

func (p *peaks) add(window int64, v float64) {
	switch {
	case p.n == 0:
		p.cur, p.n = window, 1
	case window > p.cur:
		p.advance(window)
	case window < p.cur:
		if window < p.cur-int64(len(p.vals))+1 {
			return // too old to matter
		}
	}
	i := p.slot(window)
	if float32(v) > p.vals[i] {
		p.vals[i] = float32(v)
	}
}

// advance opens a new slot for window. Consecutive windows take one slot each;
// a jump over windows without data also takes a single slot.
func (p *peaks) advance(window int64) {
	p.pos = (p.pos + 1) % int32(len(p.vals))
	p.vals[p.pos] = 0
	p.n = min(p.n+1, int32(len(p.vals)))
	p.cur = window
}

// slot maps a window to its ring position; only the current window and, when
// there was no gap, the ones right before it are addressable.
func (p *peaks) slot(window int64) int32 {
	back := int32(p.cur - window)
	return (p.pos - back + int32(len(p.vals))) % int32(len(p.vals))
}

// max returns the largest peak of the last k slots with data.
func (p *peaks) max(k int) float64 {
	var m float32
	for j := int32(0); j < min(int32(k), p.n); j++ {
		if v := p.vals[(p.pos-j+int32(len(p.vals)))%int32(len(p.vals))]; v > m {
			m = v
		}
	}
	return float64(m)
}

// merge folds o's peaks into p (aggregation across replicas: the max of the
// replicas' peaks per slot). Slots are matched newest to newest.
func (p *peaks) merge(o *peaks) {
	l := int32(len(p.vals))
	for j := int32(0); j < min(o.n, l); j++ {
		v := o.vals[(o.pos-j+int32(len(o.vals)))%int32(len(o.vals))]
		if i := (p.pos - j + l) % l; v > p.vals[i] {
			p.vals[i] = v
		}
	}
	if p.n == 0 || o.cur > p.cur {
		p.cur = o.cur
	}
	p.n = max(p.n, min(o.n, l))
}

// quantile returns the p-quantile of the kept windows' peaks (nearest rank).
func (p *peaks) quantile(q float64) float64 {
	if p.n == 0 {
		return 0
	}
	l := int32(len(p.vals))
	buf := make([]float32, p.n)
	for j := int32(0); j < p.n; j++ {
		buf[j] = p.vals[(p.pos-j+l)%l]
	}
	slices.Sort(buf)
	i := int(math.Ceil(q*float64(p.n))) - 1
	return float64(buf[max(0, min(i, int(p.n)-1))])
}
