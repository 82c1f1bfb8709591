package trace_test

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

const bbHeader = "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\t" +
	"Memory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\t" +
	"Disk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n"

// bbRow is one Bitbrains row; the unused columns are zero.
func bbRow(ts int64, cores, capMHz, useMHz, memKB, useKB string) string {
	return strings.Join([]string{fmt.Sprint(ts), cores, capMHz, useMHz, "0", memKB, useKB, "0", "0", "0", "0"}, ";\t") + "\n"
}

func TestBitbrainsConversion(t *testing.T) {
	content := bbHeader + bbRow(1372600000, "1", "2600", "52", "2097152.0", "262144.0") +
		bbRow(1372630104, "4", "10400", "5200", "1024", "512")
	got, err := readString("2013-7/10.csv", "bitbrains", content)
	if err != nil {
		t.Fatal(err)
	}
	vm := workload.ContainerRef{Namespace: "bitbrains", Kind: "VM", Workload: "vm-10", Pod: "vm-10", Container: "vm"}
	want := []workload.Sample{{
		Ref: vm, Time: time.Unix(1372600000, 0).UTC(), Interval: 5 * time.Minute,
		CPU: 52.0 / (2600.0 / 1), Memory: 262144.0 * 1024,
		Provisioned:       workload.Resources{CPURequest: 1, MemRequest: 2 << 30, MemLimit: 2 << 30},
		ThrottledFraction: math.NaN(),
	}, {
		Ref: vm, Time: time.Unix(1372630104, 0).UTC(), Interval: 5 * time.Minute,
		CPU: 2, Memory: 512 * 1024,
		Provisioned:       workload.Resources{CPURequest: 4, MemRequest: 1 << 20, MemLimit: 1 << 20},
		ThrottledFraction: math.NaN(),
	}}
	if len(got) != 2 || !sameSample(got[0], want[0]) || !sameSample(got[1], want[1]) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestBitbrainsBadInput(t *testing.T) {
	ok := bbRow(100, "1", "2600", "26", "1024", "512")
	checkBad(t, "7.csv", "bitbrains", []badCase{
		{"missing column", "Timestamp [ms];\tCPU cores\n", `7.csv:1: missing column "CPU capacity provisioned [MHZ]"`},
		{"wrong column count", bbHeader + ok + "200;\t1;\t2600\n", "7.csv:3: has 3 columns, the header has 11"},
		{"unparsable number", bbHeader + ok + bbRow(200, "1", "2600", "2,6", "1024", "512"),
			`7.csv:3: column CPU usage [MHZ]: "2,6" is not a number`},
		{"NaN", bbHeader + bbRow(200, "1", "2600", "26", "1024", "NaN"), `7.csv:2: column Memory usage [KB]: "NaN" is not a finite number`},
		{"Inf", bbHeader + bbRow(200, "1", "Inf", "26", "1024", "1"), `7.csv:2: column CPU capacity provisioned [MHZ]: "Inf" is not a finite number`},
		{"negative usage", bbHeader + bbRow(200, "1", "2600", "-26", "1024", "512"), `7.csv:2: column CPU usage [MHZ]: "-26" is negative`},
		{"zero capacity", bbHeader + bbRow(200, "1", "0", "26", "1024", "512"),
			"7.csv:2: column CPU capacity provisioned [MHZ]: CPU cores and capacity must be positive to convert MHz to cores"},
		{"fractional timestamp", bbHeader + "1.5" + ok[3:], `7.csv:2: column Timestamp [ms]: "1.5" is not an integer`},
		{"repeated timestamp", bbHeader + ok + ok,
			"7.csv:3: time 1970-01-01T00:01:40Z is not after 1970-01-01T00:01:40Z, the previous sample of bitbrains/vm-7/vm-7/vm"},
	})
}

func TestBitbrainsFolder(t *testing.T) {
	dir := t.TempDir()
	row := func(ts int64) string { return bbRow(ts, "1", "2600", "26", "1024", "512") }
	writeFiles(t, dir, map[string][]byte{
		"MANIFEST.csv":      []byte("vm_id,month\n"),
		"2013-9/10.csv.gz":  gzipBytes(t, bbHeader+row(300)),
		"2013-10/10.csv":    gzipBytes(t, bbHeader+row(400)+row(500)), // gzip despite the name
		"2013-9/9.csv.gz":   gzipBytes(t, bbHeader+row(300)),
		"2013-10/9.csv.gz":  gzipBytes(t, bbHeader+row(600)),
		"2013-10/vmx.csv":   []byte(bbHeader + row(1)),
		"2013-10/notes.txt": []byte("ignored"),
	})
	r, ds, err := trace.Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if ds.Format != "bitbrains" || ds.Name != filepath.Base(dir) || ds.CPUOnly {
		t.Errorf("dataset %+v", ds)
	}
	got, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for _, s := range got {
		seq = append(seq, fmt.Sprintf("%s@%d", s.Ref.Workload, s.Time.Unix()))
	}
	want := "vm-9@300 vm-9@600 vm-10@300 vm-10@400 vm-10@500 vm-vmx@1"
	if strings.Join(seq, " ") != want {
		t.Errorf("order %v, want %s", seq, want)
	}
}

func TestBitbrainsFlatFolder(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		"3.csv": []byte(bbHeader + bbRow(1, "2", "5000", "2500", "10", "5")),
		"1.csv": []byte(bbHeader + bbRow(1, "2", "5000", "5000", "10", "5")),
	})
	r, _, err := trace.Open(dir, "bitbrains")
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(r)
	if err != nil || len(got) != 2 || got[0].Ref.Pod != "vm-1" || got[0].CPU != 2 || got[1].CPU != 1 {
		t.Errorf("got %+v, %v", got, err)
	}
}
