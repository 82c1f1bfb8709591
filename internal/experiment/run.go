package experiment

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"
)

// Runner runs one trial: it starts Trial.Command with Trial.Env and
// Trial.Resources, waits for Trial.Readiness, applies Trial.Load and
// measures the metric sources, then stops everything it started.
//
// RunTrial must return soon after ctx is canceled (Ctrl-C, or the trial's
// timeout). An error or a Measurement with a Failure records the trial as
// failed with that reason; the experiment goes on. Run may call RunTrial
// from several goroutines at once (spec.budget.parallel).
type Runner interface {
	RunTrial(ctx context.Context, t Trial) (Measurement, error)
}

// Measurement is what a Runner measured.
type Measurement struct {
	// Metrics by source name (see Sources) in the source's unit: seconds,
	// requests/s, ratios in 0..1, counts, bytes. cost_per_hour is computed
	// by Run; a runner need not set it.
	Metrics map[string]float64
	// Failure, when not empty, says why the trial produced no usable
	// measurement (the service crashed, never became ready, ...).
	Failure string
}

// Options configure Run.
type Options struct {
	// Dir is the results directory (required). Run creates it, or resumes
	// the experiment it holds.
	Dir string
	// WarmStart lists results directories of experiments over the same
	// parameters whose trials are told to the optimizer as history before
	// any trial runs. They do not count toward the budget and are not
	// copied into Dir; pass them again when resuming to rebuild the same
	// optimizer state.
	WarmStart []string
	// Progress, when set, is called (from Run's goroutine) when a trial
	// starts and when it finishes.
	Progress func(Progress)
	// Logger receives warnings (dropped torn lines, skipped warm-start
	// trials); nil discards them. They are also in Results.Warnings.
	Logger *slog.Logger
	// Now is the clock of trial start and end times; nil is time.Now.
	Now func() time.Time
	// Port returns a free TCP port on 127.0.0.1 for a trial's addr; nil
	// asks the kernel for one.
	Port func() (int, error)
}

// Event is what a Progress reports.
type Event string

// Events.
const (
	TrialStarted  Event = "started"
	TrialFinished Event = "finished"
)

// Progress is a trial starting or finishing.
type Progress struct {
	Event    Event
	Trial    Trial   // the trial (rendered)
	Record   *Record // the finished trial, for TrialFinished
	Finished int     // trials finished in Dir, this one included
	Budget   int     // spec.budget.trials
	// Best is the recommended configuration so far (see
	// Results.Recommended), nil while no trial is feasible.
	Best *Record
}

// Run runs the experiment: it trials the baseline first (alone), then asks
// the optimizer for up to spec.budget.parallel configurations at a time,
// runs each with runner and records it in opts.Dir, until the directory
// holds spec.budget.trials finished trials (or every configuration of a
// finite space has been tried). Trials already in opts.Dir are told to the
// optimizer, not repeated.
//
// When ctx is canceled, Run cancels the running trials, waits for their
// RunTrial calls to return, records none of them, and returns the results
// so far with an error wrapping ctx.Err(); running it again resumes.
func Run(ctx context.Context, exp *Experiment, runner Runner, opts Options) (*Results, error) {
	if err := exp.Validate(); err != nil {
		return nil, fmt.Errorf("run experiment: %w", err)
	}
	l, err := newLoop(exp.Defaulted(), runner, opts)
	if err != nil {
		return nil, fmt.Errorf("run experiment: %w", err)
	}
	err = l.run(ctx)
	if cerr := l.dir.close(); err == nil && cerr != nil {
		err = cerr
	}
	res := l.results()
	if err != nil {
		return res, fmt.Errorf("run experiment: %w", err)
	}
	return res, nil
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
