package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/plan"
	"tailor.dev/tailor/internal/recommend"
	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/source/prometheus"
	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

// phaseResult is what a child process reports about its measured part.
type phaseResult struct {
	Phase   string  `json:"phase"`
	Wall    float64 `json:"wall_s"`
	CPU     float64 `json:"cpu_s"`          // user + system of the child
	PeakRSS int64   `json:"peak_rss_bytes"` // VmHWM of the child
	Queries int     `json:"queries"`
	// ListQueries are the baseline's queries listing the containers.
	ListQueries int   `json:"list_queries,omitempty"`
	Namespaces  int   `json:"namespaces"`
	Containers  int   `json:"pod_containers"`
	Samples     int64 `json:"samples"`
	PlanRows    int   `json:"plan_rows"`
	Warnings    int   `json:"warnings"`
	// Inventory says how the workloads were found: "Inventory" (the
	// kube-state-metrics inventory, as `tailor recommend --prometheus-only`)
	// or "Containers" (the source's container list, when the build has no
	// Inventory).
	Inventory string `json:"inventory"`
	// Seconds spent in the inventory (or container list), the scan and the
	// plan.
	InventoryWall, ScanWall, PlanWall float64
	// SamplesWall is the part of ScanWall spent in Source.Samples (the
	// queries and their decoding), the rest is the Builder's ingest.
	SamplesWall float64
	// InventoryRecentWall is, for comparison, the inventory read over its
	// own default window (the last prometheus.InventoryLookback) instead of
	// the whole history, measured after the rest.
	InventoryRecentWall float64
	// Rows are the recommendations from the samples alone
	// (Builder.FromSamples), computed after the measured part, to compare.
	Rows map[string]row `json:"rows"`
}

// row is the part of a plan row both paths must agree on.
type row struct {
	Replicas    int                `json:"replicas"`
	Samples     int                `json:"samples"`
	Current     workload.Resources `json:"current"`
	Recommended workload.Resources `json:"recommended"`
	Risks       []plan.Risk        `json:"risks,omitempty"`
}

// inventorier is (*prometheus.Source).Inventory, which `tailor recommend
// --prometheus-only` calls before scanning.
type inventorier interface {
	Inventory(ctx context.Context, w source.Window, f workload.Filter) (workload.Inventory, error)
}

func runPhase(ctx context.Context, o options) error {
	var res phaseResult
	var err error
	switch o.phase {
	case "tailor":
		res, err = tailorPhase(ctx, o)
	case "baseline":
		res, err = baselinePhase(ctx, o)
	default:
		err = fmt.Errorf("-phase %q: want tailor or baseline", o.phase)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// tailorPhase is `tailor recommend --prometheus-url URL --prometheus-only
// --history D --step S --end E`: inventory, one Scan over every namespace,
// the plan.
func tailorPhase(ctx context.Context, o options) (phaseResult, error) {
	res := phaseResult{Phase: "tailor"}
	w := source.Window{Start: o.p.start(), End: o.p.End}
	began := time.Now()
	src, err := prometheus.New(prometheus.Config{URL: o.url, Parallel: o.parallel})
	if err != nil {
		return res, err
	}
	b, err := plan.NewBuilder(recommend.Default())
	if err != nil {
		return res, err
	}
	opts := plan.Options{Prices: cost.OpenCostOnDemand}
	var namespaces []string
	var inv workload.Inventory
	if is, ok := any(src).(inventorier); ok {
		res.Inventory = "Inventory"
		if inv, err = is.Inventory(ctx, w, workload.Filter{}); err != nil {
			return res, err
		}
		for _, wl := range inv.Workloads {
			namespaces = append(namespaces, wl.Namespace)
		}
	} else {
		res.Inventory = "Containers"
		refs, err := src.Containers(ctx, w)
		if err != nil {
			return res, err
		}
		for _, r := range refs {
			namespaces = append(namespaces, r.Namespace)
		}
	}
	namespaces = uniq(namespaces)
	res.InventoryWall = time.Since(began).Seconds()
	ts := &timedSource{Source: src}
	var warnings []string
	if o.prefetch {
		res.Inventory += ", prefetching scan"
		err = prefetchScan(ctx, b, ts, namespaces, source.Query{Window: w, Step: o.p.Step})
	} else {
		warnings, err = b.Scan(ctx, ts, namespaces, source.Query{Window: w, Step: o.p.Step}, nil)
	}
	res.SamplesWall = ts.samples.Seconds()
	if err != nil {
		return res, err
	}
	res.ScanWall = time.Since(began).Seconds() - res.InventoryWall
	var p plan.Plan
	if res.Inventory == "Inventory" {
		p = b.Plan(inv, opts)
	} else {
		p = b.FromSamples(opts)
	}
	res.Wall = time.Since(began).Seconds()
	res.PlanWall = res.Wall - res.InventoryWall - res.ScanWall
	res.CPU, res.PeakRSS = selfUsage()
	res.Queries, res.Namespaces, res.Containers = src.Queries(), len(namespaces), b.Containers()
	res.PlanRows, res.Warnings = len(p.Rows), len(warnings)+len(p.Warnings)
	res.Rows = rowsOf(b.FromSamples(opts))
	for _, r := range res.Rows {
		res.Samples += int64(r.Samples)
	}
	if is, ok := any(src).(inventorier); ok {
		began := time.Now()
		if _, err := is.Inventory(ctx, source.Window{End: w.End}, workload.Filter{}); err != nil {
			return res, err
		}
		res.InventoryRecentWall = time.Since(began).Seconds()
	}
	return res, nil
}

// timedSource adds up the time spent in Samples.
type timedSource struct {
	*prometheus.Source
	samples time.Duration
}

func (t *timedSource) Samples(ctx context.Context, q source.Query) (trace.Reader, error) {
	began := time.Now()
	r, err := t.Source.Samples(ctx, q)
	t.samples += time.Since(began)
	return r, err
}

// prefetchScan is plan.Builder.Scan with the next namespace's Samples
// call running while the builder ingests the current one: a what-if for
// docs/benchmarks.md, not the path of `tailor recommend`. It stops at the
// first error.
func prefetchScan(ctx context.Context, b *plan.Builder, src source.Source, namespaces []string, q source.Query) error {
	type read struct {
		r   trace.Reader
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan read, 1)
	go func() {
		defer close(next)
		for _, ns := range namespaces {
			q.Namespace = ns
			r, err := src.Samples(ctx, q)
			select {
			case next <- read{r, err}:
			case <-ctx.Done():
				if r != nil {
					r.Close()
				}
				return
			}
		}
	}()
	for x := range next {
		if x.err != nil {
			return x.err
		}
		_, err := b.AddAll(x.r)
		x.r.Close()
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

func rowsOf(p plan.Plan) map[string]row {
	out := make(map[string]row, len(p.Rows))
	for _, r := range p.Rows {
		out[r.Key()] = row{Replicas: r.Replicas, Samples: r.Samples, Current: r.Current, Recommended: r.Recommended, Risks: r.Risks}
	}
	return out
}

// selfUsage is this process's CPU time so far and its peak RSS.
func selfUsage() (float64, int64) {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return cpu.Seconds(), procStatusKB(os.Getpid(), "VmHWM") * 1024
}

func uniq(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// readKeys reads the workload-container keys (namespace/workload/container)
// of a sample file, one a line.
func readKeys(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	keys := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k := strings.TrimSpace(sc.Text()); k != "" {
			keys[k] = true
		}
	}
	return keys, sc.Err()
}
