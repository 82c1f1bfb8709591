package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"tailor.dev/tailor/internal/experiment"
	"tailor.dev/tailor/internal/experiment/local"
	"tailor.dev/tailor/internal/report"
)

// ExitNoFeasible: the experiment ran but no configuration met every bound
// (or the recommended one does not beat the baseline by --min-gain).
const ExitNoFeasible = 4

var errNoFeasible = errors.New("quality gate")

func newExperimentCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "experiment",
		Short: "Run load-test experiments that tune a service's configuration with Bayesian optimization",
		Long: "An experiment (docs/formats/experiment.md) names parameters, metrics with goals and bounds, a budget and\n" +
			"how to run one trial. `run` starts the service for each trial as real processes under cgroup CPU and\n" +
			"memory limits, drives HTTP load with vegeta and lets the optimizer choose the next configuration;\n" +
			"`results` shows every trial, the Pareto front and the recommended configuration; `export` prints a\n" +
			"trial's settings. Exit status: 0 a feasible recommendation exists, 1 failure, 2 bad flags,\n" +
			"4 no trial met every bound (or the recommendation misses --min-gain).",
		Args: unknownCommand,
		RunE: showHelp,
	}
	cmd.AddCommand(newExperimentRunCmd(stdout, stderr), newExperimentResultsCmd(stdout), newExperimentExportCmd(stdout))
	return cmd
}

type gateOptions struct {
	minGain float64 // relative gain of the first optimized metric over the baseline
}

func (g *gateOptions) register(cmd *cobra.Command) {
	cmd.Flags().Float64Var(&g.minGain, "min-gain", 0, "exit 4 unless the recommended configuration beats the baseline's first optimized metric by this fraction (e.g. 0.1)")
}

// gate applies the quality gate to the results.
func (g gateOptions) gate(res *experiment.Results) error {
	best, ok := res.Recommended()
	if !ok {
		return fmt.Errorf("%w: no trial met every bound of the experiment", errNoFeasible)
	}
	if g.minGain <= 0 {
		return nil
	}
	for _, gain := range res.Gains(best) {
		if gain.Goal == "" {
			continue
		}
		c, ok := gain.Change()
		if gain.Goal == experiment.Maximize {
			c = -c
		}
		if !ok || -c < g.minGain {
			return fmt.Errorf("%w: the recommended trial %d changes %s by %+.1f%% against the baseline; --min-gain wants %.1f%% better",
				errNoFeasible, best.Number, gain.Metric, c*100, g.minGain*100)
		}
		return nil
	}
	return fmt.Errorf("%w: no baseline measurement to compare with --min-gain", errNoFeasible)
}

type experimentRunOptions struct {
	file      string
	results   string
	warmStart []string
	gate      gateOptions
}

func newExperimentRunCmd(stdout, stderr io.Writer) *cobra.Command {
	var o experimentRunOptions
	cmd := &cobra.Command{
		Use:     "run",
		Short:   "Run (or resume) an experiment",
		Example: "  tailor experiment run -f examples/goservice/experiment.yaml --results runs/goservice",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExperiment(cmd.Context(), o, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "file", "f", "", "experiment spec (YAML, docs/formats/experiment.md)")
	f.StringVar(&o.results, "results", "", "results folder (default: results/<metadata.name>); an existing one is resumed")
	f.StringSliceVar(&o.warmStart, "warm-start", nil, "results folders of earlier experiments over the same parameters to learn from")
	o.gate.register(cmd)
	return cmd
}

func runExperiment(ctx context.Context, o experimentRunOptions, stdout, stderr io.Writer) error {
	if o.file == "" {
		return usagef("-f/--file is required")
	}
	exp, err := experiment.Load(o.file)
	if err != nil {
		return err
	}
	if o.results == "" {
		o.results = "results/" + exp.Metadata.Name
	}
	runner, err := local.New(local.Options{})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	res, err := experiment.Run(ctx, exp, runner, experiment.Options{Dir: o.results, WarmStart: o.warmStart,
		Progress: progressPrinter(stderr), Logger: logger})
	if res != nil && len(res.Trials) > 0 {
		if rerr := renderResults(stdout, res); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("%w (finished trials are kept in %s; run again to resume)", err, o.results)
		}
		return err
	}
	return o.gate.gate(res)
}

// progressPrinter prints one line per finished trial on stderr.
func progressPrinter(w io.Writer) func(experiment.Progress) {
	return func(p experiment.Progress) {
		if p.Event == experiment.TrialStarted {
			fmt.Fprintf(w, "trial %d/%d started: %s\n", p.Trial.Number, p.Budget, values(p.Trial.Values))
			return
		}
		r := p.Record
		line := fmt.Sprintf("trial %d/%d %s in %.0fs", r.Number, p.Budget, r.Status, r.DurationSeconds)
		if r.Reason != "" {
			line += " (" + r.Reason + ")"
		}
		if p.Best != nil {
			line += fmt.Sprintf("; best feasible so far: trial %d", p.Best.Number)
		}
		fmt.Fprintf(w, "%s [%d/%d done]\n", line, p.Finished, p.Budget)
	}
}

func values(v experiment.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + v[k].String()
	}
	return strings.Join(parts, " ")
}

type experimentResultsOptions struct {
	output string
	html   string
	gate   gateOptions
}

func newExperimentResultsCmd(stdout io.Writer) *cobra.Command {
	var o experimentResultsOptions
	cmd := &cobra.Command{
		Use:     "results DIR",
		Short:   "Show every trial, the Pareto front and the recommended configuration",
		Example: "  tailor experiment results runs/goservice --html pareto.html",
		Args:    cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return runExperimentResults(args[0], o, stdout)
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "table", "output format: table or json")
	cmd.Flags().StringVar(&o.html, "html", "", "also write an HTML report with a Pareto scatter plot to this file")
	o.gate.register(cmd)
	return cmd
}

func runExperimentResults(dir string, o experimentResultsOptions, stdout io.Writer) error {
	if err := checkOutputFormat(o.output); err != nil {
		return err
	}
	res, err := experiment.LoadResults(dir)
	if err != nil {
		return err
	}
	if o.html != "" {
		out, err := openOutput("--html", o.html, stdout)
		if err != nil {
			return err
		}
		defer out.abort()
		if err := report.WriteExperimentHTML(out, res); err != nil {
			return err
		}
		if err := out.commit(); err != nil {
			return err
		}
	}
	if o.output == "json" {
		err = writeJSON(stdout, report.NewExperimentDoc(res))
	} else {
		err = renderResults(stdout, res)
	}
	if err != nil {
		return err
	}
	return o.gate.gate(res)
}

func renderResults(w io.Writer, res *experiment.Results) error {
	return report.WriteExperimentTable(w, res)
}

type experimentExportOptions struct {
	trial  int
	format string
}

func newExperimentExportCmd(stdout io.Writer) *cobra.Command {
	var o experimentExportOptions
	cmd := &cobra.Command{
		Use:   "export DIR",
		Short: "Print the settings of a trial (default: the recommended one) as env, command, resources or JSON",
		Example: "  tailor experiment export runs/goservice --format env > tuned.env\n" +
			"  tailor experiment export runs/goservice --trial 7 --format resources",
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return runExperimentExport(args[0], o, stdout)
		},
	}
	cmd.Flags().IntVar(&o.trial, "trial", 0, "trial number (default: the recommended configuration)")
	cmd.Flags().StringVar(&o.format, "format", "env", "env (KEY=value lines), command (the argv, one per line), resources (a container resources patch), json")
	return cmd
}

func runExperimentExport(dir string, o experimentExportOptions, stdout io.Writer) error {
	switch o.format {
	case "env", "command", "resources", "json":
	default:
		return usagef("--format %q: want env, command, resources or json", o.format)
	}
	res, err := experiment.LoadResults(dir)
	if err != nil {
		return err
	}
	rec, err := pickTrial(res, o.trial)
	if err != nil {
		return err
	}
	trial, err := experiment.RenderTrial(res.Experiment, rec)
	if err != nil {
		return err
	}
	return report.WriteTrialExport(stdout, o.format, rec, trial)
}

func pickTrial(res *experiment.Results, n int) (experiment.Record, error) {
	if n == 0 {
		rec, ok := res.Recommended()
		if !ok {
			return rec, fmt.Errorf("%s: no feasible trial to export (give --trial N to export another)", res.Dir)
		}
		return rec, nil
	}
	for _, r := range res.Trials {
		if r.Number == n {
			return r, nil
		}
	}
	return experiment.Record{}, usagef("--trial %s: %s has no such trial (%d trials)", strconv.Itoa(n), res.Dir, len(res.Trials))
}
