package recommend

// peaks keeps the peak value of each fixed time window for the last
// len(vals) windows in a ring. Windows are aligned to multiples of the window
// length since the Unix epoch, so replicas' peaks line up when merged.
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
	case window < p.cur-int64(len(p.vals))+1:
		return // too old to matter
	}
	i := p.slot(window)
	if float32(v) > p.vals[i] {
		p.vals[i] = float32(v)
	}
}

func (p *peaks) advance(window int64) {
	steps := window - p.cur
	if steps > int64(len(p.vals)) {
		steps = int64(len(p.vals))
	}
	for k := int64(0); k < steps; k++ {
		p.pos = (p.pos + 1) % int32(len(p.vals))
		p.vals[p.pos] = 0
	}
	p.n = min(p.n+int32(steps), int32(len(p.vals)))
	p.cur = window
}

func (p *peaks) slot(window int64) int32 {
	back := int32(p.cur - window)
	return (p.pos - back + int32(len(p.vals))) % int32(len(p.vals))
}

// max returns the largest peak of the last k windows ending at window now.
func (p *peaks) max(now int64, k int) float64 {
	var m float32
	for w := now - int64(k) + 1; w <= now; w++ {
		if w > p.cur || w <= p.cur-int64(len(p.vals)) {
			continue
		}
		if v := p.vals[p.slot(w)]; v > m {
			m = v
		}
	}
	return float64(m)
}

// merge folds o's peaks into p (aggregation across replicas: the max of the
// replicas' peaks per window).
func (p *peaks) merge(o *peaks) {
	for k := int32(0); k < o.n; k++ {
		w := o.cur - int64(k)
		p.add(w, float64(o.vals[o.slot(w)]))
	}
}
