// Command promscale is the "Prometheus at scale" benchmark of
// docs/benchmarks.md: it writes a synthetic fleet (by default 2,000
// workloads, 10,000 pod containers in 100 namespaces, 14 days of 5-minute
// samples shaped after the Google 2019 task traces) as TSDB blocks, starts
// Debian's real Prometheus over them, and measures in the same run Tailor's
// read path (prometheus.Source: Inventory, plan.Builder.Scan, Plan) against
// a baseline that issues one query set per pod container, each in a child
// process of its own so that peak RSS and CPU time are its alone.
//
//	cd bench/promscale && go run . [-repeat 3] [-baseline-fraction 1] [-o result.json]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "promscale:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	p        params
	cache    string
	shapes   string
	genOnly  bool
	fraction float64
	workers  int
	parallel int
	prefetch bool
	repeat   int
	render   string
	out      string
	// Child-process phases.
	phase, url string
	sample     string // file listing the workload containers of the baseline
	cpuprofile string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("promscale", flag.ContinueOnError)
	home, _ := os.UserCacheDir()
	end := fs.String("end", "2026-11-15T00:00:00Z", "time of the last sample (RFC 3339)")
	fs.IntVar(&o.p.Workloads, "workloads", 2000, "Deployments and StatefulSets (5 pod containers each on average)")
	fs.IntVar(&o.p.Namespaces, "namespaces", 100, "namespaces")
	fs.IntVar(&o.p.Days, "days", 14, "days of history")
	fs.DurationVar(&o.p.Step, "step", 5*time.Minute, "sample interval")
	fs.Uint64Var(&o.p.Seed, "seed", 1, "seed of the fleet's layout and scales")
	fs.StringVar(&o.cache, "cache", filepath.Join(home, "tailor-bench"), "where generated data sets are kept")
	fs.StringVar(&o.shapes, "shapes", "../../../shared/data/google-2019-tasks", "the google-2019-tasks folder (read in place)")
	fs.BoolVar(&o.genOnly, "gen-only", false, "only generate the data set (if missing)")
	fs.Float64Var(&o.fraction, "baseline-fraction", 1, "fraction of workload containers the per-container baseline reads, a seeded random sample extrapolated linearly (1 = all)")
	fs.IntVar(&o.parallel, "parallel", 0, "queries Tailor's source has in flight (prometheus.Config.Parallel; 0 = its default)")
	fs.StringVar(&o.render, "render", "", "print the Markdown of a result file written with -o, and exit")
	fs.IntVar(&o.repeat, "repeat", 3, "how many times Tailor's phase runs (the median is reported)")
	fs.BoolVar(&o.prefetch, "prefetch", false, "what-if: scan with the next namespace's Samples running while the builder ingests one")
	fs.IntVar(&o.workers, "workers", 0, "containers the baseline reads at a time (0 = as many as Tailor's source has queries in flight)")
	fs.StringVar(&o.out, "o", "", "also write the results as JSON to this file")
	fs.StringVar(&o.phase, "phase", "", "internal: run one measured phase (tailor, baseline) against -url")
	fs.StringVar(&o.url, "url", "", "internal: Prometheus URL of a phase")
	fs.StringVar(&o.sample, "sample", "", "internal: file of workload containers for the baseline phase")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of each phase to this file plus .tailor or .baseline")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	t, err := time.Parse(time.RFC3339, *end)
	if err != nil {
		return o, fmt.Errorf("-end: %w", err)
	}
	o.p.End = t.UTC()
	if o.p.Workloads <= 0 || o.p.Namespaces <= 0 || o.p.Days <= 0 || o.p.Step <= 0 || o.fraction <= 0 || o.fraction > 1 {
		return o, fmt.Errorf("-workloads, -namespaces, -days, -step must be positive and -baseline-fraction in (0, 1]")
	}
	return o, nil
}

func run(args []string) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	if o.render != "" {
		b, err := os.ReadFile(o.render)
		if err != nil {
			return err
		}
		var res result
		if err := json.Unmarshal(b, &res); err != nil {
			return fmt.Errorf("%s: %w", o.render, err)
		}
		res.print(os.Stdout)
		return nil
	}
	if o.phase != "" {
		if o.cpuprofile != "" {
			f, err := os.Create(o.cpuprofile + "." + o.phase)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			defer pprof.StopCPUProfile()
		}
		return runPhase(context.Background(), o)
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
	}
	shapes, err := loadShapes(o.shapes)
	if err != nil {
		return err
	}
	f := newFleet(o.p, shapes)
	dir, info, err := ensureData(o.cache, f, logf)
	if err != nil {
		return err
	}
	logf("data %s: %d pods, %d pod containers, %d series, %d samples, %.1f MiB, generated in %s",
		dir, info.Pods, info.Containers, info.Series, info.Samples, float64(info.Bytes)/(1<<20), info.Took.Round(time.Second))
	if o.genOnly {
		return nil
	}
	res, err := measure(o, f, dir, info, logf)
	if err != nil {
		return err
	}
	res.print(os.Stdout)
	if o.out != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		return os.WriteFile(o.out, b, 0o644)
	}
	return nil
}
