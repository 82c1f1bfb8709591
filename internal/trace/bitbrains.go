package trace

import (
	"cmp"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"tailor.dev/tailor/internal/workload"
)

// The Bitbrains columns the reader uses, verbatim from the header.
var bitbrainsColumns = []string{
	"Timestamp [ms]", // Unix seconds despite the name
	"CPU cores",
	"CPU capacity provisioned [MHZ]",
	"CPU usage [MHZ]",
	"Memory capacity provisioned [KB]",
	"Memory usage [KB]",
}

type bitbrainsDecoder struct {
	rows *rows
	hdr  []string
	col  []int
	ref  workload.ContainerRef
}

func newBitbrains(r *rows) (decoder, error) {
	hdr, err := r.header()
	if err != nil {
		return nil, err
	}
	col, err := columns(hdr, bitbrainsColumns...)
	if err != nil {
		return nil, r.errorf("%v", err)
	}
	vm := "vm-" + fileStem(r.name)
	ref := workload.ContainerRef{Namespace: "bitbrains", Kind: "VM", Workload: vm, Pod: vm, Container: "vm"}
	return &bitbrainsDecoder{rows: r, hdr: hdr, col: col, ref: ref}, nil
}

func (d *bitbrainsDecoder) next() (workload.Sample, int, error) {
	rec, line, err := d.rows.record(len(d.hdr))
	if err != nil {
		return workload.Sample{}, 0, err
	}
	c := cells{rec: rec, hdr: d.hdr}
	sec := c.integer(d.col[0], minUnix, maxUnix)
	cores, capMHz, useMHz := c.num(d.col[1]), c.num(d.col[2]), c.num(d.col[3])
	memKB, useKB := c.num(d.col[4]), c.num(d.col[5])
	if c.err == nil && (cores == 0 || capMHz == 0) {
		c.fail(d.col[2], "CPU cores and capacity must be positive to convert MHz to cores")
	}
	if c.err != nil {
		return workload.Sample{}, 0, d.rows.errorf("%v", c.err)
	}
	return workload.Sample{
		Ref:      d.ref,
		Time:     time.Unix(sec, 0).UTC(),
		Interval: DefaultInterval,
		CPU:      useMHz / (capMHz / cores),
		Memory:   useKB * 1024,
		Provisioned: workload.Resources{
			CPURequest: cores,
			MemRequest: memKB * 1024,
			MemLimit:   memKB * 1024,
		},
		ThrottledFraction: math.NaN(),
	}, line, nil
}

// fileStem is the file name without directory, .gz and .csv.
func fileStem(path string) string {
	base := filepath.Base(path)
	base = strings.TrimSuffix(base, ".gz")
	return strings.TrimSuffix(base, ".csv")
}

// bitbrainsOrder sorts files VM by VM (numeric ids numerically), each VM's
// month folders ("2013-7") in chronological order.
func bitbrainsOrder(a, b string) int {
	if c := compareIDs(fileStem(a), fileStem(b)); c != 0 {
		return c
	}
	return compareIDs(monthKey(filepath.Dir(a)), monthKey(filepath.Dir(b)))
}

// monthKey turns a "YYYY-M" folder into a sortable "YYYYMM" string.
func monthKey(dir string) string {
	base := filepath.Base(dir)
	y, m, ok := strings.Cut(base, "-")
	yi, err1 := strconv.Atoi(y)
	mi, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil {
		return base
	}
	return strconv.Itoa(yi*100 + mi)
}

// compareIDs orders integers numerically, before other strings.
func compareIDs(a, b string) int {
	ai, errA := strconv.ParseInt(a, 10, 64)
	bi, errB := strconv.ParseInt(b, 10, 64)
	switch {
	case errA == nil && errB == nil:
		return cmp.Compare(ai, bi)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}
