package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"tailor.dev/tailor/internal/shareddata"
	"testing"
)

// optJSON is the documented shape of bench optimizers -o json.
type optJSON struct {
	Dataset    string   `json:"dataset"`
	Tasks      []string `json:"tasks"`
	Optimizers []struct {
		Name                 string   `json:"name"`
		Seeds                int      `json:"seeds"`
		MedianTrialsTo10     *float64 `json:"median_trials_to_10pct"`
		MedianTrialsTo5      *float64 `json:"median_trials_to_5pct"`
		MedianRegretAtBudget *float64 `json:"median_regret_at_budget"`
	} `json:"optimizers"`
}

func parseOpt(t *testing.T, out string) optJSON {
	t.Helper()
	var rep optJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output is not JSON of the documented shape: %v\n%s", err, out)
	}
	for _, o := range rep.Optimizers {
		if o.MedianTrialsTo10 == nil || o.MedianTrialsTo5 == nil || o.MedianRegretAtBudget == nil {
			t.Fatalf("%s: a documented field is missing:\n%s", o.Name, out)
		}
		if *o.MedianTrialsTo5 < *o.MedianTrialsTo10 || *o.MedianRegretAtBudget < 0 {
			t.Errorf("%s: trials to 5%% %v < to 10%% %v or negative regret", o.Name, *o.MedianTrialsTo5, *o.MedianTrialsTo10)
		}
	}
	return rep
}

func TestBenchOptimizersBraninJSON(t *testing.T) {
	r := run("bench", "optimizers", "--dataset", "branin", "--seeds", "2", "--budget", "8", "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	rep := parseOpt(t, r.stdout)
	var names []string
	for _, o := range rep.Optimizers {
		names = append(names, o.Name)
		if o.Seeds != 2 || *o.MedianTrialsTo10 > 9 {
			t.Errorf("%s: %d seeds, %v trials to 10%% (budget 8)", o.Name, o.Seeds, *o.MedianTrialsTo10)
		}
	}
	if rep.Dataset != "branin" || strings.Join(names, ",") != "random,sobol,gp" {
		t.Errorf("dataset %q, optimizers %v", rep.Dataset, names)
	}
}

func TestBenchOptimizersTableOnSyntheticScout(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("workload_id,vm_family,vcpu_per_vm,num_vms,completed,elapsed_time_s,ondemand_usd_per_vm_hour_us_east_1_current\n")
	for _, w := range []string{"a", "b"} {
		for _, fam := range []string{"c4", "m4"} {
			for _, n := range []string{"2", "4", "8", "16"} {
				b.WriteString(w + "," + fam + ",2," + n + ",true," + map[string]string{"2": "4000", "4": "1900", "8": "1000", "16": "600"}[n] + ",0.1\n")
			}
		}
	}
	writeFile(t, dir, "scout.csv", b.String())
	out := filepath.Join(t.TempDir(), "bench.txt")
	r := run("bench", "optimizers", "--dataset", "scout", "--data", dir, "--seeds", "3", "--optimizers", "random,gp", "--out", out)
	if r.code != ExitOK || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dataset scout: 2 tasks", "TRIALS TO 10%", "VS RANDOM (10%)", "scout/a", "scout/b"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

func TestBenchOptimizersSharedData(t *testing.T) {
	data := shareddata.Dir(t, "cherrypick")
	r := run("bench", "optimizers", "--dataset", "cherrypick", "--data", data, "--seeds", "2", "--optimizers", "random,gp", "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	rep := parseOpt(t, r.stdout)
	if len(rep.Tasks) != 3 || len(rep.Optimizers) != 2 {
		t.Errorf("tasks %v, %d optimizers", rep.Tasks, len(rep.Optimizers))
	}
}

func TestBenchOptimizersBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none")
	empty := t.TempDir()
	bench := func(args ...string) []string { return append([]string{"bench", "optimizers"}, args...) }
	for _, c := range []failCase{
		{"no dataset", bench(), ExitUsage, "--dataset is required"},
		{"unknown dataset", bench("--dataset", "mnist"), ExitUsage, `--dataset "mnist"`},
		{"zero seeds", bench("--dataset", "branin", "--seeds", "0"), ExitUsage, "--seeds 0"},
		{"negative budget", bench("--dataset", "branin", "--budget", "-3"), ExitUsage, "--budget -3"},
		{"zero batch", bench("--dataset", "branin", "--batch", "0"), ExitUsage, "--batch 0"},
		{"unknown optimizer", bench("--dataset", "branin", "--optimizers", "random,tpe"), ExitUsage, `"tpe"`},
		{"repeated optimizer", bench("--dataset", "branin", "--optimizers", "gp,gp"), ExitUsage, `"gp" given twice`},
		{"unknown output", bench("--dataset", "branin", "-o", "yaml"), ExitUsage, `"yaml"`},
		{"positional argument", bench("--dataset", "branin", "extra"), ExitUsage, `"extra"`},
		{"missing data", bench("--dataset", "scout", "--data", missing), ExitError, missing},
		{"empty data folder", bench("--dataset", "moot", "--data", empty), ExitError, "no .csv files"},
		{"out folder missing", bench("--dataset", "branin", "--seeds", "1", "--budget", "3", "--out", filepath.Join(missing, "x.json")), ExitError, "--out"},
	} {
		r := run(c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", c.name, r.code, r.stderr, c.code, c.msg)
		}
	}
}
