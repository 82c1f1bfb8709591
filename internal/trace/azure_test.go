package trace_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

func TestAzureConversion(t *testing.T) {
	got, err := readString("a.csv", "azure", "step,offset_s,11,22\n1,0,50,0\n2,300,100,12.5\n")
	if err != nil {
		t.Fatal(err)
	}
	vm := func(id string) workload.ContainerRef {
		return workload.ContainerRef{Namespace: "azure-v1", Kind: "VM", Workload: "vm-" + id, Pod: "vm-" + id, Container: "vm"}
	}
	sample := func(id string, off int, cpu float64) workload.Sample {
		return workload.Sample{Ref: vm(id), Time: utc("2017-01-01T00:00:00Z").Add(time.Duration(off) * time.Second),
			Interval: 5 * time.Minute, CPU: cpu, Memory: math.NaN(),
			Provisioned: workload.Resources{CPURequest: 2}, ThrottledFraction: math.NaN()}
	}
	want := []workload.Sample{sample("11", 0, 1), sample("22", 0, 0), sample("11", 300, 2), sample("22", 300, 0.25)}
	if len(got) != len(want) {
		t.Fatalf("got %d samples: %+v", len(got), got)
	}
	for i := range want {
		if !sameSample(got[i], want[i]) {
			t.Errorf("sample %d:\ngot  %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestAzureBadInput(t *testing.T) {
	const h = "step,offset_s,11,22\n"
	checkBad(t, "a.csv", "azure", []badCase{
		{"no offset", "step,11\n", `a.csv:1: missing column "offset_s"`},
		{"no VMs", "step,offset_s\n", "a.csv:1: no VM columns"},
		{"duplicate VM", "step,offset_s,11,11\n", `a.csv:1: duplicate column "11"`},
		{"wrong column count", h + "1,0,1,2\n2,300,1\n", "a.csv:3: has 3 columns, the header has 4"},
		{"unparsable number", h + "1,0,1,2\n2,300,1,two\n", `a.csv:3: column 22: "two" is not a number`},
		{"NaN", h + "1,0,NaN,2\n", `a.csv:2: column 11: "NaN" is not a finite number`},
		{"Inf", h + "1,0,1,-Inf\n", `a.csv:2: column 22: "-Inf" is not a finite number`},
		{"negative usage", h + "1,0,1,-2\n", `a.csv:2: column 22: "-2" is negative`},
		{"bad offset", h + "1,0.5,1,2\n", `a.csv:2: column offset_s: "0.5" is not an integer`},
		{"repeated offset", h + "1,0,1,2\n2,0,1,2\n",
			"a.csv:3: time 2017-01-01T00:00:00Z is not after 2017-01-01T00:00:00Z, the previous sample of azure-v1/vm-11/vm-11/vm"},
	})
}

func TestAzureFolder(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		"cpu_avg_pct_5min.csv.gz": gzipBytes(t, "step,offset_s,5\n1,0,10\n"),
		"cpu_max_pct_5min.csv.gz": gzipBytes(t, "step,offset_s,5\n1,0,90\n"),
		"vm_columns.txt":          []byte("5\n"),
	})
	for _, format := range []string{"", "azure"} {
		r, ds, err := trace.Open(dir, format)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(r)
		if err != nil || len(got) != 1 || got[0].CPU != 0.2 || !ds.CPUOnly || ds.Format != "azure" {
			t.Errorf("format %q: got %+v, %+v, %v", format, ds, got, err)
		}
	}
	empty := t.TempDir()
	_, _, err := trace.Open(empty, "azure")
	want := fmt.Sprintf("open trace %s: no cpu_avg_pct_5min.csv or cpu_avg_pct_5min.csv.gz", empty)
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
