package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"time"

	"tailor.dev/tailor/internal/source/prometheus"
)

// result is the whole benchmark's outcome.
type result struct {
	Date       string   `json:"date"`
	Machine    string   `json:"machine"`
	Prometheus string   `json:"prometheus"`
	Data       dataInfo `json:"data"`
	Workloads  int      `json:"workload_containers"`
	// Tailor is the run with the median wall time of TailorWalls (the
	// phase runs -repeat times: the machine is shared).
	Tailor      measured  `json:"tailor"`
	TailorWalls []float64 `json:"tailor_walls_s"`
	Baseline    measured  `json:"baseline"`
	// Fraction of workload containers the baseline read; BaselineFull is
	// its wall time and CPU extrapolated to all of them.
	Fraction     float64 `json:"baseline_fraction"`
	BaselineFull float64 `json:"baseline_wall_all_s"`
	BaselineCPU  float64 `json:"baseline_cpu_all_s"` // the child's and Prometheus' CPU, extrapolated
	Ratio        float64 `json:"ratio_wall"`         // BaselineFull / Tailor wall
	// Compared are the workload containers both paths recommended for;
	// Mismatches lists those that differ.
	Compared   int      `json:"compared"`
	Mismatches []string `json:"mismatches,omitempty"`
	// Load is /proc/loadavg before the run, after Tailor's phase and after
	// the baseline's: the machine is shared.
	Load []string `json:"load"`
}

// measured is one phase plus Prometheus' CPU time while it ran.
type measured struct {
	phaseResult
	PromCPU float64 `json:"prometheus_cpu_s"`
	PromRSS int64   `json:"prometheus_rss_bytes"` // after the phase
}

func measure(o options, f *fleet, dir string, info dataInfo, logf func(string, ...any)) (*result, error) {
	res := &result{Date: time.Now().UTC().Format(time.RFC3339), Machine: machine(), Prometheus: version(), Data: info, Fraction: o.fraction}
	srv, err := startServer(dir, logf)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	began := time.Now()
	n, err := warm(filepath.Join(dir, "blocks"))
	if err != nil {
		return nil, err
	}
	logf("read %.0f MiB of blocks into the page cache in %s", float64(n)/(1<<20), time.Since(began).Round(time.Millisecond))

	keys := workloadKeys(f)
	res.Workloads = len(keys)
	sample := sampleKeys(keys, o.fraction, o.p.Seed)
	sampleFile := filepath.Join(srv.run, "baseline-sample.txt")
	if err := os.WriteFile(sampleFile, []byte(strings.Join(sample, "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	workers := o.workers
	if workers <= 0 {
		workers = max(o.parallel, 0)
	}
	if workers <= 0 {
		workers = sourceWorkers()
	}
	base := []string{"-url", srv.url, "-workloads", fmt.Sprint(o.p.Workloads), "-namespaces", fmt.Sprint(o.p.Namespaces),
		"-cpuprofile", o.cpuprofile, "-days", fmt.Sprint(o.p.Days), "-step", o.p.Step.String(), "-seed", fmt.Sprint(o.p.Seed), "-end", o.p.End.Format(time.RFC3339)}
	res.Load = append(res.Load, loadavg())
	logf("tailor: inventory, scan and plan of every namespace")
	var runs []measured
	for range max(o.repeat, 1) {
		m, err := child(srv, append([]string{"-phase", "tailor", "-parallel", fmt.Sprint(o.parallel), fmt.Sprintf("-prefetch=%t", o.prefetch)}, base...))
		if err != nil {
			return nil, err
		}
		logf("tailor: %.1f s", m.Wall)
		runs = append(runs, m)
		res.TailorWalls = append(res.TailorWalls, m.Wall)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Wall < runs[j].Wall })
	res.Tailor = runs[len(runs)/2]
	logf("tailor: %.1f s (%s %.1f s, scan %.1f s of which Samples %.1f s, plan %.1f s), %d queries, %.0f MiB peak RSS", res.Tailor.Wall,
		res.Tailor.Inventory, res.Tailor.InventoryWall, res.Tailor.ScanWall, res.Tailor.SamplesWall, res.Tailor.PlanWall, res.Tailor.Queries,
		float64(res.Tailor.PeakRSS)/(1<<20))
	res.Load = append(res.Load, loadavg())
	logf("baseline: %d of %d workload containers (%.0f%%), one query set per pod container, %d at a time",
		len(sample), len(keys), 100*o.fraction, workers)
	if res.Baseline, err = child(srv, append([]string{"-phase", "baseline", "-sample", sampleFile, "-workers", fmt.Sprint(workers)}, base...)); err != nil {
		return nil, err
	}
	res.Load = append(res.Load, loadavg())
	scale := float64(len(f.containers)) / float64(max(res.Baseline.Containers, 1))
	res.BaselineFull = res.Baseline.Wall * scale
	res.BaselineCPU = (res.Baseline.CPU + res.Baseline.PromCPU) * scale
	res.Ratio = res.BaselineFull / res.Tailor.Wall
	logf("baseline: %.1f s for %d pod containers (%d queries); all %d: %.0f s extrapolated; ratio %.1f",
		res.Baseline.Wall, res.Baseline.Containers, res.Baseline.Queries, len(f.containers), res.BaselineFull, res.Ratio)
	res.compare()
	return res, nil
}

// child runs one phase in a child process and adds Prometheus' CPU time.
func child(srv *server, args []string) (measured, error) {
	exe, err := os.Executable()
	if err != nil {
		return measured{}, err
	}
	cmd := exec.Command(exe, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	cpu0 := srv.cpu()
	if err := cmd.Run(); err != nil {
		return measured{}, fmt.Errorf("%s: %w", strings.Join(args[:2], " "), err)
	}
	m := measured{PromCPU: (srv.cpu() - cpu0).Seconds(), PromRSS: srv.rss()}
	if err := json.Unmarshal(out.Bytes(), &m.phaseResult); err != nil {
		return m, fmt.Errorf("%s: output: %w", strings.Join(args[:2], " "), err)
	}
	return m, nil
}

// compare checks that both paths recommend the same for every workload
// container the baseline read.
func (r *result) compare() {
	var keys []string
	for k := range r.Baseline.Rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b, t := r.Baseline.Rows[k], r.Tailor.Rows[k]
		r.Compared++
		if !reflect.DeepEqual(b, t) {
			r.Mismatches = append(r.Mismatches, fmt.Sprintf("%s: baseline %+v, tailor %+v", k, b, t))
		}
	}
}

func workloadKeys(f *fleet) []string {
	var keys []string
	for _, w := range f.workloads {
		for _, c := range w.pods[0].containers {
			keys = append(keys, w.ns+"/"+w.name+"/"+c.name)
		}
	}
	return keys
}

// sampleKeys draws a seeded random fraction of keys (all when fraction is 1).
func sampleKeys(keys []string, fraction float64, seed uint64) []string {
	n := int(float64(len(keys))*fraction + 0.5)
	rng := rand.New(rand.NewPCG(seed, 0xba5e))
	perm := rng.Perm(len(keys))
	out := make([]string, 0, n)
	for _, i := range perm[:n] {
		out = append(out, keys[i])
	}
	sort.Strings(out)
	return out
}

// loadavg is the first three fields of /proc/loadavg.
func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func machine() string {
	model := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := procMemTotal()
	return fmt.Sprintf("%d cores (%s), %.0f GiB, %s %s/%s", runtime.NumCPU(), model, float64(mem)/(1<<30),
		runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func procMemTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	var kb int64
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
		}
	}
	return kb * 1024
}

// print writes the results as the Markdown of docs/benchmarks.md. When the
// baseline read a sample of the containers, a column extrapolates it to
// all of them and the ratios use that column.
func (r *result) print(w io.Writer) {
	mib := func(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
	fmt.Fprintf(w, "%s, %s, Prometheus %s\n\n", r.Date, r.Machine, r.Prometheus)
	d, t, b := r.Data, r.Tailor, r.Baseline
	fmt.Fprintf(w, "data: %d workloads, %d pods, %d pod containers in %d namespaces; %d days of %s samples; %d series, %d samples; %s of blocks, generated in %s\n\n",
		d.Params.Workloads, d.Pods, d.Containers, d.Params.Namespaces, d.Params.Days, d.Params.Step, d.Series, d.Samples,
		mib(d.Bytes), d.Took.Round(time.Second))
	scale := float64(d.Containers) / float64(max(b.Containers, 1))
	sampled := b.Containers < d.Containers
	row := func(name, tailor, base string, all, ratio float64, unit string) {
		fmt.Fprintf(w, "| %s | %s | %s |", name, tailor, base)
		switch {
		case sampled && all > 0:
			fmt.Fprintf(w, " %.0f%s |", all, unit)
		case sampled:
			fmt.Fprint(w, " |")
		}
		if ratio > 0 {
			fmt.Fprintf(w, " %.1f× |\n", ratio)
		} else {
			fmt.Fprintln(w, " |")
		}
	}
	fmt.Fprintf(w, "| | Tailor (%s + Scan + Plan) | baseline (%d pod containers) |", t.Inventory, b.Containers)
	if sampled {
		fmt.Fprintf(w, " baseline, all %d (extrapolated) |", d.Containers)
	}
	fmt.Fprintln(w, " baseline / Tailor |")
	fmt.Fprintln(w, "|---|---:|---:|"+strings.Repeat("---:|", map[bool]int{true: 2, false: 1}[sampled]))
	walls := make([]string, len(r.TailorWalls))
	for i, x := range r.TailorWalls {
		walls[i] = fmt.Sprintf("%.1f", x)
	}
	row("wall time", fmt.Sprintf("**%.1f s** (median of %s)", t.Wall, strings.Join(walls, ", ")), fmt.Sprintf("%.1f s", b.Wall), r.BaselineFull, r.Ratio, " s")
	allQ := float64(b.Queries-b.ListQueries)*scale + float64(b.ListQueries)
	row("queries", fmt.Sprint(t.Queries), fmt.Sprint(b.Queries), allQ, allQ/float64(t.Queries), "")
	row("CPU time, reader", fmt.Sprintf("%.1f s", t.CPU), fmt.Sprintf("%.1f s", b.CPU), b.CPU*scale, b.CPU*scale/t.CPU, " s")
	row("CPU time, Prometheus", fmt.Sprintf("%.1f s", t.PromCPU), fmt.Sprintf("%.1f s", b.PromCPU), b.PromCPU*scale, b.PromCPU*scale/t.PromCPU, " s")
	row("peak RSS, reader", mib(t.PeakRSS), mib(b.PeakRSS), 0, 0, "")
	row("RSS of Prometheus after", mib(t.PromRSS), mib(b.PromRSS), 0, 0, "")
	row("pod containers / samples read", fmt.Sprintf("%d / %d", t.Containers, t.Samples), fmt.Sprintf("%d / %d", b.Containers, b.Samples), 0, 0, "")
	fmt.Fprintf(w, "\nTailor: %s %.1f s, scan %.1f s (Samples %.1f s, the builder's ingest %.1f s), plan %.1f s; the inventory over its default window (zero Start) instead of the whole history: %.1f s\n",
		t.Inventory, t.InventoryWall, t.ScanWall, t.SamplesWall, t.ScanWall-t.SamplesWall, t.PlanWall, t.InventoryRecentWall)
	fmt.Fprintf(w, "load average (1, 5, 15 min) before, after Tailor, after the baseline: %s\n", strings.Join(r.Load, "; "))
	fmt.Fprintf(w, "namespaces %d, plan rows %d, warnings %d; recommendations compared for %d workload containers: %d differ\n",
		t.Namespaces, t.PlanRows, t.Warnings, r.Compared, len(r.Mismatches))
	for i, m := range r.Mismatches {
		if i == 5 {
			fmt.Fprintf(w, "... and %d more\n", len(r.Mismatches)-5)
			break
		}
		fmt.Fprintln(w, "  ", m)
	}
}

// sourceWorkers is how many queries Tailor's source has in flight.
func sourceWorkers() int { return prometheus.DefaultParallel }
