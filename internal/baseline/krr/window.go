package krr

import (
	"time"
)

// point is one sample in the history window (32 bytes: 14 days of
// one-minute samples take 630 KiB).
type point struct {
	end      int64         // end of the sample interval, Unix nanoseconds
	interval time.Duration // length of the sample interval
	cpu, mem float64       // NaN when not measured
}

// window is a FIFO ring buffer of points in time order.
type window struct {
	buf        []point
	head, size int
}

func (w *window) push(p point) {
	if w.size == len(w.buf) {
		w.grow()
	}
	w.buf[(w.head+w.size)%len(w.buf)] = p
	w.size++
}

func (w *window) grow() {
	n := 2 * len(w.buf)
	if n == 0 {
		n = 64
	}
	buf := make([]point, n)
	for i := 0; i < w.size; i++ {
		buf[i] = w.at(i)
	}
	w.buf, w.head = buf, 0
}

// at returns the i-th oldest point.
func (w *window) at(i int) point { return w.buf[(w.head+i)%len(w.buf)] }

// dropUntil removes points that ended at or before cutoff: a Prometheus
// range [14d] evaluated at t covers (t − 14d, t].
func (w *window) dropUntil(cutoff time.Time) {
	for w.size > 0 && w.buf[w.head].end <= cutoff.UnixNano() {
		w.buf[w.head] = point{}
		w.head = (w.head + 1) % len(w.buf)
		w.size--
	}
}
