package trace

import (
	"io"
	"math"
	"time"

	"tailor.dev/tailor/internal/workload"
)

// Assumptions of the google2019 mapping (docs/formats/trace.md): the trace
// normalizes CPU and memory to the largest machine of the cell and hides
// machine sizes, and its times are relative to the trace start.
const (
	GoogleCPUCoresPerUnit    = 64                 // cores of a 1.0-CPU machine
	GoogleMemoryBytesPerUnit = 256 * workload.GiB // bytes of a 1.0-memory machine
)

// GoogleEpoch is time 0 of the Google 2019 trace (it starts in May 2019).
var GoogleEpoch = time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)

// The Google columns the reader uses.
var googleColumns = []string{
	"time", "unique_id", "collection_id",
	"avg_cpu_usage", "max_memory_usage", "memory_limit", "cpu_limit",
}

type googleDecoder struct {
	rows *rows
	hdr  []string
	col  []int
	held *workload.Sample // read but not yet returned, to merge duplicates
	line int              // line of held
}

func newGoogle(r *rows) (decoder, error) {
	hdr, err := r.header()
	if err != nil {
		return nil, err
	}
	col, err := columns(hdr, googleColumns...)
	if err != nil {
		return nil, r.errorf("%v", err)
	}
	return &googleDecoder{rows: r, hdr: hdr, col: col}, nil
}

// next returns the held sample once the following row is known: a row with
// the same task and time as the held one is merged into it (the trace has
// two usage records for one window when a task restarts within it).
func (d *googleDecoder) next() (workload.Sample, int, error) {
	for {
		s, line, err := d.read()
		if err == io.EOF && d.held != nil {
			out := *d.held
			d.held = nil
			return out, d.line, nil
		}
		if err != nil {
			return workload.Sample{}, 0, err
		}
		if d.held != nil && s.Ref == d.held.Ref && !s.Time.After(d.held.Time) {
			if err := d.merge(s); err != nil {
				return workload.Sample{}, 0, err
			}
			continue
		}
		out, outLine := d.held, d.line
		d.held, d.line = &s, line
		if out != nil {
			return *out, outLine, nil
		}
	}
}

// merge folds s, a row of the held task that is not later than it, into the
// held sample: the larger of each value is kept.
func (d *googleDecoder) merge(s workload.Sample) error {
	h := d.held
	if s.Time.Before(h.Time) {
		return d.rows.errorf("time %s is before %s, the previous sample of %s",
			s.Time.Format(time.RFC3339Nano), h.Time.Format(time.RFC3339Nano), s.Ref.Key())
	}
	h.CPU, h.Memory = max(h.CPU, s.CPU), max(h.Memory, s.Memory)
	h.Provisioned.CPURequest = max(h.Provisioned.CPURequest, s.Provisioned.CPURequest)
	h.Provisioned.MemRequest = max(h.Provisioned.MemRequest, s.Provisioned.MemRequest)
	h.Provisioned.MemLimit = h.Provisioned.MemRequest
	return nil
}

func (d *googleDecoder) read() (workload.Sample, int, error) {
	rec, line, err := d.rows.record(len(d.hdr))
	if err != nil {
		return workload.Sample{}, 0, err
	}
	c := cells{rec: rec, hdr: d.hdr}
	us := c.integer(d.col[0], 0, math.MaxInt64/int64(time.Microsecond))
	task, job := c.name(d.col[1], true), c.name(d.col[2], true)
	cpu, mem := c.num(d.col[3]), c.num(d.col[4])
	memLimit, cpuLimit := c.num(d.col[5]), c.num(d.col[6])
	if c.err != nil {
		return workload.Sample{}, 0, d.rows.errorf("%v", c.err)
	}
	return workload.Sample{
		Ref: workload.ContainerRef{Namespace: "google-2019", Kind: "Job",
			Workload: "job-" + job, Pod: task, Container: "task"},
		Time:     GoogleEpoch.Add(time.Duration(us) * time.Microsecond),
		Interval: DefaultInterval,
		CPU:      cpu * GoogleCPUCoresPerUnit,
		Memory:   mem * GoogleMemoryBytesPerUnit,
		Provisioned: workload.Resources{
			CPURequest: cpuLimit * GoogleCPUCoresPerUnit,
			MemRequest: memLimit * GoogleMemoryBytesPerUnit,
			MemLimit:   memLimit * GoogleMemoryBytesPerUnit,
		},
		ThrottledFraction: math.NaN(),
	}, line, nil
}
