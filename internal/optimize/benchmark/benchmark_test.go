package benchmark

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"tailor.dev/tailor/internal/shareddata"
	"testing"

	"tailor.dev/tailor/internal/optimize"
)

func TestAnalyticOptima(t *testing.T) {
	b := Branin()
	for _, x := range [][2]float64{{-math.Pi, 12.275}, {math.Pi, 2.275}, {9.42478, 2.475}} {
		p := optimize.Point{(x[0] + 5) / 15, x[1] / 15}
		obs, _ := b.Evaluate(p)
		if math.Abs(obs.Values[0]-0.397887) > 1e-5 {
			t.Errorf("branin%v = %v, want 0.397887", x, obs.Values[0])
		}
	}
	if math.Abs(b.Optimum-0.397887) > 1e-6 || math.Abs(b.Worst-308.129) > 1e-3 {
		t.Errorf("branin optimum %v, worst %v", b.Optimum, b.Worst)
	}
	h := Hartmann6()
	obs, _ := h.Evaluate(optimize.Point{0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573})
	if math.Abs(obs.Values[0]-(-3.32237)) > 1e-5 || math.Abs(h.Optimum-(-3.32237)) > 1e-5 {
		t.Errorf("hartmann6 at its minimizer %v, optimum %v; want -3.32237", obs.Values[0], h.Optimum)
	}
	if b.Budget != 20 || h.Budget != 60 {
		t.Errorf("budgets %d, %d: want 10 x d", b.Budget, h.Budget)
	}
}

func TestRegret(t *testing.T) {
	p := Problem{Optimum: 2, Worst: 10}
	for _, c := range []struct{ best, want float64 }{
		{2, 0}, {2.2, 0.1}, {1.9, 0}, {math.Inf(1), 4},
	} {
		if got := p.Regret(c.best); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Regret(%v) = %v, want %v", c.best, got, c.want)
		}
	}
	h := Problem{Optimum: -4, Worst: 0}
	if got := h.Regret(-3.6); math.Abs(got-0.1) > 1e-12 {
		t.Errorf("negative optimum: regret %v, want 0.1", got)
	}
	z := Problem{Optimum: 0, Worst: 5}
	if got := z.Regret(0.5); math.Abs(got-0.1) > 1e-12 {
		t.Errorf("zero optimum: regret %v, want 0.1 of the range", got)
	}
}

func writeCSV(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadScout(t *testing.T) {
	dir := t.TempDir()
	const header = "workload_id,vm_family,vcpu_per_vm,num_vms,completed,elapsed_time_s,ondemand_usd_per_vm_hour_us_east_1_current\n"
	writeCSV(t, dir, "s.csv", header+
		"w1,c4,2,4,true,3600,0.1\n"+ // cost 0.4
		"w1,c4,2,8,true,1000,0.1\n"+ // cost 0.222
		"w1,m4,4,4,true,1200,0.2\n"+ // cost 0.267
		"w1,m4,4,8,false,7200,0.2\n"+ // failed
		"w2,c4,2,4,true,100,0.1\n"+
		"w2,m4,2,4,true,200,0.1\n")
	ps, err := Load("scout", dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Name != "scout/w1" || ps[1].Name != "scout/w2" {
		t.Fatalf("tasks %v", names(ps))
	}
	p := ps[0]
	// Runtimes 1000, 1200, 3600, +Inf: the deadline is the one at index
	// round(4/2) = 2, 3600, so three configurations meet it; the cheapest is
	// c4 x 8 at 1000 s.
	if math.Abs(p.Optimum-1000.0/3600*8*0.1) > 1e-12 || math.Abs(p.Worst-0.4) > 1e-12 {
		t.Errorf("optimum %v, worst %v", p.Optimum, p.Worst)
	}
	if p.Constraints != 1 || len(p.Candidates) != 4 || p.Budget != 4 {
		t.Errorf("constraints %d, candidates %d, budget %d", p.Constraints, len(p.Candidates), p.Budget)
	}
	// w2 has one VM shape and size: vm_family is its only parameter.
	if got := ps[1].Space.Params; len(got) != 1 || got[0].Name != "vm_family" {
		t.Errorf("w2 parameters %+v", got)
	}
	failed := 0
	for _, c := range p.Candidates {
		obs, err := p.Evaluate(c)
		if err != nil {
			t.Fatal(err)
		}
		if obs.Failed {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d failed rows, want 1", failed)
	}
	if _, err := p.Evaluate(optimize.Point{0.5, 0.5, 0.5}); err == nil {
		t.Error("a point off the table evaluated")
	}
}

func TestReadCherryPickAndLynceus(t *testing.T) {
	dir := t.TempDir()
	cp := writeCSV(t, dir, "CP_x.csv", `"exp_name","num_machines","time","vm_name","cpu_count","disk_name","vm_cost"
"x","4","100","c4.large","2","ebs","0.1"
"x","8","40","c4.large","2","ebs","0.1"
"x","4","60","i2.xlarge","4","local","0.5"
"x","2","500","i2.xlarge","4","local","0.5"
`)
	ps, err := Load("cherrypick", cp)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Name != "cherrypick/x" || len(ps[0].Space.Params) != 4 {
		t.Fatalf("%v %+v", names(ps), ps)
	}
	// Deadline: times 40, 60, 100, 500 -> index 2 -> 100 s. Feasible costs:
	// 100/3600*4*0.1, 40/3600*8*0.1, 60/3600*4*0.5.
	if want := 40.0 / 3600 * 8 * 0.1; math.Abs(ps[0].Optimum-want) > 1e-12 {
		t.Errorf("optimum %v, want %v", ps[0].Optimum, want)
	}
	ly := writeCSV(t, dir, "t2_demo_intermediate_values.csv",
		"n_workers,learning_rate,batch_size,synchronism,training_time,acc,vm_flavor\n"+
			"8,0.001,16,sync,100,0.9,t2.small\n"+
			"4,0.001,16,sync,100,0.9,t2.medium\n"+
			"8,0.00001,256,async,600,0.6,t2.small\n"+
			"1,0.0001,256,async,300,0.86,t2.2xlarge\n")
	ps, err = Load("lynceus", ly)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Name != "lynceus/demo" {
		t.Fatalf("%v", names(ps))
	}
	// Costs: 100/3600*10*0.023 = 0.0639, 100/3600*6*0.0464 = 0.0773,
	// 300/3600*3*0.3712 = 0.0928; the 0.6-accuracy run is infeasible.
	if want := 100.0 / 3600 * 10 * 0.023; math.Abs(ps[0].Optimum-want) > 1e-12 {
		t.Errorf("optimum %v, want %v", ps[0].Optimum, want)
	}
	var infeasible int
	for _, c := range ps[0].Candidates {
		if obs, _ := ps[0].Evaluate(c); !obs.Feasible() {
			infeasible++
		}
	}
	if infeasible != 1 {
		t.Errorf("%d infeasible rows, want 1", infeasible)
	}
	bad := writeCSV(t, dir, "bad.csv", "n_workers,learning_rate,batch_size,synchronism,training_time,acc,vm_flavor\n8,0.001,16,sync,100,0.9,m5.large\n")
	if _, err := Load("lynceus", bad); err == nil || !strings.Contains(err.Error(), "m5.large") {
		t.Errorf("unknown flavor: %v", err)
	}
}

func TestReadMOOT(t *testing.T) {
	dir := t.TempDir()
	writeCSV(t, dir, "m.csv", "root,flag,Size,mode,Other+,Perf-\n"+
		"1,0,10,a,5,30\n"+
		"1,1,10,a,5,20\n"+
		"1,1,1000,b,5,40\n"+
		"1,1,1000,b,5,60\n"+ // repeated configuration: mean 50
		"1,0,100,b,5,?\n") // missing measurement: dropped
	writeCSV(t, dir, "max.csv", "A,B,Thr+\n1,1,5\n1,2,9\n2,1,7\n")
	ps, err := Load("moot", dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(ps); !reflect.DeepEqual(got, []string{"moot/m", "moot/max"}) {
		t.Fatalf("tasks %v", got)
	}
	m := ps[0]
	var params []string
	for _, p := range m.Space.Params {
		params = append(params, p.Name+":"+string(p.Kind))
	}
	// root is constant, Other+ is another objective.
	if want := []string{"flag:int", "Size:int", "mode:categorical"}; !reflect.DeepEqual(params, want) {
		t.Errorf("parameters %v, want %v", params, want)
	}
	if !m.Space.Params[1].Log {
		t.Error("Size spans 10..1000: want a log scale")
	}
	if len(m.Candidates) != 3 || m.Optimum != 20 || m.Worst != 50 || m.Budget != 3 {
		t.Errorf("candidates %d, optimum %v, worst %v, budget %d", len(m.Candidates), m.Optimum, m.Worst, m.Budget)
	}
	if ps[1].Optimum != -9 {
		t.Errorf("maximized objective: optimum %v, want -9", ps[1].Optimum)
	}
	writeCSV(t, dir, "noobj.csv", "A,B\n1,2\n2,3\n")
	if _, err := Load("moot", filepath.Join(dir, "noobj.csv")); err == nil {
		t.Error("table without an objective column accepted")
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load("bogus", ""); err == nil {
		t.Error("unknown dataset accepted")
	}
	if _, err := Load("scout", filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing folder accepted")
	}
	if _, err := Load("scout", t.TempDir()); err == nil || !strings.Contains(err.Error(), "no .csv") {
		t.Errorf("empty folder: %v", err)
	}
	dir := t.TempDir()
	writeCSV(t, dir, "x.csv", "workload_id,vm_family\nw,c4\n")
	if _, err := Load("scout", dir); err == nil || !strings.Contains(err.Error(), "missing column") {
		t.Errorf("missing column: %v", err)
	}
}

func names(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestRunTrace(t *testing.T) {
	p := Branin()
	tr, err := Run(&p, optimize.Random, 1, 12, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 12 {
		t.Fatalf("trace of %d trials, want 12", len(tr))
	}
	for i := 1; i < len(tr); i++ {
		if tr[i] > tr[i-1] {
			t.Fatalf("best value rose at trial %d: %v", i+1, tr)
		}
	}
	if got := trialsTo(&p, Trace{100, 0.5, 0.42, 0.40}, 0.10); got != 3 {
		t.Errorf("trialsTo 10%% = %d, want 3", got)
	}
	if got := trialsTo(&p, Trace{100, 0.5}, 0.01); got != 3 {
		t.Errorf("never reached: %d, want budget + 1 = 3", got)
	}
}

// On a table the run stops at the optimum and pads the trace.
func TestRunStopsAtTableOptimum(t *testing.T) {
	dir := t.TempDir()
	writeCSV(t, dir, "m.csv", "A,Y-\n1,5\n2,1\n3,4\n")
	ps, err := Load("moot", dir)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Run(&ps[0], optimize.Sobol, 1, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 3 || tr[2] != 1 {
		t.Errorf("trace %v", tr)
	}
}

func TestBenchSmall(t *testing.T) {
	ps := []Problem{Branin()}
	o := Options{Algorithms: []optimize.Algorithm{optimize.Random, optimize.GP}, Seeds: 3, Budget: 8}
	one, err := Bench("branin", ps, o)
	if err != nil {
		t.Fatal(err)
	}
	o.Workers = 3
	par, err := Bench("branin", ps, o)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one, par) {
		t.Errorf("result depends on workers:\n%+v\n%+v", one, par)
	}
	if len(one.Optimizers) != 2 || one.Optimizers[1].Name != "gp" || one.Optimizers[1].Runs != 3 {
		t.Fatalf("report %+v", one)
	}
	for _, r := range one.Optimizers {
		if r.MedianTrialsTo10 < 1 || r.MedianTrialsTo10 > 9 || r.MedianRegretAtBudget < 0 || r.PerTask[0].Budget != 8 {
			t.Errorf("%+v", r)
		}
	}
	if _, err := Bench("branin", ps, Options{Algorithms: o.Algorithms}); err == nil {
		t.Error("0 seeds accepted")
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		v    []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7}, 7}} {
		if got := Median(c.v); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.v, got, c.want)
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median(nil) is not NaN")
	}
}

// sharedData is the folder of a shared dataset, or skips the test.
func sharedData(t *testing.T, dataset string) string {
	t.Helper()
	return shareddata.Dir(t, Folder(dataset))
}

// The real tables load with the documented shape.
func TestLoadSharedData(t *testing.T) {
	for _, c := range []struct {
		dataset    string
		tasks      int
		candidates int // of the first task
		feasible   int // of the first task, -1 to skip
	}{
		{"scout", 12, 69, 36},
		{"cherrypick", 3, 59, 31},
		{"lynceus", 2, 384, 272},
		{"moot", 9, 192, -1},
	} {
		t.Run(c.dataset, func(t *testing.T) {
			ps, err := Load(c.dataset, sharedData(t, c.dataset))
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) < c.tasks {
				t.Fatalf("%d tasks, want at least %d", len(ps), c.tasks)
			}
			p := &ps[0]
			if len(p.Candidates) != c.candidates {
				t.Errorf("%s: %d candidates, want %d", p.Name, len(p.Candidates), c.candidates)
			}
			feasible := 0
			best := math.Inf(1)
			for _, pt := range p.Candidates {
				obs, err := p.Evaluate(pt)
				if err != nil {
					t.Fatal(err)
				}
				if obs.Feasible() {
					feasible++
					best = math.Min(best, obs.Values[0])
				}
			}
			if c.feasible >= 0 && feasible != c.feasible {
				t.Errorf("%s: %d feasible rows, want %d", p.Name, feasible, c.feasible)
			}
			if best != p.Optimum {
				t.Errorf("%s: best feasible row %v, optimum %v", p.Name, best, p.Optimum)
			}
		})
	}
}
