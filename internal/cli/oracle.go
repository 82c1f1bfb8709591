package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"tailor.dev/tailor/internal/simulate"
	"tailor.dev/tailor/internal/trace"
)

type oracleOptions struct {
	datasetFlags
	block     time.Duration
	quantiles []float64
}

func newBenchOracleCmd(stdout io.Writer) *cobra.Command {
	var o oracleOptions
	cmd := &cobra.Command{
		Use:   "oracle",
		Short: "Score a clairvoyant policy that knows each block's usage in advance (a reference bound)",
		Long: "Replays a policy that sees the future: once per block it sets the CPU request to the given\n" +
			"quantile of the block's CPU usage and memory request = limit to the block's peak, so it never\n" +
			"OOMs. No real recommender can do better at the same number of changes; it shows how much of a\n" +
			"slack target is reachable at all. Scored like bench recommenders (same warm-up, prices).",
		Example: "  tailor bench oracle --data ../shared/data/google-2019-tasks --block 24h --quantiles 0.95,0.99",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchOracle(cmd.Context(), o, stdout)
		},
	}
	f := cmd.Flags()
	o.register(f)
	f.DurationVar(&o.block, "block", 24*time.Hour, "how long the oracle keeps one configuration")
	f.Float64SliceVar(&o.quantiles, "quantiles", []float64{0.95, 0.98, 0.99, 1}, "CPU usage quantiles to score, each in (0, 1]")
	return cmd
}

func runBenchOracle(_ context.Context, o oracleOptions, stdout io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	if o.block <= 0 {
		return usagef("--block %v: must be positive", o.block)
	}
	for _, q := range o.quantiles {
		if q <= 0 || q > 1 {
			return usagef("--quantiles: %v is not in (0, 1]", q)
		}
	}
	out, err := openOutput("--out", o.out, stdout)
	if err != nil {
		return err
	}
	defer out.abort()
	r, ds, err := trace.Open(o.data, o.format)
	if err != nil {
		return err
	}
	defer r.Close()
	scores, err := simulate.Oracle(r, o.block, o.quantiles, simulate.DefaultConfig())
	if err != nil {
		return err
	}
	rep := benchReport{Dataset: ds.Name, Format: ds.Format, Containers: scores[0].Containers, Samples: scores[0].Samples}
	for _, s := range scores {
		name := fmt.Sprintf("oracle[block=%s,cpu=p%g]", shortDuration(s.Block), s.CPUQuantile*100)
		rep.Policies = append(rep.Policies, scoreRow(name, s.Score))
	}
	if err := renderBench(out, o.output, rep); err != nil {
		return err
	}
	return out.commit()
}

// shortDuration prints whole hours and minutes without trailing zero units
// (24h, 90m); other durations as time.Duration does.
func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
