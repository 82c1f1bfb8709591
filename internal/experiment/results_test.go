package experiment

import (
	"math"
	"testing"

	"tailor.dev/tailor/internal/optimize"
)

func rec(n int, status Status, metrics map[string]float64) Record {
	return Record{Number: n, Baseline: n == 1, Status: status, Metrics: metrics,
		Parameters: Values{"x": {Kind: optimize.Float, Num: float64(n)}}}
}

func resultsOf(metrics []Metric, recs ...Record) *Results {
	e := &Experiment{Spec: Spec{Metrics: metrics}}
	return &Results{Experiment: e.Defaulted(), Trials: recs}
}

func TestRecommended(t *testing.T) {
	cost := Metric{Name: "cost", Source: CostPerHour, Goal: Minimize}
	p99 := Metric{Name: "p99", Source: LatencyP99, Goal: Minimize, Max: StringScalar("200ms")}
	rps := Metric{Name: "rps", Source: Throughput, Goal: Maximize}
	m := func(c, l, r float64) map[string]float64 {
		return map[string]float64{CostPerHour: c, LatencyP99: l, Throughput: r}
	}
	for _, c := range []struct {
		name    string
		metrics []Metric
		recs    []Record
		best    int // 0: none
		front   []int
	}{
		{"one objective: lowest", []Metric{cost}, []Record{
			rec(1, StatusOK, m(3, 0, 0)), rec(2, StatusOK, m(1, 0, 0)), rec(3, StatusOK, m(2, 0, 0))}, 2, []int{2}},
		{"ties go to the lower number", []Metric{cost}, []Record{
			rec(1, StatusOK, m(3, 0, 0)), rec(2, StatusOK, m(1, 0, 0)), rec(3, StatusOK, m(1, 0, 0))}, 2, []int{2, 3}},
		{"failed and infeasible trials do not count", []Metric{cost, p99}, []Record{
			rec(1, StatusOK, m(3, 0.1, 0)), rec(2, StatusFailed, m(0.1, 0.1, 0)), rec(3, StatusOK, m(1, 0.3, 0)),
			rec(4, StatusOK, m(2, 0.15, 0))}, 4, []int{1, 4}}, // a tie: the better first metric
		{"re-judged with the current bounds", []Metric{{Name: "cost", Source: CostPerHour, Goal: Minimize, Max: NumberScalar(1.5)}}, []Record{
			rec(1, StatusOK, m(3, 0, 0)), rec(2, StatusOK, m(2, 0, 0))}, 0, nil},
		{"maximize", []Metric{rps}, []Record{
			rec(1, StatusOK, m(0, 0, 100)), rec(2, StatusOK, m(0, 0, 300)), rec(3, StatusOK, m(0, 0, 200))}, 2, []int{2}},
		// Front of cost and p99: (1, 0.19), (2, 0.1), (4, 0.05); rescaled
		// over it: (0, 1), (1/3, 0.357), (1, 0): the middle is nearest 0.
		{"two objectives: nearest the ideal point", []Metric{cost, p99}, []Record{
			rec(1, StatusOK, m(1, 0.19, 0)), rec(2, StatusOK, m(2, 0.1, 0)), rec(3, StatusOK, m(4, 0.05, 0)),
			rec(4, StatusOK, m(3, 0.12, 0))}, 2, []int{1, 2, 3}},
		{"none feasible", []Metric{cost}, []Record{rec(1, StatusFailed, nil)}, 0, nil},
	} {
		r := resultsOf(c.metrics, c.recs...)
		best, ok := r.Recommended()
		if ok != (c.best > 0) || (ok && best.Number != c.best) {
			t.Errorf("%s: recommended %d (%v), want %d", c.name, best.Number, ok, c.best)
		}
		var front []int
		for _, f := range r.ParetoFront() {
			front = append(front, f.Number)
		}
		if len(front) != len(c.front) || (len(front) > 0 && !equalInts(front, c.front)) {
			t.Errorf("%s: front %v, want %v", c.name, front, c.front)
		}
	}
}

func equalInts(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestGains(t *testing.T) {
	metrics := []Metric{
		{Name: "cost", Source: CostPerHour, Goal: Minimize},
		{Name: "rps", Source: Throughput, Goal: Maximize},
		{Name: "oom", Source: OOMKills},
		{Name: "p50", Source: LatencyP50, Goal: Minimize},
	}
	base := rec(1, StatusOK, map[string]float64{CostPerHour: 4, Throughput: 100, OOMKills: 0, LatencyP50: 0.1})
	best := rec(2, StatusOK, map[string]float64{CostPerHour: 3, Throughput: 90, OOMKills: 1})
	r := resultsOf(metrics, base, best)
	gains := r.Gains(best)
	if len(gains) != 3 {
		t.Fatalf("gains %+v: want cost, rps and oom (p50 missing in the trial)", gains)
	}
	for _, c := range []struct {
		i       int
		better  bool
		change  float64
		defined bool
	}{{0, true, -0.25, true}, {1, false, -0.1, true}, {2, false, 0, false}} {
		g := gains[c.i]
		ch, ok := g.Change()
		if g.Better != c.better || ok != c.defined || math.Abs(ch-c.change) > 1e-12 {
			t.Errorf("%s: better %v change %v (%v), want %v %v (%v)", g.Metric, g.Better, ch, ok, c.better, c.change, c.defined)
		}
	}
	if g := resultsOf(metrics, rec(1, StatusFailed, nil), best).Gains(best); g != nil {
		t.Errorf("gains over a failed baseline: %+v", g)
	}
}

func TestJudge(t *testing.T) {
	r := resultsOf([]Metric{{Name: "p99", Source: LatencyP99, Goal: Minimize, Min: StringScalar("1ms"), Max: StringScalar("200ms")}})
	for _, c := range []struct {
		rec    Record
		status Status
		reason string
	}{
		{rec(2, StatusOK, map[string]float64{LatencyP99: 0.1}), StatusOK, ""},
		{rec(2, StatusOK, map[string]float64{LatencyP99: 0.3}), StatusInfeasible, `latency_p99 = 300ms is above the max 200ms (metric "p99")`},
		{rec(2, StatusOK, map[string]float64{LatencyP99: 0.0005}), StatusInfeasible, `latency_p99 = 500µs is below the min 1ms (metric "p99")`},
		{rec(2, StatusOK, map[string]float64{}), StatusFailed, `no latency_p99 measurement (metric "p99")`},
		{Record{Status: StatusFailed, Reason: "crashed"}, StatusFailed, "crashed"},
	} {
		s, reason := r.Judge(c.rec)
		if s != c.status || reason != c.reason {
			t.Errorf("%v: %s %q, want %s %q", c.rec.Metrics, s, reason, c.status, c.reason)
		}
	}
}

// The optimizer's constraint values: <= 0 exactly when the bound is met,
// finite at 0, scale-free.
func TestBoundViolation(t *testing.T) {
	for _, c := range []struct {
		b    bound
		v    float64
		want float64
	}{
		{bound{limit: 0.25, upper: true}, 0.25, 0},
		{bound{limit: 0.25, upper: true}, 0.5, math.Log(0.50025 / 0.25025)},
		{bound{limit: 0.01, upper: true}, 0, math.Log(0.00001 / 0.01001)},
		{bound{limit: 100}, 200, -math.Log(200.1 / 100.1)},
		{bound{limit: 0, upper: true}, 2, 2},
		{bound{limit: 0}, 3, -3},
	} {
		got := c.b.violation(c.v)
		if math.Abs(got-c.want) > 1e-12 || (got <= 0) != c.b.met(c.v) {
			t.Errorf("%+v at %v: %v, want %v (met %v)", c.b, c.v, got, c.want, c.b.met(c.v))
		}
	}
}
