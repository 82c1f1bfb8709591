package prometheus_test

import (
	"context"
	"math"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"tailor.dev/tailor/internal/recommend"
	"tailor.dev/tailor/internal/shareddata"
	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/source/prometheus"
	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

const step = 5 * time.Minute

// TestEquivalenceGoogleJob382 loads Google cluster-data 2019 job 382 (7
// tasks, about 3 days of 5-minute windows) into a real Prometheus as the
// pods of a Deployment and checks that the samples and the recommendation
// read back through the Prometheus source match the trace file's.
//
// A few of the trace's windows (a task's first, and some after a gap) start
// off the 5-minute grid; every time is moved down to a multiple of 5 minutes
// before loading, so each window is one Prometheus query step; a task's
// last window, a few seconds long, then shares its grid point with the one
// before and is dropped. Documented tolerances
// (docs/formats/prometheus.md): memory and provisioned values exact; CPU
// within 1e-9 relative (rate over a cumulative counter); the recommendation
// within 1e-9 relative of the one from the grid-aligned trace, and within
// one CPU histogram bucket (5%) and exact memory of the one from the
// original trace file.
func TestEquivalenceGoogleJob382(t *testing.T) {
	needBinaries(t)
	dir := filepath.Join(shareddata.Dir(t, "google-2019-tasks"), "job382")
	r, _, err := trace.Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	orig, err := source.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	const ns, wl = "google-2019", "job-382417448240"
	aligned := make([]workload.Sample, 0, len(orig))
	for _, s := range orig {
		s.Ref.Kind = "Deployment"
		s.Time = s.Time.Truncate(step).UTC()
		aligned = append(aligned, s)
	}
	source.SortSamples(aligned)
	dropped := 0
	for i := 1; i < len(aligned); i++ {
		if aligned[i].Ref == aligned[i-1].Ref && aligned[i].Time.Equal(aligned[i-1].Time) {
			aligned = append(aligned[:i], aligned[i+1:]...)
			i--
			dropped++
		}
	}
	t.Logf("aligning to the %s grid dropped %d partial windows of %d", step, dropped, len(orig))
	first, last := aligned[0].Time, aligned[0].Time
	for _, s := range aligned {
		first, last = minTime(first, s.Time), maxTime(last, s.Time)
	}
	t.Logf("job382: %d samples from %s to %s", len(aligned), first, last)

	src, err := prometheus.New(prometheus.Config{URL: startPrometheus(t, aligned)})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	refs, err := src.Containers(context.Background(), source.Window{Start: first, End: last})
	if err != nil {
		t.Fatal(err)
	}
	rr, err := src.Samples(context.Background(), source.Query{Namespace: ns, Workload: wl, Window: source.Window{Start: first, End: last}, Step: step})
	if err != nil {
		t.Fatal(err)
	}
	got, err := source.ReadAll(rr)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read %d samples of %d containers back with %d queries in %s", len(got), len(refs), src.Queries(), time.Since(began).Round(time.Millisecond))
	if len(refs) != 7 || refs[0].Kind != "Deployment" || refs[0].Workload != wl {
		t.Errorf("Containers = %v, want the 7 tasks of Deployment %s", refs, wl)
	}
	if len(got) != len(aligned) {
		t.Fatalf("%d samples from Prometheus, %d in the trace", len(got), len(aligned))
	}
	ar, err := source.All(context.Background(), src, source.Window{Start: first, End: last}, step)
	if err != nil {
		t.Fatal(err)
	}
	if all, err := source.ReadAll(ar); err != nil || len(all) != len(got) {
		t.Errorf("source.All: %d samples, error %v; want %d", len(all), err, len(got))
	}
	bad := 0
	for i, g := range got {
		w := aligned[i]
		if g.Ref != w.Ref || !g.Time.Equal(w.Time) || g.Memory != w.Memory || g.Provisioned != w.Provisioned ||
			math.Abs(g.CPU-w.CPU) > 1e-9*math.Abs(w.CPU)+1e-15 {
			if bad++; bad <= 5 {
				t.Errorf("sample %d:\n got %+v\nwant %+v", i, g, w)
			}
		}
	}

	fromProm, fromAligned, fromTrace := recommendFor(t, got), recommendFor(t, aligned), recommendFor(t, orig)
	for k, p := range fromProm {
		a, o := fromAligned[k], fromTrace[k]
		t.Logf("%s: prometheus %+v, trace file %+v", k, p, o)
		if !near(p.CPURequest, a.CPURequest, 1e-9) || !near(p.MemRequest, a.MemRequest, 1e-9) || !near(p.MemLimit, a.MemLimit, 1e-9) {
			t.Errorf("%s: from Prometheus %+v, from the aligned trace %+v", k, p, a)
		}
		if !near(p.CPURequest, o.CPURequest, 0.05) || p.MemRequest != o.MemRequest || p.MemLimit != o.MemLimit {
			t.Errorf("%s: from Prometheus %+v, from the trace file %+v", k, p, o)
		}
	}
	if len(fromProm) != 1 || len(fromTrace) != 1 {
		t.Errorf("%d recommendations from Prometheus, %d from the trace file; want 1", len(fromProm), len(fromTrace))
	}
}

// recommendFor recommends per workload container the way `tailor recommend`
// does: one state per container, merged over the replicas.
func recommendFor(t *testing.T, samples []workload.Sample) map[string]workload.Resources {
	t.Helper()
	e, err := recommend.New(recommend.Default())
	if err != nil {
		t.Fatal(err)
	}
	states := map[workload.ContainerRef]*recommend.State{}
	lastAt := map[string]time.Time{}
	for _, s := range samples {
		st := states[s.Ref]
		if st == nil {
			st = e.NewState()
			states[s.Ref] = st
		}
		e.Add(st, s)
		k := s.Ref.Namespace + "/" + s.Ref.Workload + "/" + s.Ref.Container
		lastAt[k] = maxTime(lastAt[k], s.Time)
	}
	refs := make([]workload.ContainerRef, 0, len(states))
	for r := range states {
		refs = append(refs, r)
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Pod < refs[j].Pod })
	merged := map[string]*recommend.State{}
	for _, r := range refs {
		k := r.Namespace + "/" + r.Workload + "/" + r.Container
		if merged[k] == nil {
			merged[k] = e.NewState()
		}
		e.Merge(merged[k], states[r])
	}
	out := map[string]workload.Resources{}
	for k, st := range merged {
		out[k] = e.Recommend(st, lastAt[k]).Target
	}
	return out
}

func near(a, b, rel float64) bool { return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b)) }

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
