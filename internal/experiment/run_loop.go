package experiment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"tailor.dev/tailor/internal/optimize"
)

// loop is one Run: it owns the optimizer and the results directory; trials
// run in goroutines and report back on done.
type loop struct {
	exp       *Experiment // valid, defaulted
	spec      *Spec
	space     optimize.Space
	runner    Runner
	opts      Options
	log       *slog.Logger
	dir       *resultsDir
	opt       *optimize.Optimizer
	records   []Record // finished trials of dir
	warnings  []string
	numbers   map[int]bool // of finished and running trials
	ports     map[int]bool // held by running trials
	running   int
	baseline  bool // the baseline trial has finished
	exhausted bool // every configuration has been suggested
	done      chan outcome
}

// outcome is a trial's result, sent from its goroutine.
type outcome struct {
	trial       Trial
	point       optimize.Point
	rec         Record
	obs         optimize.Observation
	interrupted bool // the run was canceled: record nothing
}

func newLoop(exp *Experiment, runner Runner, opts Options) (*loop, error) {
	if runner == nil {
		return nil, errors.New("no runner")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Port == nil {
		opts.Port = freePort
	}
	l := &loop{exp: exp, spec: &exp.Spec, space: exp.Spec.space(), runner: runner, opts: opts,
		log: opts.Logger, numbers: map[int]bool{}, ports: map[int]bool{}, done: make(chan outcome)}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	dir, err := readResults(opts.Dir, exp)
	if err != nil {
		return nil, err
	}
	l.dir = dir
	if err := l.prepare(); err != nil {
		return nil, err
	}
	if err := dir.open(exp); err != nil {
		return nil, err
	}
	return l, nil
}

// prepare builds the optimizer and tells it the warm-start trials, then
// the trials already in the results directory.
func (l *loop) prepare() error {
	for _, w := range l.dir.warnings {
		l.warn(w)
	}
	var err error
	if l.opt, err = optimize.New(l.spec.config()); err != nil {
		return err
	}
	for _, dir := range l.opts.WarmStart {
		if err := l.warmStart(dir); err != nil {
			return err
		}
	}
	for _, rec := range l.dir.records {
		p, err := l.spec.point(rec)
		if err != nil {
			return fmt.Errorf("%s trial %d: %w", TrialsFile, rec.Number, err)
		}
		obs, err := l.spec.observation(rec)
		if err != nil {
			return fmt.Errorf("%s trial %d: %w: the metrics changed in a way its trials cannot answer; use a new results directory", TrialsFile, rec.Number, err)
		}
		if err := l.opt.Tell(p, obs); err != nil {
			return fmt.Errorf("%s trial %d: %w", TrialsFile, rec.Number, err)
		}
		l.records = append(l.records, rec)
		l.numbers[rec.Number] = true
		l.baseline = l.baseline || rec.Baseline
	}
	return nil
}

func (l *loop) warn(text string) {
	l.warnings = append(l.warnings, text)
	l.log.Warn("experiment warning", "detail", text)
}

// run starts trials while the budget allows and collects them; see Run.
func (l *loop) run(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var stop error
	for {
		if stop == nil && ctx.Err() == nil {
			stop = l.fill(ctx)
		}
		if stop != nil {
			cancel()
		}
		if l.running == 0 {
			break
		}
		if err := l.collect(ctx, <-l.done); err != nil && stop == nil {
			stop = err
		}
	}
	if stop != nil {
		return stop
	}
	if err := parent.Err(); err != nil && !l.complete() {
		return err
	}
	return nil
}

func (l *loop) complete() bool {
	return l.exhausted || len(l.records) >= l.spec.Budget.Trials
}

// fill starts trials: the baseline alone first, then up to parallel at a
// time, within the budget.
func (l *loop) fill(ctx context.Context) error {
	left := l.spec.Budget.Trials - len(l.records) - l.running
	if left <= 0 || l.exhausted {
		return nil
	}
	if !l.baseline {
		if l.running > 0 {
			return nil
		}
		vals := l.spec.baseline()
		p, err := l.space.Encode(vals)
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		l.start(ctx, p, vals, true)
		return nil
	}
	n := min(l.spec.Budget.Parallel-l.running, left)
	if n <= 0 {
		return nil
	}
	pts, err := l.opt.Ask(n)
	if errors.Is(err, optimize.ErrExhausted) {
		l.exhausted = true
		l.warn(fmt.Sprintf("every configuration has been tried: %d trials of a budget of %d", len(l.records)+l.running, l.spec.Budget.Trials))
		return nil
	}
	if err != nil {
		return err
	}
	for _, p := range pts {
		vals, err := l.space.Decode(p)
		if err != nil {
			return err
		}
		l.start(ctx, p, vals, false)
	}
	return nil
}

// start renders a trial and runs it in a goroutine.
func (l *loop) start(ctx context.Context, p optimize.Point, vals []optimize.Value, baseline bool) {
	number := 1
	for l.numbers[number] {
		number++
	}
	port, perr := l.port()
	t, errs := l.spec.render(l.spec.templateData(l.exp.Metadata.Name, vals, number, port))
	t.Number, t.Baseline, t.Experiment, t.Values = number, baseline, l.exp.Metadata.Name, l.spec.values(vals)
	var problem error
	if perr != nil {
		problem = perr
	} else if len(errs) > 0 {
		problem = fmt.Errorf("render: %w", &ValidationError{Errors: errs})
	}
	l.running++
	l.numbers[number] = true
	l.ports[port] = true
	l.progress(TrialStarted, t, nil)
	go func() { l.done <- l.execute(ctx, t, p, problem) }()
}

// port picks a free port that no running trial holds.
func (l *loop) port() (int, error) {
	for range 16 {
		p, err := l.opts.Port()
		if err != nil {
			return 0, err
		}
		if !l.ports[p] {
			return p, nil
		}
	}
	return 0, errors.New("no free port")
}

// execute runs one trial (in its own goroutine) and judges it.
func (l *loop) execute(ctx context.Context, t Trial, p optimize.Point, problem error) outcome {
	start := l.opts.Now()
	m, err := Measurement{}, problem
	if problem == nil {
		tctx, cancel := context.WithTimeout(ctx, t.Timeout)
		m, err = l.runner.RunTrial(tctx, t)
		if err != nil && ctx.Err() == nil && errors.Is(tctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %v (spec.trial.timeout): %w", t.Timeout, err)
		}
		cancel()
	}
	if ctx.Err() != nil {
		return outcome{trial: t, interrupted: true}
	}
	rec, obs := l.spec.record(t, m, err)
	rec.Point = p
	rec.Start, rec.End = start, l.opts.Now()
	rec.DurationSeconds = rec.End.Sub(rec.Start).Seconds()
	return outcome{trial: t, point: p, rec: rec, obs: obs}
}

// collect records a finished trial and tells the optimizer.
func (l *loop) collect(ctx context.Context, out outcome) error {
	l.running--
	delete(l.ports, portOf(out.trial))
	if out.interrupted || ctx.Err() != nil {
		delete(l.numbers, out.trial.Number)
		return nil
	}
	if err := l.dir.append(out.rec); err != nil {
		return err
	}
	l.records = append(l.records, out.rec)
	if err := l.opt.Tell(out.point, out.obs); err != nil {
		return fmt.Errorf("tell trial %d: %w", out.rec.Number, err)
	}
	l.baseline = l.baseline || out.rec.Baseline
	l.progress(TrialFinished, out.trial, &out.rec)
	return l.checkFailures()
}

func portOf(t Trial) int {
	p, _ := t.Data[VarPort].(int)
	return p
}

func (l *loop) checkFailures() error {
	limit := l.spec.Budget.MaxFailed
	if limit == 0 {
		return nil
	}
	failed, last := 0, Record{}
	for _, r := range l.records {
		if r.Status == StatusFailed {
			failed, last = failed+1, r
		}
	}
	if failed >= limit {
		return fmt.Errorf("%d trials failed (spec.budget.maxFailed is %d); the last, trial %d: %s", failed, limit, last.Number, last.Reason)
	}
	return nil
}

func (l *loop) progress(ev Event, t Trial, rec *Record) {
	if l.opts.Progress == nil {
		return
	}
	p := Progress{Event: ev, Trial: t, Record: rec, Finished: len(l.records), Budget: l.spec.Budget.Trials}
	if best, ok := l.results().Recommended(); ok {
		p.Best = &best
	}
	l.opts.Progress(p)
}

func (l *loop) results() *Results {
	return &Results{Dir: l.opts.Dir, Experiment: l.exp, Trials: slices.Clone(l.records), Warnings: slices.Clone(l.warnings)}
}

// warmStart tells the optimizer the trials of another results directory.
func (l *loop) warmStart(dir string) error {
	if a, b := absPath(dir), absPath(l.opts.Dir); a == b {
		return fmt.Errorf("warm start from %s: that is the results directory itself", dir)
	}
	res, err := LoadResults(dir)
	if err != nil {
		return fmt.Errorf("warm start: %w", err)
	}
	if d := diffParameterNames(res.Experiment.Spec.Parameters, l.spec.Parameters); d != "" {
		return fmt.Errorf("warm start from %s: other parameters (%s)", dir, d)
	}
	for _, w := range res.Warnings {
		l.warn("warm start: " + w)
	}
	told, first := 0, ""
	for _, rec := range res.Trials {
		err := l.tellHistory(rec)
		if err == nil {
			told++
		} else if first == "" {
			first = fmt.Sprintf("trial %d: %v", rec.Number, err)
		}
	}
	if told < len(res.Trials) {
		l.warn(fmt.Sprintf("warm start from %s: skipped %d of %d trials (first: %s)", dir, len(res.Trials)-told, len(res.Trials), first))
	}
	l.log.Info("warm start", "dir", dir, "told", told)
	return nil
}

func (l *loop) tellHistory(rec Record) error {
	p, err := l.spec.point(rec)
	if err != nil {
		return err
	}
	obs, err := l.spec.observation(rec)
	if err != nil {
		return err
	}
	return l.opt.Tell(p, obs)
}

func absPath(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	return a
}

// diffParameterNames describes how two parameter lists differ in names or
// types; "" when they have the same ones (in any order).
func diffParameterNames(theirs, ours []Parameter) string {
	types := map[string]string{}
	for _, p := range theirs {
		types[p.Name] = p.Type
	}
	for _, p := range ours {
		t, ok := types[p.Name]
		switch {
		case !ok:
			return fmt.Sprintf("no parameter %q", p.Name)
		case t != p.Type:
			return fmt.Sprintf("parameter %q is %s there, %s here", p.Name, t, p.Type)
		}
		delete(types, p.Name)
	}
	for name := range types {
		return fmt.Sprintf("an extra parameter %q", name)
	}
	return ""
}
