package experiment

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// continuousSpec has float, int and categorical parameters and a
// constraint; discreteSpec 12 configurations.
const continuousSpec = `
apiVersion: tailor.dev/v1alpha1
kind: Experiment
metadata: {name: svc}
spec:
  optimizer: {algorithm: %s, seed: %d}
  budget: {trials: %d, parallel: %d}
  parameters:
  - {name: cpu, type: float, min: 0.25, max: 2, log: true, baseline: 1}
  - {name: memory, type: int, min: 64, max: 1024, baseline: 512}
  - {name: gogc, type: categorical, values: ["50", "100", "off"], baseline: "100"}
  constraints:
  - {name: size, weightedSum: {terms: [{parameter: cpu}, {parameter: memory, weight: 0.001953125}], max: 2}}
  metrics:
  - {name: cost, source: cost_per_hour, goal: minimize}
  - {name: p99, source: latency_p99, goal: minimize, max: 250ms}
  - {name: errors, source: error_rate, max: 0.01}
  trial:
    command: [service, --addr, "{{.addr}}"]
    env: {GOGC: "{{.gogc}}", GOMEMLIMIT: "{{mul .memory 0.9 | int}}MiB"}
    resources: {cpu: "{{.cpu}}", memory: "{{.memory}}Mi"}
    load: {target: {url: "http://{{.addr}}/work"}, rate: 100, duration: 1s}
`

const discreteSpec = `
apiVersion: tailor.dev/v1alpha1
kind: Experiment
metadata: {name: procs}
spec:
  optimizer: {algorithm: %s, seed: %d}
  budget: {trials: %d, parallel: %d}
  parameters:
  - {name: gomaxprocs, type: int, min: 1, max: 4, baseline: 2}
  - {name: gogc, type: categorical, values: ["50", "100", "off"], baseline: "100"}
  metrics:
  - {name: p99, source: latency_p99, goal: minimize}
  - {name: rps, source: throughput, goal: maximize, optimize: false}
  trial:
    command: [service, --addr, "{{.addr}}"]
    env: {GOMAXPROCS: "{{.gomaxprocs}}", GOGC: "{{.gogc}}"}
    load: {target: {url: "http://{{.addr}}/work"}, rate: 100, duration: 1s}
`

func spec(t *testing.T, text, alg string, seed, trials, parallel int) *Experiment {
	t.Helper()
	e, err := Parse(fmt.Appendf(nil, text, alg, seed, trials, parallel))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// model is the fake service: latency falls with CPU, GOGC off is fast but
// needs memory, little memory means errors.
func model(tr Trial) (Measurement, error) {
	v := tr.Values
	cpu, mem, gc := 1.0, 512.0, v["gogc"].Category
	if x, ok := v["cpu"]; ok {
		cpu, mem = x.Num, v["memory"].Num
	}
	if x, ok := v["gomaxprocs"]; ok {
		cpu = x.Num / 2
	}
	if gc == "off" && mem < 200 {
		return Measurement{Failure: "OOM killed"}, nil
	}
	f := map[string]float64{"50": 1.3, "100": 1, "off": 0.8}[gc]
	errRate := 0.0
	if mem < 128 {
		errRate = 0.02
	}
	p99 := 0.08 / cpu * f
	return Measurement{Metrics: map[string]float64{
		LatencyP99: p99, LatencyP50: p99 / 3, ErrorRate: errRate, Throughput: 100 * (1 - errRate),
	}}, nil
}

// fakeRunner calls f and records the trials it was given.
type fakeRunner struct {
	f     func(ctx context.Context, n int, t Trial) (Measurement, error)
	mu    sync.Mutex
	calls []Trial
}

func (r *fakeRunner) RunTrial(ctx context.Context, t Trial) (Measurement, error) {
	r.mu.Lock()
	r.calls = append(r.calls, t)
	n := len(r.calls)
	r.mu.Unlock()
	if r.f == nil {
		return model(t)
	}
	return r.f(ctx, n, t)
}

func configKey(v Values) string {
	var parts []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range v {
			if !yield(k) {
				return
			}
		}
	}) {
		parts = append(parts, k+"="+v[k].String())
	}
	return strings.Join(parts, ",")
}

// checkTrials asserts numbers 1..n each once, one baseline, no repeated
// configuration but the baseline's.
func checkTrials(t *testing.T, recs []Record, n int) {
	t.Helper()
	if len(recs) != n {
		t.Fatalf("%d trials, want %d", len(recs), n)
	}
	nums, seen, baselines := map[int]bool{}, map[string]bool{}, 0
	for _, r := range recs {
		if r.Number < 1 || r.Number > n || nums[r.Number] {
			t.Errorf("trial number %d repeated or out of 1..%d", r.Number, n)
		}
		nums[r.Number] = true
		if r.Baseline {
			baselines++
			continue
		}
		if k := configKey(r.Parameters); seen[k] {
			t.Errorf("configuration %s run twice", k)
		} else {
			seen[k] = true
		}
	}
	if baselines != 1 {
		t.Errorf("%d baseline trials, want 1", baselines)
	}
}

func TestRun(t *testing.T) {
	e := spec(t, continuousSpec, "sobol", 1, 16, 1)
	dir := filepath.Join(t.TempDir(), "results")
	r := &fakeRunner{}
	var events []Progress
	res, err := Run(context.Background(), e, r, Options{Dir: dir, Progress: func(p Progress) { events = append(events, p) }})
	if err != nil {
		t.Fatal(err)
	}
	checkTrials(t, res.Trials, 16)
	// The baseline runs first, with the spec's values, rendered.
	b := r.calls[0]
	if !b.Baseline || b.Number != 1 || b.Values["cpu"].Num != 1 || b.Env["GOMEMLIMIT"] != "460MiB" ||
		b.Resources != (Resources{CPU: "1", Memory: "512Mi", CPUCores: 1, MemoryBytes: 512 << 20}) {
		t.Errorf("baseline trial %+v", b)
	}
	if !strings.HasPrefix(b.Addr, "127.0.0.1:") || b.Command[2] != b.Addr || b.Load.URL != "http://"+b.Addr+"/work" ||
		b.Load.Method != "GET" || b.Timeout != DefaultReadinessTimeout+time.Second+DefaultTimeoutSlack {
		t.Errorf("baseline rendering %+v", b)
	}
	rec := res.Trials[0]
	if want := 0.031611 + 0.5*0.004237; rec.Metrics[CostPerHour] != want || rec.Status != StatusOK {
		t.Errorf("baseline record %+v, want cost %v", rec, want)
	}
	statuses := map[Status]int{}
	for i, rec := range res.Trials {
		tr := r.calls[i]
		if rec.Number != tr.Number || configKey(rec.Parameters) != configKey(tr.Values) {
			t.Errorf("record %d does not match trial %d", rec.Number, tr.Number)
		}
		want := fmt.Sprintf("%dMiB", int64(tr.Values["memory"].Num*0.9))
		if tr.Env["GOMEMLIMIT"] != want || tr.Env["GOGC"] != tr.Values["gogc"].Category {
			t.Errorf("trial %d env %v, values %v", tr.Number, tr.Env, tr.Values)
		}
		if tr.Values["cpu"].Num+tr.Values["memory"].Num/512 > 2+1e-9 {
			t.Errorf("trial %d breaks the size constraint: %v", tr.Number, tr.Values)
		}
		m, _ := model(tr)
		switch {
		case m.Failure != "":
			statuses[StatusFailed]++
			if rec.Status != StatusFailed || rec.Reason != "OOM killed" {
				t.Errorf("trial %d: %s %q, want failed OOM killed", rec.Number, rec.Status, rec.Reason)
			}
		case m.Metrics[LatencyP99] > 0.25 || m.Metrics[ErrorRate] > 0.01:
			statuses[StatusInfeasible]++
			if rec.Status != StatusInfeasible || !strings.Contains(rec.Reason, "is above the max") {
				t.Errorf("trial %d: %s %q, want infeasible", rec.Number, rec.Status, rec.Reason)
			}
		default:
			statuses[StatusOK]++
			if rec.Status != StatusOK {
				t.Errorf("trial %d: %s %q, want ok", rec.Number, rec.Status, rec.Reason)
			}
		}
	}
	if statuses[StatusOK] == 0 || statuses[StatusInfeasible] == 0 {
		t.Errorf("statuses %v: the test wants ok and infeasible trials", statuses)
	}
	// One started and one finished event per trial; the last knows the best.
	if len(events) != 32 || events[31].Event != TrialFinished || events[31].Finished != 16 || events[31].Best == nil {
		t.Fatalf("%d events, last %+v", len(events), events[len(events)-1])
	}
	// The directory holds what Run returned.
	loaded, err := LoadResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stripTimes(loaded.Trials), stripTimes(res.Trials)) || len(loaded.Warnings) > 0 {
		t.Errorf("loaded results differ:\n%+v\n%+v", loaded.Trials[:2], res.Trials[:2])
	}
	if best, _ := loaded.Recommended(); best.Number != events[31].Best.Number {
		t.Errorf("recommended %d, progress said %d", best.Number, events[31].Best.Number)
	}
}

func stripTimes(recs []Record) []Record {
	out := slices.Clone(recs)
	for i := range out {
		out[i].Start, out[i].End = time.Time{}, time.Time{}
	}
	return out
}

// Runner errors, failure reasons, timeouts and unmeasured metrics fail a
// trial and the experiment goes on; maxFailed stops it.
func TestRunFailures(t *testing.T) {
	e := spec(t, continuousSpec, "random", 2, 8, 1)
	e.Spec.Trial.Load.Duration = Duration(time.Millisecond)
	e.Spec.Trial.Readiness.Timeout = Duration(time.Millisecond)
	e.Spec.Trial.Timeout = Duration(20 * time.Millisecond)
	r := &fakeRunner{f: func(ctx context.Context, n int, t Trial) (Measurement, error) {
		switch n {
		case 2:
			return Measurement{}, errors.New("exec: service: not found")
		case 3:
			<-ctx.Done()
			return Measurement{}, ctx.Err()
		case 4:
			return Measurement{Metrics: map[string]float64{LatencyP99: 0.1}}, nil // no error_rate
		case 5:
			return Measurement{Metrics: map[string]float64{LatencyP99: 0.1, ErrorRate: -1 / zero()}}, nil
		}
		return model(t)
	}}
	res, err := Run(context.Background(), e, r, Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	checkTrials(t, res.Trials, 8)
	want := map[int]string{
		2: "exec: service: not found",
		3: "timed out after 20ms (spec.trial.timeout): context deadline exceeded",
		4: `no error_rate measurement (metric "errors")`,
		5: `no error_rate measurement (metric "errors") (the runner returned error_rate = -Inf)`,
	}
	for _, rec := range res.Trials {
		if w, ok := want[rec.Number]; ok && (rec.Status != StatusFailed || rec.Reason != w) {
			t.Errorf("trial %d: %s %q, want failed %q", rec.Number, rec.Status, rec.Reason, w)
		}
	}

	e.Spec.Budget.MaxFailed = 2
	always := &fakeRunner{f: func(context.Context, int, Trial) (Measurement, error) {
		return Measurement{Failure: "crashed"}, nil
	}}
	res, err = Run(context.Background(), e, always, Options{Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "2 trials failed (spec.budget.maxFailed is 2); the last, trial 2: crashed") || len(res.Trials) != 2 {
		t.Errorf("maxFailed: %v after %d trials", err, len(res.Trials))
	}
}

func zero() float64 { return 0 }

// Cancelling after k trials records k; running again finishes the budget
// without repeating a trial.
func TestRunResume(t *testing.T) {
	for _, parallel := range []int{1, 2} {
		e := spec(t, continuousSpec, "gp", 3, 12, parallel)
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		first := &fakeRunner{f: func(ctx context.Context, n int, t Trial) (Measurement, error) {
			if n == 6 {
				cancel()
			}
			if n >= 6 {
				<-ctx.Done()
				return Measurement{}, ctx.Err()
			}
			return model(t)
		}}
		res, err := Run(ctx, e, first, Options{Dir: dir})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v", err)
		}
		loaded, err := LoadResults(dir)
		if err != nil {
			t.Fatal(err)
		}
		k := len(loaded.Trials)
		if k != len(res.Trials) || k < 4 || k > 5 {
			t.Fatalf("parallel %d: %d trials recorded (returned %d), want 4 or 5", parallel, k, len(res.Trials))
		}
		second := &fakeRunner{}
		res, err = Run(context.Background(), e, second, Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		checkTrials(t, res.Trials, 12)
		if len(second.calls) != 12-k || second.calls[0].Baseline {
			t.Errorf("parallel %d: resumed run ran %d trials (first baseline %v), want %d", parallel, len(second.calls), second.calls[0].Baseline, 12-k)
		}
		// A larger budget continues; a finished experiment runs nothing.
		e.Spec.Budget.Trials = 14
		third := &fakeRunner{}
		if res, err = Run(context.Background(), e, third, Options{Dir: dir}); err != nil || len(third.calls) != 2 {
			t.Fatalf("larger budget: %v, %d calls", err, len(third.calls))
		}
		checkTrials(t, res.Trials, 14)
		if res, err = Run(context.Background(), e, third, Options{Dir: dir}); err != nil || len(third.calls) != 2 || len(res.Trials) != 14 {
			t.Fatalf("finished experiment: %v, %d calls", err, len(third.calls))
		}
	}
}

// Other parameters in the same directory are refused.
func TestRunRefusesOtherParameters(t *testing.T) {
	e := spec(t, continuousSpec, "random", 1, 3, 1)
	dir := t.TempDir()
	if _, err := Run(context.Background(), e, &fakeRunner{}, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	e.Spec.Parameters[1].Max = ptr(2048.0)
	_, err := Run(context.Background(), e, &fakeRunner{}, Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "holds trials of other parameters (spec.parameters[1].max: 1024 before, 2048 now)") {
		t.Errorf("changed parameters: %v", err)
	}
	// A changed metric the old trials cannot answer is refused too.
	e = spec(t, continuousSpec, "random", 1, 4, 1)
	e.Spec.Metrics = append(e.Spec.Metrics, Metric{Name: "mem", Source: PeakMemoryBytes, Goal: Minimize, Optimize: ptr(true)})
	_, err = Run(context.Background(), e, &fakeRunner{}, Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), `no peak_memory_bytes measurement (metric "mem"): the metrics changed`) {
		t.Errorf("new metric: %v", err)
	}
	// A refused run leaves the directory as it was.
	res, err := LoadResults(dir)
	if err != nil || len(res.Experiment.Spec.Metrics) != 3 || len(res.Trials) != 3 {
		t.Errorf("after refused runs: %v, %d metrics, %d trials", err, len(res.Experiment.Spec.Metrics), len(res.Trials))
	}
}

// A torn last line is dropped with a warning and overwritten by the next
// trial.
func TestRunTornLine(t *testing.T) {
	e := spec(t, continuousSpec, "sobol", 1, 5, 1)
	dir := t.TempDir()
	if _, err := Run(context.Background(), e, &fakeRunner{}, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, TrialsFile)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"number":6,"parameters":{"cpu":0.5,"mem`)
	f.Close()
	res, err := LoadResults(dir)
	if err != nil || len(res.Trials) != 5 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "trials.jsonl:6: dropped a torn last line") {
		t.Fatalf("torn line: %v, %d trials, warnings %q", err, len(res.Trials), res.Warnings)
	}
	e.Spec.Budget.Trials = 7
	res, err = Run(context.Background(), e, &fakeRunner{}, Options{Dir: dir})
	if err != nil || len(res.Warnings) != 1 {
		t.Fatalf("resume: %v, warnings %q", err, res.Warnings)
	}
	res, err = LoadResults(dir)
	if err != nil || len(res.Warnings) != 0 {
		t.Fatalf("after resume: %v, warnings %q", err, res.Warnings)
	}
	checkTrials(t, res.Trials, 7)

	// A damaged line in the middle is an error, not a warning.
	data, _ := os.ReadFile(path)
	os.WriteFile(path, append([]byte("{\"number\": 1, \"bogus\": true}\n"), data...), 0o644)
	if _, err := LoadResults(dir); err == nil || !strings.Contains(err.Error(), `trials.jsonl:1: json: unknown field "bogus"`) {
		t.Errorf("damaged line: %v", err)
	}
}

// A complete last line without its newline is kept, and the next trial
// goes on a line of its own.
func TestRunLastLineWithoutNewline(t *testing.T) {
	e := spec(t, continuousSpec, "sobol", 1, 3, 1)
	dir := t.TempDir()
	if _, err := Run(context.Background(), e, &fakeRunner{}, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, TrialsFile)
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:len(data)-1], 0o644)
	e.Spec.Budget.Trials = 4
	if _, err := Run(context.Background(), e, &fakeRunner{}, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	res, err := LoadResults(dir)
	if err != nil || len(res.Warnings) != 0 {
		t.Fatal(err, res.Warnings)
	}
	checkTrials(t, res.Trials, 4)
}

// Warm-start trials are history: they steer the optimizer away from what
// was tried and do not count toward the budget.
func TestRunWarmStart(t *testing.T) {
	a := spec(t, discreteSpec, "random", 1, 8, 1)
	dirA := t.TempDir()
	resA, err := Run(context.Background(), a, &fakeRunner{}, Options{Dir: dirA})
	if err != nil {
		t.Fatal(err)
	}
	tried := map[string]bool{}
	for _, r := range resA.Trials {
		tried[configKey(r.Parameters)] = true
	}
	b := spec(t, discreteSpec, "random", 1, 5, 1)
	r := &fakeRunner{}
	resB, err := Run(context.Background(), b, r, Options{Dir: t.TempDir(), WarmStart: []string{dirA}})
	if err != nil {
		t.Fatal(err)
	}
	checkTrials(t, resB.Trials, 5)
	for _, rec := range resB.Trials[1:] {
		if tried[configKey(rec.Parameters)] {
			t.Errorf("warm-started run repeated %s", configKey(rec.Parameters))
		}
	}
	// Only the 4 configurations A did not try are left after B's baseline:
	// the fifth Ask finds none.
	if len(resB.Trials) != 5 || len(resB.Warnings) != 0 {
		t.Errorf("warnings %q", resB.Warnings)
	}

	// Trials outside the space are skipped with a warning; other
	// parameters are refused.
	c := spec(t, discreteSpec, "random", 1, 2, 1)
	c.Spec.Parameters[0].Max = ptr(2.0)
	resC, err := Run(context.Background(), c, &fakeRunner{}, Options{Dir: t.TempDir(), WarmStart: []string{dirA}})
	if err != nil || len(resC.Warnings) != 1 || !strings.Contains(resC.Warnings[0], "skipped") {
		t.Errorf("out-of-range warm start: %v, %q", err, resC.Warnings)
	}
	d := spec(t, continuousSpec, "random", 1, 2, 1)
	_, err = Run(context.Background(), d, &fakeRunner{}, Options{Dir: t.TempDir(), WarmStart: []string{dirA}})
	if err == nil || !strings.Contains(err.Error(), `other parameters (no parameter "cpu")`) {
		t.Errorf("other parameters: %v", err)
	}
	_, err = Run(context.Background(), a, &fakeRunner{}, Options{Dir: dirA, WarmStart: []string{dirA}})
	if err == nil || !strings.Contains(err.Error(), "results directory itself") {
		t.Errorf("self warm start: %v", err)
	}
}

// The same seed gives the same trials; another seed others.
func TestRunDeterministic(t *testing.T) {
	run := func(seed int) []string {
		e := spec(t, continuousSpec, "gp", seed, 9, 1)
		res, err := Run(context.Background(), e, &fakeRunner{}, Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, r := range res.Trials {
			keys = append(keys, configKey(r.Parameters))
		}
		return keys
	}
	a, b, c := run(1), run(1), run(2)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different trials:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Error("different seeds, same trials")
	}
}

// With parallel 2, two trials run at once, and no configuration is
// suggested twice; a finite space ends the experiment early.
func TestRunParallel(t *testing.T) {
	for _, alg := range []string{"gp", "random"} {
		e := spec(t, discreteSpec, alg, 4, 14, 2)
		var mu sync.Mutex
		active, most := 0, 0
		r := &fakeRunner{f: func(ctx context.Context, n int, t Trial) (Measurement, error) {
			mu.Lock()
			active++
			most = max(most, active)
			mu.Unlock()
			time.Sleep(2 * time.Millisecond)
			mu.Lock()
			active--
			mu.Unlock()
			return model(t)
		}}
		res, err := Run(context.Background(), e, r, Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		// 12 configurations: the baseline, then the 11 others; the budget
		// of 14 cannot be spent.
		checkTrials(t, res.Trials, 12)
		if most != 2 {
			t.Errorf("%s: at most %d trials at once, want 2", alg, most)
		}
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "every configuration has been tried") {
			t.Errorf("%s: warnings %q", alg, res.Warnings)
		}
		ports := map[string]bool{}
		for _, c := range r.calls {
			ports[c.Addr] = true
		}
		if len(ports) < 2 {
			t.Errorf("%s: trials shared addresses: %v", alg, ports)
		}
	}
}
