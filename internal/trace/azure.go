package trace

import (
	"math"
	"slices"
	"time"

	"tailor.dev/tailor/internal/workload"
)

// AzureVCPUs is the assumed size of every Azure V1 VM: the subset does not
// record VM sizes, so utilization percent is converted to cores of a 2-vCPU VM.
const AzureVCPUs = 2

// AzureEpoch is the assumed time of offset_s = 0 (the subset keeps only
// offsets relative to its first row).
var AzureEpoch = time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)

// Azure file names: usage comes from the average; the max file is ignored.
const (
	azureAvgFile = "cpu_avg_pct_5min.csv"
	azureMaxFile = "cpu_max_pct_5min.csv"
)

type azureDecoder struct {
	rows   *rows
	hdr    []string
	offset int   // index of offset_s
	vmCol  []int // index of each VM column
	vms    []workload.ContainerRef
	time   time.Time
	line   int
	cpu    []float64 // usage of the current row, per VM
	done   int       // VMs of the current row already returned
}

func newAzure(r *rows) (decoder, error) {
	hdr, err := r.header()
	if err != nil {
		return nil, err
	}
	d := &azureDecoder{rows: r, hdr: hdr, offset: slices.Index(hdr, "offset_s")}
	if d.offset < 0 {
		return nil, r.errorf("missing column %q", "offset_s")
	}
	seen := map[string]bool{}
	for i, name := range hdr {
		switch {
		case name == "step" || name == "offset_s":
			continue
		case name == "":
			return nil, r.errorf("column %d has no name", i+1)
		case seen[name]:
			return nil, r.errorf("duplicate column %q", name)
		}
		seen[name] = true
		vm := "vm-" + name
		d.vmCol = append(d.vmCol, i)
		d.vms = append(d.vms, workload.ContainerRef{Namespace: "azure-v1", Kind: "VM", Workload: vm, Pod: vm, Container: "vm"})
	}
	if len(d.vms) == 0 {
		return nil, r.errorf("no VM columns")
	}
	return d, nil
}

// next returns the VMs of a row one by one, reading a row when the current
// one is used up.
func (d *azureDecoder) next() (workload.Sample, int, error) {
	if d.done == len(d.cpu) {
		if err := d.readRow(); err != nil {
			return workload.Sample{}, 0, err
		}
	}
	i := d.done
	d.done++
	return workload.Sample{
		Ref:               d.vms[i],
		Time:              d.time,
		Interval:          DefaultInterval,
		CPU:               d.cpu[i] / 100 * AzureVCPUs,
		Memory:            math.NaN(),
		Provisioned:       workload.Resources{CPURequest: AzureVCPUs},
		ThrottledFraction: math.NaN(),
	}, d.line, nil
}

func (d *azureDecoder) readRow() error {
	rec, line, err := d.rows.record(len(d.hdr))
	if err != nil {
		return err
	}
	c := cells{rec: rec, hdr: d.hdr}
	off := c.integer(d.offset, 0, math.MaxInt64/int64(time.Second))
	d.cpu = d.cpu[:0]
	for _, i := range d.vmCol {
		d.cpu = append(d.cpu, c.num(i))
	}
	if c.err != nil {
		return d.rows.errorf("%v", c.err)
	}
	d.time = AzureEpoch.Add(time.Duration(off) * time.Second)
	d.line, d.done = line, 0
	return nil
}
