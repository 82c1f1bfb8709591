package benchmark

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"tailor.dev/tailor/internal/optimize"
)

// Datasets lists the benchmark datasets.
var Datasets = []string{"scout", "cherrypick", "lynceus", "moot", "branin", "hartmann6"}

// Folder is the folder of a lookup dataset under the shared data root, ""
// for an analytic function.
func Folder(dataset string) string {
	return map[string]string{
		"scout":      "scout-multinode",
		"cherrypick": "cherrypick",
		"lynceus":    "lynceus-tensorflow",
		"moot":       "moot-config-perf",
	}[dataset]
}

// mootBudget is the default budget of a MOOT table: its largest tables
// have thousands of rows, more than any tuning session would try.
const mootBudget = 100

// Load returns the problems of a dataset: one per workload of a lookup
// dataset read from path (a folder of CSV files or one CSV file; every
// *.csv of a folder is read, so held-out tables of the same format join
// in), or the analytic function (path ignored).
func Load(dataset, path string) ([]Problem, error) {
	switch dataset {
	case "branin":
		return []Problem{Branin()}, nil
	case "hartmann6":
		return []Problem{Hartmann6()}, nil
	}
	read := map[string]func(name string, r io.Reader) ([]table, error){
		"scout": readScout, "cherrypick": readCherryPick, "lynceus": readLynceus, "moot": readMOOT,
	}[dataset]
	if read == nil {
		return nil, fmt.Errorf("dataset %q: want one of %s", dataset, strings.Join(Datasets, ", "))
	}
	files, err := csvFiles(path)
	if err != nil {
		return nil, err
	}
	budget := math.MaxInt // every row
	if dataset == "moot" {
		budget = mootBudget
	}
	var out []Problem
	for _, f := range files {
		tables, err := readFile(f, read)
		if err != nil {
			return nil, err
		}
		for _, t := range tables {
			p, err := t.problem(budget)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func readFile(path string, read func(string, io.Reader) ([]table, error)) ([]table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	t, err := read(stem, f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// csvFiles lists path itself, or the *.csv files of folder path.
func csvFiles(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	files, err := filepath.Glob(filepath.Join(path, "*.csv"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no .csv files", path)
	}
	slices.Sort(files)
	return files, nil
}

// records reads a CSV with a header row into maps from column name to
// field, checking that the required columns exist.
func records(r io.Reader, required ...string) (header []string, rows []map[string]string, err error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	all, err := cr.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	if len(all) < 2 {
		return nil, nil, errors.New("no data rows")
	}
	header = all[0]
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	for _, c := range required {
		if !slices.Contains(header, c) {
			return nil, nil, fmt.Errorf("missing column %q", c)
		}
	}
	for _, rec := range all[1:] {
		m := make(map[string]string, len(header))
		for i, h := range header {
			if i < len(rec) {
				m[h] = strings.TrimSpace(rec[i])
			}
		}
		rows = append(rows, m)
	}
	return header, rows, nil
}

func number(row map[string]string, col string) (float64, error) {
	v, err := strconv.ParseFloat(row[col], 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("column %s: %q is not a number", col, row[col])
	}
	return v, nil
}

// deadline is the runtime constraint of the cloud-configuration tables,
// following Lynceus (Casimiro et al., ICDCS 2020; GitHub
// marialcasimiro/Lynceus-ICDCS, ScoutVMCostGenerator.getTimeForSpecificConstraint
// with max_time_perc = 50%): sort the runtimes (failed runs last) and take
// the one at index round(n/2), so that about half of the configurations
// meet it.
func deadline(times []float64) float64 {
	s := slices.Clone(times)
	slices.Sort(s)
	return s[min(len(s)-1, int(math.Round(float64(len(s))*0.5)))]
}

// costRow is one configuration of a cloud table: the parameter fields, the
// runtime (NaN if the run failed) and the price of the run.
type costRow struct {
	fields  []string
	runtime float64
	cost    float64
}

// costTable builds a table minimizing cost under the runtime deadline; the
// constraint value is log(runtime / deadline). Failed runs are failed
// trials.
func costTable(name string, params []string, numeric []bool, rows []costRow) table {
	times := make([]float64, len(rows))
	for i, r := range rows {
		times[i] = r.runtime
		if math.IsNaN(r.runtime) {
			times[i] = math.Inf(1)
		}
	}
	dl := deadline(times)
	var obs []optimize.Observation
	var fields [][]string
	for _, r := range rows {
		fields = append(fields, r.fields)
		if math.IsNaN(r.runtime) {
			obs = append(obs, optimize.Observation{Failed: true})
			continue
		}
		obs = append(obs, optimize.Observation{Values: []float64{r.cost}, Constraints: []float64{math.Log(r.runtime / dl)}})
	}
	return buildTable(name, params, numeric, fields, obs)
}

// readScout reads the Scout multi-node table: one task per workload_id.
// Configuration: VM family (categorical), vCPUs per VM and number of VMs;
// objective: cost = elapsed / 3600 * VMs * on-demand price per VM-hour;
// constraint: the deadline; runs with completed=false failed.
func readScout(_ string, r io.Reader) ([]table, error) {
	_, rows, err := records(r, "workload_id", "vm_family", "vcpu_per_vm", "num_vms", "completed",
		"elapsed_time_s", "ondemand_usd_per_vm_hour_us_east_1_current")
	if err != nil {
		return nil, err
	}
	groups := map[string][]costRow{}
	for i, row := range rows {
		cr, err := scoutRow(row)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i+2, err)
		}
		groups[row["workload_id"]] = append(groups[row["workload_id"]], cr)
	}
	var out []table
	for _, w := range sortedKeys(groups) {
		out = append(out, costTable("scout/"+w, []string{"vm_family", "vcpu_per_vm", "num_vms"},
			[]bool{false, true, true}, groups[w]))
	}
	return out, nil
}

func scoutRow(row map[string]string) (costRow, error) {
	n, err := number(row, "num_vms")
	if err != nil {
		return costRow{}, err
	}
	price, err := number(row, "ondemand_usd_per_vm_hour_us_east_1_current")
	if err != nil {
		return costRow{}, err
	}
	cr := costRow{fields: []string{row["vm_family"], row["vcpu_per_vm"], row["num_vms"]}, runtime: math.NaN()}
	if row["completed"] == "true" {
		t, err := number(row, "elapsed_time_s")
		if err != nil {
			return costRow{}, err
		}
		cr.runtime, cr.cost = t, t/3600*n*price
	}
	return cr, nil
}

// readCherryPick reads one CherryPick table (one workload). Configuration:
// VM family (categorical), vCPUs per VM, number of VMs and disk type (when
// it varies); objective: cost = time / 3600 * VMs * vm_cost (the VM price
// per hour, as Lynceus prices these runs; disks are not priced); constraint:
// the deadline.
func readCherryPick(stem string, r io.Reader) ([]table, error) {
	_, rows, err := records(r, "num_machines", "time", "vm_name", "cpu_count", "disk_name", "vm_cost")
	if err != nil {
		return nil, err
	}
	name := strings.TrimPrefix(stem, "CP_")
	var crs []costRow
	for i, row := range rows {
		if e := row["exp_name"]; e != "" {
			name = e
		}
		n, err1 := number(row, "num_machines")
		t, err2 := number(row, "time")
		price, err3 := number(row, "vm_cost")
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("row %d: %w", i+2, err)
		}
		family, _, _ := strings.Cut(row["vm_name"], ".")
		crs = append(crs, costRow{fields: []string{family, row["cpu_count"], row["num_machines"], row["disk_name"]},
			runtime: t, cost: t / 3600 * n * price})
	}
	return []table{costTable("cherrypick/"+name, []string{"vm_family", "cpu_count", "num_machines", "disk_name"},
		[]bool{false, true, true, false}, crs)}, nil
}

// t2 holds the vCPUs and the us-east-1 Linux on-demand price (USD per hour)
// of the VM types of the Lynceus TensorFlow runs, from
// shared/data/aws-ec2-instance-types (the same t2 prices as in 2018).
var t2 = map[string]struct{ vcpu, price float64 }{
	"t2.small":   {1, 0.023},
	"t2.medium":  {2, 0.0464},
	"t2.xlarge":  {4, 0.1856},
	"t2.2xlarge": {8, 0.3712},
}

// lynceusTarget is the accuracy every Lynceus run tried to reach.
const lynceusTarget = 0.85

// readLynceus reads one Lynceus TensorFlow table. Configuration: vCPUs per
// VM, total worker cores, learning rate, batch size, sync/async (the grid of
// the Lynceus README); objective: cost = training_time / 3600 * (workers + 2)
// * price (a parameter server and a bookkeeper VM run beside the workers);
// constraint: accuracy >= 0.85 (value 0.85 - acc).
func readLynceus(stem string, r io.Reader) ([]table, error) {
	_, rows, err := records(r, "n_workers", "learning_rate", "batch_size", "synchronism", "training_time", "acc", "vm_flavor")
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(strings.TrimPrefix(stem, "t2_"), "_intermediate_values")
	var fields [][]string
	var obs []optimize.Observation
	for i, row := range rows {
		vm, ok := t2[row["vm_flavor"]]
		if !ok {
			return nil, fmt.Errorf("row %d: unknown vm_flavor %q", i+2, row["vm_flavor"])
		}
		n, err1 := number(row, "n_workers")
		t, err2 := number(row, "training_time")
		acc, err3 := number(row, "acc")
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("row %d: %w", i+2, err)
		}
		cores := strconv.FormatFloat(n*vm.vcpu, 'f', -1, 64)
		fields = append(fields, []string{strconv.FormatFloat(vm.vcpu, 'f', -1, 64), cores,
			row["learning_rate"], row["batch_size"], row["synchronism"]})
		obs = append(obs, optimize.Observation{Values: []float64{t / 3600 * (n + 2) * vm.price},
			Constraints: []float64{lynceusTarget - acc}})
	}
	return []table{buildTable("lynceus/"+name, []string{"vcpu_per_vm", "worker_cores", "learning_rate", "batch_size", "synchronism"},
		[]bool{true, true, true, true, false}, fields, obs)}, nil
}

// readMOOT reads one MOOT table. By MOOT's header convention the last
// column is the objective, minimized if its name ends in "-" and maximized
// (negated here) if it ends in "+"; other columns ending in "+", "-" or "X"
// are other objectives or ignored columns. Every other column is a
// parameter (constant ones are dropped). Repeated configurations are merged
// into their mean.
func readMOOT(stem string, r io.Reader) ([]table, error) {
	header, rows, err := records(r)
	if err != nil {
		return nil, err
	}
	objCol := header[len(header)-1]
	sign := map[byte]float64{'-': 1, '+': -1}[objCol[len(objCol)-1]]
	if sign == 0 {
		return nil, fmt.Errorf("last column %q: want an objective name ending in - or +", objCol)
	}
	var params []string
	for _, h := range header[:len(header)-1] {
		if !strings.HasSuffix(h, "+") && !strings.HasSuffix(h, "-") && !strings.HasSuffix(h, "X") {
			params = append(params, h)
		}
	}
	var fields [][]string
	var obs []optimize.Observation
	for _, row := range rows {
		y, err := number(row, objCol)
		if err != nil {
			continue // a missing measurement ("?"): not a candidate
		}
		f := make([]string, len(params))
		for j, p := range params {
			f[j] = row[p]
		}
		fields = append(fields, f)
		obs = append(obs, optimize.Observation{Values: []float64{sign * y}})
	}
	numeric := make([]bool, len(params))
	for j := range params {
		numeric[j] = true
	}
	return []table{buildTable("moot/"+stem, params, numeric, fields, obs)}, nil
}

// buildTable infers one parameter per column and encodes the rows,
// merging rows of the same configuration (mean of values and constraints;
// failed only if every run failed). A column is a categorical parameter if
// it is not numeric (or numeric is false); a numeric one is an Int if all
// its values are whole numbers, else a Float; it is on a log scale when its
// values are positive (>= 1 for an Int) and span a factor of 10 or more.
// Constant columns are dropped.
func buildTable(name string, cols []string, numeric []bool, fields [][]string, obs []optimize.Observation) table {
	t := table{name: name}
	var keep []int
	for j, c := range cols {
		vals := make([]string, len(fields))
		for i, f := range fields {
			vals[i] = f[j]
		}
		if p, ok := inferParam(c, vals, numeric[j]); ok {
			t.space.Params = append(t.space.Params, p)
			keep = append(keep, j)
		}
	}
	merged := map[string]int{}
	counts := []int{}
	for i, f := range fields {
		values := make([]optimize.Value, len(keep))
		for k, j := range keep {
			values[k] = parseValue(t.space.Params[k], f[j])
		}
		key := fmt.Sprint(values)
		at, dup := merged[key]
		if !dup {
			merged[key] = len(t.rows)
			counts = append(counts, 0)
			t.rows = append(t.rows, tableRow{values: values, obs: optimize.Observation{Failed: true}})
			at = len(t.rows) - 1
		}
		if obs[i].Failed {
			continue
		}
		r := &t.rows[at]
		if r.obs.Failed {
			r.obs = optimize.Observation{Values: slices.Clone(obs[i].Values), Constraints: slices.Clone(obs[i].Constraints)}
			counts[at] = 1
			continue
		}
		counts[at]++
		w := 1 / float64(counts[at])
		for k, v := range obs[i].Values {
			r.obs.Values[k] += w * (v - r.obs.Values[k])
		}
		for k, v := range obs[i].Constraints {
			r.obs.Constraints[k] += w * (v - r.obs.Constraints[k])
		}
	}
	return t
}

// inferParam makes the parameter of one column; false for a constant one.
func inferParam(name string, vals []string, numeric bool) (optimize.Param, bool) {
	uniq := map[string]bool{}
	for _, v := range vals {
		uniq[v] = true
	}
	if len(uniq) < 2 {
		return optimize.Param{}, false
	}
	lo, hi, whole := math.Inf(1), math.Inf(-1), true
	for v := range uniq {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			numeric = false
			break
		}
		lo, hi = math.Min(lo, x), math.Max(hi, x)
		whole = whole && x == math.Trunc(x) && math.Abs(x) < 1<<52
	}
	if !numeric {
		return optimize.Param{Name: name, Kind: optimize.Categorical, Values: sortedKeys(uniq)}, true
	}
	p := optimize.Param{Name: name, Kind: optimize.Float, Min: lo, Max: hi}
	if whole {
		p.Kind = optimize.Int
	}
	p.Log = lo > 0 && hi/lo >= 10 && (!whole || lo >= 1)
	return p, true
}

func parseValue(p optimize.Param, s string) optimize.Value {
	if p.Kind == optimize.Categorical {
		return optimize.Value{Kind: optimize.Categorical, Category: s}
	}
	x, _ := strconv.ParseFloat(s, 64) // inferParam checked it
	return optimize.Value{Kind: p.Kind, Num: x}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
