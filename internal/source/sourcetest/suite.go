// Package sourcetest is the conformance suite every source.Source
// implementation runs: Run loads a fixed set of samples through the
// implementation's constructor and checks what Containers and Samples return.
package sourcetest

import (
	"context"
	"math"
	"testing"
	"time"

	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/workload"
)

// Step is the interval of the suite's samples; they lie on multiples of it
// (Unix time), so Prometheus-like sources can be queried with this Step.
const Step = 5 * time.Minute

// Start is the time of the first sample.
var Start = time.Date(2019, 5, 11, 10, 0, 0, 0, time.UTC)

// Load builds the implementation under test holding exactly samples.
type Load func(t *testing.T, samples []workload.Sample) source.Source

// Samples are the suite's data: namespaces "shop" and "batch"; Deployment
// shop/web with pods web-a (containers app, proxy; 12 samples) and web-b
// (app; 6 samples starting at sample 6), Deployment shop/api (pod api-a,
// container app, an OOM kill at sample 4) and StatefulSet batch/db.
func Samples() []workload.Sample {
	var out []workload.Sample
	add := func(ns, kind, wl, pod, ctr string, from, n int, cpu, mem float64, oomAt int) {
		ref := workload.ContainerRef{Namespace: ns, Kind: kind, Workload: wl, Pod: pod, Container: ctr}
		for i := from; i < from+n; i++ {
			out = append(out, workload.Sample{
				Ref: ref, Time: Start.Add(time.Duration(i) * Step), Interval: Step,
				CPU:               cpu * (1 + 0.25*math.Sin(float64(i))),
				Memory:            math.Round(mem * (1 + 0.1*float64(i%5))),
				Provisioned:       workload.Resources{CPURequest: 0.5, CPULimit: 1, MemRequest: 256 << 20, MemLimit: 512 << 20},
				OOMKilled:         i == oomAt,
				ThrottledFraction: throttled(ctr, i),
			})
		}
	}
	add("shop", "Deployment", "web", "web-a", "app", 0, 12, 0.2, 100<<20, -1)
	add("shop", "Deployment", "web", "web-a", "proxy", 0, 12, 0.05, 30<<20, -1)
	add("shop", "Deployment", "web", "web-b", "app", 6, 6, 0.3, 120<<20, -1)
	add("shop", "Deployment", "api", "api-a", "app", 0, 12, 1.5, 400<<20, 4)
	add("batch", "StatefulSet", "db", "db-0", "postgres", 0, 12, 0.7, 1<<30, -1)
	return out
}

// throttled is 0, 0.1, 0.2 in turn for app containers, unknown otherwise.
func throttled(ctr string, i int) float64 {
	if ctr != "app" {
		return math.NaN()
	}
	return 0.1 * float64(i%3)
}

// Run runs the suite against the implementation built by load.
func Run(t *testing.T, load Load) {
	all := Samples()
	src := load(t, all)
	ctx := context.Background()
	end := Start.Add(11 * Step)

	t.Run("Containers", func(t *testing.T) {
		got, err := src.Containers(ctx, source.Window{Start: Start, End: end})
		if err != nil {
			t.Fatal(err)
		}
		want := refs(all, source.Window{})
		if !equalRefs(got, want) {
			t.Errorf("Containers = %v, want %v", got, want)
		}
		early := source.Window{Start: Start, End: Start.Add(3 * Step)}
		got, err = src.Containers(ctx, early)
		if err != nil {
			t.Fatal(err)
		}
		if want := refs(all, early); !equalRefs(got, want) {
			t.Errorf("Containers(first 4 samples) = %v, want %v", got, want)
		}
	})
	queries := map[string]source.Query{
		"namespace": {Namespace: "shop"},
		"workload":  {Namespace: "shop", Workload: "web"},
		"container": {Namespace: "shop", Workload: "web", Container: "app"},
		"window":    {Namespace: "shop", Window: source.Window{Start: Start.Add(3 * Step), End: Start.Add(7 * Step)}},
		"other":     {Namespace: "batch"},
		"unknown":   {Namespace: "nope"},
	}
	for name, q := range queries {
		t.Run("Samples/"+name, func(t *testing.T) {
			if q.Window.Start.IsZero() {
				q.Window = source.Window{Start: Start, End: end}
			}
			q.Step = Step
			r, err := src.Samples(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := source.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			var want []workload.Sample
			for _, s := range all {
				if q.Match(s.Ref, s.Time) {
					want = append(want, s)
				}
			}
			compare(t, got, want)
		})
	}
	t.Run("Samples/no namespace", func(t *testing.T) {
		if r, err := src.Samples(ctx, source.Query{Step: Step}); err == nil {
			r.Close()
			t.Error("a query without a namespace succeeded")
		}
	})
}

func refs(samples []workload.Sample, w source.Window) []workload.ContainerRef {
	var out []workload.ContainerRef
	for _, s := range samples {
		if w.Contains(s.Time) {
			out = append(out, s.Ref)
		}
	}
	return source.SortRefs(out)
}

func equalRefs(a, b []workload.ContainerRef) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// compare checks got against want ignoring the order across containers; CPU
// may differ by 1e-9 relative and the throttled fraction by 1e-9 (rates over
// counters), the rest is exact.
func compare(t *testing.T, got, want []workload.Sample) {
	t.Helper()
	for i := 1; i < len(got); i++ {
		for j := i - 1; j >= 0; j-- {
			if got[j].Ref == got[i].Ref {
				if !got[i].Time.After(got[j].Time) {
					t.Errorf("%s: %s after %s", got[i].Ref.Key(), got[i].Time, got[j].Time)
				}
				break
			}
		}
	}
	source.SortSamples(got)
	source.SortSamples(want)
	if len(got) != len(want) {
		t.Fatalf("%d samples, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Ref != w.Ref || !g.Time.Equal(w.Time) || g.Interval != w.Interval ||
			math.Abs(g.CPU-w.CPU) > 1e-9*w.CPU || g.Memory != w.Memory ||
			g.Provisioned != w.Provisioned || g.OOMKilled != w.OOMKilled ||
			math.IsNaN(g.ThrottledFraction) != math.IsNaN(w.ThrottledFraction) ||
			math.Abs(g.ThrottledFraction-w.ThrottledFraction) > 1e-9 {
			t.Errorf("sample %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}
