package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"tailor.dev/tailor/internal/optimize"
	"tailor.dev/tailor/internal/optimize/benchmark"
)

type benchOptOptions struct {
	dataset, data, output, out string
	optimizers                 []string
	seeds, budget, batch       int
	workers                    int
}

func newBenchOptimizersCmd(stdout io.Writer) *cobra.Command {
	var o benchOptOptions
	cmd := &cobra.Command{
		Use:   "optimizers",
		Short: "Compare the random, sobol and gp optimizers on lookup tables and test functions with known optima",
		Long: "Runs every optimizer for --seeds seeds on each task of a dataset and reports, over all\n" +
			"(task, seed) runs, the median number of trials to get within 10%, 5% and 1% of the optimum\n" +
			"and the median simple regret at the budget (a run that never gets there counts budget + 1).\n" +
			"Lookup tables (scout, cherrypick, lynceus, moot) are real measurements: optimizers may only\n" +
			"suggest their rows. branin and hartmann6 are analytic. See docs/optimizers.md.",
		Example: "  tailor bench optimizers --dataset scout --seeds 20 -o json\n" +
			"  tailor bench optimizers --dataset hartmann6 --optimizers random,gp --budget 60",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchOptimizers(cmd.Context(), o, stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dataset, "dataset", "", "dataset: "+strings.Join(benchmark.Datasets, ", ")+" (required)")
	f.StringVar(&o.data, "data", "", "folder (or CSV file) of a lookup dataset (default ../shared/data/<its folder>)")
	f.StringSliceVar(&o.optimizers, "optimizers", algorithmNames(), "optimizers to compare")
	f.IntVar(&o.seeds, "seeds", 20, "seeds per task and optimizer")
	f.IntVar(&o.budget, "budget", 0, "trials per run (default: 10 x parameters for analytic functions, every row of scout,\ncherrypick and lynceus tables, 100 for moot tables)")
	f.IntVar(&o.batch, "batch", 1, "points asked at a time (parallel trials)")
	f.IntVar(&o.workers, "workers", runtime.GOMAXPROCS(0), "runs computed concurrently")
	f.StringVarP(&o.output, "output", "o", "table", "output format: table or json")
	f.StringVar(&o.out, "out", "", "write the output to this file (atomically) instead of stdout")
	return cmd
}

func algorithmNames() []string {
	var out []string
	for _, a := range optimize.Algorithms {
		out = append(out, string(a))
	}
	return out
}

// check reports flag misuse as a usage error, before anything is read.
func (o benchOptOptions) check() error {
	switch {
	case o.dataset == "":
		return usagef("--dataset is required (one of %s)", strings.Join(benchmark.Datasets, ", "))
	case !slices.Contains(benchmark.Datasets, o.dataset):
		return usagef("--dataset %q: want one of %s", o.dataset, strings.Join(benchmark.Datasets, ", "))
	case o.seeds < 1:
		return usagef("--seeds %d: must be >= 1", o.seeds)
	case o.budget < 0:
		return usagef("--budget %d: must be >= 1 (or 0 for the default)", o.budget)
	case o.batch < 1:
		return usagef("--batch %d: must be >= 1", o.batch)
	case o.workers < 1:
		return usagef("--workers %d: must be >= 1", o.workers)
	case len(o.optimizers) == 0:
		return usagef("--optimizers: give at least one of %s", strings.Join(algorithmNames(), ", "))
	}
	seen := map[string]bool{}
	for _, n := range o.optimizers {
		if !slices.Contains(algorithmNames(), n) {
			return usagef("--optimizers: unknown optimizer %q (want %s)", n, strings.Join(algorithmNames(), ", "))
		}
		if seen[n] {
			return usagef("--optimizers: %q given twice", n)
		}
		seen[n] = true
	}
	return checkOutputFormat(o.output)
}

func runBenchOptimizers(_ context.Context, o benchOptOptions, stdout io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	data := o.data
	if folder := benchmark.Folder(o.dataset); data == "" && folder != "" {
		data = filepath.Join("..", "shared", "data", folder)
	}
	out, err := openOutput("--out", o.out, stdout)
	if err != nil {
		return err
	}
	defer out.abort()
	problems, err := benchmark.Load(o.dataset, data)
	if err != nil {
		return fmt.Errorf("--dataset %s: %w", o.dataset, err)
	}
	var algs []optimize.Algorithm
	for _, n := range o.optimizers {
		algs = append(algs, optimize.Algorithm(n))
	}
	rep, err := benchmark.Bench(o.dataset, problems, benchmark.Options{Algorithms: algs, Seeds: o.seeds,
		Budget: o.budget, Batch: o.batch, Workers: o.workers})
	if err != nil {
		return err
	}
	if o.output == "json" {
		err = writeJSON(out, rep)
	} else {
		err = renderOptimizerTable(out, rep)
	}
	if err != nil {
		return err
	}
	return out.commit()
}

// renderOptimizerTable prints the summary, the ratio of each optimizer's
// median trials to random search's, and the per-task medians.
func renderOptimizerTable(w io.Writer, rep benchmark.Report) error {
	fmt.Fprintf(w, "dataset %s: %d tasks, medians over every (task, seed) run\n\n", rep.Dataset, len(rep.Tasks))
	var random *benchmark.OptimizerResult
	for i := range rep.Optimizers {
		if rep.Optimizers[i].Name == string(optimize.Random) {
			random = &rep.Optimizers[i]
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "OPTIMIZER\tRUNS\tTRIALS TO 10%\tTRIALS TO 5%\tTRIALS TO 1%\tREGRET AT BUDGET\tVS RANDOM (10%)\tVS RANDOM (5%)\t")
	for _, r := range rep.Optimizers {
		fmt.Fprintf(tw, "%s\t%d\t%g\t%g\t%g\t%.2f%%\t%s\t%s\t\n", r.Name, r.Runs, r.MedianTrialsTo10, r.MedianTrialsTo5,
			r.MedianTrialsTo1, 100*r.MedianRegretAtBudget, ratio(r.MedianTrialsTo10, random, 10), ratio(r.MedianTrialsTo5, random, 5))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Tasks) < 2 {
		return nil
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TASK\tOPTIMIZER\tBUDGET\tTRIALS TO 10%\tTRIALS TO 5%\tTRIALS TO 1%\tREGRET AT BUDGET\t")
	for t, name := range rep.Tasks {
		for _, r := range rep.Optimizers {
			pt := r.PerTask[t]
			fmt.Fprintf(tw, "%s\t%s\t%d\t%g\t%g\t%g\t%.2f%%\t\n", name, r.Name, pt.Budget, pt.MedianTrialsTo10,
				pt.MedianTrialsTo5, pt.MedianTrialsTo1, 100*pt.MedianRegretAtBudget)
		}
	}
	return tw.Flush()
}

// ratio formats v relative to random search's median at the same threshold.
func ratio(v float64, random *benchmark.OptimizerResult, pct int) string {
	if random == nil {
		return "-"
	}
	base := random.MedianTrialsTo10
	if pct == 5 {
		base = random.MedianTrialsTo5
	}
	if base <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", v/base)
}
