package demo_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"tailor.dev/tailor/internal/shareddata"
	"testing"
	"time"

	"tailor.dev/tailor/internal/demo"
)

func TestOpen(t *testing.T) {
	r, ds, err := demo.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if ds.Name != "google-2019-tasks (demo subset)" || ds.Format != "tailor" || ds.CPUOnly {
		t.Errorf("dataset %+v", ds)
	}
	count := map[string]int{}
	first, last := map[string]time.Time{}, map[string]time.Time{}
	for {
		s, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !s.HasCPU() || !s.HasMemory() || s.Provisioned.CPURequest <= 0 || s.Provisioned.MemLimit <= 0 {
			t.Fatalf("incomplete sample %+v", s)
		}
		count[s.Ref.Pod]++
		if _, ok := first[s.Ref.Pod]; !ok {
			first[s.Ref.Pod] = s.Time
		}
		last[s.Ref.Pod] = s.Time
	}
	want := map[string]int{"382417448240-2": 890, "382417448240-22": 890, "382417448240-115": 889}
	for pod, n := range want {
		if count[pod] != n {
			t.Errorf("%s: %d samples, want %d", pod, count[pod], n)
		}
	}
	long := "113812204462-22"
	if span := last[long].Sub(first[long]); count[long] < 1900 || span >= 7*24*time.Hour || span < 6*24*time.Hour {
		t.Errorf("%s: %d samples over %s, want about 7 days", long, count[long], span)
	}
	if len(count) != 4 {
		t.Errorf("got tasks %v, want 4", count)
	}
}

// TestGenerated regenerates the demo file from the shared data and checks it
// is byte-identical to the embedded one.
func TestGenerated(t *testing.T) {
	root := filepath.Dir(shareddata.Dir(t, "google-2019-tasks"))
	out := filepath.Join(t.TempDir(), "demo.csv.gz")
	cmd := exec.Command("go", "run", "./gen", "-data", root, "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := os.ReadFile(demo.File)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, embedded) {
		t.Errorf("%s is stale: regenerate with go run ./internal/demo/gen", demo.File)
	}
}
