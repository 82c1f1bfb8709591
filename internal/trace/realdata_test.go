package trace_test

import (
	"encoding/csv"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"tailor.dev/tailor/internal/shareddata"
	"testing"
	"time"

	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

// readDataset opens dir, checks the contract on every sample and returns the
// per-container counts, the first sample of every container and the dataset.
func readDataset(t *testing.T, dir string) (*contract, map[string]workload.Sample, trace.Dataset) {
	t.Helper()
	r, ds, err := trace.Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, first := newContract(), map[string]workload.Sample{}
	for {
		s, err := r.Next()
		if err == io.EOF {
			return c, first, ds
		}
		if err != nil {
			t.Fatal(err)
		}
		c.check(t, s)
		if _, ok := first[s.Ref.Pod]; !ok {
			first[s.Ref.Pod] = s
		}
	}
}

// manifestRows sums the "rows" column of MANIFEST.csv by the key column.
func manifestRows(t *testing.T, dir, key string) map[string]int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "MANIFEST.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	out := map[string]int{}
	for _, rec := range recs[1:] {
		n, err := strconv.Atoi(rec[col["rows"]])
		if err != nil {
			t.Fatal(err)
		}
		out[rec[col[key]]] += n
	}
	return out
}

func TestRealBitbrains(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 205 MB; skipped in -short mode")
	}
	dir := shareddata.Dir(t, "bitbrains-rnd")
	c, first, ds := readDataset(t, dir)
	want := manifestRows(t, dir, "vm_id")
	t.Logf("%+v: %d VMs, %d samples", ds, len(c.count), c.samples)
	if ds.Format != "bitbrains" || ds.CPUOnly || len(c.count) != 66 || c.samples != 1664789 {
		t.Errorf("got %+v, %d VMs, %d samples; want 66 VMs, 1664789 samples", ds, len(c.count), c.samples)
	}
	for ref, n := range c.count {
		if id := ref.Pod[len("vm-"):]; n != want[id] || n < 24000 || n > 26500 {
			t.Errorf("%s: %d samples, MANIFEST says %d", ref.Pod, n, want[id])
		}
	}
	s := first["vm-10"]
	if !s.Time.Equal(time.Unix(1372629804, 0)) || !near(s.CPU, 0.018) || s.Memory != 255849.6*1024 ||
		s.Provisioned != (workload.Resources{CPURequest: 1, MemRequest: 2 << 30, MemLimit: 2 << 30}) {
		t.Errorf("first sample of vm-10: %+v", s)
	}
}

func TestRealGoogle(t *testing.T) {
	dir := shareddata.Dir(t, "google-2019-tasks")
	c, first, ds := readDataset(t, dir)
	want := manifestRows(t, dir, "unique_id")
	want["113812204462-82"]-- // two rows for one window, merged
	t.Logf("%+v: %d tasks, %d samples", ds, len(c.count), c.samples)
	if ds.Format != "google2019" || len(c.count) != 13 || c.samples != 36696 {
		t.Errorf("got %+v, %d tasks, %d samples; want 13 tasks, 36696 samples", ds, len(c.count), c.samples)
	}
	for ref, n := range c.count {
		if n != want[ref.Pod] {
			t.Errorf("%s: %d samples, want %d", ref.Pod, n, want[ref.Pod])
		}
	}
	s := first["382417448240-2"]
	if !s.Time.Equal(utc("2019-05-11T10:01:18Z")) || s.Ref.Workload != "job-382417448240" ||
		!near(s.CPU, 0.00039863586425700005*64) || !near(s.Memory, 0.0023612976074210003*256*(1<<30)) ||
		!near(s.Provisioned.CPURequest, 0.0016193389892570002*64) ||
		!near(s.Provisioned.MemLimit, 0.002616882324218*256*(1<<30)) {
		t.Errorf("first sample of 382417448240-2: %+v", s)
	}
}

func TestRealAzure(t *testing.T) {
	dir := shareddata.Dir(t, "azure-v1-vm-cpu")
	c, first, ds := readDataset(t, dir)
	t.Logf("%+v: %d VMs, %d samples", ds, len(c.count), c.samples)
	if ds.Format != "azure" || !ds.CPUOnly || len(c.count) != 67 || c.samples != 67*8004 {
		t.Errorf("got %+v, %d VMs, %d samples; want 67 VMs x 8004", ds, len(c.count), c.samples)
	}
	for ref, n := range c.count {
		if n != 8004 {
			t.Errorf("%s: %d samples", ref.Pod, n)
		}
		if end := c.last[ref]; !end.Equal(trace.AzureEpoch.Add(8003 * 300 * time.Second)) {
			t.Errorf("%s ends at %s", ref.Pod, end)
		}
	}
	s := first["vm-1633748"]
	if !s.Time.Equal(trace.AzureEpoch) || !near(s.CPU, 0.88918184) || !math.IsNaN(s.Memory) || s.Provisioned.CPURequest != 2 {
		t.Errorf("first sample of vm-1633748: %+v", s)
	}
}
