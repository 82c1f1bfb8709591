package main

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/plan"
	"tailor.dev/tailor/internal/recommend"
	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/source/prometheus"
	"tailor.dev/tailor/internal/workload"
)

// baselinePhase reads the pod containers of the sampled workload
// containers the straightforward way: list the containers (the source's
// Containers, 4 queries), then for every pod container the six range
// queries of docs/formats/prometheus.md restricted to
// namespace+pod+container, requests and limits at full resolution, decoded
// with client_golang's v1 API; o.workers containers are read at a time. The
// samples go through the same plan.Builder as Tailor's path.
func baselinePhase(ctx context.Context, o options) (phaseResult, error) {
	res := phaseResult{Phase: "baseline", Inventory: "Containers"}
	keys, err := readKeys(o.sample)
	if err != nil {
		return res, err
	}
	w := source.Window{Start: o.p.start(), End: o.p.End}
	began := time.Now()
	src, err := prometheus.New(prometheus.Config{URL: o.url})
	if err != nil {
		return res, err
	}
	refs, err := src.Containers(ctx, w)
	if err != nil {
		return res, err
	}
	res.ListQueries = src.Queries()
	var todo []workload.ContainerRef
	namespaces := map[string]bool{}
	for _, r := range refs {
		if keys[r.WorkloadKey()] {
			todo = append(todo, r)
			namespaces[r.Namespace] = true
		}
	}
	c, err := api.NewClient(api.Config{Address: o.url})
	if err != nil {
		return res, err
	}
	pc := &perContainer{api: v1.NewAPI(c), w: w, step: o.p.Step}
	b, err := plan.NewBuilder(recommend.Default())
	if err != nil {
		return res, err
	}
	if err := pc.readAll(ctx, todo, max(o.workers, 1), b); err != nil {
		return res, err
	}
	opts := plan.Options{Prices: cost.OpenCostOnDemand}
	p := b.FromSamples(opts)
	res.Wall = time.Since(began).Seconds()
	res.CPU, res.PeakRSS = selfUsage()
	res.Queries = src.Queries() + int(pc.queries.Load())
	res.Namespaces, res.Containers, res.PlanRows = len(namespaces), b.Containers(), len(p.Rows)
	res.Rows = rowsOf(p)
	for _, r := range res.Rows {
		res.Samples += int64(r.Samples)
	}
	return res, nil
}

// perContainer issues one query set per pod container.
type perContainer struct {
	api     v1.API
	w       source.Window
	step    time.Duration
	queries atomic.Int64
}

// readAll reads every container of refs with n workers and adds their
// samples to b (from one goroutine: the Builder is not concurrent).
func (pc *perContainer) readAll(ctx context.Context, refs []workload.ContainerRef, n int, b *plan.Builder) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan workload.ContainerRef)
	out := make(chan []workload.Sample, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				s, err := pc.read(ctx, r)
				if err != nil {
					errs <- fmt.Errorf("%s: %w", r.Key(), err)
					cancel()
					return
				}
				out <- s
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, r := range refs {
			select {
			case jobs <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(out) }()
	for s := range out {
		for _, x := range s {
			b.Add(x)
		}
	}
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

// read is the samples of one pod container, one per step with a working
// set (or a CPU value when it has no working-set series at all).
func (pc *perContainer) read(ctx context.Context, ref workload.ContainerRef) ([]workload.Sample, error) {
	sel := fmt.Sprintf(`namespace=%q,pod=%q,container=%q`, ref.Namespace, ref.Pod, ref.Container)
	rw, mw := promDuration(pc.step), promDuration(pc.step-time.Millisecond)
	exprs := []string{
		fmt.Sprintf(`sum by (namespace,pod,container) (rate(%s{%s}[%s]))`, prometheus.MetricCPU, sel, rw),
		fmt.Sprintf(`max by (namespace,pod,container) (max_over_time(%s{%s}[%s]))`, prometheus.MetricMemory, sel, mw),
		fmt.Sprintf(`max by (namespace,pod,container,resource) (max_over_time(%s{%s}[%s]))`, prometheus.MetricRequests, sel, mw),
		fmt.Sprintf(`max by (namespace,pod,container,resource) (max_over_time(%s{%s}[%s]))`, prometheus.MetricLimits, sel, mw),
		fmt.Sprintf(`max by (namespace,pod,container) (changes(%s{%s}[%s]) > 0 and on (namespace,pod,container) %s{%s,reason="OOMKilled"} == 1)`,
			prometheus.MetricRestarts, sel, rw, prometheus.MetricLastTerm, sel),
		fmt.Sprintf(`sum by (namespace,pod,container) (rate(%s{%s}[%s])) / sum by (namespace,pod,container) (rate(%s{%s}[%s]))`,
			prometheus.MetricThrottled, sel, rw, prometheus.MetricPeriods, sel, rw),
	}
	n := int(pc.w.End.Sub(pc.w.Start)/pc.step) + 1
	xs := make([]workload.Sample, n)
	for i := range xs {
		xs[i] = workload.Sample{Ref: ref, Time: pc.w.Start.Add(time.Duration(i) * pc.step).UTC(), Interval: pc.step,
			CPU: math.NaN(), Memory: math.NaN(), ThrottledFraction: math.NaN()}
	}
	hasMem := false
	const maxPoints = 11000
	span := time.Duration(maxPoints-1) * pc.step
	for from := pc.w.Start; !from.After(pc.w.End); from = from.Add(span + pc.step) {
		to := from.Add(span)
		if to.After(pc.w.End) {
			to = pc.w.End
		}
		for i, e := range exprs {
			pc.queries.Add(1)
			r, _, err := pc.api.QueryRange(ctx, e, v1.Range{Start: from, End: to, Step: pc.step})
			if err != nil {
				return nil, fmt.Errorf("query %s: %w", e, err)
			}
			m, ok := r.(model.Matrix)
			if !ok {
				return nil, fmt.Errorf("query %s: unexpected result type %s", e, r.Type())
			}
			for _, ss := range m {
				hasMem = hasMem || i == 1
				res := ss.Metric["resource"]
				for _, p := range ss.Values {
					k := int(p.Timestamp.Time().Sub(pc.w.Start) / pc.step)
					if k < 0 || k >= n {
						continue
					}
					x, v := &xs[k], float64(p.Value)
					switch {
					case i == 0:
						x.CPU = v
					case i == 1:
						x.Memory = v
					case i == 2 && res == "cpu":
						x.Provisioned.CPURequest = v
					case i == 2 && res == "memory":
						x.Provisioned.MemRequest = v
					case i == 3 && res == "cpu":
						x.Provisioned.CPULimit = v
					case i == 3 && res == "memory":
						x.Provisioned.MemLimit = v
					case i == 4:
						x.OOMKilled = v > 0
					case i == 5 && !math.IsNaN(v):
						x.ThrottledFraction = v
					}
				}
			}
		}
	}
	out := xs[:0]
	for _, x := range xs {
		if hasMem && x.HasMemory() || !hasMem && x.HasCPU() {
			out = append(out, x)
		}
	}
	return out, nil
}

func promDuration(d time.Duration) string { return fmt.Sprintf("%dms", max(d.Milliseconds(), 1)) }
