package autoscale_test

import (
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/autoscale"
	"tailor.dev/tailor/internal/workload"
)

// samples is a Source over a slice.
type samples []workload.Sample

func (s *samples) Next() (workload.Sample, error) {
	if len(*s) == 0 {
		return workload.Sample{}, io.EOF
	}
	out := (*s)[0]
	*s = (*s)[1:]
	return out, nil
}

func sample(job, task string, at time.Duration, cpu, request float64) workload.Sample {
	return workload.Sample{
		Ref:  workload.ContainerRef{Namespace: "ns", Workload: job, Pod: task, Container: "c"},
		Time: t0.Add(at), Interval: 5 * time.Minute, CPU: cpu, Memory: math.NaN(),
		Provisioned: workload.Resources{CPURequest: request},
	}
}

func TestServices(t *testing.T) {
	min5 := 5 * time.Minute
	src := samples{
		// Times are window ends: a sample at t belongs to the window
		// (k-1)·5m < t <= k·5m. Job a, task 1 restarted within (5m, 10m]
		// (three records, the largest counts); task 2 joins in (10m, 15m].
		sample("a", "1", min5+time.Second, 1, 0.5),
		sample("a", "1", 2*min5-100*time.Second, 2, 0.5),
		sample("a", "1", 2*min5, 1.5, 0.5),
		sample("a", "2", 2*min5+3*time.Second, 4, 0.75),
		sample("b", "x", 3*min5, 0.25, 0.1),
		sample("a", "1", 3*min5, 1, 0.5),
		sample("a", "2", 3*min5, 1, 0.75),
	}
	got, err := autoscale.Services(&src, autoscale.Mapping{Scale: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" {
		t.Fatalf("services %+v", got)
	}
	a := got[0]
	if !a.Start.Equal(t0.Add(min5)) || a.Demand.End() != 2*min5 {
		t.Errorf("a runs from %v for %v, want from %v for 10m", a.Start, a.Demand.End(), t0.Add(min5))
	}
	// (5m, 10m]: task 1 alone, max(1, 2, 1.5) = 2; (10m, 15m]: 4 + 1; × 2.
	var values []float64
	for _, s := range a.Demand.Segments {
		values = append(values, s.Value)
	}
	if want := []float64{4, 10}; len(values) != 2 || values[0] != want[0] || values[1] != want[1] {
		t.Errorf("demand %v, want %v", values, want)
	}
	if a.Request != 1.5 {
		t.Errorf("request %v, want the largest provisioned × scale = 1.5", a.Request)
	}
	if err := a.Validate(); err != nil {
		t.Error(err)
	}
}

func TestServicesErrors(t *testing.T) {
	min5 := 5 * time.Minute
	cases := []struct {
		name string
		src  samples
		m    autoscale.Mapping
		want string
	}{
		{"gap", samples{sample("a", "1", min5, 1, 1), sample("a", "1", 4*min5, 1, 1)}, autoscale.Mapping{},
			"service a: no sample in the 10m0s after 2024-01-01T00:05:00Z (next sample window ends at 2024-01-01T00:20:00Z)"},
		{"negative", samples{sample("a", "1", min5, -1, 1)}, autoscale.Mapping{},
			"service a: container ns/a/1/c uses -1 cores at 2024-01-01T00:05:00Z"},
		{"no cpu", samples{sample("a", "1", min5, math.NaN(), 1)}, autoscale.Mapping{},
			"service a: container ns/a/1/c has no CPU sample at 2024-01-01T00:05:00Z"},
		{"no request", samples{sample("a", "1", min5, 1, 0)}, autoscale.Mapping{},
			"service a: the trace has no CPU request"},
		{"bad scale", samples{sample("a", "1", min5, 1, 1)}, autoscale.Mapping{Scale: -1}, "scale -1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := autoscale.Services(&tc.src, tc.m)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestDatasetMapping(t *testing.T) {
	az := autoscale.DatasetMapping("azure-v1-vm-cpu")
	if az.Scale != 10 || az.Request != 0.5 || az.Window != 5*time.Minute {
		t.Errorf("azure mapping %+v", az)
	}
	g := autoscale.DatasetMapping("google-2019-tasks")
	if g.Scale != 1 || g.Request != 0 || g.Window != 5*time.Minute {
		t.Errorf("google mapping %+v", g)
	}
}
