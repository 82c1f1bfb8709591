package trace

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"tailor.dev/tailor/internal/workload"
)

// The tailor format's columns, in the order Writer writes them.
const (
	colTimestamp = iota
	colNamespace
	colKind
	colWorkload
	colPod
	colContainer
	colInterval
	colCPU
	colMemory
	colCPURequest
	colCPULimit
	colMemRequest
	colMemLimit
	colOOMKilled
	colThrottled
	numColumns
)

var tailorColumns = [numColumns]string{
	"timestamp", "namespace", "kind", "workload", "pod", "container",
	"interval_seconds", "cpu_cores", "memory_bytes",
	"cpu_request", "cpu_limit", "memory_request", "memory_limit",
	"oom_killed", "throttled_fraction",
}

// Unix seconds of 0000-01-01 and 9999-12-31T23:59:59Z: integer timestamps
// are limited to the years RFC 3339 can write.
const (
	minUnix = -62167219200
	maxUnix = 253402300799
)

type tailorDecoder struct {
	rows *rows
	hdr  []string
	idx  [numColumns]int // record index of each column, -1 when absent
}

func newTailor(r *rows) (decoder, error) {
	hdr, err := r.header()
	if err != nil {
		return nil, err
	}
	d := &tailorDecoder{rows: r, hdr: hdr}
	for i := range d.idx {
		d.idx[i] = -1
	}
	for i, name := range hdr {
		c := slices.Index(tailorColumns[:], name)
		switch {
		case c < 0:
			return nil, r.errorf("unknown column %q (known: %s)", name, strings.Join(tailorColumns[:], ", "))
		case d.idx[c] >= 0:
			return nil, r.errorf("duplicate column %q", name)
		}
		d.idx[c] = i
	}
	return d, d.required()
}

func (d *tailorDecoder) required() error {
	for _, c := range []int{colTimestamp, colWorkload, colContainer} {
		if d.idx[c] < 0 {
			return d.rows.errorf("missing column %q", tailorColumns[c])
		}
	}
	if d.idx[colCPU] < 0 && d.idx[colMemory] < 0 {
		return d.rows.errorf("missing usage: need a cpu_cores or memory_bytes column")
	}
	return nil
}

func (d *tailorDecoder) next() (workload.Sample, int, error) {
	rec, line, err := d.rows.record(len(d.hdr))
	if err != nil {
		return workload.Sample{}, 0, err
	}
	c := cells{rec: rec, hdr: d.hdr}
	s := workload.Sample{Ref: workload.ContainerRef{
		Namespace: c.name(d.idx[colNamespace], false),
		Kind:      c.name(d.idx[colKind], false),
		Workload:  c.name(d.idx[colWorkload], true),
		Pod:       c.name(d.idx[colPod], false),
		Container: c.name(d.idx[colContainer], true),
	}}
	s.Time = d.time(&c)
	s.Interval = d.interval(&c)
	s.CPU = c.opt(d.idx[colCPU], math.NaN())
	s.Memory = c.opt(d.idx[colMemory], math.NaN())
	s.Provisioned = workload.Resources{
		CPURequest: c.opt(d.idx[colCPURequest], 0),
		CPULimit:   c.opt(d.idx[colCPULimit], 0),
		MemRequest: c.opt(d.idx[colMemRequest], 0),
		MemLimit:   c.opt(d.idx[colMemLimit], 0),
	}
	s.OOMKilled = d.oomKilled(&c)
	s.ThrottledFraction = c.opt(d.idx[colThrottled], math.NaN())
	if c.err != nil {
		return workload.Sample{}, 0, d.rows.errorf("%v", c.err)
	}
	return s, line, nil
}

// time parses RFC 3339 or integer Unix seconds.
func (d *tailorDecoder) time(c *cells) time.Time {
	i := d.idx[colTimestamp]
	v := c.text(i)
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(c.integer(i, minUnix, maxUnix), 0).UTC()
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		c.fail(i, "%q is neither RFC 3339 nor integer Unix seconds", v)
	}
	return t.UTC()
}

func (d *tailorDecoder) interval(c *cells) time.Duration {
	i := d.idx[colInterval]
	sec := c.opt(i, DefaultInterval.Seconds())
	iv := time.Duration(math.Round(sec * float64(time.Second)))
	if sec > MaxInterval.Seconds() || iv <= 0 {
		c.fail(i, "%s s is out of range (0, %g]", c.text(i), MaxInterval.Seconds())
		return DefaultInterval
	}
	return iv
}

func (d *tailorDecoder) oomKilled(c *cells) bool {
	i := d.idx[colOOMKilled]
	switch v := strings.ToLower(c.text(i)); v {
	case "", "0", "false":
		return false
	case "1", "true":
		return true
	default:
		c.fail(i, "%q is not 0, 1, true or false", v)
		return false
	}
}

// tailorHasMemory reports whether a tailor file has a memory_bytes column.
func tailorHasMemory(path string) (bool, error) {
	r, err := openRows(path, ',')
	if err != nil {
		return false, err
	}
	defer r.Close()
	hdr, err := r.header()
	if err != nil {
		return false, err
	}
	return slices.Contains(hdr, tailorColumns[colMemory]), nil
}

// formatFloat writes v exactly (shortest round-trip form), NaN as "".
func formatFloat(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
