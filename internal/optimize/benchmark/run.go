package benchmark

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"tailor.dev/tailor/internal/optimize"
)

// Trace is the best feasible objective value after each trial of one run
// (+Inf until a feasible trial).
type Trace []float64

// Run optimizes p with one optimizer and seed for budget trials, asking
// batch points at a time. On a lookup table the run stops early once it
// has found the optimum (nothing can improve it) and the trace is filled
// with it.
func Run(p *Problem, alg optimize.Algorithm, seed uint64, budget, batch int) (Trace, error) {
	if budget < 1 || batch < 1 {
		return nil, fmt.Errorf("run: budget %d and batch %d must be >= 1", budget, batch)
	}
	opt, err := optimize.New(optimize.Config{Algorithm: alg, Space: p.Space, Seed: seed,
		Constraints: p.Constraints, Candidates: p.Candidates})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Name, err)
	}
	trace := make(Trace, 0, budget)
	best := math.Inf(1)
	for len(trace) < budget {
		pts, err := opt.Ask(min(batch, budget-len(trace)))
		if errors.Is(err, optimize.ErrExhausted) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s seed %d: %w", p.Name, alg, seed, err)
		}
		for _, pt := range pts {
			obs, err := p.Evaluate(pt)
			if err != nil {
				return nil, err
			}
			if err := opt.Tell(pt, obs); err != nil {
				return nil, fmt.Errorf("%s: %w", p.Name, err)
			}
			if obs.Feasible() {
				best = math.Min(best, obs.Values[0])
			}
			trace = append(trace, best)
		}
		if p.Candidates != nil && best <= p.Optimum {
			break
		}
	}
	for len(trace) < budget {
		trace = append(trace, best)
	}
	return trace, nil
}

// trialsTo returns the 1-based trial at which the run's regret first is <=
// threshold, or len(trace)+1 when it never is.
func trialsTo(p *Problem, trace Trace, threshold float64) int {
	for i, b := range trace {
		if p.Regret(b) <= threshold+1e-12 {
			return i + 1
		}
	}
	return len(trace) + 1
}

// Options select what Bench runs.
type Options struct {
	Algorithms []optimize.Algorithm
	Seeds      int // seeds 1..Seeds, the same for every optimizer
	Budget     int // trials per run; 0 means each problem's default
	Batch      int // points per Ask; 0 means 1
	Workers    int // concurrent runs; 0 means 1
}

// Report is the outcome of a benchmark (the JSON of tailor bench optimizers).
type Report struct {
	Dataset    string            `json:"dataset"`
	Tasks      []string          `json:"tasks"`
	Optimizers []OptimizerResult `json:"optimizers"`
}

// OptimizerResult summarizes one optimizer over every task and seed: each
// median is over all (task, seed) runs. A run that never reaches a
// threshold counts as budget + 1 trials.
type OptimizerResult struct {
	Name                 string       `json:"name"`
	Seeds                int          `json:"seeds"`
	Runs                 int          `json:"runs"`
	MedianTrialsTo10     float64      `json:"median_trials_to_10pct"`
	MedianTrialsTo5      float64      `json:"median_trials_to_5pct"`
	MedianTrialsTo1      float64      `json:"median_trials_to_1pct"`
	MedianRegretAtBudget float64      `json:"median_regret_at_budget"`
	PerTask              []TaskResult `json:"per_task"`
}

// TaskResult is the same summary for one task, over seeds.
type TaskResult struct {
	Task                 string  `json:"task"`
	Budget               int     `json:"budget"`
	MedianTrialsTo10     float64 `json:"median_trials_to_10pct"`
	MedianTrialsTo5      float64 `json:"median_trials_to_5pct"`
	MedianTrialsTo1      float64 `json:"median_trials_to_1pct"`
	MedianRegretAtBudget float64 `json:"median_regret_at_budget"`
}

// runStats are the per-run numbers a summary takes medians of.
type runStats struct{ to10, to5, to1, regret float64 }

// Bench runs every optimizer on every problem for every seed, in parallel
// over o.Workers, and summarizes. The result does not depend on Workers.
func Bench(dataset string, problems []Problem, o Options) (Report, error) {
	if o.Seeds < 1 {
		return Report{}, fmt.Errorf("bench: %d seeds, want >= 1", o.Seeds)
	}
	batch, workers := max(1, o.Batch), max(1, o.Workers)
	type job struct{ alg, task, seed int }
	var jobs []job
	for a := range o.Algorithms {
		for t := range problems {
			for s := range o.Seeds {
				jobs = append(jobs, job{a, t, s})
			}
		}
	}
	stats := make([]runStats, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				j := jobs[i]
				p := &problems[j.task]
				budget := budgetOf(p, o.Budget)
				tr, err := Run(p, o.Algorithms[j.alg], uint64(j.seed+1), budget, batch)
				if err != nil {
					errs[i] = err
					continue
				}
				stats[i] = runStats{float64(trialsTo(p, tr, 0.10)), float64(trialsTo(p, tr, 0.05)),
					float64(trialsTo(p, tr, 0.01)), p.Regret(tr[len(tr)-1])}
			}
		})
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Report{}, err
	}
	rep := Report{Dataset: dataset}
	for _, p := range problems {
		rep.Tasks = append(rep.Tasks, p.Name)
	}
	for a, alg := range o.Algorithms {
		res := OptimizerResult{Name: string(alg), Seeds: o.Seeds}
		var all []runStats
		for t := range problems {
			var per []runStats
			for i, j := range jobs {
				if j.alg == a && j.task == t {
					per = append(per, stats[i])
				}
			}
			all = append(all, per...)
			s := summarize(per)
			res.PerTask = append(res.PerTask, TaskResult{Task: problems[t].Name, Budget: budgetOf(&problems[t], o.Budget),
				MedianTrialsTo10: s.to10, MedianTrialsTo5: s.to5, MedianTrialsTo1: s.to1, MedianRegretAtBudget: s.regret})
		}
		s := summarize(all)
		res.Runs = len(all)
		res.MedianTrialsTo10, res.MedianTrialsTo5, res.MedianTrialsTo1, res.MedianRegretAtBudget = s.to10, s.to5, s.to1, s.regret
		rep.Optimizers = append(rep.Optimizers, res)
	}
	return rep, nil
}

func budgetOf(p *Problem, budget int) int {
	if budget > 0 {
		if p.Candidates != nil {
			return min(budget, len(p.Candidates))
		}
		return budget
	}
	return p.Budget
}

func summarize(rs []runStats) runStats {
	col := func(f func(runStats) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return Median(v)
	}
	return runStats{
		to10:   col(func(r runStats) float64 { return r.to10 }),
		to5:    col(func(r runStats) float64 { return r.to5 }),
		to1:    col(func(r runStats) float64 { return r.to1 }),
		regret: col(func(r runStats) float64 { return r.regret }),
	}
}

// Median of v (the mean of the two middle values for an even count); NaN
// for none.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
